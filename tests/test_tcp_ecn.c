/*
 * tests/test_tcp_ecn.c - ECN (RFC 3168) in stack/tcp_ecn.c as Linux 6.6
 * does it: negotiation by tcp_ecn (tcp_ecn_send_syn, tcp_ecn_rcv_syn,
 * tcp_ecn_send_synack, tcp_ecn_rcv_synack), ECT(0) on new data
 * (tcp_ecn_send), CE echoed as ECE until CWR (tcp_ecn_check_ce,
 * tcp_ecn_accept_cwr), one cwnd reduction per window (tcp_enter_cwr), and
 * the qdisc's CE marking (IF.ecn_mark, stack/dev.c).  The tap of
 * tcp_test.h records every segment's flags and TOS byte and marks chosen
 * data segments CE as a congested router would.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <sqlite3.h>

#include "stack/eth.h"
#include "tests/tcp_test.h"

#define MSS 1460u

static void
set_ecn(struct host *h, uint32_t ecn)
{
	struct tcp_config c = *tcp_config(h);
	c.ecn = ecn;
	tcp_set_config(h, &c);
}

static struct tcp_fx *
new_fx(uint32_t ecn_a, uint32_t ecn_b, bool trace)
{
	struct tcp_fx *fx = tcp_fx_new(&(struct tcp_fx_opts){
		.rate = 100000000, .delay = 5 * SIM_MS, .trace = trace, .no_timestamps = true });
	set_ecn(fx->a, ecn_a);
	set_ecn(fx->b, ecn_b);
	fx->src = TT_RENO_16K;
	return fx;
}

/* The first segment of @d after the handshake's SYNs with all of @flags,
 * or NULL. */
static struct tt_seg *
first_with(struct tt_dir *d, uint8_t flags)
{
	for (guint i = 0; i < d->segs->len; i++)
		if ((tt_seg(d, i)->flags & flags) == flags && !(tt_seg(d, i)->flags & TCPHDR_SYN))
			return tt_seg(d, i);
	return NULL;
}

/* RFC 3168 §6.1.1 with Linux's three values on each side: only a SYN
 * from tcp_ecn = 1 asks (ECE and CWR), a listener with 1 or 2 answers ECE
 * on its SYN-ACK, and then both ends use ECN: data carries ECT(0), SYNs
 * and pure ACKs Not-ECT.  Otherwise nothing carries an ECN mark. */
static void
test_negotiation_matrix_follows_tcp_ecn_on_each_side(void **state)
{
	(void)state;
	for (uint32_t ea = 0; ea <= 2; ea++) {
		for (uint32_t eb = 0; eb <= 2; eb++) {
			struct tcp_fx *fx = new_fx(ea, eb, false);
			tt_run_bulk(fx, 20 * 1024, tt_source, 2 * SIM_S);
			bool ok = ea == 1 && eb != 0;
			struct tt_seg *syn = tt_seg(&fx->ab, 0), *synack = tt_seg(&fx->ba, 0);
			assert_true(syn->flags & TCPHDR_SYN);
			assert_int_equal(syn->flags & (TCPHDR_ECE | TCPHDR_CWR),
					 ea == 1 ? (TCPHDR_ECE | TCPHDR_CWR) : 0);
			assert_true((synack->flags & (TCPHDR_SYN | TCPHDR_ACK)) ==
				    (TCPHDR_SYN | TCPHDR_ACK));
			assert_int_equal(synack->flags & (TCPHDR_ECE | TCPHDR_CWR),
					 ok ? TCPHDR_ECE : 0);
			assert_int_equal(!!(tcp_sk(fx->held[0])->ecn_flags & TCP_ECN_OK), ok);
			assert_int_equal(!!(tcp_sk(fx->held[1])->ecn_flags & TCP_ECN_OK), ok);
			assert_int_equal(syn->tos & INET_ECN_MASK, INET_ECN_NOT_ECT);
			assert_int_equal(synack->tos & INET_ECN_MASK, INET_ECN_NOT_ECT);
			unsigned data = 0;
			for (guint i = 1; i < fx->ab.segs->len; i++) {
				struct tt_seg *s = tt_seg(&fx->ab, i);
				if (s->len) {
					data++;
					assert_int_equal(s->tos & INET_ECN_MASK,
							 ok ? INET_ECN_ECT_0 : INET_ECN_NOT_ECT);
				} else {
					assert_int_equal(s->tos & INET_ECN_MASK, INET_ECN_NOT_ECT);
				}
				/* no congestion: no ECE, no CWR after the SYN */
				assert_int_equal(s->flags & (TCPHDR_ECE | TCPHDR_CWR), 0);
			}
			assert_true(data >= 14);
			for (guint i = 1; i < fx->ba.segs->len; i++) {
				assert_int_equal(tt_seg(&fx->ba, i)->tos & INET_ECN_MASK,
						 INET_ECN_NOT_ECT);
				assert_int_equal(tt_seg(&fx->ba, i)->flags & TCPHDR_ECE, 0);
			}
			tcp_fx_free(fx);
		}
	}
}

/* Data segment @nth (1-based) of @d. */
static struct tt_seg *
nth_data(struct tt_dir *d, uint32_t nth)
{
	for (guint i = 0; i < d->segs->len; i++)
		if (tt_seg(d, i)->len && --nth == 0)
			return tt_seg(d, i);
	fail();
	return NULL;
}

/* RFC 3168 §6.1.1.1 as Linux's tcp_ecn_clear_syn: the first SYN (ECE,
 * CWR) is lost, the retransmitted one carries neither, so the SYN-ACK has
 * no ECE and the connection goes on without ECN. */
static void
test_retransmitted_syn_falls_back_to_no_ecn(void **state)
{
	(void)state;
	struct tcp_fx *fx = new_fx(1, 1, false);
	fx->ab.blackhole = true;
	fx->rc[15] = 20 * 1024;
	socket_spawn(fx->b, "sink", 0, tt_bulk_sink, fx);
	socket_spawn(fx->a, "source", SIM_MS, tt_source, fx);
	sim_run_until(fx->sim, 500 * SIM_MS);
	fx->ab.blackhole = false;
	sim_run_until(fx->sim, 5 * SIM_S);
	assert_int_equal(fx->bytes[0], 20 * 1024);
	struct tt_seg *first = tt_seg(&fx->ab, 0), *again = tt_seg(&fx->ab, 1);
	assert_true(first->dropped);
	assert_int_equal(first->flags, TCPHDR_SYN | TCPHDR_ECE | TCPHDR_CWR);
	assert_int_equal(again->flags, TCPHDR_SYN);
	assert_int_equal(tt_seg(&fx->ba, 0)->flags & TCPHDR_ECE, 0);
	assert_int_equal(tcp_sk(fx->held[0])->ecn_flags & TCP_ECN_OK, 0);
	assert_int_equal(tcp_sk(fx->held[1])->ecn_flags & TCP_ECN_OK, 0);
	assert_int_equal(nth_data(&fx->ab, 1)->tos & INET_ECN_MASK, INET_ECN_NOT_ECT);
	tcp_fx_free(fx);
}

struct cc_row {
	int64_t cwnd, ssthresh;
	char state[12];
};

static GArray *
cc_rows(struct tcp_fx *fx)
{
	assert_true(trace_flush(fx->tr, NULL));
	sqlite3_stmt *st = NULL;
	assert_int_equal(sqlite3_prepare_v2(trace_db(fx->tr),
					    "SELECT cwnd, ssthresh, ca_state FROM tcp_cc "
					    "WHERE conn LIKE '10.0.0.1:%' ORDER BY rowid",
					    -1, &st, NULL),
			 SQLITE_OK);
	GArray *rows = g_array_new(FALSE, TRUE, sizeof(struct cc_row));
	while (sqlite3_step(st) == SQLITE_ROW) {
		struct cc_row r = { sqlite3_column_int64(st, 0), sqlite3_column_int64(st, 1), "" };
		g_strlcpy(r.state, (const char *)sqlite3_column_text(st, 2), sizeof r.state);
		g_array_append_val(rows, r);
	}
	sqlite3_finalize(st);
	return rows;
}

/*
 * Two data segments of one window marked CE (the 40th and 45th): b sets
 * ECE on its ACKs from the first mark until a's segment with CWR arrives,
 * and no more after; a sets CWR on exactly one segment, new data sent
 * after the first ECE; a reduces cwnd once (one CWR episode, ssthresh =
 * half the cwnd before, Reno), without a retransmission or a loss.
 */
static void
test_ce_is_echoed_until_cwr_and_cwnd_is_reduced_once(void **state)
{
	(void)state;
	struct tcp_fx *fx = new_fx(1, 2, true);
	fx->ab.ce_nth[fx->ab.nce++] = 40;
	fx->ab.ce_nth[fx->ab.nce++] = 45;
	tt_run_bulk(fx, 600 * 1024, tt_source, 10 * SIM_S);
	tt_dump(fx);
	struct tt_seg *ce = nth_data(&fx->ab, 40);
	assert_int_equal(ce->tos & INET_ECN_MASK, INET_ECN_CE);
	assert_int_equal(nth_data(&fx->ab, 45)->tos & INET_ECN_MASK, INET_ECN_CE);
	/* exactly one CWR, on new data after the first ECE reached a */
	struct tt_seg *ece = first_with(&fx->ba, TCPHDR_ECE | TCPHDR_ACK);
	assert_non_null(ece);
	assert_true(ece->t > ce->t);
	assert_true(ece->ack > ce->seq);
	struct tt_seg *cwr = NULL;
	unsigned ncwr = 0;
	for (guint i = 0; i < fx->ab.segs->len; i++) {
		struct tt_seg *s = tt_seg(&fx->ab, i);
		if (!(s->flags & TCPHDR_CWR) || (s->flags & TCPHDR_SYN))
			continue;
		ncwr++;
		cwr = s;
	}
	assert_int_equal(ncwr, 1);
	assert_true(cwr->len > 0);
	assert_true(cwr->t > ece->t);
	assert_true(after(cwr->seq, nth_data(&fx->ab, 45)->seq));
	/* ECE on every ACK b sent between the first mark's arrival and the
	 * CWR segment's, none after it */
	for (guint i = 0; i < fx->ba.segs->len; i++) {
		struct tt_seg *s = tt_seg(&fx->ba, i);
		if (s->flags & TCPHDR_SYN)
			continue;
		if (!before(s->ack, ce->seq + ce->len) && !after(s->ack, cwr->seq))
			assert_true(s->flags & TCPHDR_ECE);
		if (after(s->ack, cwr->seq))
			assert_false(s->flags & TCPHDR_ECE);
	}
	/* no loss, no retransmission */
	for (guint i = 0; i < fx->ab.segs->len; i++)
		assert_false(tt_seg(&fx->ab, i)->dropped);
	assert_int_equal(tcp_mib(fx->a)->retrans_segs, 0);
	/* one cwnd reduction: one CWR episode, ssthresh = cwnd / 2 */
	g_autoptr(GArray) rows = cc_rows(fx);
	struct cc_row *r = (struct cc_row *)(void *)rows->data;
	unsigned episodes = 0;
	int64_t ssthresh = -1;
	for (guint i = 1; i < rows->len; i++) {
		assert_string_not_equal(r[i].state, "Recovery");
		assert_string_not_equal(r[i].state, "Loss");
		if (!strcmp(r[i].state, "CWR") && strcmp(r[i - 1].state, "CWR") != 0) {
			episodes++;
			ssthresh = r[i].ssthresh;
			assert_int_equal(ssthresh, (r[i - 1].cwnd / MSS / 2) * MSS);
		}
	}
	assert_int_equal(episodes, 1);
	assert_int_equal(tcp_snd_ssthresh(tcp_sk(fx->held[0])) * MSS, (uint32_t)ssthresh);
	tcp_fx_free(fx);
}

/* Linux tcp_newly_delivered: every segment an ACK with ECE newly
 * acknowledges counts in TCPDeliveredCE (the tcp.delivered_ce metric),
 * the receiver's marks as the sender learns them. */
static void
test_segments_acked_with_ece_count_as_delivered_ce(void **state)
{
	(void)state;
	struct tcp_fx *fx = new_fx(1, 2, true);
	fx->ab.ce_nth[fx->ab.nce++] = 40;
	tt_run_bulk(fx, 600 * 1024, tt_source, 10 * SIM_S);
	/* from the tap: the data segments each ECE ACK newly covered */
	uint64_t expect = 0;
	uint32_t acked = tt_seg(&fx->ba, 0)->ack;
	for (guint i = 1; i < fx->ba.segs->len; i++) {
		struct tt_seg *s = tt_seg(&fx->ba, i);
		if (!after(s->ack, acked))
			continue;
		if (s->flags & TCPHDR_ECE)
			for (guint j = 0; j < fx->ab.segs->len; j++) {
				struct tt_seg *d = tt_seg(&fx->ab, j);
				if (d->len && !d->dropped && after(d->seq + d->len, acked) &&
				    !after(d->seq + d->len, s->ack))
					expect++;
			}
		acked = s->ack;
	}
	assert_true(expect > 0);
	assert_int_equal(tcp_mib(fx->a)->delivered_ce, expect);
	assert_int_equal(tcp_mib(fx->b)->delivered_ce, 0); /* b sent no data */
	tcp_fx_free(fx);
}

/* Without ECN (a's tcp_ecn = 2, the default: nobody asks) a segment
 * cannot be marked: it is Not-ECT, so the tap leaves it, and cwnd is
 * never reduced. */
static void
test_not_ect_segments_are_not_marked(void **state)
{
	(void)state;
	struct tcp_fx *fx = new_fx(2, 2, false);
	fx->ab.ce_nth[fx->ab.nce++] = 10;
	tt_run_bulk(fx, 100 * 1024, tt_source, 5 * SIM_S);
	assert_int_equal(nth_data(&fx->ab, 10)->tos & INET_ECN_MASK, INET_ECN_NOT_ECT);
	assert_null(first_with(&fx->ba, TCPHDR_ECE | TCPHDR_ACK));
	assert_int_equal(tcp_sk(fx->held[0])->ca_state, TCP_CA_Open);
	assert_true(tcp_snd_ssthresh(tcp_sk(fx->held[0])) * MSS >= TCP_INFINITE_SSTHRESH / 2);
	tcp_fx_free(fx);
}

/* An IPv4 packet (UDP, 100 bytes) with TOS @tos, ready for
 * dev_queue_xmit on @dev. */
static struct sk_buff *
ip_packet(struct net_device *dev, uint8_t tos)
{
	struct sk_buff *skb = skb_alloc(dev->host, 128, LAYER_IP);
	skb_reserve(skb, 14);
	struct iphdr *iph = (struct iphdr *)skb_put(skb, 100);
	memset(iph, 0, 100);
	ip_build_header(iph, 0x0a000001, 0x0a000002, NS_IPPROTO_UDP, 64, tos, 100, 1, false);
	skb_reset_network_header(skb);
	skb_push(skb, 14);
	memset(skb->data, 0, 14);
	skb->protocol = ETH_P_IP;
	skb->dev = dev;
	return skb;
}

/*
 * IF.ecn_mark = K (stack/dev.c qdisc_ecn_mark): with the driver's queue
 * stopped, the qdisc fills; each ECT packet that finds K or more queued is
 * marked CE, with a correct IP checksum; Not-ECT packets and those below
 * the threshold are left alone; nothing is dropped.
 */
static void
test_qdisc_marks_ect_packets_from_the_threshold_on(void **state)
{
	(void)state;
	struct tcp_fx *fx = tcp_fx_new(&(struct tcp_fx_opts){ .no_timestamps = true });
	struct net_device *dev = nic_dev(fx->na);
	dev->ecn_mark = 3;
	netif_stop_queue(dev);
	const uint8_t tos[] = { INET_ECN_ECT_0,	      INET_ECN_ECT_1,	INET_ECN_ECT_0,
				INET_ECN_ECT_0,	      INET_ECN_NOT_ECT, INET_ECN_ECT_1,
				0x20 | INET_ECN_ECT_0 };
	const uint8_t want[] = { INET_ECN_ECT_0,   INET_ECN_ECT_1, INET_ECN_ECT_0, INET_ECN_CE,
				 INET_ECN_NOT_ECT, INET_ECN_CE,	   INET_ECN_CE };
	for (size_t i = 0; i < sizeof tos; i++)
		assert_int_equal(dev_queue_xmit(ip_packet(dev, tos[i])), NET_XMIT_SUCCESS);
	assert_int_equal(skb_queue_len(&netdev_get_tx_queue(dev, 0)->qdisc), sizeof tos);
	assert_int_equal(dev->ecn_marked, 3);
	size_t i = 0;
	for (struct sk_buff *skb = skb_peek(&netdev_get_tx_queue(dev, 0)->qdisc); skb;
	     skb = skb->next, i++) {
		const struct iphdr *iph = (const struct iphdr *)skb_network_header(skb);
		assert_int_equal(iph->tos & INET_ECN_MASK, want[i]);
		assert_int_equal(iph->tos & ~INET_ECN_MASK, tos[i] & ~INET_ECN_MASK);
		assert_int_equal(ip_fast_csum(iph, 5), 0); /* the checksum still holds */
	}
	assert_int_equal(dev->stats.tx_dropped, 0);
	netif_wake_queue(dev);
	sim_run_until(fx->sim, SIM_MS);
	assert_int_equal(skb_queue_len(&netdev_get_tx_queue(dev, 0)->qdisc), 0);
	tcp_fx_free(fx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_negotiation_matrix_follows_tcp_ecn_on_each_side),
		cmocka_unit_test(test_retransmitted_syn_falls_back_to_no_ecn),
		cmocka_unit_test(test_ce_is_echoed_until_cwr_and_cwnd_is_reduced_once),
		cmocka_unit_test(test_segments_acked_with_ece_count_as_delivered_ce),
		cmocka_unit_test(test_not_ect_segments_are_not_marked),
		cmocka_unit_test(test_qdisc_marks_ect_packets_from_the_threshold_on),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

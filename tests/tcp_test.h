/*
 * tests/tcp_test.h - the two-host world the TCP tests (test_tcp.c,
 * test_tcp_cong.c) run on, and a tap that sees, records and can drop frames.
 *
 * Topology: host a (10.0.0.1) and host b (10.0.0.2), each with one NIC.
 * Each direction is its own wire: a's NIC sends on wire ab (side 0), whose
 * side 1 is the tap, which hands the frame to b's NIC with nic_rx_frame;
 * and the other way round on wire ba.  The tap records every TCP segment
 * (time, flags, sequence, payload length) and drops the frames a test asks
 * for: the Nth data segment of a direction, or everything while blackholed.
 * Deterministic single losses, without searching for an RNG seed.
 *
 * Header-only; static functions.  The fixture's teardown asserts that no
 * skb is alive and no event is pending once the hosts are freed.
 *
 * The bulk-transfer programs (test_tcp_ecn, test_tcp_loss, test_tcp_mib,
 * test_tcp_prr, test_tcp_rack, test_tcp_reorder, test_tcp_sack,
 * test_tcp_timestamps, test_tcp_timewait, test_tcp_tsq, test_tcp_undo)
 * share more: the
 * 100 Mbit/s, 10 ms-each-way world (tcp_fx_setup_wan, TT_WAN_TEST), one
 * source process on a configured by fx->src (tt_source, tt_run_segs), and
 * the tap's patterns by name (tt_drop, tt_late, tt_late_twice, tt_spike, tt_renege,
 * tt_no_timestamps) and its record (tt_times_sent, tt_nth_seq, tt_dropped).
 */
#ifndef NETSIM_TESTS_TCP_TEST_H
#define NETSIM_TESTS_TCP_TEST_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <stdio.h>
#include <string.h>

#include "sim/wire.h"
#include "stack/host.h"
#include "stack/ipv4.h"
#include "stack/netdevice.h"
#include "stack/nic.h"
#include "stack/socket.h"
#include "stack/inet.h"
#include "stack/tcp.h"
#include "trace/trace.h"

#define A_ADDR "10.0.0.1"
#define B_ADDR "10.0.0.2"
#define TT_MAX_DROPS 8

/* One TCP segment seen by the tap. */
struct tt_seg {
	sim_time_t t;
	uint32_t seq, ack;
	uint16_t win;
	uint8_t flags;
	uint8_t tos;	  /* the IP header's TOS byte (ECN: its low two bits) */
	uint16_t urg_ptr; /* the urgent pointer field */
	uint32_t len;	  /* payload bytes */
	uint32_t frame;	  /* frame bytes */
	bool dropped;
};

struct tt_dir {
	struct tcp_fx *fx;
	struct wire *w;
	struct nic *to;
	GArray *segs;			 /* struct tt_seg */
	uint32_t data_segs;		 /* data segments seen so far */
	uint32_t drop_nth[TT_MAX_DROPS]; /* 1-based numbers of data segments to drop */
	int ndrop;
	bool blackhole;
	/* Turn data segment number rst_nth (1-based; 0: none) into a RST|ACK
	 * whose sequence number is rst_seq_shift bytes beyond its own. */
	uint32_t rst_nth;
	uint32_t rst_seq_shift;
	/* 1-based numbers of data segments to mark CE when they are ECT */
	uint32_t ce_nth[TT_MAX_DROPS];
	int nce;
	/* Reordering: data segment number hold_nth (1-based; 0: none) is
	 * delivered hold_by later than the tap saw it.  A delay spike: every
	 * frame seen in [delay_from, delay_until) is delivered delay_by late. */
	uint32_t hold_nth;
	sim_time_t hold_by;
	sim_time_t delay_from, delay_until, delay_by;
	/* a second hold, armed once hold_nth has been seen (tt_late_twice) */
	uint32_t hold_next;
	/* SACK reneging, forged (tt_renege): from the first segment of this
	 * direction that acknowledges past the start of data segment
	 * renege_nth (1-based) of the other direction, and for renege_for
	 * (0: that one segment only), every segment's ACK stops there and
	 * its SACK blocks become NOPs.  renege_at: when it began. */
	uint32_t renege_nth;
	sim_time_t renege_for, renege_at;
};

/* What tt_source does on a (zero: the defaults in brackets). */
struct tt_source_opts {
	const char *cc;	   /* TCP_CONGESTION (the host's default) */
	size_t chunk;	   /* bytes a write (65536) */
	sim_time_t linger; /* how long it stays open after writing (0) */
	bool nodelay;	   /* TCP_NODELAY (off) */
};

/* The sources of the programs: Reno writing 16 KB at a time and closing at
 * once; Reno writing 64 KB at a time and staying open 1 s. */
#define TT_RENO_16K ((struct tt_source_opts){ .cc = "reno", .chunk = 16384 })
#define TT_RENO_LINGER ((struct tt_source_opts){ .cc = "reno", .linger = SIM_S })

struct tcp_fx {
	struct sim *sim;
	struct skb_pool *pool;
	struct trace *tr;
	struct host *a, *b;
	struct nic *na, *nb;
	struct tt_dir ab, ba;
	struct sock *held[4]; /* socks a test keeps an eye on (sock_hold) */
	/* scratch for the processes */
	int rc[16];
	int err[16];
	size_t bytes[4];
	int reads[4];
	bool match[4];
	sim_time_t t[8];
	struct tt_source_opts src; /* tt_source's */
};

struct tcp_fx_opts {
	uint64_t rate;	    /* bit/s of each direction; 0: 1 Gbit/s */
	sim_time_t delay;   /* one way; 0: 10 us */
	uint32_t b_mtu;	    /* host b's interface MTU; 0: 1500 */
	bool trace;	    /* an in-memory trace at summary level (tcp_cc rows) */
	bool no_timestamps; /* tcp_timestamps = 0 on both hosts: 1460-byte segments */
	bool tso;	    /* tcp-segmentation-offload on both NICs: GSO skbs */
	/* a CPU busy hook on host a / b from the start (without a trace) */
	cpu_busy_hook a_busy_hook, b_busy_hook;
	void *a_busy_arg, *b_busy_arg;
};

static inline struct tt_seg *
tt_seg(struct tt_dir *d, guint i)
{
	return &g_array_index(d->segs, struct tt_seg, i);
}

static void
tt_tap_tx_done(void *ctx)
{
	(void)ctx;
}

/* The TCP checksum of the segment at @th (@len bytes, IP header @ip) again,
 * after a forger changed it. */
static void
tt_tcp_recheck(const uint8_t *ip, uint8_t *th, uint32_t len)
{
	uint32_t saddr, daddr;
	th[16] = th[17] = 0;
	memcpy(&saddr, ip + 12, 4);
	memcpy(&daddr, ip + 16, 4);
	sum16_t check =
		csum_tcpudp_magic(ntohl(saddr), ntohl(daddr), len, 6, csum_partial(th, len, 0));
	memcpy(th + 16, &check, 2);
}

/* Rewrite the TCP segment in @f as a RST|ACK @shift bytes further on,
 * with a correct checksum: an attacker's blind in-window reset. */
static void
tt_forge_rst(struct wire_frame *f, uint32_t ihl, uint32_t tot, uint32_t shift, struct tt_seg *s)
{
	uint8_t *ip = f->data + 14, *th = ip + ihl;
	uint32_t len = tot - ihl, seq = s->seq + shift;
	th[4] = (uint8_t)(seq >> 24);
	th[5] = (uint8_t)(seq >> 16);
	th[6] = (uint8_t)(seq >> 8);
	th[7] = (uint8_t)seq;
	th[13] = TCPHDR_RST | TCPHDR_ACK;
	tt_tcp_recheck(ip, th, len);
	s->seq = seq;
	s->flags = th[13];
}

/* The sequence number of data segment @nth (1-based) of @d, if seen. */
static inline bool
tt_nth_seq_seen(struct tt_dir *d, uint32_t nth, uint32_t *seq)
{
	for (guint i = 0; i < d->segs->len; i++) {
		struct tt_seg *s = &g_array_index(d->segs, struct tt_seg, i);
		if (s->len && --nth == 0) {
			*seq = s->seq;
			return true;
		}
	}
	return false;
}

/* tt_dir renege_*: rewrite the ACK of the TCP segment in @f to @cap, turn
 * its SACK option into NOPs and fix the checksum. */
static void
tt_forge_renege(struct wire_frame *f, uint32_t ihl, uint32_t tot, uint32_t cap, struct tt_seg *s)
{
	uint8_t *ip = f->data + 14, *th = ip + ihl;
	uint32_t len = tot - ihl, doff = (th[12] >> 4) * 4u;
	th[8] = (uint8_t)(cap >> 24);
	th[9] = (uint8_t)(cap >> 16);
	th[10] = (uint8_t)(cap >> 8);
	th[11] = (uint8_t)cap;
	for (uint32_t o = 20; o < doff && th[o] != 0;) {
		if (th[o] == 1) {
			o++;
			continue;
		}
		uint32_t olen = o + 1 < doff ? th[o + 1] : 0;
		if (olen < 2 || o + olen > doff)
			break;
		if (th[o] == 5) /* SACK */
			memset(th + o, 1, olen);
		o += olen;
	}
	tt_tcp_recheck(ip, th, len);
	s->ack = cap;
}

/* A frame the tap holds back (tt_dir hold_nth, delay_by). */
struct tt_late {
	struct tt_dir *d;
	uint64_t id;
	uint32_t len;
	uint8_t data[];
};

static void
tt_late_rx(struct sim *sim, void *a, void *b)
{
	struct tt_late *l = a;
	(void)sim;
	(void)b;
	nic_rx_frame(l->d->to, l->data, l->len, l->id);
	g_free(l);
}

/* The tap: parse, record, maybe drop, else deliver (maybe late). */
static void
tt_tap_rx(void *ctx, struct wire_frame *f)
{
	struct tt_dir *d = ctx;
	bool drop = d->blackhole;
	sim_time_t now = sim_now(d->fx->sim), late = 0;
	if (now >= d->delay_from && now < d->delay_until)
		late = d->delay_by;
	if (f->len >= 14 + 20 && f->data[12] == 0x08 && f->data[13] == 0x00 && f->data[23] == 6) {
		const uint8_t *ip = f->data + 14;
		uint32_t ihl = (ip[0] & 15u) * 4, tot = (uint32_t)ip[2] << 8 | ip[3];
		const uint8_t *th = ip + ihl;
		uint32_t doff = (th[12] >> 4) * 4u;
		struct tt_seg s = {
			.t = sim_now(d->fx->sim),
			.seq = (uint32_t)th[4] << 24 | (uint32_t)th[5] << 16 |
				(uint32_t)th[6] << 8 | th[7],
			.ack = (uint32_t)th[8] << 24 | (uint32_t)th[9] << 16 |
				(uint32_t)th[10] << 8 | th[11],
			.win = (uint16_t)(th[14] << 8 | th[15]),
			.flags = th[13],
			.tos = ip[1],
			.urg_ptr = (uint16_t)(th[18] << 8 | th[19]),
			.len = tot - ihl - doff,
			.frame = f->len,
		};
		if (s.len > 0) {
			d->data_segs++;
			for (int i = 0; i < d->ndrop; i++)
				if (d->drop_nth[i] == d->data_segs)
					drop = true;
			for (int i = 0; i < d->nce; i++)
				if (d->ce_nth[i] == d->data_segs && (ip[1] & 3) &&
				    (ip[1] & 3) != 3) {
					uint8_t *w = f->data + 14; /* ECT -> CE, a router's mark */
					w[1] |= 3;
					w[10] = w[11] = 0;
					sum16_t c = ip_fast_csum(w, ihl / 4);
					memcpy(w + 10, &c, 2);
					s.tos = w[1];
				}
			if (d->rst_nth && d->rst_nth == d->data_segs)
				tt_forge_rst(f, ihl, tot, d->rst_seq_shift, &s);
			if (d->hold_nth && d->hold_nth == d->data_segs)
				late += d->hold_by;
		}
		struct tt_dir *other = d == &d->fx->ab ? &d->fx->ba : &d->fx->ab;
		uint32_t cap;
		if (d->renege_nth && (s.flags & TCPHDR_ACK) &&
		    tt_nth_seq_seen(other, d->renege_nth, &cap) && (int32_t)(s.ack - cap) > 0 &&
		    (!d->renege_at || now < d->renege_at + d->renege_for)) {
			if (!d->renege_at)
				d->renege_at = now;
			tt_forge_renege(f, ihl, tot, cap, &s);
		}
		s.dropped = drop;
		g_array_append_val(d->segs, s);
	}
	if (!drop && late) {
		struct tt_late *l = g_malloc(sizeof *l + f->len);
		*l = (struct tt_late){ .d = d, .id = f->skb_id, .len = f->len };
		memcpy(l->data, f->data, f->len);
		sim_schedule(d->fx->sim, late, tt_late_rx, l, NULL);
	} else if (!drop) {
		nic_rx_frame(d->to, f->data, f->len, f->skb_id);
	}
	wire_frame_free(d->w, f);
}

/* tcp_timestamps = 0 on both hosts: no TCP timestamps option, 1460-byte
 * segments on a 1500-byte MTU. */
static inline void
tt_no_timestamps(struct tcp_fx *fx)
{
	struct host *hs[] = { fx->a, fx->b };
	for (int i = 0; i < 2; i++) {
		struct tcp_config c = *tcp_config(hs[i]);
		c.timestamps = 0;
		tcp_set_config(hs[i], &c);
	}
}

static struct tcp_fx *
tcp_fx_new(const struct tcp_fx_opts *o)
{
	struct tcp_fx *fx = g_new0(struct tcp_fx, 1);
	GError *error = NULL;
	fx->sim = sim_new(7);
	fx->pool = skb_pool_new();
	if (o->trace) {
		fx->tr = trace_open(":memory:", TRACE_SUMMARY, false, &error);
		g_assert_no_error(error);
		g_assert_true(trace_begin_run(fx->tr, "tcp-test", "", 7, "test", &error));
	}
	fx->a = host_new(fx->sim, fx->tr, fx->pool, "a", 7);
	fx->b = host_new(fx->sim, fx->tr, fx->pool, "b", 7);
	if (o->a_busy_hook)
		cpu_set_busy_hook(fx->a->cpu, o->a_busy_hook, o->a_busy_arg);
	if (o->b_busy_hook)
		cpu_set_busy_hook(fx->b->cpu, o->b_busy_hook, o->b_busy_arg);
	struct wire_config wc;
	wire_config_init(&wc);
	if (o->rate)
		wc.rate = o->rate;
	if (o->delay)
		wc.delay = o->delay;
	struct nic_config nca, ncb;
	nic_config_init(&nca);
	nic_config_init(&ncb);
	if (o->b_mtu)
		ncb.mtu = o->b_mtu;
	nca.tso = ncb.tso = o->tso;
	fx->na = nic_new(fx->a, "eth0", NULL, &nca);
	fx->nb = nic_new(fx->b, "eth0", NULL, &ncb);
	fx->ab = (struct tt_dir){ .fx = fx, .to = fx->nb, .w = wire_new(fx->sim, "ab", &wc, 7) };
	fx->ba = (struct tt_dir){ .fx = fx, .to = fx->na, .w = wire_new(fx->sim, "ba", &wc, 8) };
	fx->ab.segs = g_array_new(FALSE, TRUE, sizeof(struct tt_seg));
	fx->ba.segs = g_array_new(FALSE, TRUE, sizeof(struct tt_seg));
	nic_connect(fx->na, fx->ab.w, 0);
	nic_connect(fx->nb, fx->ba.w, 0);
	wire_attach(fx->ab.w, 1, tt_tap_rx, tt_tap_tx_done, &fx->ab);
	wire_attach(fx->ba.w, 1, tt_tap_rx, tt_tap_tx_done, &fx->ba);
	g_assert_cmpint(dev_open(nic_dev(fx->na)), ==, 0);
	g_assert_cmpint(dev_open(nic_dev(fx->nb)), ==, 0);
	g_assert_true(inet_init(fx->a, NULL, NULL, &error));
	g_assert_true(inet_init(fx->b, NULL, NULL, &error));
	g_assert_true(inet_set_address_text(nic_dev(fx->na), A_ADDR "/24", &error));
	g_assert_true(inet_set_address_text(nic_dev(fx->nb), B_ADDR "/24", &error));
	socket_host_init(fx->a);
	socket_host_init(fx->b);
	if (o->no_timestamps)
		tt_no_timestamps(fx);
	return fx;
}

/* TT_DUMP=1 in the environment prints every segment the tap saw. */
static void
tt_dump(struct tcp_fx *fx)
{
	if (!g_getenv("TT_DUMP"))
		return;
	for (int d = 0; d < 2; d++) {
		struct tt_dir *dir = d ? &fx->ba : &fx->ab;
		for (guint i = 0; i < dir->segs->len; i++) {
			struct tt_seg *s = tt_seg(dir, i);
			fprintf(stderr, "%s %4u %12.6f %c%c%c%c%c seq %u ack %u win %u len %u%s\n",
				d ? "b>a" : "a>b", i, s->t / 1e9, s->flags & TCPHDR_SYN ? 'S' : '.',
				s->flags & TCPHDR_ACK ? 'A' : '.',
				s->flags & TCPHDR_FIN ? 'F' : '.',
				s->flags & TCPHDR_RST ? 'R' : '.',
				s->flags & TCPHDR_PSH ? 'P' : '.', s->seq, s->ack, s->win, s->len,
				s->dropped ? " DROPPED" : "");
		}
	}
}

static void
tcp_fx_free(struct tcp_fx *fx)
{
	tt_dump(fx);
	for (unsigned i = 0; i < G_N_ELEMENTS(fx->held); i++)
		if (fx->held[i])
			sock_put(fx->held[i]);
	host_free(fx->a);
	host_free(fx->b);
	wire_detach(fx->ab.w, 1);
	wire_detach(fx->ba.w, 1);
	wire_free(fx->ab.w);
	wire_free(fx->ba.w);
	g_array_free(fx->ab.segs, TRUE);
	g_array_free(fx->ba.segs, TRUE);
	struct skb_pool_stats ps;
	skb_pool_stats(fx->pool, &ps);
	g_assert_cmpuint(ps.live, ==, 0);
	g_assert_cmpuint(sim_events_pending(fx->sim), ==, 0);
	if (fx->tr)
		g_assert_true(trace_close(fx->tr, true, NULL));
	skb_pool_free(fx->pool);
	sim_free(fx->sim);
	g_free(fx);
}

static inline struct sockaddr_in
tt_sin(const char *addr, uint16_t port)
{
	struct sockaddr_in s = { .sin_family = AF_INET, .sin_port = htons(port) };
	inet_pton(AF_INET, addr, &s.sin_addr);
	return s;
}

/* Keep @fd's sock alive for inspection after the process closes it. */
static inline struct tcp_sock *
tt_hold(struct tcp_fx *fx, int slot, int fd)
{
	struct sock *sk = sockfd_lookup(fd)->sk;
	sock_hold(sk);
	fx->held[slot] = sk;
	return tcp_sk(sk);
}

/* Segments of @d with payload. */
static inline unsigned
tt_count_data(struct tt_dir *d)
{
	unsigned n = 0;
	for (guint i = 0; i < d->segs->len; i++)
		n += tt_seg(d, i)->len > 0;
	return n;
}

/* Segments of @d with no payload, no SYN/FIN/RST: pure ACKs. */
static inline unsigned
tt_count_pure_acks(struct tt_dir *d)
{
	unsigned n = 0;
	for (guint i = 0; i < d->segs->len; i++) {
		struct tt_seg *s = tt_seg(d, i);
		n += s->len == 0 && !(s->flags & (TCPHDR_SYN | TCPHDR_FIN | TCPHDR_RST));
	}
	return n;
}

/* The byte at stream offset @i of the test pattern. */
static inline char
tt_pattern(size_t i)
{
	return (char)(i % 251);
}

/* Read to EOF in @rsize reads; record bytes, reads and whether the pattern held. */
static inline int
tt_read_all(struct tcp_fx *fx, int slot, int fd, size_t rsize)
{
	static char buf[65536];
	ssize_t n;
	fx->match[slot] = true;
	while ((n = ns_read(fd, buf, MIN(rsize, sizeof buf))) > 0) {
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != tt_pattern(fx->bytes[slot] + (size_t)i))
				fx->match[slot] = false;
		fx->bytes[slot] += (size_t)n;
		fx->reads[slot]++;
	}
	return (int)n;
}

/* Write @total bytes of the pattern to @fd in writes of at most @chunk;
 * the bytes written (fewer if a write fails). */
static inline size_t
tt_write_pattern(int fd, size_t total, size_t chunk)
{
	static char buf[65536];
	size_t off = 0;
	while (off < total) {
		size_t n = MIN(MIN(chunk, total - off), sizeof buf);
		for (size_t i = 0; i < n; i++)
			buf[i] = tt_pattern(off + i);
		ssize_t w = ns_write(fd, buf, n);
		if (w <= 0)
			break;
		off += (size_t)w;
	}
	return off;
}

/* A process: accept one connection on port 5001 and read it to EOF into
 * slot 0 (bytes, whether the pattern held); the sock is held in held[1]. */
static inline int
tt_bulk_sink(struct proc *p, void *arg)
{
	(void)p;
	struct tcp_fx *fx = arg;
	int l = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in me = tt_sin("0.0.0.0", 5001);
	ns_bind(l, (struct sockaddr *)&me, sizeof me);
	ns_listen(l, 4);
	int c = ns_accept(l, NULL, NULL);
	tt_hold(fx, 1, c);
	tt_read_all(fx, 0, c, 65536);
	ns_close(c);
	ns_close(l);
	return 0;
}

/* Run @source on a (which writes fx->rc[15] = @bytes of the pattern to b
 * port 5001, its connect's result in rc[0] and the bytes written in rc[1])
 * against tt_bulk_sink on b until @until; all of it must arrive intact. */
static inline void
tt_run_bulk(struct tcp_fx *fx, int bytes, int (*source)(struct proc *, void *), sim_time_t until)
{
	fx->rc[15] = bytes;
	socket_spawn(fx->b, "sink", 0, tt_bulk_sink, fx);
	socket_spawn(fx->a, "source", SIM_MS, source, fx);
	sim_run_until(fx->sim, until);
	assert_int_equal(fx->rc[0], 0);
	assert_int_equal(fx->rc[1], bytes);
	assert_int_equal(fx->bytes[0], (size_t)bytes);
	assert_true(fx->match[0]);
}

/* ---- the bulk-transfer programs' pieces ---------------------------------------- */

/* A process on a: connect to b port 5001, hold the sock in held[0], write
 * fx->rc[15] bytes of the pattern (tt_run_bulk's contract: connect's
 * result in rc[0], bytes written in rc[1]), stay open fx->src.linger (late
 * ACKs and D-SACKs then find it ESTABLISHED) and close. */
static inline int
tt_source(struct proc *p, void *arg)
{
	(void)p;
	struct tcp_fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = tt_sin(B_ADDR, 5001);
	int one = 1;
	if (fx->src.nodelay)
		ns_setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (fx->src.cc)
		ns_setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, fx->src.cc,
			      (socklen_t)strlen(fx->src.cc));
	fx->rc[0] = ns_connect(s, (struct sockaddr *)&to, sizeof to);
	tt_hold(fx, 0, s);
	fx->rc[1] =
		(int)tt_write_pattern(s, (size_t)fx->rc[15], fx->src.chunk ? fx->src.chunk : 65536);
	if (fx->src.linger)
		ns_sleep(fx->src.linger);
	ns_close(s);
	return 0;
}

/* a's MSS on this world: 1448 bytes with timestamps, 1460 without. */
static inline uint32_t
tt_mss(struct tcp_fx *fx)
{
	return tcp_config(fx->a)->timestamps ? 1448 : 1460;
}

/* tt_run_bulk of @segs full segments by tt_source until 10 s; a's sock. */
static inline struct tcp_sock *
tt_run_segs(struct tcp_fx *fx, int segs)
{
	tt_run_bulk(fx, segs * (int)tt_mss(fx), tt_source, 10 * SIM_S);
	return tcp_sk(fx->held[0]);
}

/* The tap drops data segment @nth (1-based) of @d. */
static inline void
tt_drop(struct tt_dir *d, uint32_t nth)
{
	assert_true(d->ndrop < TT_MAX_DROPS);
	d->drop_nth[d->ndrop++] = nth;
}

/* Data segment @nth (1-based) of @d arrives @by late. */
static inline void
tt_late(struct tt_dir *d, uint32_t nth, sim_time_t by)
{
	d->hold_nth = nth;
	d->hold_by = by;
}

static void
tt_rearm(struct sim *sim, void *a, void *b)
{
	struct tt_dir *d = a;
	(void)b;
	if (d->data_segs >= d->hold_nth && d->hold_next) {
		d->hold_nth = d->hold_next;
		d->hold_next = 0;
		return;
	}
	if (d->hold_next)
		sim_schedule(sim, SIM_MS, tt_rearm, d, NULL);
}

/* Data segments @first and @second (0: none) of @d both arrive @by late.
 * The tap has one hold: the second is armed once the first has been seen
 * (checked every millisecond from 1 ms). */
static inline void
tt_late_twice(struct tt_dir *d, uint32_t first, uint32_t second, sim_time_t by)
{
	tt_late(d, first, by);
	d->hold_next = second;
	if (second)
		sim_schedule(d->fx->sim, SIM_MS, tt_rearm, d, NULL);
}

/* SACK reneging as the sender sees it: from the first ACK of @d past the
 * start of data segment @nth of the other direction, for @span (0: that
 * ACK only), @d's ACKs stop at that segment and carry no SACK blocks, as
 * if the receiver had dropped what it SACKed there. */
static inline void
tt_renege(struct tt_dir *d, uint32_t nth, sim_time_t span)
{
	d->renege_nth = nth;
	d->renege_for = span;
}

/* A delay spike: every frame of @d seen in [@from, @until) arrives @by late. */
static inline void
tt_spike(struct tt_dir *d, sim_time_t from, sim_time_t until, sim_time_t by)
{
	d->delay_from = from;
	d->delay_until = until;
	d->delay_by = by;
}

/* How many times a data segment of @d starting at @seq was sent. */
static inline int
tt_times_sent(struct tt_dir *d, uint32_t seq)
{
	int n = 0;
	for (guint i = 0; i < d->segs->len; i++)
		n += tt_seg(d, i)->seq == seq && tt_seg(d, i)->len;
	return n;
}

/* The tap's index in @d of the @nth (0-based) segment it dropped. */
static inline guint
tt_dropped(struct tt_dir *d, int nth)
{
	for (guint i = 0; i < d->segs->len; i++)
		if (tt_seg(d, i)->dropped && nth-- == 0)
			return i;
	fail();
	return 0;
}

/* The sequence number of data segment @nth (1-based) of @d. */
static inline uint32_t
tt_nth_seq(struct tt_dir *d, uint32_t nth)
{
	for (guint i = 0; i < d->segs->len; i++)
		if (tt_seg(d, i)->len && --nth == 0)
			return tt_seg(d, i)->seq;
	fail();
	return 0;
}

/*
 * cmocka fixtures for a test file whose state is the default world:
 * TCP_FIXTURE defines setup() (tcp_fx_new with no options) and teardown().
 */
static inline int
tcp_fx_setup(void **state)
{
	*state = tcp_fx_new(&(struct tcp_fx_opts){ 0 });
	return 0;
}

static inline int
tcp_fx_teardown(void **state)
{
	tcp_fx_free(*state);
	return 0;
}

/* The bulk-transfer programs' world: 100 Mbit/s, 10 ms each way. */
static inline int
tcp_fx_setup_wan(void **state)
{
	*state = tcp_fx_new(&(struct tcp_fx_opts){ .rate = 100000000, .delay = 10 * SIM_MS });
	return 0;
}

/* The same without timestamps (1460-byte segments). */
static inline int
tcp_fx_setup_wan_no_timestamps(void **state)
{
	*state = tcp_fx_new(&(struct tcp_fx_opts){
		.rate = 100000000, .delay = 10 * SIM_MS, .no_timestamps = true });
	return 0;
}

#define TT_WAN_TEST(f) cmocka_unit_test_setup_teardown(f, tcp_fx_setup_wan, tcp_fx_teardown)

#define TCP_FIXTURE                            \
	static int setup(void **state)         \
	{                                      \
		return tcp_fx_setup(state);    \
	}                                      \
	static int teardown(void **state)      \
	{                                      \
		return tcp_fx_teardown(state); \
	}

#endif

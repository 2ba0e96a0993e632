/*
 * stack/tcp_tsq.c - what holds TCP's transmission back besides the
 * windows: TCP Small Queues (TSQ), autocorking and TSO deferral.
 *
 * Linux counterpart (6.6): net/ipv4/tcp_output.c (tcp_small_queue_check,
 * tcp_wfree, tcp_tsq_write, tcp_tsq_handler, tcp_tasklet_func,
 * tcp_tso_should_defer, tcp_update_pacing_rate's rate as
 * tcp_tso_autosize reads it), net/ipv4/tcp.c (tcp_should_autocork,
 * tcp_push).
 *
 * TSQ: every skb TCP sends down is charged to its socket until it is
 * freed - by the TX completion (the NIC's ring reclaim), a qdisc drop, or
 * skb_orphan (loopback) - as Linux charges skb->truesize to sk_wmem_alloc
 * with the destructor tcp_wfree.  tcp_write_xmit stops while the charge is
 * above max(two skbs, 1 ms at the pacing rate), capped by
 * tcp_limit_output_bytes, and marks the socket TSQF_THROTTLED; the
 * completion that frees one of its skbs queues the socket on its CPU's TSQ
 * tasklet (Linux a TASKLET_SOFTIRQ tasklet), which runs as softirq work
 * on that CPU (COST_SOFTIRQ_ENTRY, then tcp_write_xmit's own charges) and
 * calls tcp_write_xmit again.  So a sender whose cwnd is wide open keeps
 * about 1 MB (at 10 Gbit/s) in the qdisc and the ring instead of its whole
 * window, and the next skbs are built when the NIC has room for them -
 * large ones, since the writer has filled the write queue meanwhile.
 *
 * Retransmissions: tcp_xmit_retransmit_queue (stack/tcp_sack.c) checks
 * TSQ with the limit doubled, and a retransmission whose previous copy is
 * still below TCP is not made (skb_still_in_host_queue, tcp_output.c);
 * both leave TSQF_THROTTLED for the completion to retry.
 *
 * Autocorking: tcp_push at the end of a write holds a short tail (less
 * than the size goal) while an earlier skb of the socket is still below
 * TCP; the completion sends it (the same TSQF_THROTTLED path), by when
 * the next write may have filled it.
 *
 * TSO deferral: tcp_write_xmit holds a GSO skb whose window share is
 * below the goal when an ACK is likely to open more soon (half an RTT
 * since the oldest unacknowledged skb went), as Linux does, for at most
 * 1 ms after the last send.
 *
 * Simplifications, named: the TSQ tasklet always runs as softirq work
 * (Linux runs it inside ksoftirqd when softirqs have been deferred to it);
 * a socket is never "owned by user" here (no socket lock), so
 * tcp_tsq_handler writes at once (Linux defers to tcp_release_cb);
 * skb_gso_segment shares the GSO skb's
 * charge out among its segments (stack/gso.c) instead of charging each its
 * own truesize; and there is no pacing (sk_pacing_status is
 * SK_PACING_NONE: no fq qdisc, no BBR), so the cap always applies.
 */
#include "stack/tcp_tsq.h"

#include "sim/check.h"
#include "sim/cpu.h"
#include "stack/host.h"
#include "stack/netdevice.h"

/* Linux sk_pacing_shift default (sk_pacing_shift_update): 1 ms of data */
#define SK_PACING_SHIFT 10
/* Linux sysctl tcp_pacing_ss_ratio, tcp_pacing_ca_ratio */
#define TCP_PACING_SS_RATIO 200
#define TCP_PACING_CA_RATIO 120

/*
 * Linux tcp_update_pacing_rate (6.6): cwnd / srtt times 200% in slow start
 * (cwnd < ssthresh / 2), else 120%; ~0UL before the first RTT sample.
 */
uint64_t
tcp_pacing_rate(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	if (tp->srtt <= 0)
		return UINT64_MAX;
	uint64_t ratio = tp->cwnd < tp->ssthresh / 2 ? TCP_PACING_SS_RATIO : TCP_PACING_CA_RATIO;
	return (uint64_t)tp->cwnd * ratio * (uint64_t)SIM_S / 100 / (uint64_t)tp->srtt;
}

/* ---- the TSQ tasklet: one per CPU (Linux DEFINE_PER_CPU tsq_tasklet) ------------- */

struct tsq_tasklet {
	struct cpu_work work;
	struct host *host;
	struct tcp_sock *head; /* sockets queued (TSQF_QUEUED), newest first as list_add */
};

struct tsq_state {
	struct tsq_tasklet cpu[HOST_MAX_CPUS];
};

static struct tsq_state *
tsq_state(struct host *host)
{
	void **slot = tcp_tsq_slot(host);
	if (!*slot)
		*slot = g_new0(struct tsq_state, 1);
	return *slot;
}

static bool
tsq_write_state(int state)
{
	return state == TCP_ESTABLISHED || state == TCP_FIN_WAIT1 || state == TCP_CLOSING ||
		state == TCP_CLOSE_WAIT || state == TCP_LAST_ACK;
}

/* Linux tcp_tsq_write (6.6), through tcp_tsq_handler. */
static void
tcp_tsq_write(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (!tsq_write_state(sk->sk_state))
		return;
	if (tp->lost_out > tp->retrans_out && tp->mss &&
	    tp->cwnd / tp->mss > tcp_packets_in_flight(tp))
		tcp_xmit_retransmit_queue(sk);
	tcp_write_xmit(sk);
}

/* Linux tcp_tasklet_func: every socket queued, in list order. */
static void
tsq_tasklet_func(struct cpu_work *w)
{
	struct tsq_tasklet *t = w->owner;
	struct tcp_sock *list = t->head;
	t->head = NULL;
	while (list) {
		struct tcp_sock *tp = list;
		list = tp->tsq_next;
		tp->tsq_next = NULL;
		tp->tsq_flags &= (uint8_t)~TSQF_QUEUED;
		if (!tcp_teardown(t->host))
			tcp_tsq_write(&tp->sk);
		sock_put(&tp->sk); /* the tasklet's reference (Linux sk_free) */
	}
}

void
tcp_tsq_host_fini(struct host *host)
{
	struct tsq_state *s = *tcp_tsq_slot(host);
	if (!s)
		return;
	for (uint32_t i = 0; i < HOST_MAX_CPUS; i++) {
		struct tsq_tasklet *t = &s->cpu[i];
		if (t->host && t->work.queued)
			cpu_withdraw(host->cpus[i], &t->work);
		while (t->head) {
			struct tcp_sock *tp = t->head;
			t->head = tp->tsq_next;
			tp->tsq_next = NULL;
			tp->tsq_flags &= (uint8_t)~TSQF_QUEUED;
			sock_put(&tp->sk);
		}
	}
	g_free(s);
	*tcp_tsq_slot(host) = NULL;
}

/* ---- the charge ------------------------------------------------------------------- */

static void
tsq_uncharge(struct sock *sk, uint32_t charge)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (tp->tsq_wmem < charge) { /* a charge given back twice */
		NS_CHECK(sock_bug(sk, "tcp_wfree", "TSQ charge (tsq_wmem) below zero"));
		charge = tp->tsq_wmem;
	}
	tp->tsq_wmem -= charge;
}

/* A pure ACK's destructor (Linux __sock_wfree): the charge only. */
static void
tcp_sock_wfree(struct sk_buff *skb)
{
	struct sock *sk = skb->sk;
	tsq_uncharge(sk, skb->wmem_charge);
	if (tcp_sk(sk)->tsq_wmem == 0)
		sock_put(sk);
}

/*
 * Linux tcp_wfree (6.6): the skb left the host (TX completion) or was
 * dropped below TCP.  A throttled socket not yet queued goes on this
 * CPU's TSQ tasklet, which is scheduled if its list was empty - unless
 * this runs in ksoftirqd and skbs of the socket are still queued ("we are
 * likely under stress. Wait until our queues (qdisc + devices) are
 * drained").
 */
static void
tcp_wfree(struct sk_buff *skb)
{
	struct sock *sk = skb->sk;
	struct tcp_sock *tp = tcp_sk(sk);
	struct host *host = sk->host;
	tsq_uncharge(sk, skb->wmem_charge);
	if (!host->tcp || tcp_teardown(host))
		goto out;
	struct cpu *cpu = host->cpu;
	if (tp->tsq_wmem && cpu_current_ctx(cpu) == CPU_TASK &&
	    cpu_current_task(cpu) == KSOFTIRQD_TASK)
		goto out;
	if (!(tp->tsq_flags & TSQF_THROTTLED) || (tp->tsq_flags & TSQF_QUEUED))
		goto out;
	tp->tsq_flags = (uint8_t)((tp->tsq_flags & ~TSQF_THROTTLED) | TSQF_QUEUED);
	sock_hold(sk);
	uint32_t id = cpu_id(cpu);
	struct tsq_tasklet *t = &tsq_state(host)->cpu[id];
	if (!t->host) {
		t->host = host;
		cpu_work_init(&t->work, tsq_tasklet_func, t, "tcp_tasklet_func");
	}
	bool empty = t->head == NULL;
	tp->tsq_next = t->head;
	t->head = tp;
	if (empty && !t->work.queued) /* tasklet_schedule */
		cpu_submit(cpu, &t->work, CPU_SOFTIRQ, cpu_cost(cpu, COST_SOFTIRQ_ENTRY));
out:
	if (tp->tsq_wmem == 0)
		sock_put(sk); /* the reference the charge held */
}

void
tcp_skb_set_owner_w(struct sock *sk, struct sk_buff *skb, bool pure_ack)
{
	struct tcp_sock *tp = tcp_sk(sk);
	g_assert(!skb->destructor);
	uint32_t charge = sock_skb_truesize(skb);
	if (tp->tsq_wmem == 0)
		sock_hold(sk); /* Linux: sk_wmem_alloc keeps the sock */
	tp->tsq_wmem += charge;
	skb->sk = sk;
	skb->wmem_charge = charge;
	skb->destructor = pure_ack ? tcp_sock_wfree : tcp_wfree;
}

/* ---- TCP Small Queues -------------------------------------------------------------- */

/* Linux tcp_rtx_queue_empty_or_single_skb: at most one skb sent and not
 * yet acknowledged.  Linux looks at the retransmission queue's first two
 * nodes; the write queue is contiguous (tcp_check: no gap, ending at
 * write_seq), so the second skb starts where the head ends, and the head's
 * end_seq answers without reading the second, a cold struct (perf). */
static bool
tcp_rtx_queue_empty_or_single_skb(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	const struct sk_buff *head = skb_peek(&sk->sk_write_queue);
	return !head || !before(TCP_SKB_CB(head)->end_seq, tp->snd_max);
}

/*
 * Linux tcp_small_queue_check (6.6): "Control number of packets in
 * qdisc/devices to two packets / or ~1 ms" - limit = max(2 * truesize,
 * sk_pacing_rate >> sk_pacing_shift), capped by tcp_limit_output_bytes
 * when the socket is not paced (SK_PACING_NONE), doubled for
 * retransmissions (@factor 1).  Over it, the socket is throttled unless
 * at most one skb is unacknowledged (tcp_rtx_queue_empty_or_single_skb,
 * a fix of 2024 in 6.8 and the 6.6 stable series; 6.6.0 tests
 * tcp_rtx_queue_empty): then no completion may come to call it back soon.
 */
/*
 * tsq_wmem > (tcp_pacing_rate(sk) >> SK_PACING_SHIFT) << @factor, without
 * the rate's division by srtt (perf: a third of tcp_small_queue_check's
 * time, called about three times a segment).  The rate is
 * floor(floor(X / 100) / srtt) = floor(X / (100 srtt)), X = cwnd * ratio *
 * SIM_S as tcp_pacing_rate computes it, so with D = 100 srtt 2^SHIFT the
 * limit is r 2^factor, r = floor(X / D), and w > r 2^factor <=>
 * q = floor((w - 1) / 2^factor) >= r <=> (q + 1) D > X.  An srtt of more
 * than 2^40 ns (18 minutes) takes the division, so that the product fits.
 */
static bool
tsq_over_pacing(const struct sock *sk, uint32_t w, unsigned factor)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	if (tp->srtt <= 0 || tp->srtt > ((sim_time_t)1 << 40))
		return w > (uint64_t)(tcp_pacing_rate(sk) >> SK_PACING_SHIFT) << factor;
	if (w == 0)
		return false;
	uint64_t ratio = tp->cwnd < tp->ssthresh / 2 ? TCP_PACING_SS_RATIO : TCP_PACING_CA_RATIO;
	uint64_t x = (uint64_t)tp->cwnd * ratio * (uint64_t)SIM_S;
	unsigned __int128 d = (unsigned __int128)((uint64_t)tp->srtt * 100) << SK_PACING_SHIFT;
	return (unsigned __int128)(((w - 1u) >> factor) + 1u) * d > x;
}

bool
tcp_small_queue_check(struct sock *sk, const struct sk_buff *skb, unsigned factor)
{
	struct tcp_sock *tp = tcp_sk(sk);
	/* limit = min(max(2 truesize, rate >> SHIFT), limit_output_bytes) << factor;
	 * the bounds first, then the rate */
	uint64_t two = 2 * (uint64_t)sock_skb_truesize(skb);
	uint64_t cap = tcp_config(sk->host)->limit_output_bytes;
	bool over;
	if (tp->tsq_wmem <= MIN(two, cap) << factor)
		over = false;
	else if (tp->tsq_wmem > cap << factor)
		over = true;
	else /* 2 truesize < w <= cap: over the limit iff over the rate's share */
		over = tsq_over_pacing(sk, tp->tsq_wmem, factor);
	if (over) {
		if (tcp_rtx_queue_empty_or_single_skb(sk))
			return false;
		tp->tsq_flags |= TSQF_THROTTLED;
		return true; /* Linux tests again after a barrier: no race here */
	}
	return false;
}

/* ---- autocorking ------------------------------------------------------------------ */

/*
 * Linux tcp_should_autocork (6.6 net/ipv4/tcp.c): the tail is shorter than
 * the size goal, tcp_autocorking is on, something is unacknowledged, and
 * the socket has more below TCP than the tail's truesize
 * (refcount_read(&sk->sk_wmem_alloc) > skb->truesize, the refcount
 * starting at 1).  tcp_skb_can_collapse_to: the tail is not marked EOR
 * (netsim has no MSG_EOR), and it is not sent yet.
 */
static bool
tcp_should_autocork(struct sock *sk, const struct sk_buff *skb, uint32_t size_goal)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	return skb->len < size_goal && tcp_config(sk->host)->autocorking &&
		after(tp->snd_max, tp->snd_una) && tp->tsq_wmem >= sock_skb_truesize(skb) &&
		!TCP_SKB_CB(skb)->when;
}

/*
 * Linux tcp_push's autocorking (6.6): count TCPAutoCorking and set
 * TSQF_THROTTLED the first time, so that tcp_wfree sends the tail; hold it
 * while the condition still holds.
 */
bool
tcp_autocork(struct sock *sk, const struct sk_buff *skb, uint32_t size_goal)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (!tcp_should_autocork(sk, skb, size_goal))
		return false;
	if (!(tp->tsq_flags & TSQF_THROTTLED)) {
		tcp_mib_mut(sk->host)->tcp_autocorking++;
		tp->tsq_flags |= TSQF_THROTTLED;
	}
	return tp->tsq_wmem >= sock_skb_truesize(skb);
}

/* ---- TSO deferral ------------------------------------------------------------------ */

/*
 * Linux tcp_tso_should_defer (6.6), for a GSO skb (more than one MSS)
 * that the windows allow to start: send now in recovery, when the last
 * send is more than 1 ms old, when a full goal (@max_segs MSS) fits, when
 * the skb is not the tail and fits whole, when 1/tcp_tso_win_divisor of
 * min(snd_wnd, cwnd) fits (with 0: more than 3 MSS), or when the oldest
 * unacknowledged skb went less than half an srtt ago (the next ACK is
 * not near); else defer - also with a FIN only if the window cuts it.
 */
bool
tcp_tso_should_defer(struct sock *sk, const struct sk_buff *skb, uint32_t max_segs)
{
	struct tcp_sock *tp = tcp_sk(sk);
	const struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	sim_time_t now = host_now(sk->host);
	uint32_t mss = tp->mss;
	if (tp->ca_state >= TCP_CA_Recovery || mss == 0)
		return false;
	if (now - tp->wstamp > SIM_MS) /* "only if the last write was recent (1 ms)" */
		return false;
	uint32_t in_flight = tcp_packets_in_flight(tp), cwnd = tp->cwnd / mss;
	if (cwnd <= in_flight)
		return false;
	uint32_t wnd_end = tp->snd_una + tp->snd_wnd;
	uint32_t send_win = after(wnd_end, cb->seq) ? wnd_end - cb->seq : 0;
	uint32_t cong_win = (cwnd - in_flight) * mss;
	uint32_t limit = MIN(send_win, cong_win);
	if (limit >= max_segs * mss)
		return false;
	if (skb->next && limit >= skb->len)
		return false;
	uint32_t divisor = tcp_config(sk->host)->tso_win_divisor;
	if (divisor) {
		uint32_t chunk = MIN(tp->snd_wnd, cwnd * mss) / divisor;
		if (limit >= chunk)
			return false;
	} else if (limit > 3 * mss) { /* tcp_max_tso_deferred_mss */
		return false;
	}
	const struct sk_buff *head = skb_peek(&sk->sk_write_queue);
	if (!head || !before(TCP_SKB_CB(head)->seq, tp->snd_max) || !TCP_SKB_CB(head)->when)
		return false; /* tcp_rtx_queue_head: nothing unacknowledged */
	if (now - TCP_SKB_CB(head)->when < tp->srtt / 2)
		return false; /* "If next ACK is likely to come too late (half srtt)" */
	if (cong_win < send_win) {
		if (cong_win <= skb->len) {
			tp->tso_defer_cwnd_limited = true; /* *is_cwnd_limited = true */
			return true;
		}
	} else if (send_win <= skb->len) {
		return true; /* rwnd-limited */
	}
	if (cb->flags & TCPHDR_FIN) /* "If this packet won't get more data, do not wait" */
		return false;
	return true;
}

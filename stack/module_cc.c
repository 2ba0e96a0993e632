/*
 * stack/module_cc.c - TCP congestion controls registered by plug-ins: the
 * calls of <netsim/tcp_cong.h>, and the contained calls into the
 * plug-in's algorithm.
 *
 * Linux counterpart: net/ipv4/tcp_cong.c tcp_register_congestion_control
 * (tcp_validate_congestion_control), called from a module's module_init,
 * and the helpers of include/net/tcp.h an algorithm module uses.
 *
 * Position:
 *   ns_module_init -> ns_tcp_register_congestion_control: a struct
 *       tcp_congestion_ops of trampolines (struct mod_cc) on the host
 *   setsockopt(TCP_CONGESTION) -> tcp_set_congestion_control ->
 *       module_cc_find: the socket's ca_ops is the trampolines' table
 *   tcp_ack ... -> tp->ca_ops->cong_avoid -> mcc_cong_avoid -> (contained)
 *       the plug-in's cong_avoid -> ns_tcp_snd_cwnd_set ...
 *
 * A fault in the plug-in's function disables the module on its host
 * (mod_disable, as for a protocol module); the socket whose call faulted,
 * and every other one of that algorithm at its next call, go on with Reno
 * (tcp_reno), so the connection survives.  A struct mod_cc outlives its
 * module (a connection may still point at it when the host's modules end):
 * the tables are freed when netsim exits.
 */
#include "stack/module_int.h"
#include "stack/tcp.h"
#include "stack/tcp_cong.h"
#include "include/netsim/tcp_cong.h"

/* One algorithm of one module on one host. */
struct mod_cc {
	struct tcp_congestion_ops ops; /* first: tp->ca_ops points here */
	const struct ns_tcp_congestion_ops *user;
	struct mod_host *mh; /* NULL once the module is freed */
};

static GPtrArray *mcc_all; /* every struct mod_cc, freed at exit */

static void __attribute__((destructor)) mcc_free_all(void)
{
	if (mcc_all)
		g_ptr_array_free(mcc_all, TRUE);
}

G_STATIC_ASSERT(NS_TCP_CA_NAME_MAX == TCP_CA_NAME_MAX);
G_STATIC_ASSERT(NS_TCP_CA_PRIV_SIZE == TCP_CA_PRIV_SIZE);
G_STATIC_ASSERT(NS_TCP_INFINITE_SSTHRESH == TCP_INFINITE_SSTHRESH);
G_STATIC_ASSERT((int)NS_TCP_CA_Loss == (int)TCP_CA_Loss);

/* ---- the trampolines: tp->ca_ops of a socket using a module's algorithm --------------- */

/* The module's algorithm of @sk, or NULL when the module is disabled or
 * gone: then @sk continues with Reno, its private area zeroed (Linux's
 * tcp_reinit_congestion_control). */
static struct mod_cc *
mcc_live(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	struct mod_cc *m = (struct mod_cc *)tp->ca_ops;
	if (m->mh && !m->mh->disabled)
		return m;
	tp->ca_ops = &tcp_reno;
	memset(tp->ca_priv, 0, sizeof tp->ca_priv);
	return NULL;
}

/* Call the plug-in's @call for @sk, contained; @sk is the one socket its
 * ns_tcp_* calls may name.  After a fault @sk goes on with Reno and
 * @on_fault runs. */
#define MCC_CALL(m, sk, where, call, on_fault)                      \
	do {                                                        \
		struct mod_host *mh_ = (m)->mh;                     \
		struct sock *saved_sk_ = mh_->cc_sk;                \
		mh_->cc_sk = (sk);                                  \
		MOD_CALL(mh_, where, call, mcc_live(sk); on_fault); \
		mh_->cc_sk = saved_sk_;                             \
	} while (0)

static uint32_t
mcc_ssthresh(struct sock *sk)
{
	struct mod_cc *m = mcc_live(sk);
	if (!m)
		return tcp_reno.ssthresh(sk);
	volatile uint32_t r = 0;
	MCC_CALL(m, sk, "its ssthresh", r = m->user->ssthresh(sk), r = tcp_reno.ssthresh(sk));
	/* Linux takes what the algorithm says; a threshold under two segments
	 * would stall the connection, which tcp_reno_ssthresh never gives. */
	return MAX(r, 2u);
}

static void
mcc_cong_avoid(struct sock *sk, uint32_t ack, uint32_t acked)
{
	struct mod_cc *m = mcc_live(sk);
	if (!m) {
		tcp_reno.cong_avoid(sk, ack, acked);
		return;
	}
	MCC_CALL(m, sk, "its cong_avoid", m->user->cong_avoid(sk, ack, acked),
		 tcp_reno.cong_avoid(sk, ack, acked));
}

static uint32_t
mcc_undo_cwnd(struct sock *sk)
{
	struct mod_cc *m = mcc_live(sk);
	if (!m)
		return tcp_reno.undo_cwnd(sk);
	volatile uint32_t r = 0;
	MCC_CALL(m, sk, "its undo_cwnd", r = m->user->undo_cwnd(sk), r = tcp_reno.undo_cwnd(sk));
	return MAX(r, 1u);
}

static void
mcc_init(struct sock *sk)
{
	struct mod_cc *m = mcc_live(sk);
	if (m && m->user->init)
		MCC_CALL(m, sk, "its init", m->user->init(sk), (void)0);
}

static void
mcc_set_state(struct sock *sk, uint8_t new_state)
{
	struct mod_cc *m = mcc_live(sk);
	if (m && m->user->set_state)
		MCC_CALL(m, sk, "its set_state", m->user->set_state(sk, new_state), (void)0);
}

static void
mcc_pkts_acked(struct sock *sk, const struct ack_sample *s)
{
	struct mod_cc *m = mcc_live(sk);
	if (!m || !m->user->pkts_acked)
		return;
	const struct ns_ack_sample ns = { s->pkts_acked, s->rtt_us, s->in_flight };
	MCC_CALL(m, sk, "its pkts_acked", m->user->pkts_acked(sk, &ns), (void)0);
}

/* ---- registration ------------------------------------------------------------------------ */

static bool
mcc_name_ok(const char *name)
{
	size_t n = name ? strnlen(name, NS_TCP_CA_NAME_MAX) : 0;
	if (n == 0 || n >= NS_TCP_CA_NAME_MAX)
		return false;
	for (size_t i = 0; i < n; i++)
		if (!g_ascii_isgraph(name[i]))
			return false;
	return true;
}

const struct tcp_congestion_ops *
module_cc_find(const struct host *host, const char *name)
{
	for (guint i = 0; mcc_all && i < mcc_all->len; i++) {
		const struct mod_cc *m = mcc_all->pdata[i];
		if (m->mh && m->mh->host == host && !m->mh->disabled &&
		    strcmp(m->ops.name, name) == 0)
			return &m->ops;
	}
	return NULL;
}

void
module_cc_forget(struct mod_host *mh)
{
	for (guint i = 0; mcc_all && i < mcc_all->len; i++) {
		struct mod_cc *m = mcc_all->pdata[i];
		if (m->mh == mh)
			m->mh = NULL;
	}
}

/* Linux tcp_register_congestion_control / tcp_validate_congestion_control:
 * ssthresh, undo_cwnd and cong_avoid are required (Linux also accepts
 * cong_control instead of cong_avoid; netsim has no cong_control). */
int
ns_tcp_register_congestion_control(const struct ns_tcp_congestion_ops *ca)
{
	KSCOPE();
	struct mod_host *mh = mod_here(__func__);
	if (!ca || !ca->ssthresh || !ca->cong_avoid || !ca->undo_cwnd || !mcc_name_ok(ca->name))
		return -EINVAL;
	if (tcp_ca_find(ca->name) || module_cc_find(mh->host, ca->name))
		return -EEXIST;
	struct mod_cc *m = g_new0(struct mod_cc, 1);
	m->user = ca;
	m->mh = mh;
	m->ops = (struct tcp_congestion_ops){
		.ssthresh = mcc_ssthresh,
		.cong_avoid = mcc_cong_avoid,
		.undo_cwnd = mcc_undo_cwnd,
		.init = ca->init ? mcc_init : NULL,
		.set_state = ca->set_state ? mcc_set_state : NULL,
		.pkts_acked = ca->pkts_acked ? mcc_pkts_acked : NULL,
		.flags = TCP_CONG_NON_RESTRICTED,
	};
	g_strlcpy(m->ops.name, ca->name, sizeof m->ops.name);
	if (!mcc_all)
		mcc_all = g_ptr_array_new_with_free_func(g_free);
	g_ptr_array_add(mcc_all, m);
	if (mh->protos->len)
		g_string_append_c(mh->protos, ',');
	g_string_append(mh->protos, ca->name);
	return 0;
}

/* ---- what an algorithm reads and sets ----------------------------------------------------- */

/* @sk must be the socket the running function was given. */
static struct tcp_sock *
mcc_tp(struct sock *sk, const char *call)
{
	struct mod_host *mh = mod_here(call);
	if (!sk || sk != mh->cc_sk)
		mod_bad(call, "not the socket this function was called for");
	return tcp_sk(sk);
}

uint32_t
ns_tcp_snd_cwnd(struct sock *sk)
{
	KSCOPE();
	return tcp_snd_cwnd(mcc_tp(sk, __func__));
}

void
ns_tcp_snd_cwnd_set(struct sock *sk, uint32_t segs)
{
	KSCOPE();
	struct tcp_sock *tp = mcc_tp(sk, __func__);
	/* Linux tcp_snd_cwnd_set: WARN_ON_ONCE((int)val <= 0) */
	if (segs == 0 || segs > (uint32_t)INT32_MAX)
		mod_bad(__func__, "a cwnd of 0 or above 2^31 segments");
	tcp_snd_cwnd_set(tp, segs);
}

uint32_t
ns_tcp_snd_ssthresh(struct sock *sk)
{
	KSCOPE();
	return tcp_snd_ssthresh(mcc_tp(sk, __func__));
}

uint32_t
ns_tcp_prior_cwnd(struct sock *sk)
{
	KSCOPE();
	return mcc_tp(sk, __func__)->prior_cwnd;
}

uint8_t
ns_tcp_ca_state(struct sock *sk)
{
	KSCOPE();
	return mcc_tp(sk, __func__)->ca_state;
}

bool
ns_tcp_in_slow_start(struct sock *sk)
{
	KSCOPE();
	return tcp_in_slow_start(mcc_tp(sk, __func__));
}

bool
ns_tcp_is_cwnd_limited(struct sock *sk)
{
	KSCOPE();
	mcc_tp(sk, __func__);
	return tcp_is_cwnd_limited(sk);
}

uint32_t
ns_tcp_slow_start(struct sock *sk, uint32_t acked)
{
	KSCOPE();
	return tcp_slow_start(mcc_tp(sk, __func__), acked);
}

void
ns_tcp_cong_avoid_ai(struct sock *sk, uint32_t w, uint32_t acked)
{
	KSCOPE();
	struct tcp_sock *tp = mcc_tp(sk, __func__);
	/* Linux divides by w; netsim's tcp_cong_avoid_ai takes 0 as 1 */
	tcp_cong_avoid_ai(tp, MAX(w, 1u), acked);
}

void *
ns_inet_csk_ca(struct sock *sk)
{
	KSCOPE();
	mcc_tp(sk, __func__);
	return inet_csk_ca(sk);
}

uint32_t
ns_tcp_jiffies32(struct sock *sk)
{
	KSCOPE();
	mcc_tp(sk, __func__);
	return tcp_jiffies32(sk);
}

uint64_t
ns_tcp_clock_us(struct sock *sk)
{
	KSCOPE();
	mcc_tp(sk, __func__);
	return (uint64_t)(host_now(sk->host) / SIM_US);
}

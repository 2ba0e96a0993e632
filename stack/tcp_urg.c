/*
 * stack/tcp_urg.c - TCP urgent data: send(MSG_OOB), the URG flag and the
 * urgent pointer, the out-of-band byte held aside, recv(MSG_OOB),
 * SO_OOBINLINE and ioctl(SIOCATMARK).
 *
 * Linux counterpart (6.6; behaviour checked against a 6.18 kernel over
 * loopback, the same): net/ipv4/tcp.c (tcp_mark_urg from tcp_push,
 * tcp_recv_urg, the urgent-mark handling of tcp_recvmsg_locked, tcp_poll's
 * EPOLLPRI, tcp_ioctl's SIOCATMARK), net/ipv4/tcp_output.c
 * (__tcp_transmit_skb writes th->urg and th->urg_ptr, tcp_nagle_test sends
 * urgent data past Nagle), net/ipv4/tcp_input.c (tcp_urg, tcp_check_urg,
 * and tcp_clean_rtx_queue ending urgent mode).  RFC 9293 §3.8.5 and
 * RFC 6093 (the pointer points one byte past the urgent byte, as BSD and
 * Linux with net.ipv4.tcp_stdurg = 0, the default, both do).
 *
 * The model of the reader: the urgent byte stays in the byte stream on
 * sk_receive_queue (as in Linux); a copy waits in tp->urg_data.  Without
 * SO_OOBINLINE a normal read stops at the mark and then skips the byte;
 * once the reader is past the mark the copy is gone (recv(MSG_OOB) gives
 * EINVAL).  With SO_OOBINLINE the byte is read in line and recv(MSG_OOB)
 * gives EINVAL.  Linux's copied_seq is not a field here: it is worked out
 * from the head of the receive queue (tcp_copied_seq).  SIGURG is not
 * modelled (a simulated process has no signals): select/poll report the
 * byte as an exceptional condition (POLLPRI) instead.
 */
#include "stack/tcp.h"

#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include "stack/host.h"

/* The sequence number of the first payload byte of a queued segment. */
static uint32_t
tcp_skb_data_seq(const struct sk_buff *skb)
{
	const struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	return cb->end_seq - !!(cb->flags & TCPHDR_FIN) - skb->len;
}

/* Linux tp->copied_seq: the next byte a read returns. */
uint32_t
tcp_copied_seq(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	const struct sk_buff *skb = skb_peek(&sk->sk_receive_queue);
	if (skb)
		return tcp_skb_data_seq(skb) + TCP_SKB_CB(skb)->consumed;
	return tp->rcv_nxt - (tp->fin_received ? 1u : 0u);
}

/* The next byte to read is the urgent byte, held out of line. */
bool
tcp_urg_at_head(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	return tp->urg_data && !sk->urginline && !skb_queue_empty(&sk->sk_receive_queue) &&
		tp->urg_seq == tcp_copied_seq(sk);
}

/*
 * A normal read would return a byte now (Linux tcp_poll and
 * tcp_stream_is_readable: the target is one byte more when the reader
 * stands at an out-of-line urgent byte).
 */
bool
tcp_readable(const struct sock *sk)
{
	const struct sk_buff *skb = skb_peek(&sk->sk_receive_queue);
	if (!skb)
		return false;
	if (!tcp_urg_at_head(sk))
		return true;
	return skb->len - TCP_SKB_CB(skb)->consumed > 1 || skb->next;
}

/* ---- sending ------------------------------------------------------------------------ */

/* Linux tcp_mark_urg (from tcp_push): the urgent pointer follows the last
 * byte written by send(MSG_OOB). */
void
tcp_mark_urg(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	tp->snd_up = tp->write_seq;
	tp->snd_urg = true;
}

/* Linux __tcp_transmit_skb: every segment sent before snd_up, data or a
 * pure ACK, carries URG and the offset of snd_up from its own sequence. */
void
tcp_urg_xmit(struct sock *sk, struct tcphdr *th, uint32_t seq)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (!tcp_urg_mode(tp) || !before(seq, tp->snd_up))
		return;
	if (before(tp->snd_up, seq + 0x10000)) {
		th->urg_ptr = htons((uint16_t)(tp->snd_up - seq));
		th->flags |= TCPHDR_URG;
	} else if (after(seq + 0xFFFF, tp->snd_nxt)) {
		th->urg_ptr = htons(0xFFFF);
		th->flags |= TCPHDR_URG;
	}
}

/* Linux tcp_clean_rtx_queue: once the urgent byte is acknowledged the
 * sender leaves urgent mode. */
void
tcp_urg_acked(struct sock *sk, uint32_t prior_snd_una)
{
	struct tcp_sock *tp = tcp_sk(sk);
	/* between(snd_up, prior_snd_una, snd_una) */
	if (tp->snd_urg && tp->snd_una - prior_snd_una >= tp->snd_up - prior_snd_una)
		tp->snd_urg = false;
}

/* ---- receiving ---------------------------------------------------------------------- */

/* Linux tcp_check_urg: a segment with URG names a new urgent byte. */
static void
tcp_check_urg(struct sock *sk, const struct tcphdr *th, uint32_t seq)
{
	struct tcp_sock *tp = tcp_sk(sk);
	uint32_t ptr = ntohs(th->urg_ptr);
	if (ptr) /* net.ipv4.tcp_stdurg = 0: the pointer is one past the byte */
		ptr--;
	ptr += seq;
	uint32_t copied_seq = tcp_copied_seq(sk);
	if (after(copied_seq, ptr))
		return; /* already seen and read */
	if (before(ptr, tp->rcv_nxt))
		return; /* do not replay an urgent pointer into received data */
	if (tp->urg_data && !after(ptr, tp->urg_seq))
		return; /* the same or an older pointer */
	/*
	 * A new urgent byte while the reader stands at the old one, out of
	 * line: that byte is skipped (Linux: "send("A", MSG_OOB);
	 * send("B", MSG_OOB)" leaves only B out of band, A gone).
	 */
	if (tp->urg_seq == copied_seq && tp->urg_data && !sk->urginline &&
	    copied_seq != tp->rcv_nxt) {
		struct sk_buff *skb = skb_peek(&sk->sk_receive_queue);
		if (skb) {
			struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
			cb->consumed++;
			if (cb->consumed == skb->len) {
				skb_unlink(skb, &sk->sk_receive_queue);
				tcp_rmem_uncharge(sk, skb);
				skb_consume(skb);
			}
		}
	}
	tp->urg_data = TCP_URG_NOTYET;
	tp->urg_seq = ptr;
}

/*
 * Linux tcp_urg, step six of RFC 9293 §3.10.7.4 ("check the URG bit"):
 * called with skb->data at the payload, before the payload is queued.
 * When the urgent byte is in this segment a copy is held aside.
 */
void
tcp_urg(struct sock *sk, struct sk_buff *skb)
{
	struct tcp_sock *tp = tcp_sk(sk);
	const struct tcp_skb_cb *cb = TCP_SKB_CB(skb);
	if (cb->flags & TCPHDR_URG)
		tcp_check_urg(sk, tcp_hdr(skb), cb->seq);
	if (tp->urg_data != TCP_URG_NOTYET)
		return;
	uint32_t ptr = tp->urg_seq - cb->seq - !!(cb->flags & TCPHDR_SYN);
	if (ptr < skb->len) {
		tp->urg_data = (uint16_t)(TCP_URG_VALID | skb->data[ptr]);
		if (!sk->dead)
			sk->sk_data_ready(sk);
	}
}

/* Linux tcp_recv_urg: recv(MSG_OOB).  Never blocks. */
int
tcp_recv_urg(struct sock *sk, struct ns_msg *msg)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (sk->urginline || !tp->urg_data || tp->urg_data == TCP_URG_READ)
		return -EINVAL; /* "Yes this is right !" (Linux's comment) */
	if (sk->sk_state == TCP_CLOSE && !tp->fin_received)
		return -ENOTCONN;
	if (tp->urg_data & TCP_URG_VALID) {
		char c = (char)(tp->urg_data & 0xff);
		if (!(msg->flags & MSG_PEEK))
			tp->urg_data = TCP_URG_READ;
		msg->msg_flags |= MSG_OOB;
		if (msg->len == 0) {
			msg->msg_flags |= MSG_TRUNC;
			return 0;
		}
		if (!(msg->flags & MSG_TRUNC))
			memcpy(msg->buf, &c, 1);
		return 1;
	}
	if (sk->sk_state == TCP_CLOSE || (sk->sk_shutdown & RCV_SHUTDOWN))
		return 0;
	return -EAGAIN; /* the pointer came, the byte not yet */
}

/*
 * A normal read of @used bytes from sequence @seq (tcp_recvmsg_locked):
 * how many it may copy so as to stop at the mark; *@skip is set when the
 * first byte is the urgent byte, out of line, which the read steps over.
 */
uint32_t
tcp_urg_limit(struct sock *sk, uint32_t seq, uint32_t used, bool *skip)
{
	struct tcp_sock *tp = tcp_sk(sk);
	*skip = false;
	if (!tp->urg_data)
		return used;
	uint32_t urg_offset = tp->urg_seq - seq;
	if (urg_offset >= used)
		return used;
	if (urg_offset == 0) {
		*skip = !sk->urginline;
		return used;
	}
	return urg_offset;
}

/* After a read: past the mark, the urgent state is over (the byte, if
 * never read with MSG_OOB, is lost, as in Linux). */
void
tcp_urg_read_done(struct sock *sk)
{
	struct tcp_sock *tp = tcp_sk(sk);
	if (tp->urg_data && after(tcp_copied_seq(sk), tp->urg_seq))
		tp->urg_data = 0;
}

/* Linux tcp_inq: bytes a read may return, up to the mark when an
 * out-of-line urgent byte lies ahead. */
static int
tcp_inq(const struct sock *sk)
{
	const struct tcp_sock *tp = tcp_sk(sk);
	uint32_t copied_seq = tcp_copied_seq(sk);
	if (sk->sk_state == TCP_SYN_SENT || sk->sk_state == TCP_SYN_RECV)
		return 0;
	if (sk->urginline || !tp->urg_data || before(tp->urg_seq, copied_seq) ||
	    !before(tp->urg_seq, tp->rcv_nxt)) {
		uint32_t answ = tp->rcv_nxt - copied_seq;
		if (answ && tp->fin_received)
			answ--;
		return (int)answ;
	}
	return (int)(tp->urg_seq - copied_seq);
}

/* Linux tcp_ioctl: SIOCATMARK (sockatmark(3)); SIOCINQ and SIOCOUTQ. */
int
tcp_ioctl(struct sock *sk, int cmd, int *karg)
{
	struct tcp_sock *tp = tcp_sk(sk);
	switch (cmd) {
	case SIOCATMARK: *karg = tp->urg_data && tp->urg_seq == tcp_copied_seq(sk); return 0;
	case FIONREAD: /* SIOCINQ */
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		*karg = tcp_inq(sk);
		return 0;
	case TIOCOUTQ: /* SIOCOUTQ */
		if (sk->sk_state == TCP_LISTEN)
			return -EINVAL;
		*karg = (int)(tp->write_seq - tp->snd_una);
		return 0;
	default: return -NS_ENOIOCTLCMD;
	}
}

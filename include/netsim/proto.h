/*
 * <netsim/proto.h> - write a transport protocol of your own as a plug-in:
 * register it with an IP protocol number and a socket type, and programs
 * on the host reach it with ordinary socket(), sendto(), recvfrom().
 *
 * Linux counterpart: a kernel module that calls proto_register
 * (net/core/sock.c), inet_register_protosw (net/ipv4/af_inet.c) and
 * inet_add_protocol (net/ipv4/protocol.c) from its module_init function,
 * and uses the skb, IP output, socket queue and timer calls of the kernel.
 * Each call below names the Linux function it mirrors and says where it
 * differs.  docs/plugin-example/README.md walks through a whole protocol
 * (stop-and-wait, IP protocol 253).
 *
 * The plug-in exports
 *
 *     int ns_module_init(void);   (Linux module_init)
 *
 * netsim calls it once on each host where a program of this shared object
 * is loaded, before the run starts (as `insmod` at boot); the registration
 * calls act on that host.  It returns 0, or a negative errno that refuses
 * the scenario (exit 2).  The object may also export ns_main, the program
 * (<netsim/socket.h>).
 *
 * Contexts.  The IP handler runs in softirq context when a datagram of the
 * protocol arrives; a timer function runs in softirq context when it
 * expires; sendmsg runs in the sending process's system call.  None of
 * them may block.  Each runs contained (docs/reliability.md): a fault in
 * the plug-in's own code there (a bad pointer, a division by zero,
 * abort(), exit(), a spin longer than [scenario] spin_limit), or a bad skb
 * or sock pointer given to one of these calls, disables the module on that
 * host: its protocol number and socket type are unregistered, its timers
 * stopped, the skbs it held dropped with reason module_fault, its sockets
 * fail with ECONNABORTED; the run goes on, and the summary names it.
 * Linux would oops (and usually panic).
 *
 * Types.  struct sk_buff and struct sock are opaque: the plug-in sees them
 * only through these calls, so it keeps working when netsim's insides
 * change.  Addresses and ports are in network byte order, as in a packet
 * and in struct sockaddr_in.
 *
 * Define NETSIM_NO_PROTO_MACROS before including to get the ns_* names
 * only.  Build as any plug-in: cc -shared -fPIC $(pkg-config --cflags netsim).
 */
#ifndef NETSIM_PROTO_H
#define NETSIM_PROTO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct sk_buff;
struct sock;

/* ---- the message of a sendmsg ------------------------------------------------------ */

/* Linux struct msghdr with its iov_iter, for one flat buffer: what the
 * process gave sendto()/send().  The destination is filled in by netsim:
 * the address of sendto(), or the connected peer of send(). */
struct ns_msghdr {
	size_t len;	/* bytes the process sends */
	int flags;	/* MSG_DONTWAIT ... */
	uint32_t daddr; /* destination address, network order */
	uint16_t dport; /* destination port, network order */
	const void *_buf;
};

/* ---- registration ------------------------------------------------------------------- */

/*
 * Linux struct proto (include/net/sock.h): the protocol's socket calls.
 * netsim's own generic calls do the rest: bind (a port table per protocol
 * number, as inet_csk_get_port), connect (fix the peer), recvmsg (as
 * udp_recvmsg: the next datagram on the receive queue, whose source port
 * is the first 16 bits of its transport header), poll, close.
 */
struct ns_proto {
	const char *name; /* "SW": shown in the summary and in netsim's metrics */
	/* Bytes of the protocol's own state in each socket: ns_sk_priv(sk),
	 * zeroed at socket() (Linux: obj_size, the size of the protocol's sock). */
	size_t obj_size;
	/* Optional: after socket() (Linux proto->init).  0 or -errno. */
	int (*init)(struct sock *sk);
	/* Optional: the process closed the socket (Linux proto->close).  Stop
	 * timers here; netsim then drops what is left on the write queue. */
	void (*close)(struct sock *sk);
	/*
	 * Required: send @len bytes of @msg (Linux proto->sendmsg).  The
	 * socket is bound (a port) when it is called.  Returns @len or -errno.
	 * Blocking is netsim's: a blocking sendmsg returns to the process when
	 * the socket's write queue (sk_write_queue_tail) is empty again, or
	 * with the error set by sk_error_report; another sendmsg waits for it
	 * to be empty first (EAGAIN when non-blocking).  So a protocol that
	 * keeps each datagram on the write queue until it is acknowledged
	 * gives its sender stop-and-wait semantics.
	 */
	int (*sendmsg)(struct sock *sk, struct ns_msghdr *msg, size_t len);
};

/* Linux proto_register(prot, alloc_slab): check @prot.  0 or -EINVAL. */
int ns_proto_register(struct ns_proto *prot, int alloc_slab);

/* Linux struct inet_protosw: socket(AF_INET, type, protocol) is served by
 * prot, through the datagram socket calls (Linux inet_dgram_ops). */
struct ns_inet_protosw {
	int type;     /* SOCK_DGRAM, SOCK_SEQPACKET, SOCK_RDM ... */
	int protocol; /* IP protocol number: socket(AF_INET, type, protocol) */
	struct ns_proto *prot;
};
/* Linux inet_register_protosw.  0, -EINVAL (a bad entry, a prot not
 * registered), -EPERM (a built-in protocol of that type: TCP, UDP). */
int ns_inet_register_protosw(struct ns_inet_protosw *p);

/* Linux struct net_protocol. */
struct ns_net_protocol {
	/* Called in softirq context for each datagram of the protocol number
	 * addressed to this host, with the IP header pulled: ns_skb_data is
	 * the transport header.  It owns the skb: pass it on
	 * (sock_queue_rcv_skb) or free it (kfree_skb_reason / consume_skb).
	 * Returns 0 (Linux NET_RX_SUCCESS) or 1 (NET_RX_DROP). */
	int (*handler)(struct sk_buff *skb);
};
/* Linux inet_add_protocol: @prot receives IP protocol @protocol on this
 * host.  0, -EEXIST (taken: ICMP 1, TCP 6, UDP 17, or another module),
 * -EINVAL. */
int ns_inet_add_protocol(const struct ns_net_protocol *prot, unsigned char protocol);

/* ---- sk_buff (Linux include/linux/skbuff.h) --------------------------------------------- */

/* Linux alloc_skb(size, GFP_ATOMIC): a buffer of @size bytes, empty (data
 * = tail = head).  Reserve INET_HEADROOM first for the IP and link headers. */
struct sk_buff *ns_alloc_skb(unsigned size);
#define NS_INET_HEADROOM 96
/* Linux sock_alloc_send_skb(sk, size, noblock, &err), never blocking
 * here (sendmsg must not).  NULL with *err = -errno. */
struct sk_buff *ns_sock_alloc_send_skb(struct sock *sk, unsigned size, int *err);
void ns_skb_reserve(struct sk_buff *skb, unsigned len); /* Linux skb_reserve */
void *ns_skb_put(struct sk_buff *skb, unsigned len);	/* Linux skb_put: the new bytes */
void *ns_skb_push(struct sk_buff *skb, unsigned len);	/* Linux skb_push: the new data */
/* Linux skb_pull: the new data, or NULL when shorter than @len (Linux
 * returns NULL too).  Use it to check a header's length. */
void *ns_skb_pull(struct sk_buff *skb, unsigned len);
void *ns_skb_data(const struct sk_buff *skb);	/* Linux skb->data */
unsigned ns_skb_len(const struct sk_buff *skb); /* Linux skb->len */
/* Linux skb_reset_transport_header / skb_transport_header. */
void ns_skb_reset_transport_header(struct sk_buff *skb);
void *ns_skb_transport_header(const struct sk_buff *skb);
/* Linux ip_hdr(skb)->saddr / ->daddr of a received datagram (network order). */
uint32_t ns_ip_hdr_saddr(const struct sk_buff *skb);
uint32_t ns_ip_hdr_daddr(const struct sk_buff *skb);
/* Linux skb_clone: a second skb sharing the data (send a clone, keep the
 * original for a retransmission, as TCP does). */
struct sk_buff *ns_skb_clone(struct sk_buff *skb);
/* Linux memcpy_from_msg(skb_put(skb, len), msg, len): append @len bytes of
 * the process's message, charged as a copy (user_to_skb in the trace). */
int ns_skb_put_from_msg(struct sk_buff *skb, struct ns_msghdr *msg, unsigned len);
/* Linux consume_skb: its work is done. */
void ns_consume_skb(struct sk_buff *skb);
/* Linux kfree_skb_reason: dropped, counted under @reason, one of netsim's
 * drop reasons (`netsim help drops`: "no_socket", "socket_rcvbuff" ...);
 * another name counts as not_specified. */
void ns_kfree_skb_reason(struct sk_buff *skb, const char *reason);
/* Linux ip_compute_csum: the Internet checksum (RFC 1071) of @len bytes. */
uint16_t ns_ip_compute_csum(const void *buf, unsigned len);

/* ---- IP output (Linux net/ipv4/ip_output.c) ---------------------------------------------- */

/* Linux ip_build_and_send_pkt(skb, sk, saddr, daddr, opt): skb's data is
 * the transport header (built, checksummed); netsim routes to @daddr,
 * pushes the IP header with protocol = the socket's protocol number and
 * sends.  @saddr 0: the route's source.  Consumes @skb.  0 or -errno
 * (-ENETUNREACH, -EMSGSIZE above 65535 bytes, -ENOBUFS dropped below). */
int ns_ip_build_and_send_pkt(struct sk_buff *skb, struct sock *sk, uint32_t saddr, uint32_t daddr);

/* ---- sockets ---------------------------------------------------------------------------- */

/* Linux __inet_lookup_skb: the socket of this protocol bound to @dport (and
 * to the datagram's destination address, or to any), for the handler of
 * a received datagram; NULL if none.  Valid until the handler returns. */
struct sock *ns_inet_lookup_skb(struct sk_buff *skb, uint16_t sport, uint16_t dport);
/* The protocol's own state in @sk (ns_proto.obj_size bytes).  Linux: the
 * protocol's sock embeds struct sock (tcp_sk(sk), udp_sk(sk)). */
void *ns_sk_priv(struct sock *sk);
/* Linux inet_sk(sk)->inet_sport / inet_saddr, network order. */
uint16_t ns_inet_sk_sport(const struct sock *sk);
uint32_t ns_inet_sk_saddr(const struct sock *sk);
/* Linux sock_queue_rcv_skb: put a received datagram on @sk's receive queue
 * (skb's data at the payload: pull the header first) and wake its reader.
 * Consumes @skb; -ENOMEM when the receive buffer is full (dropped, reason
 * socket_rcvbuff). */
int ns_sock_queue_rcv_skb(struct sock *sk, struct sk_buff *skb);
/* The write queue (Linux sk->sk_write_queue, as TCP keeps unacknowledged
 * data): append (the socket holds @skb), look at the first, take the
 * first (the caller owns it).  Taking the last wakes a waiting writer. */
void ns_sk_write_queue_tail(struct sock *sk, struct sk_buff *skb);
struct sk_buff *ns_sk_write_queue_head(struct sock *sk);
struct sk_buff *ns_sk_write_queue_dequeue(struct sock *sk);
/* Linux sk->sk_err = err; sk_error_report(sk): the waiting writer returns
 * -1 with errno @err (ETIMEDOUT ...), the write queue is dropped. */
void ns_sk_error_report(struct sock *sk, int err);

/* ---- timers (Linux include/linux/timer.h) ----------------------------------------------- */

/* Linux struct timer_list.  Keep it in the socket's state (ns_sk_priv). */
struct ns_timer_list {
	void (*function)(struct ns_timer_list *t);
	uint64_t _netsim[3];
};
/* Linux timer_setup(t, fn, 0). */
void ns_timer_setup(struct ns_timer_list *t, void (*fn)(struct ns_timer_list *t));
/* Linux sk_reset_timer(sk, t, jiffies + delay): (re)arm @t to fire after
 * @delay_ns of virtual time; the timer holds a reference on @sk. */
void ns_sk_reset_timer(struct sock *sk, struct ns_timer_list *t, int64_t delay_ns);
/* Linux sk_stop_timer. */
void ns_sk_stop_timer(struct sock *sk, struct ns_timer_list *t);
/* The socket @t was armed for (Linux: from_timer(), container_of). */
struct sock *ns_timer_sock(struct ns_timer_list *t);
/* Virtual time now, ns (Linux jiffies / ktime_get). */
int64_t ns_ktime_get(void);
/* Count one event under the module's figure @name (shown by
 * `netsim run -m` as HOST.proto.NAME.@name; Linux: a MIB counter). */
void ns_proto_count(struct sock *sk, const char *name);

#ifndef NETSIM_NO_PROTO_MACROS
#define proto_register(p, slab) ns_proto_register(p, slab)
#define inet_register_protosw(p) ns_inet_register_protosw(p)
#define inet_add_protocol(p, n) ns_inet_add_protocol(p, n)
#define alloc_skb(size) ns_alloc_skb(size)
#define sock_alloc_send_skb(sk, size, err) ns_sock_alloc_send_skb(sk, size, err)
#define skb_reserve(skb, len) ns_skb_reserve(skb, len)
#define skb_put(skb, len) ns_skb_put(skb, len)
#define skb_push(skb, len) ns_skb_push(skb, len)
#define skb_pull(skb, len) ns_skb_pull(skb, len)
#define skb_clone(skb) ns_skb_clone(skb)
#define skb_reset_transport_header(skb) ns_skb_reset_transport_header(skb)
#define skb_transport_header(skb) ns_skb_transport_header(skb)
#define consume_skb(skb) ns_consume_skb(skb)
#define kfree_skb_reason(skb, r) ns_kfree_skb_reason(skb, r)
#define ip_compute_csum(b, n) ns_ip_compute_csum(b, n)
#define ip_build_and_send_pkt(skb, sk, s, d) ns_ip_build_and_send_pkt(skb, sk, s, d)
#define sock_queue_rcv_skb(sk, skb) ns_sock_queue_rcv_skb(sk, skb)
#define sk_error_report(sk, err) ns_sk_error_report(sk, err)
#define timer_setup(t, fn, flags) ns_timer_setup(t, fn)
#define sk_reset_timer(sk, t, d) ns_sk_reset_timer(sk, t, d)
#define sk_stop_timer(sk, t) ns_sk_stop_timer(sk, t)
#endif

#ifdef __cplusplus
}
#endif

#endif

/*
 * stack/skbuff.h - the socket buffer (struct sk_buff), its pool and queues.
 *
 * Linux counterpart: include/linux/skbuff.h, net/core/skbuff.c.
 * Seed text: "The socket buffer: sk_buff".
 *
 * An skb describes one packet: a data buffer [head, end) of which the bytes
 * [data, tail) are the packet.  Each layer moves data and tail instead of
 * copying (skb_push for a header on the way down, skb_pull on the way up).
 *
 *       head        data                 tail          end
 *        |<-headroom->|<------- len ------->|<-tailroom->|
 *
 * Invariants (checked by skb_check, always in force):
 *   head <= data <= tail <= end, len == tail - data;
 *   an skb is owned by exactly one queue (skb->queue != NULL) or by the
 *   function that holds it; a queue op on an skb already on a queue aborts.
 *
 * Misuse aborts in every build, naming the skb id, the call, the length,
 * the four offsets, the device and the virtual time (Linux's
 * skb_over_panic / skb_under_panic).  Note one difference from Linux:
 * skb_pull past tail aborts here (Linux returns NULL); use skb_may_pull to
 * test a packet's length first.
 *
 * Memory: skbs and data buffers come from a struct skb_pool with free lists
 * (data buffers by power-of-two size class), so a steady run allocates
 * nothing per packet.  The pool also hands out skb ids: one pool shared by
 * all hosts of a world makes ids run-unique, and deterministic for a given
 * scenario and seed.
 *
 * Ending an skb: skb_consume (it was delivered, or its work is done) or
 * skb_drop(skb, reason) (counted per host by reason and place, and traced).
 * Every queue operation goes through the traced helpers below.
 */
#ifndef NETSIM_STACK_SKBUFF_H
#define NETSIM_STACK_SKBUFF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "sim/sim.h"

struct host;
struct net_device;
struct sock;
struct skb_data;

/*
 * Why an skb was dropped.  One list for all layers, so that no layer edits
 * another's enum.  The names (skb_drop_reason_name) are the lower_snake
 * strings written to the trace and the counters; most follow Linux's
 * enum skb_drop_reason.
 */
enum skb_drop_reason {
	SKB_DROP_NOT_SPECIFIED = 0, /* "not_specified" */
	/* device layer and NIC */
	SKB_DROP_RING_FULL,	  /* NIC RX ring had no free descriptor (frame, no skb) */
	SKB_DROP_BACKLOG_FULL,	  /* per-CPU backlog at netdev_max_backlog (Linux CPU_BACKLOG) */
	SKB_DROP_QDISC_FULL,	  /* qdisc at txqueuelen (Linux QDISC_DROP) */
	SKB_DROP_BAD_FRAME,	  /* runt, oversized, or not Ethernet II */
	SKB_DROP_UNHANDLED_PROTO, /* no handler for the ethertype */
	SKB_DROP_OTHERHOST,	  /* destination MAC is not ours */
	SKB_DROP_DEV_DOWN,	  /* device not up, or not connected to a wire */
	SKB_DROP_PKT_TOO_BIG,	  /* larger than the device MTU on transmit */
	SKB_DROP_LINK_LOSS,	  /* lost on the wire (counted by the wire) */
	SKB_DROP_QUEUE_PURGE,	  /* a queue was emptied at teardown or close */
	/* neighbour / ARP */
	SKB_DROP_NEIGH_QUEUEFULL, /* ARP pending queue full */
	SKB_DROP_NEIGH_FAILED,	  /* ARP resolution failed or timed out */
	SKB_DROP_ARP_INVALID,	  /* malformed or uninteresting ARP packet */
	/* IPv4 */
	SKB_DROP_IP_INHDR,	     /* bad IP header: version, ihl, length */
	SKB_DROP_IP_CSUM,	     /* IP header checksum */
	SKB_DROP_IP_INADDRERRORS,    /* bad destination or source address */
	SKB_DROP_IP_NOROUTE,	     /* no route (input or output) */
	SKB_DROP_IP_TTL_EXPIRED,     /* TTL reached zero while forwarding */
	SKB_DROP_IP_NOT_FORWARDING,  /* not for us and forwarding is off */
	SKB_DROP_IP_NOPROTO,	     /* no transport protocol handler */
	SKB_DROP_IP_FRAG_NEEDED,     /* DF set and larger than the path MTU */
	SKB_DROP_FRAG_REASM_TIMEOUT, /* reassembly timed out */
	SKB_DROP_FRAG_OVERFLOW,	     /* reassembly memory or queue limit */
	SKB_DROP_FRAG_INVALID,	     /* overlapping, duplicate or too far */
	/* ICMP */
	SKB_DROP_ICMP_CSUM,
	SKB_DROP_ICMP_INVALID,
	/* UDP */
	SKB_DROP_UDP_CSUM,
	SKB_DROP_UDP_INVALID, /* bad UDP length */
	/* sockets */
	SKB_DROP_NO_SOCKET,	 /* no socket for the port (UDP: ICMP port unreachable) */
	SKB_DROP_SOCKET_RCVBUFF, /* socket receive buffer full */
	SKB_DROP_SOCKET_SNDBUFF, /* socket send buffer full */
	SKB_DROP_SOCKET_CLOSE,	 /* socket closed with data queued */
	SKB_DROP_SOCKET_BACKLOG, /* socket backlog (owned by user) full */
	/* TCP */
	SKB_DROP_TCP_CSUM,
	SKB_DROP_TCP_INVALID,	 /* bad header length or flags combination */
	SKB_DROP_TCP_FLAGS,	 /* flags not acceptable in this state */
	SKB_DROP_TCP_OLD_DATA,	 /* entirely before rcv_nxt (duplicate) */
	SKB_DROP_TCP_OVERWINDOW, /* beyond the receive window */
	SKB_DROP_TCP_ZEROWINDOW,
	SKB_DROP_TCP_OFO_DROP, /* out-of-order queue full */
	SKB_DROP_TCP_OLD_ACK,
	SKB_DROP_TCP_RESET,	      /* segment carried or caused a reset */
	SKB_DROP_TCP_LISTEN_OVERFLOW, /* accept queue full */
	SKB_DROP_TCP_CLOSE,	      /* connection closed */
	/* other */
	SKB_DROP_SCREEN,    /* a user-level screening process rejected it */
	SKB_DROP_NOMEM,	    /* a modelled memory limit */
	SKB_DROP_NETFILTER, /* a netfilter rule or chain policy (Linux NETFILTER_DROP) */
	SKB_DROP_REASON_MAX
};

const char *skb_drop_reason_name(enum skb_drop_reason r);
/* The reason named @name, or -1. */
int skb_drop_reason_by_name(const char *name);

/* skb->pkt_type, set by eth_type_trans (Linux include/uapi/linux/if_packet.h). */
enum skb_pkt_type {
	PACKET_HOST = 0,
	PACKET_BROADCAST = 1,
	PACKET_MULTICAST = 2,
	PACKET_OTHERHOST = 3,
	PACKET_OUTGOING = 4,
};

struct sk_buff_head;

#define SKB_HDR_UNSET 0xffffu
#define SKB_CB_SIZE 48

struct sk_buff {
	/* list links: owned by the queue in @queue */
	struct sk_buff *next, *prev;
	struct sk_buff_head *queue; /* the queue holding this skb, or NULL */

	uint64_t id;		/* run-unique; 0 is never used */
	uint64_t wire_id;	/* on receive: id of the sender's skb that carried the frame */
	struct host *host;	/* whose memory this is: counts live skbs, finds the trace */
	struct net_device *dev; /* device it arrived on or leaves by */
	struct sock *sk;	/* owning socket (opaque here; the sockets layer's) */
	const char *layer;	/* the layer holding it now, for the trace ("dev", "ip") */

	unsigned char *head, *data, *tail, *end;
	uint32_t len;					       /* tail - data */
	uint16_t mac_header, network_header, transport_header; /* offsets from head */
	uint16_t protocol; /* ethertype, host byte order (ETH_P_IP) */
	uint8_t pkt_type;  /* enum skb_pkt_type */
	bool cloned;	   /* data buffer is shared with another skb */
	sim_time_t tstamp; /* arrival at the NIC (receive) or creation */

	/* control buffer, free for the layer holding the skb (TCP: seq numbers) */
	char cb[SKB_CB_SIZE] __attribute__((aligned(8)));

	/* private to skbuff.c */
	struct skb_data *buf;
	struct sk_buff *live_next, *live_prev; /* the host's list of live skbs */
};

/* A queue of skbs counting packets and bytes; its name appears in the trace. */
struct sk_buff_head {
	struct sk_buff *first, *last;
	uint32_t qlen;
	uint64_t bytes;	   /* sum of skb->len at enqueue time */
	const char *name;  /* "backlog", "qdisc", "sk_receive_queue": a literal */
	const char *layer; /* trace layer of the queue's owner: "dev", "udp" */
};

/* ---- the pool ----------------------------------------------------------- */

struct skb_pool;

struct skb_pool_stats {
	uint64_t allocs; /* skbs handed out */
	uint64_t frees;
	uint64_t live;	       /* allocs - frees */
	uint64_t consumed;     /* freed by skb_consume: delivered or done */
	uint64_t dropped;      /* freed by skb_drop, counted by reason */
	uint64_t skb_mallocs;  /* struct sk_buff allocated from the system */
	uint64_t data_mallocs; /* data buffers allocated from the system */
	uint64_t big_mallocs;  /* data buffers above the largest class (not pooled) */
	uint64_t next_id;
};

struct skb_pool *skb_pool_new(void);
/* Frees the pool and its free lists.  No skb of the pool may be alive. */
void skb_pool_free(struct skb_pool *pool);
void skb_pool_stats(const struct skb_pool *pool, struct skb_pool_stats *out);

/* ---- allocation and ending ---------------------------------------------- */

/*
 * A new skb on @host with room for @size bytes (headroom 0, len 0): the
 * caller reserves headroom with skb_reserve.  Traced as alloc by @layer.
 */
struct sk_buff *skb_alloc(struct host *host, uint32_t size, const char *layer);
/* The skb was delivered or its work is done.  Consumes @skb. */
void skb_consume(struct sk_buff *skb);
/*
 * The skb is dropped: counted on its host by @reason and by the calling
 * function (the place), and traced.  Consumes @skb.
 */
#define skb_drop(skb, reason) skb_drop_at((skb), (reason), __func__)
void skb_drop_at(struct sk_buff *skb, enum skb_drop_reason reason, const char *place);

/* A new skb sharing @skb's data (Linux skb_clone).  Traced as a clone. */
struct sk_buff *skb_clone(struct sk_buff *skb);
/* A new skb with a private copy of head..end (Linux skb_copy).  Traced as a copy. */
struct sk_buff *skb_copy(struct sk_buff *skb);

/* The owning layer changes: traced as a hand-off to @func in @layer. */
void skb_handoff(struct sk_buff *skb, const char *layer, const char *func);

/* ---- pointer arithmetic --------------------------------------------------- */

/* Make room for headers: empty skb only.  Aborts past end. */
void skb_reserve(struct sk_buff *skb, uint32_t len);
/* Extend the data at the tail; returns the old tail.  Aborts past end. */
unsigned char *skb_put(struct sk_buff *skb, uint32_t len);
/* skb_put and copy @len bytes from @from. */
unsigned char *skb_put_data(struct sk_buff *skb, const void *from, uint32_t len);
/* Extend the data at the front (a header); returns the new data.  Aborts past head.  Traced. */
unsigned char *skb_push(struct sk_buff *skb, uint32_t len);
/* Remove @len bytes from the front; returns the new data.  Aborts past tail.  Traced. */
unsigned char *skb_pull(struct sk_buff *skb, uint32_t len);
/* Cut the data to @len bytes; no-op if already shorter (as Linux). */
void skb_trim(struct sk_buff *skb, uint32_t len);

static inline bool
skb_may_pull(const struct sk_buff *skb, uint32_t len)
{
	return len <= skb->len;
}

static inline uint32_t
skb_headroom(const struct sk_buff *skb)
{
	return (uint32_t)(skb->data - skb->head);
}

static inline uint32_t
skb_tailroom(const struct sk_buff *skb)
{
	return (uint32_t)(skb->end - skb->tail);
}

/* Offset of data from head: what the trace calls data_off. */
static inline uint32_t
skb_data_offset(const struct sk_buff *skb)
{
	return (uint32_t)(skb->data - skb->head);
}

/* Header offsets.  Reading an unset header aborts. */
void skb_reset_mac_header(struct sk_buff *skb);		  /* mac = data */
void skb_reset_network_header(struct sk_buff *skb);	  /* network = data */
void skb_reset_transport_header(struct sk_buff *skb);	  /* transport = data */
void skb_set_mac_header(struct sk_buff *skb, int offset); /* data + offset */
void skb_set_network_header(struct sk_buff *skb, int offset);
void skb_set_transport_header(struct sk_buff *skb, int offset);
unsigned char *skb_mac_header(const struct sk_buff *skb);
unsigned char *skb_network_header(const struct sk_buff *skb);
unsigned char *skb_transport_header(const struct sk_buff *skb);
bool skb_mac_header_was_set(const struct sk_buff *skb);
/* Offset of the header from data (negative when the header lies before data). */
int skb_network_offset(const struct sk_buff *skb);
int skb_transport_offset(const struct sk_buff *skb);

/* Aborts (with the skb described) if an invariant is broken. */
void skb_check(const struct sk_buff *skb, const char *caller);
/*
 * Abort naming the skb: id, @call, @len, size of the buffer, offsets of
 * data/tail/end from head, device and virtual time.  Never returns.
 */
void skb_panic(const struct sk_buff *skb, const char *call, uint32_t len, const char *what)
	__attribute__((noreturn));

/* ---- queues (traced) ------------------------------------------------------ */

void skb_queue_head_init(struct sk_buff_head *q, const char *name, const char *layer);
/* Append.  Consumes @skb (the queue owns it). */
void skb_queue_tail(struct sk_buff_head *q, struct sk_buff *skb);
/* Put at the front (requeue).  Consumes @skb. */
void skb_queue_head(struct sk_buff_head *q, struct sk_buff *skb);
/* Remove the first skb, or NULL; the caller owns it. */
struct sk_buff *skb_dequeue(struct sk_buff_head *q);
/* Remove the last skb, or NULL. */
struct sk_buff *skb_dequeue_tail(struct sk_buff_head *q);
/* Remove @skb from the queue it is on (which must be @q). */
void skb_unlink(struct sk_buff *skb, struct sk_buff_head *q);
/* Drop every skb on @q with @reason. */
void skb_queue_purge(struct sk_buff_head *q, enum skb_drop_reason reason);
/*
 * Untraced variants, only for buffers that hold no packet yet (a driver's
 * empty, pre-allocated RX buffers): ownership is still recorded.
 */
void __skb_queue_tail(struct sk_buff_head *q, struct sk_buff *skb);
struct sk_buff *__skb_dequeue(struct sk_buff_head *q);

static inline struct sk_buff *
skb_peek(const struct sk_buff_head *q)
{
	return q->first;
}

static inline struct sk_buff *
skb_peek_tail(const struct sk_buff_head *q)
{
	return q->last;
}

static inline uint32_t
skb_queue_len(const struct sk_buff_head *q)
{
	return q->qlen;
}

static inline uint64_t
skb_queue_bytes(const struct sk_buff_head *q)
{
	return q->bytes;
}

static inline bool
skb_queue_empty(const struct sk_buff_head *q)
{
	return q->qlen == 0;
}

#endif

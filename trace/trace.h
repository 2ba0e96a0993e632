/*
 * trace/trace.h - the trace recorder: the calls the stack makes.
 *
 * Every move and copy of every sk_buff is reported here, with the virtual
 * time, the host, the CPU context and the layer, and written to a SQLite
 * database (trace/schema.sql, docs/trace-schema.md).  The stack never sees
 * SQLite: it calls these functions with ids, names and numbers.  Names
 * (layers, functions, queues, reasons) must be string literals or otherwise
 * live for the whole run; the writer interns them by pointer.
 *
 * Cost when tracing is off or at summary level: one inline comparison per
 * call.  At full level a call fills one row of a batch; no formatting.
 *
 * Position: stack -> trace -> sim.  Linux counterpart: the skb tracepoints
 * (skb:kfree_skb, skb:consume_skb, net:netif_rx, net:net_dev_xmit).
 */
#ifndef NETSIM_TRACE_TRACE_H
#define NETSIM_TRACE_TRACE_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include "sim/cpu.h"
#include "include/netsim/trace_vocab.h"
#include "sim/sim.h"

/* TRACE_OFF, TRACE_SUMMARY, TRACE_FULL: the list is TRACE_LEVELS (include/netsim/trace_vocab.h). */
enum trace_level {
#define TRACE_LEVEL_ENUM(e, name, what) TRACE_##e,
	TRACE_LEVELS(TRACE_LEVEL_ENUM)
#undef TRACE_LEVEL_ENUM
};

enum trace_op {
	TR_NONE_ = 0,
#define TRACE_OP_ENUM(e, name, what) TR_##e,
	TRACE_OPS(TRACE_OP_ENUM)
#undef TRACE_OP_ENUM
		TR_OP_MAX
};

enum trace_copy_kind {
#define TRACE_COPY_ENUM(e, name, what) COPY_##e,
	TRACE_COPY_KINDS(TRACE_COPY_ENUM)
#undef TRACE_COPY_ENUM
		COPY_KIND_MAX
};

/* LAYER_SOCKET ... LAYER_WIRE: the list is TRACE_LAYERS (include/netsim/trace_vocab.h). */
enum trace_layer {
#define TRACE_LAYER_ENUM(e, name, what) LAYER_##e,
	TRACE_LAYERS(TRACE_LAYER_ENUM)
#undef TRACE_LAYER_ENUM
		LAYER_MAX
};

const char *trace_op_name(enum trace_op op);
/* A layer's name, a pointer that lives for the run (the writer interns by
 * pointer).  Inline: stack/skbuff.c asks for one at every row of a full
 * trace. */
extern const char *const trace_layer_names[LAYER_MAX];
static inline const char *
trace_layer_name(enum trace_layer layer)
{
	return (unsigned)layer < LAYER_MAX ? trace_layer_names[layer] : "?";
}
const char *trace_copy_kind_name(enum trace_copy_kind kind);
/* The op or copy kind called @name, or -1: how viz/ maps names to enums once. */
int trace_op_by_name(const char *name);
int trace_copy_kind_by_name(const char *name);
/* The names scenario files, the command line and the database use (TRACE_LEVELS). */
const char *trace_level_name(enum trace_level level);
/* Parses a level name; false (and *out untouched) when it is none of them. */
bool trace_level_from_name(const char *name, enum trace_level *out);

#define TRACE_ERROR (trace_error_quark())
GQuark trace_error_quark(void);
enum trace_error {
	TRACE_ERROR_EXISTS, /* the database file exists and overwriting was not asked for */
	TRACE_ERROR_IO,	    /* could not create, write or commit */
};

struct trace;

/*
 * The recorder shared by all hosts of a run.  @path may be NULL (no database:
 * all calls are cheap no-ops beyond the level check) or ":memory:" (tests;
 * the command line refuses it).  Any other @path is a plain file name, never
 * a SQLite URI.  An existing file is never overwritten unless @overwrite is
 * true, and then only at trace_close, when the new trace is whole.
 */
struct trace *trace_open(const char *path, enum trace_level level, bool overwrite, GError **error);
/* The run never started (its world did not build): trace_close removes the
 * file this trace created and leaves any old one in place. */
void trace_abandon(struct trace *tr);
/* Records the run row: what ran, with which seed, by which netsim version. */
bool trace_begin_run(struct trace *tr, const char *scenario_name, const char *scenario_text,
		     uint64_t seed, const char *version, GError **error);
/*
 * Commits what is batched, builds the indexes and marks the run finished
 * (or not), then closes the database.  Frees @tr in every case.  Reads the
 * run's virtual duration from the first host's sim: close before sim_free.
 */
bool trace_close(struct trace *tr, bool finished, GError **error);
/* skb_events rows at most which trace_close expands a packed trace into
 * plain tables (default: NETSIM_TRACE_EXPAND_ROWS, or 3,000,000); 0 keeps
 * every trace but an empty one packed (tests). */
void trace_set_expand_rows(struct trace *tr, uint64_t rows);
/* The virtual time the run will last (its scenario.duration; 0: unknown).
 * With it the writer packs from the moment a run is on course to end with
 * more skb_events rows than the expansion limit (trace_pack.c). */
void trace_set_run_length(struct trace *tr, sim_time_t length);
/*
 * Expands the packed trace @path into plain tables with their indexes
 * (trace/schema.sql): a copy beside it is expanded and renamed over it, so
 * that a failure leaves @path as it was.  *@expanded says whether it was
 * packed; a trace that is plain already is left alone.
 */
bool trace_expand_file(const char *path, bool *expanded, GError **error);
/* Commits the current batch now; safe to call from a signal-driven shutdown path. */
bool trace_flush(struct trace *tr, GError **error);
enum trace_level trace_level(const struct trace *tr);
/* The first write error seen, if any (a full disk): the run should stop. */
const GError *trace_failed(const struct trace *tr);
/* For netsim show and tests: the open database handle (sqlite3 *), or NULL. */
void *trace_db(struct trace *tr);
/* Rows written so far in the whole run (for benchmarks and progress). */
uint64_t trace_rows(const struct trace *tr);

/* One host's view of the recorder.  Owned by the trace; freed by trace_close. */
struct trace_host {
	struct trace *tr;
	enum trace_level level; /* copy of the run's level, for the inline check */
	uint32_t id;		/* hosts.id in the database */
	const char *name;
	struct sim *sim;
	struct cpu *cpu;
};

struct trace_host *trace_host_add(struct trace *tr, struct sim *sim, struct cpu *cpu,
				  const char *name);
/*
 * Filters a trace by host: lowers (never raises above the run's level) what
 * is recorded for @h, e.g. TRACE_SUMMARY for hosts the user did not ask for.
 */
void trace_host_set_level(struct trace_host *h, enum trace_level level);

/*
 * An skb's pointers after an operation, as offsets from head (head itself is
 * offset 0), for the row's pointer columns.  Filled by stack/skbuff.c only
 * when the level check has passed.  @step counts the skb's rows from 0 at
 * alloc, so that a missing row shows.  @data_id names the data buffer
 * (run-unique; clones share it), @dataref its reference count after the op.
 */
#define TRACE_HDR_UNSET 0xffffu
struct trace_skb_ptrs {
	uint64_t data_id;
	uint32_t step;
	uint32_t data, tail, end, size; /* size: bytes of the buffer (end <= size) */
	uint16_t mac, net, trans;	/* TRACE_HDR_UNSET when not set */
	uint16_t dataref;
};

/*
 * One skb row with its pointer columns @p (not NULL; trace_skb_event writes
 * a row without them).  @hw: the row happened in the hardware (a DMA, the
 * wire), not in the CPU context now running.  Called behind TRACE_ON.
 */
void trace_skb_event_ptrs(struct trace_host *h, enum trace_op op, uint64_t skb, const char *layer,
			  const char *func, const char *queue, int64_t len, int64_t bytes,
			  enum trace_copy_kind kind, const char *reason, uint64_t other,
			  const struct trace_skb_ptrs *p, bool hw);

/*
 * The same row, with its pointer columns written by the caller straight
 * into the row's record: returns where they go (the caller sets every
 * field), or NULL when the host's rows are not written.  The record is the
 * writer's only once the caller's next trace call (or the run's end) has
 * come, so filling it after the return is safe.  Filling a struct on the
 * stack for trace_skb_event_ptrs to copy stored each field twice and read
 * it back once (docs/performance.md).  Called behind TRACE_ON.
 */
struct trace_skb_ptrs *trace_skb_event_ptrs_begin(struct trace_host *h, enum trace_op op,
						  uint64_t skb, const char *layer, const char *func,
						  const char *queue, int64_t len, int64_t bytes,
						  enum trace_copy_kind kind, const char *reason,
						  uint64_t other, bool hw);

/* The row written for one skb operation at full level, without pointer columns. */
void trace_skb_event(struct trace_host *h, enum trace_op op, uint64_t skb, const char *layer,
		     const char *func, const char *queue, int64_t data_off, int64_t len,
		     int64_t bytes, enum trace_copy_kind kind, const char *reason, uint64_t other);

#define TRACE_ON(h) ((h) && (h)->level >= TRACE_FULL)
/* trace_packet rows are written from summary level up. */
#define TRACE_PACKETS_ON(h) ((h) && (h)->level >= TRACE_SUMMARY)

static inline void
trace_alloc(struct trace_host *h, uint64_t skb, const char *layer, uint32_t size)
{
	if (TRACE_ON(h))
		trace_skb_event(h, TR_ALLOC, skb, layer, NULL, NULL, -1, size, 0, COPY_NONE, NULL,
				0);
}

static inline void
trace_free(struct trace_host *h, uint64_t skb, const char *layer)
{
	if (TRACE_ON(h))
		trace_skb_event(h, TR_FREE, skb, layer, NULL, NULL, -1, -1, 0, COPY_NONE, NULL, 0);
}

static inline void
trace_drop(struct trace_host *h, uint64_t skb, const char *layer, const char *reason)
{
	if (TRACE_ON(h))
		trace_skb_event(h, TR_DROP, skb, layer, NULL, NULL, -1, -1, 0, COPY_NONE, reason,
				0);
}

static inline void
trace_enqueue(struct trace_host *h, uint64_t skb, const char *layer, const char *queue,
	      uint32_t qlen, uint32_t len)
{
	if (TRACE_ON(h))
		trace_skb_event(h, TR_ENQUEUE, skb, layer, NULL, queue, -1, len, qlen, COPY_NONE,
				NULL, 0);
}

static inline void
trace_dequeue(struct trace_host *h, uint64_t skb, const char *layer, const char *queue,
	      uint32_t qlen, uint32_t len)
{
	if (TRACE_ON(h))
		trace_skb_event(h, TR_DEQUEUE, skb, layer, NULL, queue, -1, len, qlen, COPY_NONE,
				NULL, 0);
}

/* @func is the function now receiving the skb ("ip_rcv"), in @layer ("ip"). */
static inline void
trace_handoff(struct trace_host *h, uint64_t skb, const char *layer, const char *func,
	      uint32_t data_off, uint32_t len)
{
	if (TRACE_ON(h))
		trace_skb_event(h, TR_HANDOFF, skb, layer, func, NULL, data_off, len, 0, COPY_NONE,
				NULL, 0);
}

static inline void
trace_push(struct trace_host *h, uint64_t skb, const char *layer, uint32_t hdr, uint32_t data_off,
	   uint32_t len)
{
	if (TRACE_ON(h))
		trace_skb_event(h, TR_PUSH, skb, layer, NULL, NULL, data_off, len, hdr, COPY_NONE,
				NULL, 0);
}

static inline void
trace_pull(struct trace_host *h, uint64_t skb, const char *layer, uint32_t hdr, uint32_t data_off,
	   uint32_t len)
{
	if (TRACE_ON(h))
		trace_skb_event(h, TR_PULL, skb, layer, NULL, NULL, data_off, len, hdr, COPY_NONE,
				NULL, 0);
}

static inline void
trace_copy(struct trace_host *h, uint64_t skb, const char *layer, enum trace_copy_kind kind,
	   uint32_t bytes)
{
	if (TRACE_ON(h))
		trace_skb_event(h, TR_COPY, skb, layer, NULL, NULL, -1, -1, bytes, kind, NULL, 0);
}

/* A clone of @skb sharing its data was made: @new_skb.  (stack/skbuff.c
 * writes its clone rows with pointers; this is for tests and tools.) */
static inline void
trace_clone(struct trace_host *h, uint64_t skb, uint64_t new_skb, const char *layer)
{
	if (TRACE_ON(h))
		trace_skb_event(h, TR_CLONE, skb, layer, NULL, NULL, -1, -1, 0, COPY_NONE, NULL,
				new_skb);
}

/*
 * A frame left (@rx false) or arrived at (@rx true) the NIC @ifname.  On
 * arrival @sender is the id of the skb the frame was sent from (0 when
 * unknown), so a packet can be followed across the wire exactly.
 */
static inline void
trace_wire(struct trace_host *h, uint64_t skb, const char *ifname, bool rx, uint32_t len,
	   uint64_t sender)
{
	if (TRACE_ON(h))
		trace_skb_event(h, TR_WIRE, skb, trace_layer_name(LAYER_WIRE), rx ? "rx" : "tx",
				ifname, -1, len, 0, COPY_NONE, NULL, sender);
}

/*
 * What an skb carries, recorded once per skb at full level so that a student
 * can select "the third data segment of this connection".  Addresses in host
 * byte order; @flags are TCP flags; @payload the transport payload length.
 */
struct trace_pkt_info {
	uint8_t proto; /* IPPROTO_* or 0 for ARP */
	uint32_t saddr, daddr;
	uint16_t sport, dport;
	uint8_t tcp_flags;
	uint32_t seq, ack;
	uint32_t payload;
};
void trace_packet(struct trace_host *h, uint64_t skb, const struct trace_pkt_info *info);

/* A stretch of CPU time (install as the CPU's busy hook: trace_cpu_busy_hook). */
void trace_cpu_busy_hook(void *host, enum cpu_ctx ctx, const char *name, sim_time_t start,
			 sim_time_t end);

/* The host's CPU is about to be freed: its task_total rows are written now
 * (summary level and above) instead of at trace_close. */
void trace_host_cpu_gone(struct trace_host *h);

/* A named counter's final value for a host ("drop.ring_full", "ip.in_receives"). */
void trace_counter(struct trace_host *h, const char *name, const char *place, int64_t value);

/* A TCP connection's congestion state, as Linux's tcp_info names it. */
struct trace_tcp_cc {
	uint32_t cwnd, ssthresh, flight; /* bytes */
	sim_time_t srtt, rto, rttvar;
	const char *ca;	      /* the algorithm's name, "cubic" */
	const char *ca_state; /* "Open", "Disorder", "CWR", "Recovery", "Loss" */
	uint32_t sacked_out, lost_out, retrans_out; /* segments */
	uint64_t pacing_rate;			    /* bytes a second; UINT64_MAX: none yet */
};

/* A sample of a TCP connection's congestion state, at summary level and above. */
void trace_tcp_cc(struct trace_host *h, const char *conn, const struct trace_tcp_cc *cc);

/*
 * A TCP connection changed state (Linux's inet_sock_set_state tracepoint,
 * called from tcp_set_state): a tcp_state row at summary level and above.
 * @conn as trace_tcp_cc; @old_state and @new_state are Linux's names
 * ("TCP_SYN_SENT"), from the TCP_STATES list.
 */
void trace_tcp_state(struct trace_host *h, const char *conn, const char *old_state,
		     const char *new_state);

/*
 * pcap capture per interface, written with libpcap (DLT_EN10MB, nanosecond
 * timestamps).  trace_pcap_open opens DIR/HOST-IFNAME.pcap.
 */
struct trace_pcap;
struct trace_pcap *trace_pcap_open(const char *dir, const char *host, const char *ifname,
				   GError **error);
void trace_pcap_write(struct trace_pcap *p, sim_time_t when, const uint8_t *frame, uint32_t len);
/* Pushes written frames to the file; reports a write error (a full disk). */
bool trace_pcap_flush(struct trace_pcap *p, GError **error);
void trace_pcap_close(struct trace_pcap *p);

#endif

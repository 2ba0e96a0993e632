/*
 * trace/trace_rows.c - the rows the stack writes during a run.
 *
 * One function per table of trace/schema.sql: skb_events and packets (full
 * level), cpu_busy (full) and the CPU totals behind cpu_total (every level,
 * written at close from summary level up), counters and tcp_cc (summary and
 * up).  During the run each row becomes a record in the current chunk
 * (skb_events rows as struct trace_skb_row, the others as a struct
 * trace_row of integers and names), which the writer thread binds and
 * steps (trace_writer.c); task_total and cpu_total rows are written on this
 * thread at close, when the writer has stopped.
 *
 * This is the per-packet path: no allocation and no formatting beyond the
 * few bytes of a dotted quad once per packet.  Names are bound with
 * SQLITE_STATIC because trace.h requires them to live for the whole run;
 * text that does not (addresses, counter names) is interned in tr->names.
 */
#include "config.h"

#include <stdio.h>

#include "trace/trace_int.h"

/* The next value of a generic row, in the statement's parameter order.
 * A row with more values than TRACE_ROW_VALUES is a programming error
 * (a table grew a column): stop before writing past the row. */
static inline struct trace_val *
row_next(struct trace_row *b)
{
	g_assert(b->nval < TRACE_ROW_VALUES);
	return &b->v[b->nval++];
}

static inline void
row_int(struct trace_row *b, int64_t v)
{
	struct trace_val *x = row_next(b);
	x->type = TV_INT;
	x->i = v;
}

static inline void
row_int_or_null(struct trace_row *b, int64_t v, bool present)
{
	if (present)
		row_int(b, v);
	else
		row_next(b)->type = TV_NULL;
}

/* A name that lives for the run (a literal, or interned), or NULL. */
static inline void
row_name(struct trace_row *b, const char *s)
{
	struct trace_val *x = row_next(b);
	x->type = s ? TV_NAME : TV_NULL;
	x->s = s;
}

/* Text that does not live for the run: interned in the recorder's names,
 * which the writer reads and trace_close frees.  The names are few (one
 * per address, counter or connection), so memory stays flat in rows. */
static inline void
row_text(struct trace_row *b, struct trace *tr, const char *s)
{
	row_name(b, s ? g_string_chunk_insert_const(tr->names, s) : NULL);
}

static inline bool
trace_writing(const struct trace_host *h, enum trace_level at_least)
{
	return h && h->level >= at_least && h->tr->db && !h->tr->failed;
}

/* The key's fields (pointers and four small codes) multiplied into one
 * word, then MurmurHash3's fmix64 finalizer: FNV-1a a word at a time left
 * the low bits, which pick the slot, badly mixed (long probe runs). */
static inline uint32_t
site_hash(const struct trace_site_key *k)
{
	uint64_t h = (uintptr_t)k->layer;
	h = h * UINT64_C(0x9e3779b97f4a7c15) + (uintptr_t)k->func;
	h = h * UINT64_C(0x9e3779b97f4a7c15) + (uintptr_t)k->queue;
	h = h * UINT64_C(0x9e3779b97f4a7c15) + (uintptr_t)k->reason;
	h = h * UINT64_C(0x9e3779b97f4a7c15) + k->codes;
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	h *= UINT64_C(0xc4ceb9fe1a85ec53);
	h ^= h >> 33;
	return (uint32_t)h;
}

static inline bool
site_key_eq(const struct trace_site_key *a, const struct trace_site_key *b)
{
	return a->layer == b->layer && a->func == b->func && a->queue == b->queue &&
		a->reason == b->reason && a->codes == b->codes;
}

void
trace_sites_init(struct trace_sites *s)
{
	s->mask = 255;
	s->used = 0;
	s->slots = g_new0(struct trace_site_slot, s->mask + 1);
	s->by_text = g_hash_table_new_full(g_str_hash, g_str_equal, g_free, NULL);
	s->next_id = 1;
}

void
trace_sites_free(struct trace_sites *s)
{
	g_clear_pointer(&s->slots, g_free);
	g_clear_pointer(&s->by_text, g_hash_table_unref);
}

static void
sites_put(struct trace_sites *s, const struct trace_site_key *k, uint32_t id)
{
	uint32_t i = site_hash(k) & s->mask;
	while (s->slots[i].id)
		i = (i + 1) & s->mask;
	s->slots[i].key = *k;
	s->slots[i].id = id;
	s->used++;
}

/* A new pointer key: its number by content, and its skb_sites row (to the
 * writer, before the row that uses it) if the names are new. */
static G_GNUC_NO_INLINE uint32_t
site_new(struct trace *tr, const struct trace_site_key *k)
{
	struct trace_sites *s = &tr->sites;
	unsigned op_code = k->codes & 0xff, ctx_code = k->codes >> 8 & 0xff;
	unsigned kind_code = k->codes >> 16 & 0xff, cpu = k->codes >> 24;
	const char *ctx = cpu_ctx_name(ctx_code), *op = trace_op_name(op_code);
	const char *kind = kind_code != COPY_NONE ? trace_copy_kind_name(kind_code) : NULL;
	const char *names[] = { ctx, op, k->layer, k->func, k->queue, kind, k->reason };
	GString *text = g_string_new(NULL);

	g_string_append_printf(text, "%u\x1f", cpu);
	/* \x1f separates, \x1e marks a NULL: neither is in a name */
	for (unsigned i = 0; i < G_N_ELEMENTS(names); i++) {
		if (names[i])
			g_string_append(text, names[i]);
		else
			g_string_append_c(text, '\x1e');
		g_string_append_c(text, '\x1f');
	}
	uint32_t id = GPOINTER_TO_UINT(g_hash_table_lookup(s->by_text, text->str));
	if (id) {
		g_string_free(text, TRUE);
	} else {
		id = s->next_id++;
		/* a broken invariant: the record has 23 bits for it */
		g_assert(id <= TRACE_SITES_MAX);
		g_hash_table_insert(s->by_text, g_string_free(text, FALSE), GUINT_TO_POINTER(id));
		struct trace_row b = { .stmt = ST_SITE };
		row_int(&b, id);
		for (unsigned i = 0; i < G_N_ELEMENTS(names); i++)
			row_name(&b, names[i]);
		row_int(&b, cpu);
		trace_row_put(tr, &b);
	}
	if ((s->used + 1) * 2 > s->mask + 1) {
		struct trace_site_slot *old = s->slots;
		uint32_t n = s->mask + 1;
		s->mask = n * 2 - 1;
		s->used = 0;
		s->slots = g_new0(struct trace_site_slot, n * 2);
		for (uint32_t i = 0; i < n; i++)
			if (old[i].id)
				sites_put(s, &old[i].key, old[i].id);
		g_free(old);
	}
	sites_put(s, k, id);
	return id;
}

/* The skb_sites number of @k's names; when they are new, their skb_sites
 * row goes to the writer first.  Inline in skb_row_add, so that the key
 * stays in registers. */
static inline uint32_t
trace_site_id(struct trace *tr, const struct trace_site_key *k)
{
	struct trace_sites *s = &tr->sites;
	uint32_t i = site_hash(k) & s->mask;

	for (;;) {
		const struct trace_site_slot *slot = &s->slots[i];
		if (!slot->id)
			return site_new(tr, k);
		if (site_key_eq(&slot->key, k))
			return slot->id;
		i = (i + 1) & s->mask;
	}
}

/*
 * Appends the row to the chunk for the writer, which packs it
 * (trace_pack.c), and returns its record; a row with pointer columns
 * (@ptrs) leaves them to the caller.  The time and the CPU context are
 * taken now, when the operation happens.
 */
static inline __attribute__((always_inline)) struct trace_skb_row *
skb_row_add(struct trace_host *h, enum trace_op op, uint64_t skb, const char *layer,
	    const char *func, const char *queue, int64_t data_off, int64_t len, int64_t bytes,
	    enum trace_copy_kind kind, const char *reason, uint64_t other, bool ptrs, bool hw)
{
	struct trace *tr = h->tr;
	enum cpu_ctx ctx = hw || !h->cpu ? CPU_NONE : cpu_current_ctx(h->cpu);
	const struct trace_site_key k = {
		.layer = layer,
		.func = func,
		.queue = queue,
		.reason = reason,
		.codes = (uint32_t)(uint8_t)op | (uint32_t)(uint8_t)ctx << 8 |
			(uint32_t)(uint8_t)kind << 16 |
			(uint32_t)(uint8_t)(hw || !h->cpu ? 0 : cpu_this_id(h->cpu)) << 24,
	};
	/* first: a new site's row goes to the writer before this one */
	uint32_t site = trace_site_id(tr, &k);
	size_t size = ptrs ? sizeof(struct trace_skb_row) : offsetof(struct trace_skb_row, p);
	struct trace_skb_row *r = trace_rec_reserve(tr, REC_SKB, size);

	r->time = h->sim ? sim_now(h->sim) : 0;
	r->skb = skb;
	r->other = other;
	r->len = len;
	r->bytes = bytes;
	r->host = h->id;
	r->site = site;
	r->op = op;
	r->has_ptrs = ptrs;
	r->data_off = data_off; /* a row with pointers: p.data (trace_skb_row_data_off) */
	tr->rows++;
	return r;
}

void
trace_skb_event(struct trace_host *h, enum trace_op op, uint64_t skb, const char *layer,
		const char *func, const char *queue, int64_t data_off, int64_t len, int64_t bytes,
		enum trace_copy_kind kind, const char *reason, uint64_t other)
{
	if (trace_writing(h, TRACE_FULL))
		skb_row_add(h, op, skb, layer, func, queue, data_off, len, bytes, kind, reason,
			    other, false, false);
}

struct trace_skb_ptrs *
trace_skb_event_ptrs_begin(struct trace_host *h, enum trace_op op, uint64_t skb, const char *layer,
			   const char *func, const char *queue, int64_t len, int64_t bytes,
			   enum trace_copy_kind kind, const char *reason, uint64_t other, bool hw)
{
	if (!trace_writing(h, TRACE_FULL))
		return NULL;
	return &skb_row_add(h, op, skb, layer, func, queue, 0, len, bytes, kind, reason, other,
			    true, hw)
			->p;
}

void
trace_skb_event_ptrs(struct trace_host *h, enum trace_op op, uint64_t skb, const char *layer,
		     const char *func, const char *queue, int64_t len, int64_t bytes,
		     enum trace_copy_kind kind, const char *reason, uint64_t other,
		     const struct trace_skb_ptrs *p, bool hw)
{
	struct trace_skb_ptrs *q = trace_skb_event_ptrs_begin(h, op, skb, layer, func, queue, len,
							      bytes, kind, reason, other, hw);
	if (q)
		*q = *p;
}

static const char *
trace_proto_name(uint8_t proto, char *buf, size_t size)
{
	switch (proto) {
	case 0: return "arp";
	case 1: return "icmp";
	case 6: return "tcp";
	case 17: return "udp";
	default: snprintf(buf, size, "%u", proto); return buf;
	}
}

/* TCP flags as tcpdump prints them: S F R P U E W, then "." for ACK. */
static const char *
trace_tcp_flags(uint8_t flags, char *buf)
{
	static const struct {
		uint8_t bit;
		char c;
	} order[] = {
		{ 0x02, 'S' }, { 0x01, 'F' }, { 0x04, 'R' }, { 0x08, 'P' },
		{ 0x20, 'U' }, { 0x40, 'E' }, { 0x80, 'W' }, { 0x10, '.' },
	};
	char *p = buf;

	for (unsigned i = 0; i < G_N_ELEMENTS(order); i++)
		if (flags & order[i].bit)
			*p++ = order[i].c;
	if (p == buf)
		*p++ = '-'; /* no flag at all: a malformed or crafted segment */
	*p = '\0';
	return buf;
}

/*
 * The dotted quad of @addr, interned.  Two per packets row: snprintf and
 * the interning hash were about 2% of a full trace's CPU time, so the
 * digits are written by hand and the interned text of recent addresses is
 * kept by address (a cache: the text is the same either way).
 */
static void
row_addr(struct trace_row *b, struct trace *tr, uint32_t addr)
{
	unsigned slot = (uint32_t)(addr * UINT32_C(0x9e3779b1)) >> (32 - TRACE_ADDR_CACHE_BITS);
	struct trace_addr_name *c = &tr->addr_cache[slot];

	if (!c->name || c->addr != addr) {
		char buf[16], *p = buf;
		for (int shift = 24; shift >= 0; shift -= 8) {
			unsigned o = (addr >> shift) & 0xff;
			if (o >= 100)
				*p++ = (char)('0' + o / 100);
			if (o >= 10)
				*p++ = (char)('0' + o / 10 % 10);
			*p++ = (char)('0' + o % 10);
			*p++ = shift ? '.' : '\0';
		}
		c->addr = addr;
		c->name = g_string_chunk_insert_const(tr->names, buf);
	}
	row_name(b, c->name);
}

void
trace_packet(struct trace_host *h, uint64_t skb, const struct trace_pkt_info *info)
{
	/* Summary level keeps one row per skb (what it carried), full level
	 * every operation on it as well. */
	if (!trace_writing(h, TRACE_SUMMARY))
		return;
	struct trace *tr = h->tr;
	struct trace_row b = { .stmt = ST_PACKET };
	bool tcp = info->proto == 6, ports = tcp || info->proto == 17;
	char proto[4], flags[10];

	row_int(&b, (int64_t)skb);
	row_int(&b, h->id);
	row_int(&b, h->sim ? sim_now(h->sim) : 0);
	row_text(&b, tr, trace_proto_name(info->proto, proto, sizeof proto));
	row_addr(&b, tr, info->saddr);
	row_addr(&b, tr, info->daddr);
	row_int_or_null(&b, info->sport, ports);
	row_int_or_null(&b, info->dport, ports);
	row_text(&b, tr, tcp ? trace_tcp_flags(info->tcp_flags, flags) : NULL);
	row_int_or_null(&b, info->seq, tcp);
	row_int_or_null(&b, info->ack, tcp);
	row_int(&b, info->payload);
	trace_row_put(tr, &b);
	tr->rows++;
}

/*
 * The cpu_work number of @ctx and @name, numbered by content in the order
 * the run met them; a new one's cpu_work row goes to the writer first.
 */
static uint32_t
busy_work_id(struct trace *tr, enum cpu_ctx ctx, const char *name)
{
	char *text = g_strconcat(cpu_ctx_name(ctx), "\x1f", name, NULL);
	uint32_t id = GPOINTER_TO_UINT(g_hash_table_lookup(tr->work_by_text, text));

	if (id) {
		g_free(text);
		return id;
	}
	id = g_hash_table_size(tr->work_by_text) + 1;
	g_hash_table_insert(tr->work_by_text, text, GUINT_TO_POINTER(id));
	struct trace_row b = { .stmt = ST_WORK };
	row_int(&b, id);
	row_name(&b, cpu_ctx_name(ctx));
	row_name(&b, name);
	trace_row_put(tr, &b);
	return id;
}

static inline uint32_t
busy_map_hash(const char *name)
{
	return (uint32_t)(((uint64_t)(uintptr_t)name * UINT64_C(0x9e3779b97f4a7c15)) >> 32);
}

static void
busy_map_put(struct trace_busy_map *m, struct trace_busy_total *t)
{
	uint32_t i = busy_map_hash(t->name) & m->mask;
	while (m->slots[i])
		i = (i + 1) & m->mask;
	m->slots[i] = t;
	m->used++;
}

/* A name not met before in @ctx on @hr: its total, in busy[] and the map. */
static G_GNUC_NO_INLINE struct trace_busy_total *
busy_total_new(struct trace_host_rec *hr, enum cpu_ctx ctx, const char *name)
{
	struct trace_busy_map *m = &hr->busy_map[ctx];
	struct trace_busy_total *t = g_new0(struct trace_busy_total, 1);

	t->name = name;
	g_hash_table_insert(hr->busy[ctx], (gpointer)name, t);
	if (!m->slots || (m->used + 1) * 2 > m->mask + 1) {
		struct trace_busy_total **old = m->slots;
		uint32_t n = old ? m->mask + 1 : 0;
		m->mask = n ? n * 2 - 1 : 15;
		m->used = 0;
		m->slots = g_new0(struct trace_busy_total *, m->mask + 1);
		for (uint32_t i = 0; i < n; i++)
			if (old[i])
				busy_map_put(m, old[i]);
		g_free(old);
	}
	busy_map_put(m, t);
	return t;
}

void
trace_cpu_busy_hook(void *host, enum cpu_ctx ctx, const char *name, sim_time_t start,
		    sim_time_t end)
{
	struct trace_host_rec *hr = host;
	struct trace_busy_total *t;

	if (!hr)
		return;
	struct trace_host *h = &hr->pub;
	if (!name)
		name = "?";
	if ((unsigned)ctx > CPU_NCTX)
		ctx = CPU_NONE;
	/* Totals are kept at every level, found by the name's pointer
	 * (busy_map).  A cache of the two totals found last at a slot chosen
	 * by the pointer's hash missed when three names met at one slot: 60,000
	 * g_hash_table_lookup calls of 212,000 stretches in the UDP flood after
	 * string literals moved in an unrelated change (callgrind). */
	struct trace_busy_map *m = &hr->busy_map[ctx];
	t = NULL;
	if (m->slots) {
		for (uint32_t i = busy_map_hash(name) & m->mask; m->slots[i];
		     i = (i + 1) & m->mask) {
			if (m->slots[i]->name == name) {
				t = m->slots[i];
				break;
			}
		}
	}
	if (!t)
		t = busy_total_new(hr, ctx, name);
	t->ns += end - start;
	t->intervals++;

	if (!trace_writing(h, TRACE_FULL))
		return;
	if (!t->work)
		t->work = busy_work_id(h->tr, ctx, name);
	struct trace_cpu_row *r = trace_rec_reserve(h->tr, REC_CPU, sizeof *r);
	r->start = start;
	r->end = end;
	r->host = h->id;
	r->work = t->work;
	r->has_task = ctx == CPU_TASK && h->cpu;
	r->task = r->has_task ? cpu_stretch_task(h->cpu) : 0;
	r->cpu = h->cpu ? cpu_stretch_cpu(h->cpu) : 0;
	h->tr->rows++;
}

/* Orders totals by name so that cpu_total rows come out the same every run. */
static gint
busy_total_cmp(gconstpointer a, gconstpointer b)
{
	const struct trace_busy_total *x = *(const struct trace_busy_total *const *)a;
	const struct trace_busy_total *y = *(const struct trace_busy_total *const *)b;
	return g_strcmp0(x->name, y->name);
}

struct task_rows {
	struct trace *tr;
	uint32_t host;
};

static void
write_task(void *arg, uint32_t task, const char *name, sim_time_t runtime, uint64_t switches_in)
{
	struct task_rows *r = arg;
	if (r->tr->failed)
		return;
	sqlite3_stmt *st = r->tr->st[ST_TASK];
	sqlite3_bind_int64(st, 1, r->host);
	sqlite3_bind_int64(st, 2, task);
	sqlite3_bind_text(st, 3, name ? name : "?", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int64(st, 4, runtime);
	sqlite3_bind_int64(st, 5, (sqlite3_int64)switches_in);
	trace_row_done(r->tr, st, 1, "writing task_total");
}

/* One task_total row per task of @hr's CPU, in the order the CPU met them. */
static void
write_tasks(struct trace *tr, struct trace_host_rec *hr)
{
	struct task_rows rows = { tr, hr->pub.id };
	if (hr->pub.cpu && tr->db && tr->level >= TRACE_SUMMARY)
		cpu_foreach_task(hr->pub.cpu, write_task, &rows);
}

void
trace_host_cpu_gone(struct trace_host *h)
{
	if (!h || !h->cpu)
		return;
	if (h->tr->db && !h->tr->failed)
		trace_sync(h->tr); /* the rows are written here, on this thread */
	write_tasks(h->tr, (struct trace_host_rec *)h);
	h->cpu = NULL;
}

/*
 * One cpu_total row per host, context and name.  Totals were keyed by the
 * name's pointer; two equal names at different addresses are merged here.
 */
void
trace_write_totals(struct trace *tr)
{
	sqlite3_stmt *st = tr->st[ST_TOTAL];

	for (guint i = 0; i < tr->hosts->len && !tr->failed; i++) {
		struct trace_host_rec *hr = g_ptr_array_index(tr->hosts, i);
		for (int c = 0; c <= CPU_NCTX && !tr->failed; c++) {
			g_autoptr(GPtrArray) list = g_ptr_array_new();
			GHashTableIter it;
			gpointer value;
			g_hash_table_iter_init(&it, hr->busy[c]);
			while (g_hash_table_iter_next(&it, NULL, &value))
				g_ptr_array_add(list, value);
			g_ptr_array_sort(list, busy_total_cmp);
			for (guint k = 0; k < list->len && !tr->failed; k++) {
				const struct trace_busy_total *t = g_ptr_array_index(list, k);
				sim_time_t ns = t->ns;
				uint64_t n = t->intervals;
				while (k + 1 < list->len &&
				       busy_total_cmp(&list->pdata[k], &list->pdata[k + 1]) == 0) {
					const struct trace_busy_total *u = list->pdata[++k];
					ns += u->ns;
					n += u->intervals;
				}
				sqlite3_bind_int64(st, 1, hr->pub.id);
				sqlite3_bind_text(st, 2, cpu_ctx_name(c), -1, SQLITE_STATIC);
				sqlite3_bind_text(st, 3, t->name, -1, SQLITE_STATIC);
				sqlite3_bind_int64(st, 4, ns);
				sqlite3_bind_int64(st, 5, (sqlite3_int64)n);
				trace_row_done(tr, st, 1, "writing cpu_total");
			}
		}
		/* a host freed before the trace closed wrote its tasks then */
		write_tasks(tr, hr);
	}
}

void
trace_counter(struct trace_host *h, const char *name, const char *place, int64_t value)
{
	if (!trace_writing(h, TRACE_SUMMARY))
		return;
	struct trace_row b = { .stmt = ST_COUNTER };
	row_int(&b, h->id);
	row_text(&b, h->tr, name);
	row_text(&b, h->tr, place);
	row_int(&b, value);
	trace_row_put(h->tr, &b);
	h->tr->rows++;
}

void
trace_tcp_cc(struct trace_host *h, const char *conn, const struct trace_tcp_cc *cc)
{
	if (!trace_writing(h, TRACE_SUMMARY))
		return;
	struct trace_row b = { .stmt = ST_TCP_CC };
	row_int(&b, h->sim ? sim_now(h->sim) : 0);
	row_int(&b, h->id);
	row_text(&b, h->tr, conn);
	row_int(&b, cc->cwnd);
	row_int(&b, cc->ssthresh);
	row_int(&b, cc->flight);
	row_int(&b, cc->srtt);
	row_int(&b, cc->rto);
	row_int(&b, cc->rttvar);
	row_text(&b, h->tr, cc->ca);
	row_name(&b, cc->ca_state);
	row_int(&b, cc->sacked_out);
	row_int(&b, cc->lost_out);
	row_int(&b, cc->retrans_out);
	/* ~0 before the first RTT sample (Linux's sk_pacing_rate): NULL */
	row_int_or_null(&b, (int64_t)cc->pacing_rate, cc->pacing_rate <= (uint64_t)INT64_MAX);
	trace_row_put(h->tr, &b);
	h->tr->rows++;
}

void
trace_tcp_state(struct trace_host *h, const char *conn, const char *old_state,
		const char *new_state)
{
	if (!trace_writing(h, TRACE_SUMMARY))
		return;
	struct trace_row b = { .stmt = ST_TCP_STATE };
	row_int(&b, h->sim ? sim_now(h->sim) : 0);
	row_int(&b, h->id);
	row_text(&b, h->tr, conn);
	row_name(&b, old_state);
	row_name(&b, new_state);
	trace_row_put(h->tr, &b);
	h->tr->rows++;
}

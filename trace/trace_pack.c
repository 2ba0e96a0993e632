/*
 * trace/trace_pack.c - skb_events and cpu_busy rows stored packed (the
 * text of a pack: trace_pack_text.c; expanding it: trace_expand.c).
 *
 * Measured first (docs/performance.md, the trace section): with one SQLite
 * B-tree row per skb operation the writer spent about 0.5 us a row inside
 * SQLite (binding, the VDBE, record building, the B-tree, the pages), and
 * the indexes built at close another third: 40x the untraced run for a
 * full trace.  Here the writer thread turns TRACE_PACK_ROWS rows into one
 * JSON text (an array of arrays of integers, about 2 ns a byte) and
 * SQLite stores that as one row of skb_packs or cpu_packs: one statement
 * step per 256 rows.  JSON, because stock SQLite 3.40 decodes it with no
 * extension (json_each and ->>, built in since 3.38): the views skb_events
 * and cpu_busy of schema.sql read the packs, so the sqlite3 shell, viz/
 * and every documented query see the same rows either way.
 *
 * Reading a packed trace decodes every pack a query touches, and no index
 * finds one skb's rows; so at close a trace of at most tr->expand_rows
 * skb_events rows (NETSIM_TRACE_EXPAND_ROWS, default
 * TRACE_EXPAND_ROWS_DEFAULT) is expanded into skb_rows and cpu_rows with
 * their indexes, what a lecture's trace always was.  A bigger trace stays
 * packed until trace_expand_file (`netsim trace expand FILE`), which
 * expands a copy and renames it over the file, so that a failed or
 * interrupted expansion leaves the packed trace as it was.
 */
#include "config.h"

#include <string.h>

#include "trace/trace_int.h"

/* NETSIM_TRACE_PACK_ARRAYS=N (tests): every Nth row of a pack, from its
 * first, in the array form, so that packs of both forms are read. */
static inline bool
pack_as_array(const struct trace *tr, const struct trace_pack *pk)
{
	return tr->pack_arrays && pk->n % tr->pack_arrays == 0;
}

/*
 * A pack is written when its text reaches TRACE_PACK_BYTES.  SQLite keeps
 * the part of a big row that does not fill whole overflow pages in the
 * table's leaf page: cut at a fixed number of rows, that part has any size
 * up to a page and the leaves are half empty (the file was 18% bigger).
 * Cut just past minLocal + some whole overflow pages (SQLite's
 * btreeParseCellPtr: minLocal = (usable - 12) * 32 / 255 - 23, and
 * usable - 4 bytes an overflow page), the leaf part is about minLocal and
 * a leaf holds several.  The 25 bytes are the record's header and the
 * other columns.  About 48 KiB of overflow pages a pack and at least one
 * page (one of 32 KiB: a pack of about 37 KB);
 * TRACE_PACK_ROWS bounds the rows of a pack whatever their size.
 */
#define TRACE_PACK_MIN_LOCAL ((TRACE_PAGE_SIZE - 12) * 32 / 255 - 23)
#define TRACE_PACK_OVFL_PAGES MAX(1, 49152 / (TRACE_PAGE_SIZE - 4))
#define TRACE_PACK_BYTES (TRACE_PACK_MIN_LOCAL + TRACE_PACK_OVFL_PAGES * (TRACE_PAGE_SIZE - 4) - 25)

static inline bool
pack_full(const struct trace_pack *pk)
{
	return pk->len >= TRACE_PACK_BYTES || pk->n >= TRACE_PACK_ROWS;
}

/* Writes @pk, a pack of @kind, as one row of its table and empties it. */
static void
pack_write(struct trace *tr, struct trace_pack *pk, enum trace_pack_kind kind)
{
	static const enum trace_stmt stmt[] = {
		[PACK_SKB] = ST_SKB_PACK, [PACK_CPU] = ST_CPU_PACK, [PACK_PKT] = ST_PKT_PACK
	};
	static const char *const what[] = { [PACK_SKB] = "writing skb_packs",
					    [PACK_CPU] = "writing cpu_packs",
					    [PACK_PKT] = "writing packet_packs" };
	sqlite3_stmt *st = tr->st[stmt[kind]];

	if (!pk->n)
		return;
	trace_pack_reserve(pk, 2);
	pk->buf[pk->len++] = ']';
	pk->buf[pk->len] = '\0';
	int i = 1;
	if (kind == PACK_SKB)
		sqlite3_bind_int64(st, i++, (sqlite3_int64)pk->seq0);
	sqlite3_bind_int64(st, i++, pk->n);
	sqlite3_bind_int64(st, i++, pk->t0);
	if (kind != PACK_CPU)
		sqlite3_bind_int64(st, i++, pk->k0);
	if (kind == PACK_SKB)
		sqlite3_bind_int64(st, i++, pk->has_d0 ? pk->d0 : 0);
	sqlite3_bind_text(st, i, pk->buf, (int)pk->len, SQLITE_STATIC);
	pk->len = 0;
	pk->n = 0;
	pk->has_d0 = false;
	if (!tr->w_error)
		trace_step(tr, st, what[kind]);
}

/*
 * While the trace is still of the size that is expanded at close
 * (tr->expand_rows), its rows go straight into the plain tables instead,
 * on this writer thread: a lecture's trace is then written as before the
 * packs, with no expansion at close (which took twice the time of the
 * run).  They are bound from the record's values, not formatted into a
 * pack and parsed back (which made a lecture's full trace 1.5x dearer).
 * Every plain row of skb_events comes before every packed one; cpu_busy
 * rows follow the same switch (trace_plain_now, trace_int.h).
 *
 * A run that will pass the limit would write its first expand_rows rows
 * plain for nothing (a B-tree row each and an index at close: a run just
 * past the limit cost 3 to 4 times one packed from the start).  So when
 * the planned length of the run is known (trace_set_run_length), the
 * writer checks every PROJECT_EVERY rows, once 1/PROJECT_AFTER of the run
 * has passed, whether the rows so far, at their rate so far, reach the
 * limit by the end (rows * length / now >= expand_rows), and packs from
 * then on.  The guess only decides the cost, never the result: a run that
 * ends below the limit after all is expanded at close like any other, and
 * a run whose rows come late passes the limit as before.  Rows and the
 * run's virtual time are the same every run, so the switch is too.  Every
 * lecture and network scenario stays below the limit at every check (the
 * highest guess, rps-single-queue's, is 2.15 M; interrupts-and-napi-high-
 * load's 2.36 M is its end).
 */
#define PROJECT_AFTER 100
#define PROJECT_EVERY(tr) MAX(1, (tr)->expand_rows / 256)
/*
 * Before 1/PROJECT_AFTER of the run, from 1/PROJECT_SOON_AFTER of it on, a
 * run is packed if it is on course to pass PROJECT_SOON_BY times the
 * limit: a big run then writes a tenth of the plain rows it did (the bench's
 * 1M datagrams wrote their first 490,000 rows plain, and built an index of
 * them at close, about 5% of its CPU time; its page cache filled to the
 * 16 MiB that made the run's peak memory).  A lecture, whose rows come
 * early (handshakes, a burst), would need PROJECT_EVERY rows within the
 * first 1/PROJECT_SOON_AFTER of its length at four times the limit's rate.
 */
#define PROJECT_SOON_AFTER 1000
#define PROJECT_SOON_BY 4

static void
project_rows(struct trace *tr, sim_time_t now)
{
	uint64_t rows = tr->skb_seq;
	unsigned __int128 t = (unsigned __int128)now, len = (unsigned __int128)tr->run_length;

	if (!tr->run_length || !rows || rows % PROJECT_EVERY(tr) || t * PROJECT_SOON_AFTER < len)
		return;
	unsigned by = t * PROJECT_AFTER < len ? PROJECT_SOON_BY : 1;
	if ((unsigned __int128)rows * len >= (unsigned __int128)tr->expand_rows * by * t)
		tr->pack_early = true;
}

/* skb_rows' columns after seq: the index of each in a pack's row */
const int trace_skb_col_from[17] = { 0, 1, 2, 3, 4, 16, 11, 15, 5, 6, 7, 8, 14, 13, 12, 9, 10 };

/* The columns of ST_SKB_PLAIN and ST_CPU_PLAIN (trace.c), in their order. */
static const char skb_plain_cols[] = "time_ns, host, site, skb, data_off, len, bytes, other,"
				     " step, tail_off, end_off, buf_size, mac_off, net_off,"
				     " trans_off, data_id, dataref";
static const char cpu_plain_cols[] = "host, work, start_ns, end_ns, task, cpu";
#define CPU_PLAIN_COLS 6
/* ST_PACKET's (trace.c) */
static const char packet_cols[] = "skb, host, time_ns, proto, saddr, daddr, sport, dport,"
				  " tcp_flags, seq, ack, payload";

char *
trace_plain_n_sql(enum trace_stmt st)
{
	bool skb = st == ST_SKB_PLAIN_N, pkt = st == ST_PACKET_N;
	int ncol = skb ? TRACE_PLAIN_COLS : pkt ? PACKET_COLS : CPU_PLAIN_COLS;
	GString *sql = g_string_new(NULL);

	g_string_append_printf(sql, "INSERT %sINTO %s (%s) VALUES ", pkt ? "OR IGNORE " : "",
			       skb	     ? "skb_rows"
				       : pkt ? "packet_rows"
					     : "cpu_rows",
			       skb	     ? skb_plain_cols
				       : pkt ? packet_cols
					     : cpu_plain_cols);
	for (int r = 0; r < TRACE_PLAIN_BATCH; r++) {
		g_string_append(sql, r ? ",(" : "(");
		for (int c = 0; c < ncol; c++)
			g_string_append(sql, c ? ",?" : "?");
		g_string_append_c(sql, ')');
	}
	return g_string_free(sql, FALSE);
}

void
trace_batch_write(struct trace *tr, const void *batch, uint32_t n, int ncol, enum trace_stmt st_n,
		  enum trace_stmt st_1, const char *what, trace_batch_bind bind)
{
	if (tr->w_error || !n)
		return;
	if (n == TRACE_PLAIN_BATCH) {
		for (uint32_t r = 0; r < n; r++)
			bind(tr->st[st_n], batch, r, 1 + (int)r * ncol, ncol);
		trace_step(tr, tr->st[st_n], what);
		return;
	}
	for (uint32_t r = 0; r < n && !tr->w_error; r++) {
		bind(tr->st[st_1], batch, r, 1, ncol);
		trace_step(tr, tr->st[st_1], what);
	}
}

/* trace_batch_bind for a struct trace_plain. */
static void
plain_bind(sqlite3_stmt *st, const void *batch, uint32_t r, int first, int ncol)
{
	const struct trace_plain *pl = batch;
	for (int c = 0; c < ncol; c++)
		trace_bind_opt(st, first + c, pl->v[r][c], pl->has[r][c]);
}

/* Inserts the rows waiting in @pl. */
static void
plain_write(struct trace *tr, struct trace_plain *pl, bool skb)
{
	uint32_t n = pl->n;
	pl->n = 0;
	if (skb)
		trace_batch_write(tr, pl, n, TRACE_PLAIN_COLS, ST_SKB_PLAIN_N, ST_SKB_PLAIN,
				  "writing skb_rows", plain_bind);
	else
		trace_batch_write(tr, pl, n, CPU_PLAIN_COLS, ST_CPU_PLAIN_N, ST_CPU_PLAIN,
				  "writing cpu_rows", plain_bind);
}

void
trace_packs_flush(struct trace *tr)
{
	plain_write(tr, &tr->skb_plain, true);
	plain_write(tr, &tr->cpu_plain, false);
	trace_packets_flush(tr);
	pack_write(tr, &tr->skb_pack, PACK_SKB);
	pack_write(tr, &tr->cpu_pack, PACK_CPU);
	pack_write(tr, &tr->pkt_pack, PACK_PKT);
}

void
trace_packs_free(struct trace *tr)
{
	g_clear_pointer(&tr->skb_pack.buf, g_free);
	g_clear_pointer(&tr->cpu_pack.buf, g_free);
	g_clear_pointer(&tr->pkt_pack.buf, g_free);
	g_clear_pointer(&tr->pkt_sites.slots, g_free);
}

/*
 * The values of skb_rows (schema.sql) for @r: the names are one number
 * (site), len is NULL when it is tail_off - data_off (-1 for a NULL len that
 * is not), bytes holds the queue length of an enqueue or dequeue; the view
 * skb_events gives every column back as it was.
 */
void
trace_pack_skb_row(struct trace *tr, const struct trace_skb_row *r)
{
	struct trace_pack *pk = &tr->skb_pack;
	if (trace_plain_now(tr))
		project_rows(tr, r->time);
	bool plain = trace_plain_now(tr);
	int64_t v[17], t0 = 0, k0 = 0, d0 = 0;

	if (!plain) {
		if (!pk->n) {
			pk->t0 = (int64_t)r->time;
			pk->seq0 = tr->skb_seq + 1;
			pk->k0 = (int64_t)r->skb;
		}
		if (!pk->has_d0 && r->has_ptrs) {
			/* before any row is written with it: rows without one come first */
			pk->d0 = (int64_t)r->p.data_id;
			pk->has_d0 = true;
		}
		t0 = pk->t0;
		k0 = pk->k0;
		d0 = pk->has_d0 ? pk->d0 : 0;
	}
	uint32_t site = r->site;
	/* most rows: the string form, from the record with no array between */
	if (!plain && !tr->w_error && !pack_as_array(tr, pk) &&
	    trace_pack_put_skb_rec(pk, r, site, k0, d0)) {
		tr->skb_seq++;
		tr->batch_rows++;
		if (pack_full(pk))
			pack_write(tr, pk, PACK_SKB);
		return;
	}
	/* the order of the view skb_packed: the columns most often NULL last;
	 * PACK_NULL for a NULL */
	v[0] = (int64_t)r->time - t0;
	v[1] = r->host;
	v[2] = site;
	v[3] = (int64_t)r->skb - k0;
	int64_t data_off = trace_skb_row_data_off(r);
	v[4] = data_off >= 0 ? data_off : PACK_NULL;
	if (r->has_ptrs) {
		const struct trace_skb_ptrs *p = &r->p;
		v[5] = p->step;
		v[6] = p->tail;
		v[7] = p->end;
		v[8] = p->size;
		v[9] = (int64_t)p->data_id - d0;
		v[10] = p->dataref;
		v[12] = p->trans != TRACE_HDR_UNSET ? p->trans : PACK_NULL;
		v[13] = p->net != TRACE_HDR_UNSET ? p->net : PACK_NULL;
		v[14] = p->mac != TRACE_HDR_UNSET ? p->mac : PACK_NULL;
	} else {
		v[5] = v[6] = v[7] = v[8] = v[9] = v[10] = PACK_NULL;
		v[12] = v[13] = v[14] = PACK_NULL;
	}
	/* trace.h passes the queue length in @bytes for queue operations. */
	v[11] = trace_skb_row_bytes(r);
	v[15] = trace_skb_row_other(r);
	v[16] = trace_skb_row_len(r);
	if (tr->w_error)
		return;
	if (plain) {
		struct trace_plain *pl = &tr->skb_plain;
		for (int c = 0; c < TRACE_PLAIN_COLS; c++) {
			int64_t x = v[trace_skb_col_from[c]];
			pl->v[pl->n][c] = x;
			pl->has[pl->n][c] = x != PACK_NULL;
		}
		tr->skb_seq++;
		tr->batch_rows++;
		if (++pl->n == TRACE_PLAIN_BATCH)
			plain_write(tr, pl, true);
		return;
	}
	/* packed, and not in the string form above: NETSIM_TRACE_PACK_ARRAYS
	 * asked for the array form, or a value does not fit a character */
	trace_pack_put_row(pk, v, 17);
	tr->skb_seq++;
	tr->batch_rows++;
	if (pack_full(pk))
		pack_write(tr, pk, PACK_SKB);
}

/* @r is trace_cpu_busy_hook's: host, work, start_ns, end_ns, task, cpu.
 * CPU 0 is left out of the pack (a one-CPU host's rows are as before). */
void
trace_pack_cpu_row(struct trace *tr, const struct trace_cpu_row *r)
{
	struct trace_pack *pk = &tr->cpu_pack;
	bool plain = trace_plain_now(tr);

	if (!plain && !pk->n)
		pk->t0 = (int64_t)r->start;
	/* most rows: the string form, from the record with no array between */
	if (!plain && !pack_as_array(tr, pk) && trace_pack_put_cpu_rec(pk, r, pk->t0)) {
		tr->batch_rows++;
		if (pack_full(pk))
			pack_write(tr, pk, PACK_CPU);
		return;
	}
	int64_t v[6] = { r->host, r->work, (int64_t)r->start, (int64_t)r->end, r->task, r->cpu };
	bool has[6] = { true, true, true, true, r->has_task, r->cpu != 0 };

	if (plain) {
		struct trace_plain *pl = &tr->cpu_plain;
		for (int i = 0; i < 5; i++) {
			pl->v[pl->n][i] = v[i];
			pl->has[pl->n][i] = has[i];
		}
		pl->v[pl->n][5] = has[5] ? v[5] : 0; /* the CPU: 0 when left out */
		pl->has[pl->n][5] = true;
		tr->batch_rows++;
		if (++pl->n == TRACE_PLAIN_BATCH)
			plain_write(tr, pl, false);
		return;
	}
	/* packed, and not in the string form above: NETSIM_TRACE_PACK_ARRAYS
	 * asked for the array form, or a value does not fit a character */
	v[3] -= v[2]; /* the stretch's length */
	v[2] -= pk->t0;
	for (int i = 0; i < 6; i++)
		if (!has[i])
			v[i] = PACK_NULL;
	trace_pack_put_row(pk, v, 6);
	tr->batch_rows++;
	if (pack_full(pk))
		pack_write(tr, pk, PACK_CPU);
}

/*
 * packets rows once the trace is packed.  A packets row as a plain B-tree
 * row (64 to an INSERT OR IGNORE, keyed by skb) cost about 4,500
 * instructions in SQLite, 13% of a packed trace's instructions for 2% of
 * its rows (callgrind, docs/performance.md); packed like the skb rows, a
 * row is about 13 bytes of a pack.  Its four names and two ports are one
 * packet_sites number: a row's key, looked up here by the names' pointers
 * (interned: equal text, equal pointer), numbered in the order the packed
 * rows meet them.  Rows are packed as they come, not deduplicated: the
 * first row of an skb wins in the view packets (schema.sql), and at
 * expansion (INSERT OR IGNORE in order), as in the plain table.
 */
static inline uint32_t
pkt_site_hash(const struct trace_pkt_site *k)
{
	uint64_t h = (uintptr_t)k->proto;
	h = h * UINT64_C(0x9e3779b97f4a7c15) + (uintptr_t)k->saddr;
	h = h * UINT64_C(0x9e3779b97f4a7c15) + (uintptr_t)k->daddr;
	h = h * UINT64_C(0x9e3779b97f4a7c15) + (uintptr_t)k->flags;
	h = h * UINT64_C(0x9e3779b97f4a7c15) +
		((uint64_t)(uint32_t)k->sport << 32 | (uint32_t)k->dport);
	h ^= h >> 33;
	h *= UINT64_C(0xff51afd7ed558ccd);
	h ^= h >> 33;
	return (uint32_t)h;
}

static inline bool
pkt_site_eq(const struct trace_pkt_site *a, const struct trace_pkt_site *b)
{
	return a->proto == b->proto && a->saddr == b->saddr && a->daddr == b->daddr &&
		a->flags == b->flags && a->sport == b->sport && a->dport == b->dport;
}

static void
pkt_sites_put(struct trace_pkt_sites *s, const struct trace_pkt_site *k)
{
	uint32_t i = pkt_site_hash(k) & s->mask;
	while (s->slots[i].id)
		i = (i + 1) & s->mask;
	s->slots[i] = *k;
	s->used++;
}

/* A new combination: its packet_sites row, and a slot (the table doubled
 * when half full). */
static G_GNUC_NO_INLINE uint32_t
pkt_site_new(struct trace *tr, struct trace_pkt_site *k)
{
	struct trace_pkt_sites *s = &tr->pkt_sites;
	sqlite3_stmt *st = tr->st[ST_PKT_SITE];

	if (!s->slots || (s->used + 1) * 2 > s->mask + 1) {
		struct trace_pkt_site *old = s->slots;
		uint32_t n = old ? s->mask + 1 : 0;
		s->mask = n ? n * 2 - 1 : 63;
		s->used = 0;
		s->slots = g_new0(struct trace_pkt_site, s->mask + 1);
		for (uint32_t i = 0; i < n; i++)
			if (old[i].id)
				pkt_sites_put(s, &old[i]);
		g_free(old);
	}
	k->id = s->used + 1; /* numbers are never removed: used + 1 is the next */
	pkt_sites_put(s, k);
	sqlite3_bind_int64(st, 1, k->id);
	sqlite3_bind_text(st, 2, k->proto, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, k->saddr, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, k->daddr, -1, SQLITE_STATIC);
	trace_bind_opt(st, 5, k->sport, k->sport >= 0);
	trace_bind_opt(st, 6, k->dport, k->dport >= 0);
	sqlite3_bind_text(st, 7, k->flags, -1, SQLITE_STATIC);
	trace_step(tr, st, "writing packet_sites");
	return k->id;
}

static inline const char *
row_name_at(const struct trace_row *row, int i)
{
	return row->v[i].type == TV_NAME ? row->v[i].s : NULL;
}

static inline int64_t
row_int_at(const struct trace_row *row, int i)
{
	return row->v[i].type == TV_INT ? row->v[i].i : PACK_NULL;
}

void
trace_pack_pkt_row(struct trace *tr, const struct trace_row *row)
{
	struct trace_pack *pk = &tr->pkt_pack;
	/* the columns of ST_PACKET: skb, host, time_ns, proto, saddr, daddr,
	 * sport, dport, tcp_flags, seq, ack, payload */
	int64_t sport = row_int_at(row, 6), dport = row_int_at(row, 7);
	struct trace_pkt_site k = {
		.proto = row_name_at(row, 3),
		.saddr = row_name_at(row, 4),
		.daddr = row_name_at(row, 5),
		.flags = row_name_at(row, 8),
		.sport = sport >= 0 && sport <= INT32_MAX ? (int32_t)sport : -1,
		.dport = dport >= 0 && dport <= INT32_MAX ? (int32_t)dport : -1,
	};
	struct trace_pkt_sites *s = &tr->pkt_sites;
	uint32_t site = 0;

	g_assert(k.proto); /* NOT NULL: trace_packet always names it */
	for (uint32_t i = s->slots ? pkt_site_hash(&k) & s->mask : 0; s->slots;
	     i = (i + 1) & s->mask) {
		if (!s->slots[i].id)
			break;
		if (pkt_site_eq(&s->slots[i], &k)) {
			site = s->slots[i].id;
			break;
		}
	}
	if (!site)
		site = pkt_site_new(tr, &k);
	int64_t skb = row_int_at(row, 0), time = row_int_at(row, 2);
	if (!pk->n) {
		pk->t0 = time;
		pk->k0 = skb;
	}
	int64_t v[PACK_PKT_COLS] = { time - pk->t0,	 row_int_at(row, 1),  site,
				     skb - pk->k0,	 row_int_at(row, 11), row_int_at(row, 9),
				     row_int_at(row, 10) };
	if (tr->w_error)
		return;
	if (pack_as_array(tr, pk) || !trace_pack_put_pkt(pk, v))
		trace_pack_put_row(pk, v, PACK_PKT_COLS);
	tr->batch_rows++;
	if (pack_full(pk))
		pack_write(tr, pk, PACK_PKT);
}

/* The statements of schema.sql from the line "-- netsim:@section" (NULL: from
 * the start) to the next such line. */
static char *
schema_section(const char *section)
{
	const char *from = trace_schema_sql;

	if (section) {
		g_autofree char *marker = g_strconcat("\n-- netsim:", section, NULL);
		from = strstr(trace_schema_sql, marker);
		g_assert(from);
		from++;
	}
	const char *to = strstr(from + 1, "\n-- netsim:");
	return to ? g_strndup(from, (gsize)(to - from)) : g_strdup(from);
}

bool
trace_schema_exec(sqlite3 *db, const char *section, char **errmsg)
{
	g_autofree char *sql = schema_section(section);
	return sqlite3_exec(db, sql, NULL, NULL, errmsg) == SQLITE_OK;
}

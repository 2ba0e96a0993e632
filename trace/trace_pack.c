/*
 * trace/trace_pack.c - skb_events and cpu_busy rows stored packed, and
 * expanding a packed trace into plain tables.
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

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "trace/trace_int.h"

/* The widest row of a pack: 17 values of at most 20 digits and a sign,
 * their commas, the brackets. */
#define PACK_ROW_MAX (17 * 22 + 4)

static void
pack_reserve(struct trace_pack *pk, size_t more)
{
	if (pk->len + more <= pk->cap)
		return;
	pk->cap = MAX(pk->cap * 2, pk->len + more + 4096);
	pk->buf = g_realloc(pk->buf, pk->cap);
}

/* Decimal digits of @v at @p; returns the end.  The digits are written in
 * place, from the last: a memcpy of a few bytes is a call into libc, and
 * was 12% of a traced run's CPU time. */
static inline char *
put_int(char *p, int64_t v)
{
	static const char pairs[] = "00010203040506070809101112131415161718192021222324"
				    "25262728293031323334353637383940414243444546474849"
				    "50515253545556575859606162636465666768697071727374"
				    "75767778798081828384858687888990919293949596979899";
	uint64_t u = (uint64_t)v;

	if (v < 0) {
		*p++ = '-';
		u = -(uint64_t)v;
	}
	/* most values are below 10,000: no loop for them */
	if (u < 10) {
		*p = (char)('0' + u);
		return p + 1;
	}
	if (u < 100) {
		memcpy(p, pairs + u * 2, 2);
		return p + 2;
	}
	/* the digits counted by comparisons, not by dividing: the loop was
	 * a seventh of the writer's own instructions */
	unsigned n = u < 1000 ? 3 : u < 10000 ? 4 : u < 100000 ? 5 : u < 1000000 ? 6 : 7;
	if (u >= 10000000)
		for (uint64_t x = u / 10000000; x; x /= 10)
			n++;
	char *end = p + n, *t = end;
	while (u >= 100) {
		unsigned d = (unsigned)(u % 100) * 2;
		u /= 100;
		*--t = pairs[d + 1];
		*--t = pairs[d];
	}
	if (u >= 10) {
		*--t = pairs[u * 2 + 1];
		*--t = pairs[u * 2];
	} else {
		*--t = (char)('0' + u);
	}
	return end;
}

/* A NULL among the values of pack_put_row: no column's value is INT64_MIN
 * (times, ids and their differences within a pack, offsets, lengths). */
#define PACK_NULL INT64_MIN

static void
pack_memo_set(struct trace_pack *pk)
{
	for (unsigned i = 0; i < G_N_ELEMENTS(pk->memo); i++) {
		pk->memo[i].v = PACK_NULL;
		memcpy(pk->memo[i].txt, i ? ",null" : "null", i ? 5 : 4);
		pk->memo[i].len = i ? 5 : 4;
	}
	for (unsigned i = 0; i < G_N_ELEMENTS(pk->cmemo); i++) {
		pk->cmemo[i].v = PACK_NULL;
		pk->cmemo[i].txt[0] = ' ';
		pk->cmemo[i].len = 1;
	}
	pk->memo_set = true;
}

/*
 * One row's values, PACK_NULL for a NULL: "[a,b,null,c]" without trailing
 * NULLs.  A column's value is often the one of the row before (the host,
 * the skb, the pointers of the same skb, the time of ops done at once), so
 * each column remembers the text it wrote last (",1104") and writes it
 * again with one 8-byte copy when the value is the same (two values in
 * three in a UDP flood; docs/performance.md has the instructions saved).
 * The copy writes up to 8 bytes past the token's end, inside the room
 * pack_reserve made; they are overwritten by the next token or are past
 * pk->len, which is all SQLite is given.  A text longer than 8 bytes is
 * written and not remembered.
 */
static void
pack_put_row(struct trace_pack *pk, const int64_t *v, int n)
{
	while (n > 0 && v[n - 1] == PACK_NULL)
		n--;
	pack_reserve(pk, PACK_ROW_MAX + 8);
	if (!pk->memo_set)
		pack_memo_set(pk);
	char *p = pk->buf + pk->len;
	*p++ = pk->n ? ',' : '[';
	*p++ = '[';
	for (int i = 0; i < n; i++) {
		struct trace_pack_memo *m = &pk->memo[i];
		if (m->v == v[i]) {
			memcpy(p, m->txt, 8); /* a constant size: inlined */
			p += m->len;
			continue;
		}
		char *s = p;
		if (i)
			*p++ = ',';
		if (v[i] != PACK_NULL) {
			p = put_int(p, v[i]);
		} else {
			memcpy(p, "null", 4); /* a constant size: inlined */
			p += 4;
		}
		size_t len = (size_t)(p - s);
		if (len <= sizeof m->txt) {
			memcpy(m->txt, s, 8);
			m->len = (uint8_t)len;
			m->v = v[i];
		}
	}
	*p++ = ']';
	pk->len = (size_t)(p - pk->buf);
	pk->n++;
}

/*
 * The string form of a pack row (schema 9): one JSON string, one character
 * a value, so that a row is about half the bytes of its JSON array (the
 * kernel's writes, SQLite's copies and the formatting all go with the
 * bytes; docs/performance.md).  Stock SQLite decodes it in the views
 * (schema.sql, skb_packed): unicode(substr(row, K, 1)) is the code point
 * of character K.  A value 0 .. PACK_CHAR_MAX is code point value + 35
 * (code points 35 .. 55295: never '"', a control character or a UTF-16
 * surrogate; 1 to 3 bytes of UTF-8, and '\\' (57) escaped as two, so that
 * the view decodes a character with one unicode() call: the views' cost is
 * those calls); a NULL is a space; NULLs at the
 * end are left out.  A value that may be negative is stored zigzagged
 * (0, -1, 1, -2 .. as 0, 1, 2, 3 ..); a time is two characters, the
 * nanoseconds / 32768 and % 32768.  A row with a value out of range is
 * written in the array form instead, as schema 8 wrote every row; the views
 * and the expander read both.
 */
#define PACK_CHAR_MAX 55260
#define PACK_TIME_SPLIT 32768

static inline int64_t
zigzag(int64_t v)
{
	if (v == PACK_NULL)
		return PACK_NULL;
	if (v > PACK_CHAR_MAX || v < -PACK_CHAR_MAX)
		return -1; /* out of range: the array form */
	return v >= 0 ? 2 * v : -2 * v - 1;
}

/* Writes @c[0..n-1] as a string row: false (nothing written) if a value is
 * out of range.  One pass: the row is committed (pk->len) at the end,
 * cut after its last value that is not NULL.  As in pack_put_row, each
 * character remembers its last value and bytes, copied again (4 bytes)
 * when the value is the same. */
static bool
pack_put_string(struct trace_pack *pk, const int64_t *c, int n)
{
	pack_reserve(pk, 3 + 3 * (size_t)n + 8);
	if (!pk->memo_set)
		pack_memo_set(pk);
	unsigned char *p = (unsigned char *)pk->buf + pk->len, *last;
	*p++ = pk->n ? ',' : '[';
	*p++ = '"';
	last = p;
	for (int i = 0; i < n; i++) {
		int64_t x = c[i];
		struct trace_pack_memo *m = &pk->cmemo[i];
		if (x != m->v) {
			if (x != PACK_NULL && (uint64_t)x > PACK_CHAR_MAX)
				return false;
			uint32_t u = (uint32_t)x + 35;
			unsigned char *t = (unsigned char *)m->txt;
			if (x == PACK_NULL) {
				t[0] = ' ';
				m->len = 1;
			} else if (u == '\\') {
				t[0] = t[1] = '\\';
				m->len = 2;
			} else if (u < 0x80) {
				t[0] = (unsigned char)u;
				m->len = 1;
			} else if (u < 0x800) {
				t[0] = (unsigned char)(0xc0 | u >> 6);
				t[1] = (unsigned char)(0x80 | (u & 0x3f));
				m->len = 2;
			} else {
				t[0] = (unsigned char)(0xe0 | u >> 12);
				t[1] = (unsigned char)(0x80 | ((u >> 6) & 0x3f));
				t[2] = (unsigned char)(0x80 | (u & 0x3f));
				m->len = 3;
			}
			m->v = x;
		}
		memcpy(p, m->txt, 4); /* a constant size: inlined */
		p += m->len;
		last = x != PACK_NULL ? p : last;
	}
	*last++ = '"';
	pk->len = (size_t)((char *)last - pk->buf);
	pk->n++;
	return true;
}

/* The characters of an skb row, from the array form's values @v (the
 * order of skb_packed in schema.sql, @k0 the pack's first skb). */
static bool
pack_put_skb_string(struct trace_pack *pk, const int64_t *v, int64_t k0, int64_t d0)
{
	int64_t c[18];

	if (v[0] < 0)
		return false;
	c[0] = v[0] / PACK_TIME_SPLIT;
	c[1] = v[0] % PACK_TIME_SPLIT;
	c[2] = v[1];		     /* host */
	c[3] = v[2];		     /* site */
	c[4] = zigzag(v[3]);	     /* skb - k0 */
	for (int i = 4; i <= 8; i++) /* data_off step tail_off end_off buf_size */
		c[i + 1] = v[i];
	/* data_id: 0 (an skb with no data buffer) as 0, else data_id - d0 (z) + 1 */
	int64_t z = zigzag(v[9]);
	c[10] = v[9] == PACK_NULL ? PACK_NULL : v[9] == -d0 ? 0 : z < 0 ? -1 : z + 1;
	for (int i = 10; i <= 14; i++) /* dataref bytes trans_off net_off mac_off */
		c[i + 1] = v[i];
	c[16] = v[15] == PACK_NULL ? PACK_NULL
		: v[15] < 0	   ? -1
				   : zigzag(v[15] - k0);	    /* other - k0 */
	c[17] = v[16] == PACK_NULL ? PACK_NULL : v[16] + 1; /* len, -1 as 0 */
	return pack_put_string(pk, c, 18);
}

/* A cpu row: [host, work, start_ns - t0, end_ns - start_ns, task, cpu]. */
static bool
pack_put_cpu_string(struct trace_pack *pk, const int64_t *v)
{
	int64_t c[8];

	if (v[2] < 0 || v[3] < 0)
		return false;
	c[0] = v[0];
	c[1] = v[1];
	c[2] = v[2] / PACK_TIME_SPLIT;
	c[3] = v[2] % PACK_TIME_SPLIT;
	c[4] = v[3] / PACK_TIME_SPLIT;
	c[5] = v[3] % PACK_TIME_SPLIT;
	c[6] = v[4];
	c[7] = v[5];
	return pack_put_string(pk, c, 8);
}

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
 * other columns.  About 48 KiB of overflow pages a pack (at least one);
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

/* Writes @pk as one row of its table with @st and empties it. */
static void
pack_write(struct trace *tr, struct trace_pack *pk, sqlite3_stmt *st, bool skb)
{
	if (!pk->n)
		return;
	pack_reserve(pk, 2);
	pk->buf[pk->len++] = ']';
	pk->buf[pk->len] = '\0';
	int i = 1;
	if (skb)
		sqlite3_bind_int64(st, i++, (sqlite3_int64)pk->seq0);
	sqlite3_bind_int64(st, i++, pk->n);
	sqlite3_bind_int64(st, i++, pk->t0);
	if (skb) {
		sqlite3_bind_int64(st, i++, pk->k0);
		sqlite3_bind_int64(st, i++, pk->has_d0 ? pk->d0 : 0);
	}
	sqlite3_bind_text(st, i, pk->buf, (int)pk->len, SQLITE_STATIC);
	pk->len = 0;
	pk->n = 0;
	pk->has_d0 = false;
	if (!tr->w_error)
		trace_step(tr, st, skb ? "writing skb_packs" : "writing cpu_packs");
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

static void
project_rows(struct trace *tr, sim_time_t now)
{
	uint64_t rows = tr->skb_seq;

	if (!tr->run_length || !rows || rows % PROJECT_EVERY(tr) ||
	    (unsigned __int128)now * PROJECT_AFTER < (unsigned __int128)tr->run_length)
		return;
	if ((unsigned __int128)rows * (uint64_t)tr->run_length >=
	    (unsigned __int128)tr->expand_rows * (uint64_t)now)
		tr->pack_early = true;
}

static void
bind_opt(sqlite3_stmt *st, int i, int64_t v, bool has)
{
	if (has)
		sqlite3_bind_int64(st, i, v);
	else
		sqlite3_bind_null(st, i);
}

/* skb_rows' columns after seq: the index of each in a pack's row */
static const int skb_col_from[17] = { 0, 1, 2, 3, 4, 16, 11, 15, 5, 6, 7, 8, 14, 13, 12, 9, 10 };

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
				       : pkt ? "packets"
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
		bind_opt(st, first + c, pl->v[r][c], pl->has[r][c]);
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
	pack_write(tr, &tr->skb_pack, tr->st[ST_SKB_PACK], true);
	pack_write(tr, &tr->cpu_pack, tr->st[ST_CPU_PACK], false);
}

void
trace_packs_free(struct trace *tr)
{
	g_clear_pointer(&tr->skb_pack.buf, g_free);
	g_clear_pointer(&tr->cpu_pack.buf, g_free);
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
	bool queue_op = r->op == TR_ENQUEUE || r->op == TR_DEQUEUE;
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
	/* the order of the view skb_packed: the columns most often NULL last;
	 * PACK_NULL for a NULL */
	v[0] = (int64_t)r->time - t0;
	v[1] = r->host;
	v[2] = trace_site_id(tr, r);
	v[3] = (int64_t)r->skb - k0;
	v[4] = r->data_off >= 0 ? r->data_off : PACK_NULL;
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
	v[11] = queue_op || r->bytes != 0 || r->op == TR_COPY ? r->bytes : PACK_NULL;
	v[15] = r->other != 0 ? (int64_t)r->other : PACK_NULL;
	bool derived =
		r->has_ptrs && r->data_off >= 0 && r->len == (int64_t)r->p.tail - r->data_off;
	bool len_null = !r->has_ptrs || r->data_off < 0; /* tail_off - data_off is NULL */
	v[16] = derived || (len_null && r->len < 0) ? PACK_NULL : r->len >= 0 ? r->len : -1;
	if (tr->w_error)
		return;
	if (plain) {
		struct trace_plain *pl = &tr->skb_plain;
		for (int c = 0; c < TRACE_PLAIN_COLS; c++) {
			int64_t x = v[skb_col_from[c]];
			pl->v[pl->n][c] = x;
			pl->has[pl->n][c] = x != PACK_NULL;
		}
		tr->skb_seq++;
		tr->batch_rows++;
		if (++pl->n == TRACE_PLAIN_BATCH)
			plain_write(tr, pl, true);
		return;
	}
	if (pack_as_array(tr, pk) || !pack_put_skb_string(pk, v, k0, d0))
		pack_put_row(pk, v, 17);
	tr->skb_seq++;
	tr->batch_rows++;
	if (pack_full(pk))
		pack_write(tr, pk, tr->st[ST_SKB_PACK], true);
}

/* @row is trace_cpu_busy_hook's: host, work, start_ns, end_ns, task, cpu.
 * CPU 0 is left out of the pack (a one-CPU host's rows are as before). */
void
trace_pack_cpu_row(struct trace *tr, const struct trace_row *row)
{
	struct trace_pack *pk = &tr->cpu_pack;
	int64_t v[6];
	bool has[6];

	g_assert(row->nval == 6);
	for (int i = 0; i < 6; i++) {
		has[i] = row->v[i].type == TV_INT;
		v[i] = row->v[i].i;
	}
	has[5] = has[5] && v[5] != 0;
	if (trace_plain_now(tr)) {
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
	if (!pk->n)
		pk->t0 = v[2];
	v[3] -= v[2]; /* the stretch's length */
	v[2] -= pk->t0;
	for (int i = 0; i < 6; i++)
		if (!has[i])
			v[i] = PACK_NULL;
	if (pack_as_array(tr, pk) || !pack_put_cpu_string(pk, v))
		pack_put_row(pk, v, 6);
	tr->batch_rows++;
	if (pack_full(pk))
		pack_write(tr, pk, tr->st[ST_CPU_PACK], false);
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

/*
 * The packs into plain rows, in C: SQLite's json_each and ->> decode about
 * 0.5 us a value (10 us a skb_events row), so a trace of a million rows
 * took 10 s to expand in SQL (the statements of the netsim:expand section
 * of schema.sql, which say the same).  Here each pack is read once, its
 * numbers parsed in order, and the rows inserted with one prepared
 * statement: about what writing them as plain rows during the run cost.
 */

/* The next value of a pack's row at *@pp: false at the row's end (']'). */
static bool
unpack_value(const char **pp, int64_t *v, bool *has, bool *bad)
{
	const char *p = *pp;

	if (*p == ',')
		p++;
	if (*p == ']') {
		*pp = p;
		return false;
	}
	if (strncmp(p, "null", 4) == 0) {
		*has = false;
		*pp = p + 4;
		return true;
	}
	char *end;
	errno = 0;
	*v = g_ascii_strtoll(p, &end, 10);
	if (end == p || errno) {
		*bad = true;
		return false;
	}
	*has = true;
	*pp = end;
	return true;
}

/* The characters of a string row at *@pp (after its '"') into @c, NULL
 * (!has) for a space or past the end; false on what the writer never
 * writes (an escape, a code point out of range, bad UTF-8). */
static bool
unpack_chars(const char **pp, int64_t *c, bool *has, int nchar)
{
	const unsigned char *p = (const unsigned char *)*pp;
	int i = 0;

	for (; *p != '"'; i++) {
		uint32_t u;
		if (i == nchar || *p < 0x20)
			return false;
		if (*p == '\\') {
			if (p[1] != '\\')
				return false; /* the writer escapes nothing else */
			u = '\\';
			p += 2;
		} else if (*p < 0x80) {
			u = *p++;
		} else if ((*p & 0xe0) == 0xc0 && (p[1] & 0xc0) == 0x80) {
			u = (uint32_t)(*p & 0x1f) << 6 | (p[1] & 0x3f);
			p += 2;
		} else if ((*p & 0xf0) == 0xe0 && (p[1] & 0xc0) == 0x80 && (p[2] & 0xc0) == 0x80) {
			u = (uint32_t)(*p & 0x0f) << 12 | (uint32_t)(p[1] & 0x3f) << 6 |
				(p[2] & 0x3f);
			p += 3;
		} else {
			return false;
		}
		has[i] = u != ' ';
		if (u == ' ')
			continue;
		if (u < 35 || u > PACK_CHAR_MAX + 35)
			return false;
		c[i] = (int64_t)u - 35;
	}
	for (; i < nchar; i++)
		has[i] = false;
	*pp = (const char *)p + 1;
	return true;
}

static inline int64_t
unzigzag(int64_t z)
{
	return z & 1 ? -1 - (z >> 1) : z >> 1;
}

/* A string row (pack_put_skb_string, pack_put_cpu_string) as the values
 * of the array form into @v/@has; @k0: the pack's first skb. */
static bool
unpack_string(const char **pp, bool skb, int64_t k0, int64_t d0, int64_t *v, bool *has)
{
	int64_t c[18];
	bool h[18];

	if (!unpack_chars(pp, c, h, skb ? 18 : 8))
		return false;
	if (!skb) {
		if (!h[2] || !h[3] || !h[4] || !h[5])
			return false;
		v[0] = c[0], has[0] = h[0];
		v[1] = c[1], has[1] = h[1];
		v[2] = c[2] * PACK_TIME_SPLIT + c[3], has[2] = true;
		v[3] = c[4] * PACK_TIME_SPLIT + c[5], has[3] = true;
		v[4] = c[6], has[4] = h[6];
		v[5] = c[7], has[5] = h[7];
		return true;
	}
	if (!h[0] || !h[1])
		return false;
	v[0] = c[0] * PACK_TIME_SPLIT + c[1], has[0] = true;
	v[1] = c[2], has[1] = h[2];
	v[2] = c[3], has[2] = h[3];
	v[3] = unzigzag(c[4]), has[3] = h[4];
	for (int i = 4; i <= 8; i++)
		v[i] = c[i + 1], has[i] = h[i + 1];
	v[9] = c[10] == 0 ? -d0 : unzigzag(c[10] - 1), has[9] = h[10]; /* d0 + v[9]: data_id */
	for (int i = 10; i <= 14; i++)
		v[i] = c[i + 1], has[i] = h[i + 1];
	v[15] = k0 + unzigzag(c[16]), has[15] = h[16];
	v[16] = c[17] - 1, has[16] = h[17];
	return true;
}

/* The rows of the pack @text ("[[..],"..",[..]]": array rows and string
 * rows) into @v/@has, @ncol a row, calling @row for each; false on text
 * that is not a pack.  @k0: the pack's first skb (skb packs). */
static bool
unpack_rows(const char *text, int ncol, int64_t k0, int64_t d0,
	    bool (*row)(void *, const int64_t *, const bool *), void *arg)
{
	const char *p = text;
	bool bad = false;

	if (!p || *p++ != '[')
		return false;
	while (*p == '[' || *p == '"' || (*p == ',' && (p[1] == '[' || p[1] == '"'))) {
		if (*p == ',')
			p++;
		int64_t v[17];
		bool has[17];
		if (*p++ == '"') {
			if (!unpack_string(&p, ncol == 17, k0, d0, v, has))
				return false;
		} else {
			int i = 0;
			for (; i < ncol; i++) {
				if (!unpack_value(&p, &v[i], &has[i], &bad))
					break;
			}
			if (bad || *p != ']')
				return false;
			for (; i < ncol; i++)
				has[i] = false;
			p++;
		}
		if (!row(arg, v, has))
			return false;
	}
	return *p == ']' && p[1] == '\0';
}

struct unpack {
	sqlite3_stmt *ins;
	int64_t seq, t0, k0, d0;
};

/* One skb_rows row from the pack order of skb_packed (schema.sql). */
static bool
unpack_skb_row(void *arg, const int64_t *v, const bool *has)
{
	struct unpack *u = arg;
	sqlite3_stmt *st = u->ins;
	if (!has[0] || !has[1] || !has[2] || !has[3])
		return false;
	sqlite3_bind_int64(st, 1, u->seq++);
	for (int c = 0; c < 17; c++) {
		int k = skb_col_from[c];
		int64_t x = v[k];
		if (k == 0)
			x += u->t0;
		else if (k == 3)
			x += u->k0;
		else if (k == 9)
			x += u->d0;
		bind_opt(st, c + 2, x, has[k]);
	}
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE;
}

static bool
unpack_cpu_row(void *arg, const int64_t *v, const bool *has)
{
	struct unpack *u = arg;
	sqlite3_stmt *st = u->ins;

	if (!has[0] || !has[1] || !has[2] || !has[3])
		return false;
	sqlite3_bind_int64(st, 1, v[0]);
	sqlite3_bind_int64(st, 2, v[1]);
	sqlite3_bind_int64(st, 3, u->t0 + v[2]);
	sqlite3_bind_int64(st, 4, u->t0 + v[2] + v[3]);
	bind_opt(st, 5, v[4], has[4]);
	sqlite3_bind_int64(st, 6, has[5] ? v[5] : 0); /* the CPU: 0 when left out */
	int rc = sqlite3_step(st);
	sqlite3_reset(st);
	return rc == SQLITE_DONE;
}

/* Every pack of one table into plain rows, then the packs deleted. */
static bool
unpack_table(sqlite3 *db, bool skb, char **errmsg)
{
	sqlite3_stmt *sel = NULL, *ins = NULL;
	struct unpack u = { 0 };
	bool ok = false;
	int rc;

	const char *sel_sql = skb ? "SELECT seq0, t0, k0, d0, rows FROM skb_packs ORDER BY seq0"
				  : "SELECT 0, t0, 0, 0, rows FROM cpu_packs ORDER BY id";
	const char *ins_sql = skb ? TRACE_SKB_ROWS_INSERT : TRACE_CPU_ROWS_INSERT;
	if (sqlite3_prepare_v2(db, sel_sql, -1, &sel, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, ins_sql, -1, &ins, NULL) != SQLITE_OK)
		goto out;
	u.ins = ins;
	while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
		u.seq = sqlite3_column_int64(sel, 0);
		u.t0 = sqlite3_column_int64(sel, 1);
		u.k0 = sqlite3_column_int64(sel, 2);
		u.d0 = sqlite3_column_int64(sel, 3);
		const char *text = (const char *)sqlite3_column_text(sel, 4);
		if (!unpack_rows(text, skb ? 17 : 6, u.k0, u.d0,
				 skb ? unpack_skb_row : unpack_cpu_row, &u)) {
			if (sqlite3_errcode(db) == SQLITE_OK || sqlite3_errcode(db) == SQLITE_ROW ||
			    sqlite3_errcode(db) == SQLITE_DONE)
				*errmsg = sqlite3_mprintf("a row of %s is not a pack",
							  skb ? "skb_packs" : "cpu_packs");
			goto out;
		}
	}
	if (rc != SQLITE_DONE)
		goto out;
	g_clear_pointer(&sel, sqlite3_finalize);
	ok = sqlite3_exec(db, skb ? "DELETE FROM skb_packs" : "DELETE FROM cpu_packs", NULL, NULL,
			  errmsg) == SQLITE_OK;
out:
	if (!ok && !*errmsg)
		*errmsg = sqlite3_mprintf("%s", sqlite3_errmsg(db));
	sqlite3_finalize(sel);
	sqlite3_finalize(ins);
	return ok;
}

bool
trace_expand_db(sqlite3 *db, char **errmsg)
{
	*errmsg = NULL;
	return unpack_table(db, true, errmsg) && unpack_table(db, false, errmsg) &&
		trace_schema_exec(db, "plain-views", errmsg) &&
		trace_schema_exec(db, "triggers", errmsg) &&
		trace_schema_exec(db, "indexes", errmsg);
}

/* Is @db's skb_events the packed view?  -1 when it cannot tell. */
static int
trace_is_packed(sqlite3 *db)
{
	sqlite3_stmt *st = NULL;
	int packed = -1;

	if (sqlite3_prepare_v2(db,
			       "SELECT sql LIKE '%skb_packed%' FROM sqlite_master"
			       " WHERE type = 'view' AND name = 'skb_events'",
			       -1, &st, NULL) == SQLITE_OK) {
		int rc = sqlite3_step(st);
		packed = rc == SQLITE_ROW ? sqlite3_column_int(st, 0) : rc == SQLITE_DONE ? 0 : -1;
	}
	sqlite3_finalize(st);
	return packed;
}

static bool
expand_fail(GError **error, const char *path, const char *what, sqlite3 *db, char *errmsg)
{
	g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO, "%s: %s failed: %s", path, what,
		    errmsg	 ? errmsg
			    : db ? sqlite3_errmsg(db)
				 : "out of memory");
	sqlite3_free(errmsg);
	return false;
}

/* Copies @src into @tmp (a new empty file) and expands the copy. */
static bool
expand_copy(const char *path, sqlite3 *src, const char *tmp, GError **error)
{
	sqlite3_stmt *st = NULL;
	sqlite3 *db = NULL;
	char *errmsg = NULL;

	if (sqlite3_prepare_v2(src, "VACUUM INTO ?1", -1, &st, NULL) != SQLITE_OK)
		return expand_fail(error, path, "copying the trace", src, NULL);
	sqlite3_bind_text(st, 1, tmp, -1, SQLITE_STATIC);
	int rc = sqlite3_step(st);
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return expand_fail(error, path, "copying the trace", src, NULL);
	bool ok = sqlite3_open_v2(tmp, &db, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK &&
		sqlite3_exec(db,
			     "PRAGMA journal_mode = DELETE; PRAGMA synchronous = OFF;"
			     "PRAGMA cache_size = -65536; BEGIN;"
			     "DROP INDEX IF EXISTS skb_events_by_skb;"
			     "DROP INDEX IF EXISTS cpu_busy_by_host",
			     NULL, NULL, &errmsg) == SQLITE_OK &&
		trace_expand_db(db, &errmsg) &&
		sqlite3_exec(db, "COMMIT", NULL, NULL, &errmsg) == SQLITE_OK;
	if (!ok)
		expand_fail(error, path, "expanding the packs", db, errmsg);
	else if (sqlite3_close(db) != SQLITE_OK)
		ok = expand_fail(error, path, "closing the expanded copy", db, NULL);
	else
		db = NULL;
	sqlite3_close(db);
	return ok;
}

bool
trace_expand_file(const char *path, bool *expanded, GError **error)
{
	sqlite3 *src = NULL;
	struct stat sb;
	bool ok = false;
	int fd;

	*expanded = false;
	fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0 || fstat(fd, &sb) != 0) {
		int err = errno;
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO, "%s: cannot open: %s", path,
			    g_strerror(err));
		if (fd >= 0)
			close(fd);
		return false;
	}
	/* A run writing it holds flock(LOCK_EX) (trace.c); so does another expand. */
	if (flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO,
			    "%s: a run is still writing this trace (or another expand is)", path);
		close(fd);
		return false;
	}
	g_autofree char *name =
		g_path_is_absolute(path) ? g_strdup(path) : g_strconcat("./", path, NULL);
	g_autofree char *tmp = g_strconcat(name, ".tmp-XXXXXX", NULL);
	int packed = -1;
	if (sqlite3_open_v2(name, &src, SQLITE_OPEN_READWRITE, NULL) == SQLITE_OK)
		packed = trace_is_packed(src);
	if (packed < 0) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO, "%s: not a netsim trace (%s)", path,
			    src ? sqlite3_errmsg(src) : "out of memory");
		goto out;
	}
	if (!packed) {
		ok = true; /* plain tables already (or a trace from before packs) */
		goto out;
	}
	int tfd = g_mkstemp_full(tmp, O_RDWR | O_CLOEXEC, 0600);
	if (tfd < 0) {
		int err = errno;
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO, "%s: cannot create %s: %s", path,
			    tmp, g_strerror(err));
		goto out;
	}
	if (fchmod(tfd, sb.st_mode & 07777) != 0) {
		/* the copy stays the user's: not worth failing over */
	}
	close(tfd);
	ok = expand_copy(path, src, tmp, error);
	/* The packed file's WAL (a killed run) is applied and removed here. */
	if (sqlite3_close(src) != SQLITE_OK && ok)
		ok = expand_fail(error, path, "closing the trace", src, NULL);
	src = NULL;
	if (ok && !trace_remove_sidecars(name, error))
		ok = false;
	if (ok && rename(tmp, name) != 0) {
		int err = errno;
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO, "cannot replace %s with %s: %s",
			    path, tmp, g_strerror(err));
		ok = false;
	}
	if (!ok) {
		unlink(tmp);
		trace_remove_sidecars(tmp, NULL);
	}
	*expanded = ok;
out:
	sqlite3_close(src);
	close(fd);
	return ok;
}

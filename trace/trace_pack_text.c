/*
 * trace/trace_pack_text.c - the text of a pack: its rows written as JSON
 * (the array form of schema 8 and the string form of schema 9) and read
 * back by the expander (trace_expand.c).
 *
 * trace_pack.c says why the rows are packed and when a pack is written;
 * docs/trace-schema.md ("Packed and plain traces") describes both forms.
 */
#include "config.h"

#include <errno.h>
#include <string.h>

#include "trace/trace_int.h"

/* The widest row of a pack: 17 values of at most 20 digits and a sign,
 * their commas, the brackets. */
#define PACK_ROW_MAX (17 * 22 + 4)

void
trace_pack_reserve(struct trace_pack *pk, size_t more)
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

/* A NULL among the values of trace_pack_put_row: no column's value is INT64_MIN
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
 * trace_pack_reserve made; they are overwritten by the next token or are past
 * pk->len, which is all SQLite is given.  A text longer than 8 bytes is
 * written and not remembered.
 */
void
trace_pack_put_row(struct trace_pack *pk, const int64_t *v, int n)
{
	while (n > 0 && v[n - 1] == PACK_NULL)
		n--;
	trace_pack_reserve(pk, PACK_ROW_MAX + 8);
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

/*
 * The UTF-8 bytes of each value's character, little-endian in the low 24
 * bits, their number in the top 8 (the escaped '\\' is two bytes), made
 * once (trace_pack_text_init): a character is then a load and a 4-byte
 * store, where computing it took a dozen instructions and three branches
 * (callgrind: the string rows were a fifth of a full trace's instructions).
 * 55,261 entries, 216 KiB; a run touches the few small values most rows
 * hold and the time's low character.
 */
static uint32_t pack_utf8[PACK_CHAR_MAX + 1];

static void
pack_utf8_fill(void)
{
	for (uint32_t x = 0; x <= PACK_CHAR_MAX; x++) {
		uint32_t u = x + 35, b, n;
		if (u == '\\') {
			b = '\\' | '\\' << 8;
			n = 2;
		} else if (u < 0x80) {
			b = u;
			n = 1;
		} else if (u < 0x800) {
			b = (0xc0 | u >> 6) | (0x80 | (u & 0x3f)) << 8;
			n = 2;
		} else {
			b = (0xe0 | u >> 12) | (0x80 | ((u >> 6) & 0x3f)) << 8 |
				(0x80 | (u & 0x3f)) << 16;
			n = 3;
		}
		pack_utf8[x] = b | n << 24;
	}
}

void
trace_pack_text_init(void)
{
	static gsize done;

	if (g_once_init_enter(&done)) {
		pack_utf8_fill();
		g_once_init_leave(&done, 1);
	}
}

/*
 * The character of @x at *@pp (PACK_NULL: a space); false if @x is out of
 * range.  *@last moves past every character that is not a space: the row
 * ends there.  The store writes 4 bytes, those past the character's are
 * overwritten by the next one or left past the row's end (room for them:
 * string_open).  (Each character once remembered its last value and
 * bytes, as the array form's columns do: the table costs less.)
 */
/* always inlined: a call a character cost more than the character (callgrind) */
static inline __attribute__((always_inline)) bool
put_char(unsigned char **pp, unsigned char **last, int64_t x)
{
	unsigned char *p = *pp;

	if (x == PACK_NULL) {
		*p = ' ';
		*pp = p + 1;
		return true;
	}
	if ((uint64_t)x > PACK_CHAR_MAX)
		return false;
	uint32_t e = pack_utf8[x];
	memcpy(p, &e, 4); /* a constant size: inlined */
	*pp = *last = p + (e >> 24);
	return true;
}

/*
 * The low character of a time (a value 0 .. PACK_TIME_SPLIT - 1), as
 * put_char writes it.  Most are 3 bytes of UTF-8 and spread over 128 KiB of
 * pack_utf8, so the table load missed the cache at almost every row (perf:
 * the largest part of trace_pack_put_cpu_string, now trace_pack_put_cpu_rec); a 3-byte character is
 * computed instead, the 1- and 2-byte ones (the escaped '\\' among them)
 * still come from the table.  The same bytes either way.
 */
static inline __attribute__((always_inline)) void
put_time_lo(unsigned char **pp, unsigned char **last, int64_t x)
{
	uint32_t u = (uint32_t)x + 35, e;

	if (u >= 0x800)
		e = (0xe0 | u >> 12) | (0x80 | ((u >> 6) & 0x3f)) << 8 | (0x80 | (u & 0x3f)) << 16 |
			3u << 24;
	else
		e = pack_utf8[x];
	memcpy(*pp, &e, 4); /* a constant size: inlined */
	*pp = *last = *pp + (e >> 24);
}

/* Room for a string row of @n characters at the end of @pk; its opening
 * ("[" or "," and the quote) written.  Returns where its characters go. */
static inline unsigned char *
string_open(struct trace_pack *pk, int n)
{
	trace_pack_reserve(pk, 3 + 3 * (size_t)n + 8);
	unsigned char *p = (unsigned char *)pk->buf + pk->len;
	p[0] = pk->n ? ',' : '[';
	p[1] = '"';
	return p + 2;
}

/* Ends the string row whose last character that is not a space ends at
 * @last (the spaces after it are left out). */
static inline void
string_close(struct trace_pack *pk, unsigned char *last)
{
	*last++ = '"';
	pk->len = (size_t)((char *)last - pk->buf);
	pk->n++;
}

#define PUT(x)                                 \
	do {                                   \
		if (!put_char(&p, &last, (x))) \
			return false;          \
	} while (0)

/* The characters of an skb row straight from its record, in the order of
 * skb_packed (schema.sql): time_ns - t0 (two), host, site, skb - k0 (z),
 * data_off, step, tail_off, end_off, buf_size, data_id (0 for none, else
 * data_id - d0 (z) + 1), dataref, bytes, trans_off, net_off, mac_off,
 * other - k0 (z), len + 1 (a NULL len that is not tail_off - data_off as
 * 0); nothing is written (pk->len stays) unless all fit. */
bool
trace_pack_put_skb_rec(struct trace_pack *pk, const struct trace_skb_row *r, uint32_t site,
		       int64_t k0, int64_t d0)
{
	int64_t t = (int64_t)r->time - pk->t0;

	if (t < 0)
		return false;
	unsigned char *p = string_open(pk, 18), *last = p;
	PUT(t / PACK_TIME_SPLIT);
	put_time_lo(&p, &last, t % PACK_TIME_SPLIT);
	PUT(r->host);
	PUT(site);
	PUT(zigzag((int64_t)r->skb - k0));
	int64_t data_off = trace_skb_row_data_off(r);
	PUT(data_off >= 0 ? data_off : PACK_NULL);
	if (r->has_ptrs) {
		const struct trace_skb_ptrs *q = &r->p;
		PUT(q->step);
		PUT(q->tail);
		PUT(q->end);
		PUT(q->size);
		/* data_id: 0 (no data buffer) as 0, else data_id - d0 (z) + 1 */
		int64_t z = zigzag((int64_t)q->data_id - d0);
		PUT(q->data_id == 0 ? 0 : z < 0 ? -1 : z + 1);
		PUT(q->dataref);
		PUT(trace_skb_row_bytes(r));
		PUT(q->trans != TRACE_HDR_UNSET ? q->trans : PACK_NULL);
		PUT(q->net != TRACE_HDR_UNSET ? q->net : PACK_NULL);
		PUT(q->mac != TRACE_HDR_UNSET ? q->mac : PACK_NULL);
	} else {
		for (int i = 0; i < 6; i++) /* step .. dataref */
			PUT(PACK_NULL);
		PUT(trace_skb_row_bytes(r));
		for (int i = 0; i < 3; i++) /* trans_off net_off mac_off */
			PUT(PACK_NULL);
	}
	int64_t other = trace_skb_row_other(r), len = trace_skb_row_len(r);
	PUT(other == PACK_NULL ? PACK_NULL : other < 0 ? -1 : zigzag(other - k0));
	PUT(len == PACK_NULL ? PACK_NULL : len + 1);
	string_close(pk, last);
	return true;
}

/* A cpu row from its record @r: host, work, start_ns - t0 (two), end_ns -
 * start_ns (two), task, cpu (NULL when 0); @t0 is the pack's first start.
 * Straight from the record, with no array of values between (as
 * trace_pack_put_skb_rec). */
bool
trace_pack_put_cpu_rec(struct trace_pack *pk, const struct trace_cpu_row *r, int64_t t0)
{
	int64_t start = (int64_t)r->start - t0, len = (int64_t)r->end - (int64_t)r->start;

	if (start < 0 || len < 0)
		return false;
	unsigned char *p = string_open(pk, 8), *last = p;
	PUT(r->host);
	PUT(r->work);
	PUT(start / PACK_TIME_SPLIT);
	put_time_lo(&p, &last, start % PACK_TIME_SPLIT);
	PUT(len / PACK_TIME_SPLIT);
	put_time_lo(&p, &last, len % PACK_TIME_SPLIT);
	PUT(r->has_task ? (int64_t)r->task : PACK_NULL);
	PUT(r->cpu != 0 ? (int64_t)r->cpu : PACK_NULL);
	string_close(pk, last);
	return true;
}

/* A packets row's values @v (the array form's: time_ns - t0, host, site,
 * skb - k0, payload, seq, ack): time_ns - t0 (two), host, site, skb - k0
 * (z), payload (two), seq and ack (three each, 15 bits a character: any
 * 32-bit value). */
bool
trace_pack_put_pkt(struct trace_pack *pk, const int64_t *v)
{
	if (v[0] < 0 || v[4] < 0 || (uint64_t)v[4] / PACK_TIME_SPLIT > PACK_CHAR_MAX)
		return false;
	for (int i = 5; i < 7; i++)
		if (v[i] != PACK_NULL && (uint64_t)v[i] > UINT32_MAX)
			return false;
	unsigned char *p = string_open(pk, 13), *last = p;
	PUT(v[0] / PACK_TIME_SPLIT);
	put_time_lo(&p, &last, v[0] % PACK_TIME_SPLIT);
	PUT(v[1]);
	PUT(v[2]);
	PUT(zigzag(v[3]));
	PUT(v[4] / PACK_TIME_SPLIT);
	put_time_lo(&p, &last, v[4] % PACK_TIME_SPLIT);
	for (int i = 5; i < 7; i++) {
		bool null = v[i] == PACK_NULL;
		PUT(null ? PACK_NULL : v[i] >> 30);
		PUT(null ? PACK_NULL : v[i] >> 15 & 32767);
		PUT(null ? PACK_NULL : v[i] & 32767);
	}
	string_close(pk, last);
	return true;
}
#undef PUT

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

/* A string row (trace_pack_put_skb_rec, trace_pack_put_cpu_rec,
 * trace_pack_put_pkt) as the values of the array form into @v/@has; @k0:
 * the pack's first skb. */
static bool
unpack_string(const char **pp, enum trace_pack_kind kind, int64_t k0, int64_t d0, int64_t *v,
	      bool *has)
{
	static const int nchar[] = { [PACK_SKB] = 18, [PACK_CPU] = 8, [PACK_PKT] = 13 };
	int64_t c[18];
	bool h[18];

	if (!unpack_chars(pp, c, h, nchar[kind]))
		return false;
	if (kind == PACK_CPU) {
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
	if (kind == PACK_PKT) {
		if (!h[0] || !h[1] || !h[5] || !h[6])
			return false;
		v[0] = c[0] * PACK_TIME_SPLIT + c[1], has[0] = true;
		v[1] = c[2], has[1] = h[2];
		v[2] = c[3], has[2] = h[3];
		v[3] = unzigzag(c[4]), has[3] = h[4];
		v[4] = c[5] * PACK_TIME_SPLIT + c[6], has[4] = true;
		for (int i = 5; i < 7; i++) {
			const int64_t *x = &c[7 + 3 * (i - 5)];
			const bool *hx = &h[7 + 3 * (i - 5)];
			has[i] = hx[0] && hx[1] && hx[2];
			v[i] = has[i] ? x[0] << 30 | x[1] << 15 | x[2] : 0;
		}
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

bool
trace_unpack_rows(const char *text, enum trace_pack_kind kind, int64_t k0, int64_t d0,
		  bool (*row)(void *, const int64_t *, const bool *), void *arg)
{
	static const int ncols[] = {
		[PACK_SKB] = PACK_SKB_COLS, [PACK_CPU] = PACK_CPU_COLS, [PACK_PKT] = PACK_PKT_COLS
	};
	int ncol = ncols[kind];
	const char *p = text;
	bool bad = false;

	if (!p || *p++ != '[')
		return false;
	while (*p == '[' || *p == '"' || (*p == ',' && (p[1] == '[' || p[1] == '"'))) {
		if (*p == ',')
			p++;
		int64_t v[PACK_SKB_COLS];
		bool has[PACK_SKB_COLS];
		if (*p++ == '"') {
			if (!unpack_string(&p, kind, k0, d0, v, has))
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

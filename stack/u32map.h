/*
 * stack/u32map.h - a hash from 32-bit keys (ports, IPv4 addresses) to
 * pointers, for the per-packet lookups of one host: udp.c's port slots and
 * ipv4.c's local addresses (Linux: the udp_table hash slots, the
 * inet_addr_lst hash).
 *
 * Open addressing with linear probing in one array of (key, value) pairs,
 * at most half full; a NULL value marks an empty cell, so values are never
 * NULL.  A lookup is a multiply, a mask and usually one compare, inline:
 * a GHashTable lookup is a call, an indirect call to the hash function
 * and one to the equality function (about 70 instructions against about
 * 12, measured with callgrind in bench_udp).  Removal shifts the following
 * cells of the run back (no tombstones).  Nothing iterates the map, so the
 * order of its cells is never seen.
 */
#ifndef NETSIM_STACK_U32MAP_H
#define NETSIM_STACK_U32MAP_H

#include <glib.h>
#include <stdint.h>

struct u32map_cell {
	uint32_t key;
	void *val; /* NULL: the cell is empty */
};

struct u32map {
	struct u32map_cell *cells; /* mask + 1 of them, or NULL while empty */
	uint32_t mask;
	uint32_t count;
};

static inline uint32_t
u32map_slot(const struct u32map *m, uint32_t key)
{
	uint32_t h = key * 0x9e3779b1u; /* Fibonacci hashing: the high bits mix best */
	return (h ^ (h >> 16)) & m->mask;
}

/* The value of @key, or NULL. */
static inline void *
u32map_get(const struct u32map *m, uint32_t key)
{
	if (!m->count)
		return NULL;
	for (uint32_t i = u32map_slot(m, key);; i = (i + 1) & m->mask) {
		const struct u32map_cell *c = &m->cells[i];
		if (!c->val || c->key == key)
			return c->val;
	}
}

/* Set @key to @val (not NULL), replacing any value it had. */
static inline void
u32map_set(struct u32map *m, uint32_t key, void *val)
{
	g_assert(val != NULL);
	if (2 * (m->count + 1) > (m->cells ? m->mask + 1 : 0)) {
		struct u32map old = *m;
		uint32_t n = old.cells ? 2 * (old.mask + 1) : 8;
		m->cells = g_new0(struct u32map_cell, n);
		m->mask = n - 1;
		m->count = 0;
		for (uint32_t i = 0; old.cells && i <= old.mask; i++)
			if (old.cells[i].val)
				u32map_set(m, old.cells[i].key, old.cells[i].val);
		g_free(old.cells);
	}
	uint32_t i = u32map_slot(m, key);
	while (m->cells[i].val && m->cells[i].key != key)
		i = (i + 1) & m->mask;
	if (!m->cells[i].val)
		m->count++;
	m->cells[i] = (struct u32map_cell){ key, val };
}

/* Remove @key if present. */
static inline void
u32map_remove(struct u32map *m, uint32_t key)
{
	if (!m->count)
		return;
	uint32_t i = u32map_slot(m, key);
	while (m->cells[i].val && m->cells[i].key != key)
		i = (i + 1) & m->mask;
	if (!m->cells[i].val)
		return;
	m->count--;
	/* shift back each later cell of the run that may live at i */
	for (uint32_t j = (i + 1) & m->mask; m->cells[j].val; j = (j + 1) & m->mask) {
		uint32_t home = u32map_slot(m, m->cells[j].key);
		/* it stays when its home lies cyclically in (i, j] */
		if (i <= j ? (i < home && home <= j) : (i < home || home <= j))
			continue;
		m->cells[i] = m->cells[j];
		i = j;
	}
	m->cells[i].val = NULL;
}

/* Free the map's memory (and each value with @free_val, when not NULL). */
static inline void
u32map_clear(struct u32map *m, void (*free_val)(void *))
{
	for (uint32_t i = 0; free_val && m->cells && i <= m->mask; i++)
		if (m->cells[i].val)
			free_val(m->cells[i].val);
	g_free(m->cells);
	*m = (struct u32map){ 0 };
}

#endif

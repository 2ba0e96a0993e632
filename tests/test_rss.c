/*
 * tests/test_rss.c - RSS (stack/rss.c): the Toeplitz hash against
 * Microsoft's published verification vectors ("Verifying the RSS Hash
 * Calculation", Windows driver docs: IPv4 only and IPv4 with TCP), the
 * hash input taken from a frame, and the indirection table.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>
#include <string.h>

#include "stack/eth.h"
#include "stack/rss.h"

struct vec {
	uint8_t dst[4];
	uint16_t dport;
	uint8_t src[4];
	uint16_t sport;
	uint32_t ipv4_only, ipv4_tcp;
};

/* Destination address:port, source address:port, IPv4 only, IPv4 with TCP. */
static const struct vec vecs[] = {
	{ { 161, 142, 100, 80 }, 1766, { 66, 9, 149, 187 }, 2794, 0x323e8fc2, 0x51ccc178 },
	{ { 65, 69, 140, 83 }, 4739, { 199, 92, 111, 2 }, 14230, 0xd718262a, 0xc626b0ea },
	{ { 12, 22, 207, 184 }, 38024, { 24, 19, 198, 95 }, 12898, 0xd2d0a5de, 0x5c2b394a },
	{ { 209, 142, 163, 6 }, 2217, { 38, 27, 205, 30 }, 48228, 0x82989176, 0xafc7327f },
	{ { 202, 188, 127, 2 }, 1303, { 153, 39, 163, 191 }, 44251, 0x5d1809c5, 0x10e828a2 },
};

/* The hash input in Microsoft's order: source, destination, ports. */
static size_t
vec_input(const struct vec *v, uint8_t in[12], bool ports)
{
	memcpy(in, v->src, 4);
	memcpy(in + 4, v->dst, 4);
	if (!ports)
		return 8;
	in[8] = (uint8_t)(v->sport >> 8);
	in[9] = (uint8_t)v->sport;
	in[10] = (uint8_t)(v->dport >> 8);
	in[11] = (uint8_t)v->dport;
	return 12;
}

/* An Ethernet + IPv4 + (TCP or UDP port) frame for @v. */
static size_t
vec_frame(const struct vec *v, uint8_t proto, uint16_t frag, uint8_t f[64])
{
	memset(f, 0, 64);
	f[12] = 0x08; /* ETH_P_IP */
	uint8_t *ip = f + ETH_HLEN;
	ip[0] = 0x45;
	ip[6] = (uint8_t)(frag >> 8);
	ip[7] = (uint8_t)frag;
	ip[8] = 64;
	ip[9] = proto;
	memcpy(ip + 12, v->src, 4);
	memcpy(ip + 16, v->dst, 4);
	uint8_t *l4 = ip + 20;
	l4[0] = (uint8_t)(v->sport >> 8);
	l4[1] = (uint8_t)v->sport;
	l4[2] = (uint8_t)(v->dport >> 8);
	l4[3] = (uint8_t)v->dport;
	return 64;
}

static void
test_toeplitz_matches_microsoft_ipv4_only_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(vecs); i++) {
		uint8_t in[12];
		size_t n = vec_input(&vecs[i], in, false);
		assert_int_equal(rss_toeplitz(rss_key_microsoft, in, n), vecs[i].ipv4_only);
	}
}

static void
test_toeplitz_matches_microsoft_ipv4_tcp_vectors(void **state)
{
	(void)state;
	for (size_t i = 0; i < G_N_ELEMENTS(vecs); i++) {
		uint8_t in[12];
		size_t n = vec_input(&vecs[i], in, true);
		assert_int_equal(rss_toeplitz(rss_key_microsoft, in, n), vecs[i].ipv4_tcp);
	}
}

static void
test_frame_hash_uses_four_tuple_for_tcp_and_udp(void **state)
{
	(void)state;
	uint8_t f[64];
	bool has;
	for (size_t i = 0; i < G_N_ELEMENTS(vecs); i++) {
		size_t len = vec_frame(&vecs[i], 6, 0, f);
		assert_int_equal(rss_hash_frame(rss_key_microsoft, f, len, &has), vecs[i].ipv4_tcp);
		assert_true(has);
		len = vec_frame(&vecs[i], 17, 0, f);
		assert_int_equal(rss_hash_frame(rss_key_microsoft, f, len, &has), vecs[i].ipv4_tcp);
	}
}

static void
test_frame_hash_uses_two_tuple_for_icmp_and_fragments(void **state)
{
	(void)state;
	uint8_t f[64];
	bool has;
	for (size_t i = 0; i < G_N_ELEMENTS(vecs); i++) {
		size_t len = vec_frame(&vecs[i], 1, 0, f); /* ICMP */
		assert_int_equal(rss_hash_frame(rss_key_microsoft, f, len, &has),
				 vecs[i].ipv4_only);
		len = vec_frame(&vecs[i], 17, 0x2000, f); /* UDP, first fragment (MF) */
		assert_int_equal(rss_hash_frame(rss_key_microsoft, f, len, &has),
				 vecs[i].ipv4_only);
		len = vec_frame(&vecs[i], 17, 185, f); /* UDP, a later fragment */
		assert_int_equal(rss_hash_frame(rss_key_microsoft, f, len, &has),
				 vecs[i].ipv4_only);
	}
}

static void
test_frame_hash_has_none_for_non_ip(void **state)
{
	(void)state;
	uint8_t f[64];
	bool has = true;
	vec_frame(&vecs[0], 6, 0, f);
	f[12] = 0x08;
	f[13] = 0x06; /* ARP */
	assert_int_equal(rss_hash_frame(rss_key_microsoft, f, sizeof(f), &has), 0);
	assert_false(has);
	struct rss_ctx c;
	rss_ctx_init(&c, NULL, 4);
	assert_int_equal(rss_queue(&c, f, sizeof(f)), 0);
}

static void
test_indir_default_is_round_robin(void **state)
{
	(void)state;
	struct rss_ctx c;
	rss_ctx_init(&c, NULL, 3);
	for (uint32_t i = 0; i < RSS_INDIR_SIZE; i++)
		assert_int_equal(c.indir[i], i % 3);
}

static void
test_indir_queue_is_table_entry_of_hash_low_bits(void **state)
{
	(void)state;
	struct rss_ctx c;
	rss_ctx_init(&c, NULL, 4);
	uint8_t f[64];
	for (size_t i = 0; i < G_N_ELEMENTS(vecs); i++) {
		size_t len = vec_frame(&vecs[i], 17, 0, f);
		assert_int_equal(rss_queue(&c, f, len), (vecs[i].ipv4_tcp % RSS_INDIR_SIZE) % 4);
	}
	/* one entry moved: only the flows hashing to it move */
	uint32_t e = vecs[0].ipv4_tcp % RSS_INDIR_SIZE;
	c.indir[e] = 3;
	size_t len = vec_frame(&vecs[0], 17, 0, f);
	assert_int_equal(rss_queue(&c, f, len), 3);
}

static void
test_indir_equal_uses_first_n_queues(void **state)
{
	(void)state;
	struct rss_ctx c;
	rss_ctx_init(&c, NULL, 8);
	rss_indir_equal(&c, 2);
	for (uint32_t i = 0; i < RSS_INDIR_SIZE; i++)
		assert_int_equal(c.indir[i], i % 2);
}

static void
test_indir_weight_gives_entries_in_proportion(void **state)
{
	(void)state;
	struct rss_ctx c;
	rss_ctx_init(&c, NULL, 4);
	const uint32_t w[4] = { 1, 0, 3, 0 };
	assert_true(rss_indir_weight(&c, w, 4));
	uint32_t count[4] = { 0 };
	for (uint32_t i = 0; i < RSS_INDIR_SIZE; i++)
		count[c.indir[i]]++;
	assert_int_equal(count[0], RSS_INDIR_SIZE / 4);
	assert_int_equal(count[1], 0);
	assert_int_equal(count[2], RSS_INDIR_SIZE * 3 / 4);
	assert_int_equal(count[3], 0);
	const uint32_t zero[4] = { 0 };
	assert_false(rss_indir_weight(&c, zero, 4));
}

static void
test_one_queue_never_hashes(void **state)
{
	(void)state;
	struct rss_ctx c;
	rss_ctx_init(&c, NULL, 1);
	uint8_t f[64];
	size_t len = vec_frame(&vecs[1], 17, 0, f);
	assert_int_equal(rss_queue(&c, f, len), 0);
}

static void
test_rps_cpu_is_reciprocal_scale_of_hash_over_mask_cpus(void **state)
{
	(void)state;
	/* mask 0xe: CPUs 1, 2, 3; index = hash * 3 >> 32 */
	assert_int_equal(rss_rps_cpu(0xe, 0), 1);
	assert_int_equal(rss_rps_cpu(0xe, 0x55555555u), 1);
	assert_int_equal(rss_rps_cpu(0xe, 0x55555556u), 2);
	assert_int_equal(rss_rps_cpu(0xe, 0xaaaaaaabu), 3);
	assert_int_equal(rss_rps_cpu(0xe, 0xffffffffu), 3);
	assert_int_equal(rss_rps_cpu(0x1, 0xffffffffu), 0);
	assert_int_equal(rss_rps_cpu(0, 123), -1);
	/* the flows of the vectors: the same hash, the same CPU */
	for (size_t i = 0; i < G_N_ELEMENTS(vecs); i++)
		assert_int_equal(rss_rps_cpu(0xf, vecs[i].ipv4_tcp),
				 (int)(((uint64_t)vecs[i].ipv4_tcp * 4) >> 32));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_toeplitz_matches_microsoft_ipv4_only_vectors),
		cmocka_unit_test(test_toeplitz_matches_microsoft_ipv4_tcp_vectors),
		cmocka_unit_test(test_frame_hash_uses_four_tuple_for_tcp_and_udp),
		cmocka_unit_test(test_frame_hash_uses_two_tuple_for_icmp_and_fragments),
		cmocka_unit_test(test_frame_hash_has_none_for_non_ip),
		cmocka_unit_test(test_indir_default_is_round_robin),
		cmocka_unit_test(test_indir_queue_is_table_entry_of_hash_low_bits),
		cmocka_unit_test(test_indir_equal_uses_first_n_queues),
		cmocka_unit_test(test_indir_weight_gives_entries_in_proportion),
		cmocka_unit_test(test_one_queue_never_hashes),
		cmocka_unit_test(test_rps_cpu_is_reciprocal_scale_of_hash_over_mask_cpus),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

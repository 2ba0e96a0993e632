/*
 * tests/test_checksum.c - the Internet checksum (RFC 1071), the
 * pseudo-header, incremental update (RFC 1624) and address parsing.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <arpa/inet.h>
#include <stdlib.h>
#include <string.h>

#include "stack/gso.h"
#include "stack/inet.h"
#include "stack/ipv4.h"

/* The IP header of RFC 1071-era textbooks: checksum 0xb861. */
static const uint8_t sample_iph[20] = {
	0x45, 0x00, 0x00, 0x73, 0x00, 0x00, 0x40, 0x00, 0x40, 0x11,
	0xb8, 0x61, 0xc0, 0xa8, 0x00, 0x01, 0xc0, 0xa8, 0x00, 0xc7,
};

static void
test_ip_header_checksum_matches_known_value(void **state)
{
	uint8_t h[20];
	memcpy(h, sample_iph, 20);
	assert_int_equal(ip_fast_csum(h, 5), 0); /* a correct header sums to zero */
	h[10] = h[11] = 0;
	sum16_t c = ip_fast_csum(h, 5);
	assert_int_equal(ntohs(c), 0xb861);
}

static void
test_odd_length_is_padded_with_zero(void **state)
{
	const uint8_t odd[3] = { 0x12, 0x34, 0x56 };
	const uint8_t even[4] = { 0x12, 0x34, 0x56, 0x00 };
	assert_int_equal(csum_fold(csum_partial(odd, 3, 0)), csum_fold(csum_partial(even, 4, 0)));
}

static void
test_ip_build_header_yields_valid_checksum(void **state)
{
	struct iphdr iph;
	ip_build_header(&iph, 0x0a000001, 0x0a000002, NS_IPPROTO_UDP, 64, 0, 84, 0x1234, true);
	assert_int_equal(iph.version, 4);
	assert_int_equal(iph.ihl, 5);
	assert_int_equal(ntohs(iph.frag_off), IP_DF);
	assert_int_equal(ip_fast_csum(&iph, 5), 0);
}

static void
test_decrease_ttl_keeps_checksum_valid(void **state)
{
	struct iphdr iph;
	ip_build_header(&iph, 0xc0a80001, 0x08080808, NS_IPPROTO_ICMP, 64, 0, 84, 7, false);
	for (int i = 0; i < 63; i++) {
		ip_decrease_ttl(&iph);
		assert_int_equal(ip_fast_csum(&iph, 5), 0);
	}
	assert_int_equal(iph.ttl, 1);
}

static void
test_udp_pseudo_header_checksum_verifies(void **state)
{
	/* a UDP header + payload whose checksum is filled in, then checked */
	uint8_t seg[8 + 5] = { 0x30, 0x39, 0x00, 0x35, 0x00, 13, 0, 0, 'h', 'e', 'l', 'l', 'o' };
	uint32_t s = 0x0a000001, d = 0x0a000002;
	sum16_t c = csum_tcpudp_magic(s, d, sizeof(seg), NS_IPPROTO_UDP,
				      csum_partial(seg, sizeof(seg), 0));
	memcpy(seg + 6, &c, 2);
	assert_int_equal(csum_tcpudp_magic(s, d, sizeof(seg), NS_IPPROTO_UDP,
					   csum_partial(seg, sizeof(seg), 0)),
			 0);
	/* a different source address no longer verifies: the pseudo-header counts */
	assert_int_not_equal(csum_tcpudp_magic(s + 1, d, sizeof(seg), NS_IPPROTO_UDP,
					       csum_partial(seg, sizeof(seg), 0)),
			     0);
}

static void
test_addresses_parse_and_format(void **state)
{
	uint32_t a;
	char buf[INET_ADDRSTRLEN_NS];
	assert_true(inet_addr_parse("10.1.2.254", &a));
	assert_int_equal(a, 0x0a0102fe);
	assert_string_equal(inet_addr_fmt(a, buf), "10.1.2.254");
	assert_false(inet_addr_parse("10.1.2", &a));
	assert_false(inet_addr_parse("10.1.2.256", &a));
	assert_false(inet_addr_parse("10.1.2.3.4", &a));
	assert_false(inet_addr_parse("10.1.2.3 ", &a));
	assert_false(inet_addr_parse("a.b.c.d", &a));
}

static void
test_prefix_parse_reports_what_is_wrong(void **state)
{
	uint32_t a;
	uint8_t l;
	GError *e = NULL;
	assert_true(ip_parse_prefix(" 192.168.1.7/24 ", &a, &l, &e));
	assert_int_equal(a, 0xc0a80107);
	assert_int_equal(l, 24);
	assert_false(ip_parse_prefix("192.168.1.7", &a, &l, &e));
	assert_true(g_error_matches(e, INET_ERROR, INET_ERROR_PARSE));
	assert_non_null(strstr(e->message, "no prefix length")); /* which part */
	g_clear_error(&e);
	assert_false(ip_parse_prefix("192.168.1.7/33", &a, &l, &e));
	assert_true(g_error_matches(e, INET_ERROR, INET_ERROR_PARSE));
	assert_non_null(strstr(e->message, "larger than 32")); /* which part */
	g_clear_error(&e);
	assert_false(ip_parse_prefix("192.168.1/8", &a, &l, &e));
	assert_true(g_error_matches(e, INET_ERROR, INET_ERROR_PARSE));
	assert_non_null(strstr(e->message, "not an IPv4 address")); /* which part */
	g_clear_error(&e);
	assert_int_equal(inet_make_mask(24), 0xffffff00u);
	assert_int_equal(inet_make_mask(0), 0);
	assert_int_equal(inet_make_mask(32), 0xffffffffu);
}

/* csum_partial word by word, as RFC 1071 writes it: the reference. */
static wsum_t
ref_csum_partial(const uint8_t *p, size_t len, wsum_t sum)
{
	uint64_t acc = sum;
	for (; len >= 4; p += 4, len -= 4) {
		uint32_t w;
		memcpy(&w, p, 4);
		acc += w;
	}
	if (len >= 2) {
		uint16_t w;
		memcpy(&w, p, 2);
		acc += w;
		p += 2;
		len -= 2;
	}
	if (len) {
		uint16_t w = 0;
		memcpy(&w, p, 1);
		acc += w;
	}
	acc = (acc & 0xffffffffu) + (acc >> 32);
	acc = (acc & 0xffffffffu) + (acc >> 32);
	return (wsum_t)acc;
}

/* Two partial sums that every later step treats alike: the same modulo
 * 65535 (2^16 = 1, the end-around carry), and zero only together. */
static void
assert_same_partial_sum(wsum_t a, wsum_t b)
{
	assert_int_equal(a % 65535u, b % 65535u);
	assert_int_equal(a == 0, b == 0);
	assert_int_equal(csum_fold(a), csum_fold(b));
}

/* The unrolled csum_partial gives a partial sum equivalent to one word at
 * a time (the same integer below 128 bytes, where no AVX2 block is summed),
 * for every length and alignment, and for the blocks at an odd offset
 * (csum_block_add's rotation) too. */
static void
test_unrolled_sum_equals_word_by_word_sum(void **state)
{
	static uint8_t buf[4200];
	uint32_t x = 12345;
	for (size_t i = 0; i < sizeof buf; i++) {
		x = x * 1103515245u + 12345u;
		buf[i] = (uint8_t)(x >> 16);
	}
	memset(buf + 3000, 0xff, 1200); /* long runs of all-ones words: carries */
	for (size_t off = 0; off < 8; off++)
		for (size_t len = 0; len + off <= sizeof buf; len += (len < 200 ? 1 : 37)) {
			wsum_t a = csum_partial(buf + off, len, 0xfffffff0u);
			wsum_t b = ref_csum_partial(buf + off, len, 0xfffffff0u);
			if (len < 128)
				assert_int_equal(a, b);
			assert_same_partial_sum(a, b);
			assert_same_partial_sum(
				csum_block_add(0x1234, csum_partial(buf + off, len, 0), 1),
				csum_block_add(0x1234, ref_csum_partial(buf + off, len, 0), 1));
		}
	/* all zero, and all ones (the sum a multiple of 65535, not zero) */
	static uint8_t z[4096], f[4096];
	memset(f, 0xff, sizeof f);
	for (size_t len = 128; len <= sizeof z; len += 64) {
		assert_int_equal(csum_partial(z, len, 0), 0);
		assert_same_partial_sum(csum_partial(f, len, 0), ref_csum_partial(f, len, 0));
	}
	/* longer than one run of the 32-bit lanes (16384 blocks of 64 bytes) */
	size_t big = 2621440 + 77;
	uint8_t *g = malloc(big);
	assert_non_null(g);
	for (size_t i = 0; i < big; i++)
		g[i] = i % 3 ? 0xff : (uint8_t)(i * 7);
	assert_same_partial_sum(csum_partial(g, big, 0), ref_csum_partial(g, big, 0));
	free(g);
}

/* csum_partial_copy_nocheck copies exactly the bytes asked for (nothing
 * around them is written) and sums them as csum_partial does: the same
 * integer below 128 bytes, an equivalent partial sum above, zero for zero
 * bytes, for every length and every alignment of either side. */
static void
test_copy_and_sum_is_memcpy_then_csum_partial(void **state)
{
	static uint8_t src[4200 + 8], dst[4200 + 16];
	uint32_t x = 777;
	for (size_t i = 0; i < sizeof src; i++) {
		x = x * 1103515245u + 12345u;
		src[i] = (uint8_t)(x >> 16);
	}
	memset(src + 2000, 0xff, 1500);
	for (size_t so = 0; so < 4; so++)
		for (size_t dof = 0; dof < 8; dof += 3)
			for (size_t len = 0; len + so + 8 <= sizeof src;
			     len += (len < 300 ? 1 : 41)) {
				memset(dst, 0x5a, sizeof dst);
				wsum_t a = csum_partial_copy_nocheck(src + so, dst + 4 + dof, len);
				wsum_t b = csum_partial(src + so, len, 0);
				if (len < 128)
					assert_int_equal(a, b);
				assert_same_partial_sum(a, b);
				assert_memory_equal(dst + 4 + dof, src + so, len);
				for (size_t i = 0; i < 4 + dof; i++)
					assert_int_equal(dst[i], 0x5a);
				for (size_t i = 4 + dof + len; i < sizeof dst; i++)
					assert_int_equal(dst[i], 0x5a);
			}
	static uint8_t z[4096], zc[4096];
	for (size_t len = 0; len <= sizeof z; len += 61)
		assert_int_equal(csum_partial_copy_nocheck(z, zc, len), 0);
}

/* ip_fast_csum and csum_tcpudp_nofold sum their words without
 * csum_partial's loop: the same sums as csum_partial over the same bytes,
 * for headers and pseudo-headers of random and all-ones words. */
static void
test_unrolled_headers_equal_csum_partial(void **state)
{
	uint32_t x = 777;
	for (int i = 0; i < 20000; i++) {
		uint8_t h[24];
		for (size_t j = 0; j < sizeof h; j++) {
			x = x * 1103515245u + 12345u;
			h[j] = i % 7 == 0 ? 0xff : (uint8_t)(x >> 16);
		}
		assert_int_equal(ip_fast_csum(h, 5), csum_fold(ref_csum_partial(h, 20, 0)));
		assert_int_equal(ip_fast_csum(h, 6), csum_fold(ref_csum_partial(h, 24, 0)));
		uint32_t sa, da, sum;
		memcpy(&sa, h, 4);
		memcpy(&da, h + 4, 4);
		memcpy(&sum, h + 8, 4);
		uint16_t len = (uint16_t)(h[12] << 8 | h[13]);
		uint8_t proto = h[14],
			ph[12] = {
				(uint8_t)(sa >> 24),
				(uint8_t)(sa >> 16),
				(uint8_t)(sa >> 8),
				(uint8_t)sa,
				(uint8_t)(da >> 24),
				(uint8_t)(da >> 16),
				(uint8_t)(da >> 8),
				(uint8_t)da,
				0,
				proto,
				(uint8_t)(len >> 8),
				(uint8_t)len,
			};
		assert_int_equal(csum_tcpudp_nofold(sa, da, len, proto, sum),
				 ref_csum_partial(ph, sizeof ph, sum));
	}
}

/* A payload summed in pieces as it was appended (csum_block_add, odd
 * offsets included), then a header's words added to that sum: the same
 * TCP checksum as one pass over header and payload (what tcp_xmit relies
 * on when skb_copy_from_user_csum kept the payload's sum). */
static void
test_block_sums_give_the_one_pass_checksum(void **state)
{
	static uint8_t seg[20 + 1500];
	uint32_t x = 4242;
	for (int round = 0; round < 2000; round++) {
		uint32_t plen = 1 + round % 1500;
		for (size_t j = 0; j < 20 + plen; j++) {
			x = x * 1103515245u + 12345u;
			seg[j] = round % 5 == 0 ? 0xff : (uint8_t)(x >> 16);
		}
		const uint8_t *payload = seg + 20;
		wsum_t sum = 0;
		for (uint32_t off = 0; off < plen;) {
			x = x * 1103515245u + 12345u;
			uint32_t n = 1 + (x >> 16) % 700;
			if (n > plen - off)
				n = plen - off;
			sum = csum_block_add(sum, csum_partial(payload + off, n, 0), off);
			off += n;
		}
		uint32_t len = 20 + plen;
		assert_int_equal(csum_tcpudp_magic(0x0a000001, 0x0a000002, len, 6,
						   csum_partial(seg, 20, sum)),
				 csum_tcpudp_magic(0x0a000001, 0x0a000002, len, 6,
						   csum_partial(seg, len, 0)));
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ip_header_checksum_matches_known_value),
		cmocka_unit_test(test_odd_length_is_padded_with_zero),
		cmocka_unit_test(test_ip_build_header_yields_valid_checksum),
		cmocka_unit_test(test_decrease_ttl_keeps_checksum_valid),
		cmocka_unit_test(test_udp_pseudo_header_checksum_verifies),
		cmocka_unit_test(test_addresses_parse_and_format),
		cmocka_unit_test(test_prefix_parse_reports_what_is_wrong),
		cmocka_unit_test(test_unrolled_sum_equals_word_by_word_sum),
		cmocka_unit_test(test_copy_and_sum_is_memcpy_then_csum_partial),
		cmocka_unit_test(test_unrolled_headers_equal_csum_partial),
		cmocka_unit_test(test_block_sums_give_the_one_pass_checksum),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

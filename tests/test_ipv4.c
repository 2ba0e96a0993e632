/*
 * tests/test_ipv4.c - ip_rcv never trusts a header (version, IHL,
 * checksum, total length), a host without forwarding drops what is not
 * for it, a router decrements the TTL, and a datagram to ourselves loops
 * back through the backlog.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "tests/inet_test.h"

struct fx {
	struct tnet *n;
	struct host *a, *b;
	struct net_device *bdev;
	struct tsink sink;
	uint8_t frame[128];
	uint32_t len;
};

static int
setup(void **state)
{
	struct fx *fx = g_new0(struct fx, 1);
	struct tnet *n = fx->n = tnet_new(false);
	fx->a = tnet_host(n, "a", false);
	fx->b = tnet_host(n, "b", false);
	tnet_link(n, fx->a, "eth0", "10.0.0.1/24", fx->b, "eth0", "10.0.0.2/24");
	fx->bdev = dev_get_by_name(fx->b, "eth0");
	assert_int_equal(udp_test_sink(fx->b, 9, tsink_fn, &fx->sink), 0);
	uint8_t l4[12] = { 0x0f, 0xa0, 0x00, 0x09, 0x00, 12, 0, 0, 'd', 'a', 't', 'a' };
	fx->len = tframe_ip(fx->frame, fx->bdev, tnet_addr("10.0.0.1"), tnet_addr("10.0.0.2"),
			    NS_IPPROTO_UDP, 64, 1, 0, l4, sizeof(l4), true);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	tnet_free(fx->n);
	g_free(fx);
	return 0;
}

static struct iphdr *
iph_of(struct fx *fx)
{
	return (struct iphdr *)(fx->frame + ETH_HLEN);
}

static void
fix_csum(struct fx *fx)
{
	iph_of(fx)->check = 0;
	iph_of(fx)->check = ip_fast_csum(iph_of(fx), 5);
}

static void
deliver(struct fx *fx)
{
	tframe_inject(fx->bdev, fx->frame, fx->len);
	tnet_run(fx->n, SIM_MS);
}

static void
test_good_header_is_delivered(void **state)
{
	struct fx *fx = *state;
	deliver(fx);
	assert_int_equal(fx->sink.n, 1);
	assert_int_equal(ip_mib(fx->b)->in_receives, 1);
	assert_int_equal(ip_mib(fx->b)->in_delivers, 1);
}

static void
test_bad_checksum_is_dropped(void **state)
{
	struct fx *fx = *state;
	iph_of(fx)->check ^= 1;
	deliver(fx);
	assert_int_equal(fx->sink.n, 0);
	assert_int_equal(ip_mib(fx->b)->in_csum_errors, 1);
	assert_int_equal(ip_mib(fx->b)->in_hdr_errors, 1);
	assert_int_equal(host_drops(fx->b, SKB_DROP_IP_CSUM), 1);
}

static void
test_bad_version_is_dropped(void **state)
{
	struct fx *fx = *state;
	iph_of(fx)->version = 6;
	fix_csum(fx);
	deliver(fx);
	assert_int_equal(ip_mib(fx->b)->in_hdr_errors, 1);
	assert_int_equal(host_drops(fx->b, SKB_DROP_IP_INHDR), 1);
}

static void
test_ihl_below_five_is_dropped(void **state)
{
	struct fx *fx = *state;
	iph_of(fx)->ihl = 4;
	deliver(fx);
	assert_int_equal(host_drops(fx->b, SKB_DROP_IP_INHDR), 1);
}

static void
test_total_length_beyond_frame_is_dropped(void **state)
{
	struct fx *fx = *state;
	iph_of(fx)->tot_len = g_htons(200);
	fix_csum(fx);
	deliver(fx);
	assert_int_equal(host_drops(fx->b, SKB_DROP_IP_INHDR), 1);
	assert_int_equal(fx->sink.n, 0);
}

static void
test_host_without_forwarding_drops_foreign_datagram(void **state)
{
	struct fx *fx = *state;
	iph_of(fx)->daddr = g_htonl(tnet_addr("10.0.5.5"));
	fix_csum(fx);
	deliver(fx);
	assert_int_equal(ip_mib(fx->b)->in_addr_errors, 1);
	assert_int_equal(host_drops(fx->b, SKB_DROP_IP_NOT_FORWARDING), 1);
}

static void
test_martian_source_is_dropped(void **state)
{
	struct fx *fx = *state;
	iph_of(fx)->saddr = g_htonl(tnet_addr("224.0.0.5"));
	fix_csum(fx);
	deliver(fx);
	assert_int_equal(host_drops(fx->b, SKB_DROP_IP_INADDRERRORS), 1);
}

static void
test_datagram_to_ourselves_loops_back(void **state)
{
	struct fx *fx = *state;
	assert_int_equal(udp_send(fx->b, 0, 1, tnet_addr("10.0.0.2"), 9, "self", 4), 0);
	tnet_run(fx->n, SIM_MS);
	assert_int_equal(fx->sink.n, 1);
	assert_int_equal(fx->sink.last_from, tnet_addr("10.0.0.2"));
	assert_int_equal(nic_stats(nic_from_dev(fx->bdev))->tx_frames,
			 1); /* only its announcement */
}

static void
test_router_decrements_ttl(void **state)
{
	struct fx *fx = *state;
	struct host *r = tnet_host(fx->n, "r", true);
	struct host *c = tnet_host(fx->n, "c", false);
	tnet_link(fx->n, r, "eth0", "10.5.0.1/24", fx->a, "eth1", "10.5.0.2/24");
	tnet_link(fx->n, r, "eth1", "10.6.0.1/24", c, "eth0", "10.6.0.2/24");
	tnet_route(fx->a, "10.6.0.0/24 via 10.5.0.1");
	tnet_route(c, "default via 10.6.0.1");
	struct ticmp seen = { 0 };
	icmp_set_test_hook(c, ticmp_hook, &seen);
	assert_int_equal(icmp_send_echo(fx->a, tnet_addr("10.6.0.2"), 1, 1, 9, 8), 0);
	tnet_run(fx->n, SIM_MS * 10);
	assert_int_equal(seen.n, 1);
	assert_int_equal(ip_mib(r)->forw_datagrams, 2);
	/* TTL 1 cannot be forwarded: it would reach zero at r */
	assert_int_equal(icmp_send_echo(fx->a, tnet_addr("10.6.0.2"), 1, 2, 1, 8), 0);
	tnet_run(fx->n, SIM_MS * 10);
	assert_int_equal(seen.n, 1);
	assert_int_equal(host_drops(r, SKB_DROP_IP_TTL_EXPIRED), 1);
}

/* ip_dev_find and ip_addr_is_local answer from the address hash
 * (inet_addr_lst): a changed address is found at its new value only,
 * also right after the old one was asked (ip_addr_type's last answer). */
static void
test_changed_address_is_found_at_new_value_only(void **state)
{
	struct fx *fx = *state;
	assert_ptr_equal(ip_dev_find(fx->b, tnet_addr("10.0.0.2")), fx->bdev);
	assert_true(ip_addr_is_local(fx->b, tnet_addr("10.0.0.2")));
	assert_true(inet_set_address_text(fx->bdev, "10.0.1.7/24", NULL));
	assert_null(ip_dev_find(fx->b, tnet_addr("10.0.0.2")));
	assert_false(ip_addr_is_local(fx->b, tnet_addr("10.0.0.2")));
	assert_false(ip_addr_is_local(fx->b, tnet_addr("10.0.0.255")));
	assert_ptr_equal(ip_dev_find(fx->b, tnet_addr("10.0.1.7")), fx->bdev);
	assert_true(ip_addr_is_local(fx->b, tnet_addr("10.0.1.255")));
	assert_null(ip_dev_find(fx->b, 0));
}

/* Two interfaces (/24 and /25 of one net) share a broadcast address: it stays local
 * until neither has it. */
static void
test_shared_subnet_broadcast_stays_until_last_holder_leaves(void **state)
{
	struct fx *fx = *state;
	struct host *c = tnet_host(fx->n, "c", false);
	tnet_link(fx->n, fx->b, "eth1", "10.0.0.130/25", c, "eth0", "10.0.0.131/25");
	struct net_device *b1 = dev_get_by_name(fx->b, "eth1");
	assert_true(ip_addr_is_local(fx->b, tnet_addr("10.0.0.255")));
	assert_true(inet_set_address_text(fx->bdev, "10.9.0.2/24", NULL));
	assert_true(ip_addr_is_local(fx->b, tnet_addr("10.0.0.255")));
	assert_true(inet_set_address_text(b1, "10.8.0.3/24", NULL));
	assert_false(ip_addr_is_local(fx->b, tnet_addr("10.0.0.255")));
	assert_ptr_equal(ip_dev_find(fx->b, tnet_addr("10.8.0.3")), b1);
}

/* An address that is one device's own and another's subnet broadcast is
 * delivered locally either way, and ip_dev_find names its holder. */
static void
test_address_that_is_also_a_subnet_broadcast_is_local(void **state)
{
	struct fx *fx = *state;
	struct host *c = tnet_host(fx->n, "c", false);
	tnet_link(fx->n, fx->b, "eth1", "10.7.0.255/16", c, "eth0", "10.7.0.1/16");
	struct net_device *b1 = dev_get_by_name(fx->b, "eth1");
	assert_true(inet_set_address_text(fx->bdev, "10.7.0.9/24", NULL));
	assert_true(ip_addr_is_local(fx->b, tnet_addr("10.7.0.255")));
	assert_ptr_equal(ip_dev_find(fx->b, tnet_addr("10.7.0.255")), b1);
}

/* ip_build_header writes the header as words and sums them in registers:
 * each field reads back, and ip_fast_csum over what it wrote, the
 * checksum included, is 0 (RFC 1071: a valid header sums to all ones). */
static void
test_built_header_fields_and_checksum(void **state)
{
	(void)state;
	static const struct {
		uint32_t saddr, daddr;
		uint8_t protocol, ttl, tos;
		uint16_t tot_len, id;
		bool df;
	} c[] = {
		{ 0x0a000001, 0x0a000002, 6, 64, 0, 1500, 1, true },
		{ 0xffffffff, 0xffffffff, 255, 255, 255, 65535, 65535, true },
		{ 0, 0, 0, 0, 0, 20, 0, false },
		{ 0xc0a80a0b, 0x08080808, 17, 1, 0xb8, 28, 0x8000, false },
	};
	for (size_t i = 0; i < G_N_ELEMENTS(c); i++) {
		struct iphdr h;
		memset(&h, 0xa5, sizeof h);
		ip_build_header(&h, c[i].saddr, c[i].daddr, c[i].protocol, c[i].ttl, c[i].tos,
				c[i].tot_len, c[i].id, c[i].df);
		assert_int_equal(h.version, 4);
		assert_int_equal(h.ihl, 5);
		assert_int_equal(h.tos, c[i].tos);
		assert_int_equal(ntohs(h.tot_len), c[i].tot_len);
		assert_int_equal(ntohs(h.id), c[i].id);
		assert_int_equal(ntohs(h.frag_off), c[i].df ? IP_DF : 0);
		assert_int_equal(h.ttl, c[i].ttl);
		assert_int_equal(h.protocol, c[i].protocol);
		assert_int_equal(ntohl(h.saddr), c[i].saddr);
		assert_int_equal(ntohl(h.daddr), c[i].daddr);
		assert_int_equal(ip_fast_csum(&h, 5), 0);
		sum16_t check = h.check;
		h.check = 0;
		assert_int_equal(ip_fast_csum(&h, 5), check);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_built_header_fields_and_checksum),
		cmocka_unit_test_setup_teardown(test_good_header_is_delivered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_checksum_is_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_version_is_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ihl_below_five_is_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_total_length_beyond_frame_is_dropped, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_host_without_forwarding_drops_foreign_datagram,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_martian_source_is_dropped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_datagram_to_ourselves_loops_back, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_router_decrements_ttl, setup, teardown),
		cmocka_unit_test_setup_teardown(test_changed_address_is_found_at_new_value_only,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_shared_subnet_broadcast_stays_until_last_holder_leaves, setup,
			teardown),
		cmocka_unit_test_setup_teardown(
			test_address_that_is_also_a_subnet_broadcast_is_local, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

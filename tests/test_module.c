/*
 * tests/test_module.c - protocol modules (stack/module.c, <netsim/proto.h>):
 * what ns_module_init may register on a host and what it may not, as
 * Linux's proto_register, inet_register_protosw and inet_add_protocol
 * answer; a fault in the module's init is contained and undone.  The whole
 * protocol at work is tests/plugin_proto.sh.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>
#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include "stack/af_inet.h"
#include "stack/module.h"
#include "stack/socket.h"
#include "tests/socket_test.h"
#define NETSIM_NO_PROTO_MACROS
#include "include/netsim/proto.h"

struct fx {
	struct pair p;
};

PAIR_FIXTURE(struct fx, 14)

static int
t_sendmsg(struct sock *sk, struct ns_msghdr *msg, size_t len)
{
	(void)sk;
	(void)msg;
	return (int)len;
}

static int
t_rcv(struct sk_buff *skb)
{
	ns_consume_skb(skb);
	return 0;
}

static struct ns_proto t_prot = { .name = "T", .obj_size = 16, .sendmsg = t_sendmsg };
static struct ns_inet_protosw t_sw = { SOCK_RDM, 253, &t_prot };
static const struct ns_net_protocol t_net = { .handler = t_rcv };

static int
init_ok(void)
{
	int rc = ns_proto_register(&t_prot, 1);
	if (rc == 0)
		rc = ns_inet_register_protosw(&t_sw);
	if (rc == 0)
		rc = ns_inet_add_protocol(&t_net, 253);
	return rc;
}

static void
test_init_registers_the_socket_type_on_its_host_only(void **state)
{
	struct fx *fx = *state;
	GError *error = NULL;
	assert_true(module_load(fx->p.a, "t.so", init_ok, &error));
	int err = 0;
	const struct inet_protosw *sw = inet_protosw_lookup(fx->p.a, SOCK_RDM, 253, &err);
	assert_non_null(sw);
	assert_int_equal(sw->protocol, 253);
	assert_null(inet_protosw_lookup(fx->p.b, SOCK_RDM, 253, &err));
	assert_int_equal(err, -ESOCKTNOSUPPORT);
	/* UDP still answers SOCK_DGRAM */
	sw = inet_protosw_lookup(fx->p.a, SOCK_DGRAM, 0, &err);
	assert_non_null(sw);
	assert_int_equal(sw->protocol, 17);
}

static void
test_a_second_program_of_the_object_finds_it_loaded(void **state)
{
	struct fx *fx = *state;
	GError *error = NULL;
	assert_true(module_load(fx->p.a, "t.so", init_ok, &error));
	/* registering again would be -EEXIST: the second load does not run init */
	assert_true(module_load(fx->p.a, "t.so", init_ok, &error));
	assert_null(error);
}

static int
init_udp_number(void)
{
	int rc = ns_proto_register(&t_prot, 1);
	return rc ? rc : ns_inet_add_protocol(&t_net, 17);
}

static void
test_a_taken_protocol_number_refuses_the_load(void **state)
{
	struct fx *fx = *state;
	GError *error = NULL;
	assert_false(module_load(fx->p.a, "t.so", init_udp_number, &error));
	assert_non_null(error);
	assert_non_null(strstr(error->message, g_strerror(EEXIST)));
	assert_non_null(strstr(error->message, "t.so"));
	g_error_free(error);
}

static int
init_udp_type(void)
{
	static struct ns_inet_protosw udp_sw = { SOCK_DGRAM, 17, &t_prot };
	int rc = ns_proto_register(&t_prot, 1);
	return rc ? rc : ns_inet_register_protosw(&udp_sw);
}

static void
test_a_permanent_type_and_protocol_cannot_be_overridden(void **state)
{
	struct fx *fx = *state;
	GError *error = NULL;
	assert_false(module_load(fx->p.a, "t.so", init_udp_type, &error));
	assert_non_null(strstr(error->message, g_strerror(EPERM)));
	g_error_free(error);
}

static int
init_bad_tables(void)
{
	static struct ns_proto no_send = { .name = "NOSEND" };
	static struct ns_inet_protosw unregistered = { SOCK_RDM, 254, &t_prot };
	static const struct ns_net_protocol no_handler = { NULL };
	if (ns_proto_register(&no_send, 1) != -EINVAL)
		return -100;
	if (ns_proto_register(NULL, 1) != -EINVAL)
		return -101;
	if (ns_inet_register_protosw(&unregistered) != -EINVAL) /* t_prot not registered */
		return -102;
	if (ns_inet_add_protocol(&no_handler, 254) != -EINVAL)
		return -103;
	return 0;
}

static void
test_bad_tables_are_refused_with_einval(void **state)
{
	struct fx *fx = *state;
	GError *error = NULL;
	assert_true(module_load(fx->p.a, "t.so", init_bad_tables, &error));
	assert_null(error);
}

static void
report_seen(struct host *host, const struct module_report *r, void *arg)
{
	(void)host;
	if (r->faulted && r->signal == SIGSEGV && strcmp(r->where, "ns_module_init") == 0)
		*(bool *)arg = true;
}

static int
init_then_fault(void)
{
	int rc = init_ok();
	/* The module's own code touches a page it may not (a real SIGSEGV;
	 * a NULL store would be caught first by UBSan in the sanitizer build,
	 * which plug-ins are not built with). */
	volatile int *guard = mmap(NULL, 4096, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (rc == 0 && guard != MAP_FAILED)
		*guard = 1;
	return rc;
}

static void
test_a_fault_in_init_is_contained_and_undone(void **state)
{
	struct fx *fx = *state;
	GError *error = NULL;
	assert_false(module_load(fx->p.a, "t.so", init_then_fault, &error));
	assert_non_null(strstr(error->message, "faulted"));
	g_error_free(error);
	int err = 0;
	assert_null(inet_protosw_lookup(fx->p.a, SOCK_RDM, 253, &err));
	bool seen = false;
	module_foreach(fx->p.a, report_seen, &seen);
	assert_true(seen);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_init_registers_the_socket_type_on_its_host_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_second_program_of_the_object_finds_it_loaded,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_taken_protocol_number_refuses_the_load,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_a_permanent_type_and_protocol_cannot_be_overridden, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_tables_are_refused_with_einval, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_a_fault_in_init_is_contained_and_undone, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

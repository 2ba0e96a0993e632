/*
 * tests/test_services.c - the per-host services database (stack/services.c)
 * and ns_getservbyname / ns_getservbyport as a simulated process sees them.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>
#include <string.h>
#include <arpa/inet.h>

#include "stack/services.h"
#include "stack/socket.h"
#include "tests/socket_test.h"

struct fx {
	struct pair p;
	int port[4];
	char name[4][32];
};

PAIR_FIXTURE(struct fx, 9)

static void
test_defaults_have_the_well_known_ports(void **state)
{
	struct fx *fx = *state;
	const struct servent *s = services_by_name(fx->p.a, "echo", "tcp");
	assert_non_null(s);
	assert_int_equal(ntohs((uint16_t)s->s_port), 7);
	s = services_by_name(fx->p.a, "www", "tcp"); /* an alias */
	assert_non_null(s);
	assert_string_equal(s->s_name, "http");
	s = services_by_port(fx->p.a, htons(53), "udp");
	assert_non_null(s);
	assert_string_equal(s->s_name, "domain");
	assert_null(services_by_name(fx->p.a, "echo", "sctp"));
	assert_null(services_by_port(fx->p.a, htons(7), "ddp"));
	assert_non_null(services_by_name(fx->p.a, "ntp", NULL)); /* NULL: any protocol */
}

static void
test_scenario_entries_win_over_defaults_on_their_host_only(void **state)
{
	struct fx *fx = *state;
	GError *e = NULL;
	assert_true(services_add_text(fx->p.a,
				      "# local\nhttp 8080/tcp web   # moved\n"
				      "rdp-lab 4000/udp; echo 7007/tcp",
				      &e));
	assert_int_equal(ntohs((uint16_t)services_by_name(fx->p.a, "http", "tcp")->s_port), 8080);
	assert_int_equal(ntohs((uint16_t)services_by_name(fx->p.a, "web", NULL)->s_port), 8080);
	assert_int_equal(ntohs((uint16_t)services_by_name(fx->p.a, "echo", "tcp")->s_port), 7007);
	assert_string_equal(services_by_port(fx->p.a, htons(4000), "udp")->s_name, "rdp-lab");
	/* host b still has the defaults */
	assert_int_equal(ntohs((uint16_t)services_by_name(fx->p.b, "http", "tcp")->s_port), 80);
	assert_null(services_by_name(fx->p.b, "rdp-lab", NULL));
}

static void
test_bad_line_is_rejected_with_its_number(void **state)
{
	struct fx *fx = *state;
	GError *e = NULL;
	assert_false(services_add_text(fx->p.a, "ok 1/tcp\nbroken 70000/tcp", &e));
	assert_true(g_error_matches(e, INET_ERROR, INET_ERROR_INVALID));
	assert_non_null(strstr(e->message, "entry 2")); /* the line number is the point */
	g_clear_error(&e);
	assert_false(services_add_text(fx->p.a, "noport", &e));
	g_clear_error(&e);
	assert_false(services_add_text(fx->p.a, "x 12/", &e));
	g_clear_error(&e);
	/* nothing of a rejected text was added */
	assert_null(services_by_name(fx->p.a, "ok", NULL));
}

static int
looker(struct proc *p, void *arg)
{
	(void)p;
	struct fx *fx = arg;
	struct servent *s = ns_getservbyname("telnet", "tcp");
	fx->port[0] = s ? ntohs((uint16_t)s->s_port) : -1;
	s = ns_getservbyport(htons(25), "tcp");
	g_strlcpy(fx->name[0], s ? s->s_name : "", sizeof fx->name[0]);
	s = ns_getservbyname("no-such-service", NULL);
	fx->port[1] = s ? 1 : 0;
	return 0;
}

static void
test_process_lookups_use_the_simulated_host(void **state)
{
	struct fx *fx = *state;
	socket_spawn(fx->p.a, "look", 0, looker, fx);
	sim_run_until(fx->p.sim, SIM_MS);
	assert_int_equal(fx->port[0], 23);
	assert_string_equal(fx->name[0], "smtp");
	assert_int_equal(fx->port[1], 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_defaults_have_the_well_known_ports, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_scenario_entries_win_over_defaults_on_their_host_only, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_bad_line_is_rejected_with_its_number, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_process_lookups_use_the_simulated_host, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * tests/test_servers.c - http_server, discard and chargen (apps/servers.c)
 * against a simulated client on the other host, as curl and nc use them
 * through a TAP link (tests/tap.sh does that with the real programs).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>
#include <arpa/inet.h>
#include <string.h>

#include "apps/app.h"
#include "stack/socket.h"
#include "tests/socket_test.h"

struct fx {
	struct pair p;
	const char *request; /* what the client sends, then SHUT_WR (NULL: nothing) */
	uint16_t port;
	GByteArray *got; /* everything the client read until EOF */
	int connect_rc;
};

static int
setup(void **state)
{
	pair_fx_setup(state, sizeof(struct fx), 5);
	struct fx *fx = *state;
	fx->got = g_byte_array_new();
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	g_byte_array_free(fx->got, TRUE);
	return pair_fx_teardown(state);
}

static struct app *
start_app(struct host *h, const char *program, const char *const *kv)
{
	GError *error = NULL;
	struct app *a = app_new(h, program, program, &error);
	assert_non_null(a);
	for (; kv && kv[0]; kv += 2)
		assert_true(app_set(a, kv[0], kv[1], &error));
	app_start(a, 0);
	return a;
}

/* A client in the style of curl or nc: connect, send, half-close, read to EOF. */
static int
client(struct proc *p, void *arg)
{
	struct fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(fx->port) };
	inet_pton(AF_INET, B_ADDR, &to.sin_addr);
	fx->connect_rc = ns_connect(s, (struct sockaddr *)&to, sizeof to);
	if (fx->request)
		ns_write(s, fx->request, strlen(fx->request));
	ns_shutdown(s, SHUT_WR);
	static char buf[65536];
	ssize_t n;
	while ((n = ns_read(s, buf, sizeof buf)) > 0)
		g_byte_array_append(fx->got, (const guint8 *)buf, (guint)n);
	ns_close(s);
	return 0;
}

/* The first @n bytes of RFC 864's pattern, computed independently. */
static char *
pattern(size_t n)
{
	char *s = g_malloc(n + 1);
	for (size_t i = 0; i < n; i++) {
		size_t line = i / 74, col = i % 74;
		s[i] = col == 72 ? '\r' : col == 73 ? '\n' : (char)(' ' + (line + col) % 95);
	}
	s[n] = '\0';
	return s;
}

static void
run_client(struct fx *fx, const char *request, uint16_t port)
{
	fx->request = request;
	fx->port = port;
	socket_spawn(fx->p.a, "client", SIM_MS, client, fx);
	sim_run_until(fx->p.sim, 10 * SIM_S);
	assert_int_equal(fx->connect_rc, 0);
}

static void
free_all(struct fx *fx, struct app *a)
{
	host_free(fx->p.a);
	host_free(fx->p.b);
	fx->p.a = fx->p.b = NULL;
	app_free(a);
}

static void
test_http_server_sends_n_pattern_bytes_with_content_length(void **state)
{
	struct fx *fx = *state;
	const char *kv[] = { "port", "80", NULL };
	struct app *srv = start_app(fx->p.b, "http_server", kv);
	run_client(fx, "GET /bytes/200000 HTTP/1.1\r\nHost: 10.0.0.2\r\nAccept: */*\r\n\r\n", 80);
	const char *text = (const char *)fx->got->data;
	assert_true(fx->got->len > 200000);
	assert_memory_equal(text, "HTTP/1.1 200 OK\r\n", 17);
	const char *end = g_strstr_len(text, (gssize)fx->got->len, "\r\n\r\n");
	assert_non_null(end);
	g_autofree char *head = g_strndup(text, (gsize)(end - text));
	assert_non_null(strstr(head, "\r\nContent-Length: 200000"));
	assert_non_null(strstr(head, "\r\nConnection: close"));
	const char *body = end + 4;
	assert_int_equal(fx->got->len - (guint)(body - text), 200000);
	g_autofree char *want = pattern(200000);
	assert_memory_equal(body, want, 200000);
	assert_int_equal(app_stats(srv)->conns, 1);
	assert_int_equal(app_stats(srv)->errors, 0);
	free_all(fx, srv);
}

static void
test_http_server_serves_its_page_at_root(void **state)
{
	struct fx *fx = *state;
	const char *kv[] = { "port", "80", NULL };
	struct app *srv = start_app(fx->p.b, "http_server", kv);
	run_client(fx, "GET / HTTP/1.0\r\n\r\n", 80);
	g_byte_array_append(fx->got, (const guint8 *)"", 1);
	const char *text = (const char *)fx->got->data;
	assert_non_null(strstr(text, "HTTP/1.1 200 OK\r\n"));
	assert_non_null(strstr(text, "Content-Type: text/html"));
	assert_non_null(strstr(text, "<h1>Hello from a simulated host</h1>"));
	free_all(fx, srv);
}

static void
test_http_server_answers_404_405_and_400(void **state)
{
	struct fx *fx = *state;
	const char *kv[] = { "port", "80", NULL };
	struct app *srv = start_app(fx->p.b, "http_server", kv);
	static const char *const req[] = { "GET /nope HTTP/1.1\r\n\r\n", "POST / HTTP/1.1\r\n\r\n",
					   "HELLO\r\n\r\n", "GET /bytes/12x HTTP/1.1\r\n\r\n" };
	static const char *const want[] = { "HTTP/1.1 404 ", "HTTP/1.1 405 ", "HTTP/1.1 400 ",
					    "HTTP/1.1 404 " };
	for (int i = 0; i < 4; i++) {
		g_byte_array_set_size(fx->got, 0);
		fx->request = req[i];
		fx->port = 80;
		socket_spawn(fx->p.a, "client", 0, client, fx);
		sim_run_until(fx->p.sim, sim_now(fx->p.sim) + SIM_S);
		g_byte_array_append(fx->got, (const guint8 *)"", 1);
		assert_non_null(strstr((const char *)fx->got->data, want[i]));
	}
	assert_int_equal(app_stats(srv)->conns, 4);
	free_all(fx, srv);
}

static void
test_discard_counts_everything_a_client_sends(void **state)
{
	struct fx *fx = *state;
	const char *kv[] = { "port", "9", NULL };
	const char *snd[] = { "dst", B_ADDR, "port", "9", "bytes", "1000000", NULL };
	struct app *srv = start_app(fx->p.b, "discard", kv);
	struct app *c = start_app(fx->p.a, "bulk_send", snd);
	sim_run_until(fx->p.sim, 10 * SIM_S);
	assert_int_equal(app_stats(srv)->rx_bytes, 1000000);
	assert_int_equal(app_stats(srv)->tx_bytes, 0);
	assert_int_equal(app_stats(srv)->conns, 1);
	free_all(fx, srv);
	app_free(c);
}

static void
test_chargen_sends_the_rfc864_pattern_then_closes(void **state)
{
	struct fx *fx = *state;
	const char *kv[] = { "port", "19", "bytes", "100000", NULL };
	struct app *srv = start_app(fx->p.b, "chargen", kv);
	run_client(fx, NULL, 19);
	assert_int_equal(fx->got->len, 100000);
	g_autofree char *want = pattern(100000);
	assert_memory_equal(fx->got->data, want, 100000);
	/* RFC 864: the first line starts with the space and has 72 characters */
	assert_memory_equal(fx->got->data, " !\"#$%", 6);
	assert_memory_equal(fx->got->data + 72, "\r\n!\"#", 5);
	free_all(fx, srv);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_http_server_sends_n_pattern_bytes_with_content_length, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_http_server_serves_its_page_at_root, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_http_server_answers_404_405_and_400, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_discard_counts_everything_a_client_sends,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_chargen_sends_the_rfc864_pattern_then_closes,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

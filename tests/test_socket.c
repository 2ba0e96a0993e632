/*
 * tests/test_socket.c - the socket layer end to end between two hosts on
 * one wire: UDP and TCP sockets used by simulated processes, with errno
 * values, blocking and non-blocking calls, and nothing leaked.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <arpa/inet.h>
#include <sys/mman.h>
#include <unistd.h>

#include "sim/wire.h"
#include "stack/host.h"
#include "stack/ipv4.h"
#include "stack/netdevice.h"
#include "stack/nic.h"
#include "stack/socket.h"
#include "tests/socket_test.h"
#include "stack/tcp.h"
#include "stack/udp.h"

struct fx {
	struct pair p;
	/* results written by the processes */
	char got[64];
	int rc[8];
	int err[8];
	size_t bytes;
	bool match;
};

PAIR_FIXTURE(struct fx, 3)

/* ---- UDP ---------------------------------------------------------------------------- */

static int
udp_echo_server(struct proc *p, void *arg)
{
	struct fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in me = sin_of("0.0.0.0", 9000);
	fx->rc[0] = ns_bind(s, (struct sockaddr *)&me, sizeof me);
	char buf[64];
	struct sockaddr_in from;
	socklen_t fl = sizeof from;
	ssize_t n = ns_recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
	ns_sendto(s, buf, (size_t)n, 0, (struct sockaddr *)&from, fl);
	ns_close(s);
	return 0;
}

static int
udp_echo_client(struct proc *p, void *arg)
{
	struct fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_DGRAM, 0);
	fx->rc[1] = s;
	/* Nothing queued yet: a non-blocking receive fails with EAGAIN. */
	char buf[64] = { 0 };
	fx->rc[2] = (int)ns_recv(s, buf, sizeof buf, MSG_DONTWAIT);
	fx->err[2] = errno;
	struct sockaddr_in to = sin_of(B_ADDR, 9000);
	fx->rc[3] = (int)ns_sendto(s, "hello", 5, 0, (struct sockaddr *)&to, sizeof to);
	fx->rc[4] = (int)ns_recv(s, buf, sizeof buf, MSG_PEEK);
	fx->rc[5] = (int)ns_recv(s, fx->got, sizeof fx->got, 0);
	ns_close(s);
	return 0;
}

static void
test_udp_echo_between_two_hosts(void **state)
{
	struct fx *fx = *state;
	socket_spawn(fx->p.b, "server", 0, udp_echo_server, fx);
	socket_spawn(fx->p.a, "client", SIM_MS, udp_echo_client, fx);
	sim_run_until(fx->p.sim, SIM_S);
	assert_int_equal(fx->rc[0], 0);
	assert_int_equal(fx->rc[1], NS_FIRST_FD);
	assert_int_equal(fx->rc[2], -1);
	assert_int_equal(fx->err[2], EAGAIN);
	assert_int_equal(fx->rc[3], 5);
	assert_int_equal(fx->rc[4], 5);
	assert_int_equal(fx->rc[5], 5);
	assert_string_equal(fx->got, "hello");
	assert_int_equal(proc_table_alive(fx->p.a->procs), 0);
	assert_int_equal(proc_table_alive(fx->p.b->procs), 0);
}

static int
bind_twice(struct proc *p, void *arg)
{
	struct fx *fx = arg;
	int s1 = ns_socket(AF_INET, SOCK_STREAM, 0);
	int s2 = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in me = sin_of("0.0.0.0", 7000);
	fx->rc[0] = ns_bind(s1, (struct sockaddr *)&me, sizeof me);
	fx->rc[1] = ns_bind(s2, (struct sockaddr *)&me, sizeof me);
	fx->err[1] = errno;
	fx->rc[2] = ns_close(99);
	fx->err[2] = errno;
	fx->rc[3] = ns_socket(AF_INET, SOCK_RAW + 7, 0);
	fx->err[3] = errno;
	return 0; /* exit closes s1 and s2 */
}

static void
test_bind_same_port_twice_is_eaddrinuse(void **state)
{
	struct fx *fx = *state;
	socket_spawn(fx->p.a, "b", 0, bind_twice, fx);
	sim_run_until(fx->p.sim, SIM_S);
	assert_int_equal(fx->rc[0], 0);
	assert_int_equal(fx->rc[1], -1);
	assert_int_equal(fx->err[1], EADDRINUSE);
	assert_int_equal(fx->err[2], EBADF);
	assert_int_equal(fx->err[3], ESOCKTNOSUPPORT);
	struct socket_stats st;
	socket_stats(fx->p.a, &st);
	assert_int_equal(st.sockets_open, 0);
}

/* ---- TCP ------------------------------------------------------------------------------ */

#define BULK (200 * 1024)

static int
tcp_sink(struct proc *p, void *arg)
{
	struct fx *fx = arg;
	int l = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in me = sin_of("0.0.0.0", 5001);
	ns_bind(l, (struct sockaddr *)&me, sizeof me);
	ns_listen(l, 4);
	struct sockaddr_in peer;
	socklen_t pl = sizeof peer;
	int c = ns_accept(l, (struct sockaddr *)&peer, &pl);
	fx->rc[0] = c;
	fx->rc[1] = ntohl(peer.sin_addr.s_addr) == 0x0a000001u;
	static char buf[8192];
	size_t total = 0;
	bool match = true;
	ssize_t n;
	while ((n = ns_read(c, buf, sizeof buf)) > 0) {
		for (ssize_t i = 0; i < n; i++)
			if (buf[i] != (char)((total + (size_t)i) % 251))
				match = false;
		total += (size_t)n;
	}
	fx->rc[2] = (int)n;
	fx->bytes = total;
	fx->match = match;
	ns_close(c);
	ns_close(l);
	return 0;
}

static int
tcp_source(struct proc *p, void *arg)
{
	struct fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = sin_of(B_ADDR, 5001);
	fx->rc[3] = ns_connect(s, (struct sockaddr *)&to, sizeof to);
	static char buf[BULK];
	for (size_t i = 0; i < BULK; i++)
		buf[i] = (char)(i % 251);
	size_t off = 0;
	while (off < BULK) {
		ssize_t n = ns_write(s, buf + off, MIN(BULK - off, 30000));
		if (n <= 0)
			break;
		off += (size_t)n;
	}
	fx->rc[4] = (int)off;
	fx->rc[5] = ns_close(s);
	return 0;
}

static void
test_tcp_bulk_transfer_delivers_every_byte_in_order(void **state)
{
	struct fx *fx = *state;
	socket_spawn(fx->p.b, "sink", 0, tcp_sink, fx);
	socket_spawn(fx->p.a, "source", SIM_MS, tcp_source, fx);
	sim_run_until(fx->p.sim, 5 * SIM_S);
	assert_int_equal(fx->rc[3], 0);
	assert_int_equal(fx->rc[4], BULK);
	assert_true(fx->rc[0] >= NS_FIRST_FD);
	assert_true(fx->rc[1]);
	assert_int_equal(fx->rc[2], 0); /* EOF after the peer's FIN */
	assert_int_equal(fx->bytes, BULK);
	assert_true(fx->match);
	/* The active closer waits in TIME_WAIT for 2MSL, then everything is gone. */
	assert_true(tcp_mib(fx->p.a)->active_opens == 1 && tcp_mib(fx->p.b)->passive_opens == 1);
	sim_run_until(fx->p.sim, 100 * SIM_S);
	assert_int_equal(sim_events_pending(fx->p.sim), 0);
}

static int
connect_refused(struct proc *p, void *arg)
{
	struct fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = sin_of(B_ADDR, 4444);
	fx->rc[0] = ns_connect(s, (struct sockaddr *)&to, sizeof to);
	fx->err[0] = errno;
	ns_close(s);
	return 0;
}

static void
test_tcp_connect_to_closed_port_is_refused(void **state)
{
	struct fx *fx = *state;
	socket_spawn(fx->p.a, "c", 0, connect_refused, fx);
	sim_run_until(fx->p.sim, SIM_S);
	assert_int_equal(fx->rc[0], -1);
	assert_int_equal(fx->err[0], ECONNREFUSED);
	assert_int_equal(tcp_mib(fx->p.b)->out_rsts, 1);
}

static int
connect_nonblocking(struct proc *p, void *arg)
{
	struct fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_STREAM, 0);
	ns_fcntl(s, F_SETFL, ns_fcntl(s, F_GETFL) | O_NONBLOCK);
	struct sockaddr_in to = sin_of(B_ADDR, 5001);
	fx->rc[3] = ns_connect(s, (struct sockaddr *)&to, sizeof to);
	fx->err[3] = errno;
	struct pollfd pfd = { .fd = s, .events = POLLOUT };
	fx->rc[4] = ns_poll(&pfd, 1, 1000);
	fx->rc[5] = pfd.revents;
	int soerr = -1;
	socklen_t sl = sizeof soerr;
	ns_getsockopt(s, SOL_SOCKET, SO_ERROR, &soerr, &sl);
	fx->rc[6] = soerr;
	ns_close(s);
	return 0;
}

static void
test_tcp_nonblocking_connect_is_einprogress_then_writable(void **state)
{
	struct fx *fx = *state;
	socket_spawn(fx->p.b, "sink", 0, tcp_sink, fx);
	socket_spawn(fx->p.a, "c", SIM_MS, connect_nonblocking, fx);
	sim_run_until(fx->p.sim, 100 * SIM_S);
	assert_int_equal(fx->rc[3], -1);
	assert_int_equal(fx->err[3], EINPROGRESS);
	assert_int_equal(fx->rc[4], 1);
	assert_true(fx->rc[5] & POLLOUT);
	assert_int_equal(fx->rc[6], 0);
	assert_int_equal(fx->bytes, 0);
	assert_int_equal(sim_events_pending(fx->p.sim), 0);
}

/* ---- faults in a process's buffer: taken where the bytes are copied ------------------- */

/*
 * Linux copies socket data with copy_to_user / copy_from_user, which fault
 * only on the bytes they copy (lib/iov_iter.c, arch/x86/lib/copy_user_64.S);
 * import_ubuf checks the range with access_ok and touches no page.  Each
 * test maps two pages and unmaps the second: fx->map is the first, and
 * fx->map + page is a hole.
 */
static char *
two_pages_second_unmapped(size_t *page)
{
	*page = (size_t)sysconf(_SC_PAGESIZE);
	char *m = mmap(NULL, 2 * *page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	g_assert(m != MAP_FAILED);
	munmap(m + *page, *page);
	return m;
}

/* A process that will fault in a system call: isolated, so that the fault
 * handlers are netsim's (cmocka puts its own in around each test). */
static void
spawn_isolated(struct host *h, const char *name, sim_time_t delay, proc_main_fn fn, void *arg)
{
	proc_set_isolated(socket_spawn(h, name, delay, fn, arg), true);
}

static int
udp_reader_with_holes(struct proc *p, void *arg)
{
	struct fx *fx = arg;
	size_t page;
	char *m = two_pages_second_unmapped(&page);
	int s = ns_socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in me = sin_of("0.0.0.0", 9000);
	ns_bind(s, (struct sockaddr *)&me, sizeof me);
	/* a 5-byte datagram into 2 pages of which the second is unmapped */
	fx->rc[0] = (int)ns_recv(s, m, 2 * page, 0);
	fx->match = memcmp(m, "hello", 5) == 0;
	/* the next one into the hole: its first byte faults */
	fx->rc[1] = (int)ns_recv(s, m + page, 100, 0);
	fx->err[1] = errno;
	/* udp_recvmsg freed that datagram: nothing is left */
	fx->rc[2] = (int)ns_recv(s, m, 100, MSG_DONTWAIT);
	fx->err[2] = errno;
	/* MSG_PEEK into the hole: EFAULT, and the datagram stays */
	fx->rc[3] = (int)ns_recv(s, m + page, 100, MSG_PEEK);
	fx->err[3] = errno;
	fx->rc[4] = (int)ns_recv(s, m, 100, MSG_DONTWAIT);
	ns_close(s);
	munmap(m, page);
	return 0;
}

static int
udp_three_hellos(struct proc *p, void *arg)
{
	int s = ns_socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = sin_of(B_ADDR, 9000);
	for (int i = 0; i < 3; i++) {
		ns_sendto(s, "hello", 5, 0, (struct sockaddr *)&to, sizeof to);
		ns_sleep(10 * SIM_MS);
	}
	ns_close(s);
	return 0;
}

static void
test_udp_recv_faults_only_on_the_bytes_it_copies(void **state)
{
	struct fx *fx = *state;
#ifdef __SANITIZE_ADDRESS__
	skip(); /* the sanitizer's own SIGSEGV handler; tests/bad_student.sh covers it */
#endif
	spawn_isolated(fx->p.b, "reader", 0, udp_reader_with_holes, fx);
	socket_spawn(fx->p.a, "writer", SIM_MS, udp_three_hellos, fx);
	sim_run_until(fx->p.sim, SIM_S);
	assert_int_equal(fx->rc[0], 5); /* was EFAULT: the whole buffer was probed */
	assert_true(fx->match);
	assert_int_equal(fx->rc[1], -1);
	assert_int_equal(fx->err[1], EFAULT);
	assert_int_equal(fx->rc[2], -1);
	assert_int_equal(fx->err[2], EAGAIN);
	assert_int_equal(fx->rc[3], -1);
	assert_int_equal(fx->err[3], EFAULT);
	assert_int_equal(fx->rc[4], 5);
	/* the faulted datagram: InErrors, and a drop kfree_skb does not name */
	assert_int_equal(udp_mib(fx->p.b)->in_errors, 1);
	assert_int_equal(host_drops(fx->p.b, SKB_DROP_NOT_SPECIFIED), 1);
}

static int
udp_writer_from_hole(struct proc *p, void *arg)
{
	struct fx *fx = arg;
	size_t page;
	char *m = two_pages_second_unmapped(&page);
	int s = ns_socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in to = sin_of(B_ADDR, 9000);
	memcpy(m + page - 5, "hello", 5);
	/* 5 good bytes, then the hole: ip_append_data's getfrag fails */
	fx->rc[0] = (int)ns_sendto(s, m + page - 5, 10, 0, (struct sockaddr *)&to, sizeof to);
	fx->err[0] = errno;
	fx->rc[1] = (int)ns_sendto(s, m + page - 5, 5, 0, (struct sockaddr *)&to, sizeof to);
	ns_close(s);
	munmap(m, page);
	return 0;
}

static int
udp_count_datagrams(struct proc *p, void *arg)
{
	struct fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in me = sin_of("0.0.0.0", 9000);
	ns_bind(s, (struct sockaddr *)&me, sizeof me);
	struct timeval tv = { .tv_sec = 0, .tv_usec = 200000 };
	ns_setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
	ssize_t n;
	while ((n = ns_recv(s, fx->got, sizeof fx->got, 0)) > 0)
		fx->bytes += (size_t)n;
	ns_close(s);
	return 0;
}

static void
test_udp_send_from_a_faulting_buffer_sends_nothing(void **state)
{
	struct fx *fx = *state;
#ifdef __SANITIZE_ADDRESS__
	skip();
#endif
	socket_spawn(fx->p.b, "counter", 0, udp_count_datagrams, fx);
	spawn_isolated(fx->p.a, "writer", SIM_MS, udp_writer_from_hole, fx);
	sim_run_until(fx->p.sim, SIM_S);
	assert_int_equal(fx->rc[0], -1);
	assert_int_equal(fx->err[0], EFAULT);
	assert_int_equal(fx->rc[1], 5);
	assert_int_equal(fx->bytes, 5); /* only the second datagram arrived */
	assert_int_equal(udp_mib(fx->p.a)->out_datagrams, 1);
	assert_int_equal(ip_mib(fx->p.a)->out_discards, 1);
	assert_int_equal(host_drops(fx->p.a, SKB_DROP_NOT_SPECIFIED), 1);
}

static int
tcp_two_writes(struct proc *p, void *arg)
{
	struct fx *fx = arg;
	int s = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = sin_of(B_ADDR, 5001);
	fx->rc[3] = ns_connect(s, (struct sockaddr *)&to, sizeof to);
	char buf[1000];
	for (int w = 0; w < 2; w++) {
		memset(buf, 'a' + w, sizeof buf);
		ns_write(s, buf, sizeof buf);
		ns_sleep(10 * SIM_MS); /* two segments, two skbs at the reader */
	}
	ns_close(s);
	return 0;
}

static int
tcp_reader_with_hole(struct proc *p, void *arg)
{
	struct fx *fx = arg;
	size_t page;
	char *m = two_pages_second_unmapped(&page);
	int l = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in me = sin_of("0.0.0.0", 5001);
	ns_bind(l, (struct sockaddr *)&me, sizeof me);
	ns_listen(l, 1);
	int c = ns_accept(l, NULL, NULL);
	ns_sleep(100 * SIM_MS); /* both writes queued */
	/* 1000 bytes fit before the hole: the first skb is copied, the second
	 * faults; tcp_recvmsg_locked returns what it copied */
	fx->rc[0] = (int)ns_recv(c, m + page - 1000, 2000, 0);
	fx->match = m[page - 1000] == 'a' && m[page - 1] == 'a';
	/* now the first byte faults: nothing copied, EFAULT, nothing consumed */
	fx->rc[1] = (int)ns_recv(c, m + page, 2000, 0);
	fx->err[1] = errno;
	fx->rc[2] = (int)ns_recv(c, m, 2000, 0);
	fx->match = fx->match && m[0] == 'b' && m[999] == 'b';
	ns_close(c);
	ns_close(l);
	munmap(m, page);
	return 0;
}

static void
test_tcp_recv_fault_after_some_bytes_returns_the_bytes_copied(void **state)
{
	struct fx *fx = *state;
#ifdef __SANITIZE_ADDRESS__
	skip();
#endif
	spawn_isolated(fx->p.b, "reader", 0, tcp_reader_with_hole, fx);
	socket_spawn(fx->p.a, "writer", SIM_MS, tcp_two_writes, fx);
	sim_run_until(fx->p.sim, 5 * SIM_S);
	assert_int_equal(fx->rc[3], 0);
	assert_int_equal(fx->rc[0], 1000);
	assert_int_equal(fx->rc[1], -1);
	assert_int_equal(fx->err[1], EFAULT);
	assert_int_equal(fx->rc[2], 1000);
	assert_true(fx->match);
}

static int
tcp_writer_with_hole(struct proc *p, void *arg)
{
	struct fx *fx = arg;
	size_t page;
	char *m = two_pages_second_unmapped(&page);
	memset(m, 'x', page);
	int s = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = sin_of(B_ADDR, 5001);
	fx->rc[3] = ns_connect(s, (struct sockaddr *)&to, sizeof to);
	/* the chunk copied (the room of a new segment) runs into the hole:
	 * tcp_sendmsg_locked's do_error with nothing queued */
	fx->rc[4] = (int)ns_write(s, m + page - 64, 1000);
	fx->err[4] = errno;
	fx->rc[5] = (int)ns_write(s, m, 100);
	ns_close(s);
	munmap(m, page);
	return 0;
}

static void
test_tcp_send_fault_in_the_first_chunk_is_efault(void **state)
{
	struct fx *fx = *state;
#ifdef __SANITIZE_ADDRESS__
	skip();
#endif
	socket_spawn(fx->p.b, "sink", 0, tcp_sink, fx);
	spawn_isolated(fx->p.a, "writer", SIM_MS, tcp_writer_with_hole, fx);
	sim_run_until(fx->p.sim, 5 * SIM_S);
	assert_int_equal(fx->rc[3], 0);
	assert_int_equal(fx->rc[4], -1);
	assert_int_equal(fx->err[4], EFAULT);
	assert_int_equal(fx->rc[5], 100);
	assert_int_equal(fx->bytes, 100); /* nothing of the faulted write was queued */
	sim_run_until(fx->p.sim, 100 * SIM_S);
	assert_int_equal(sim_events_pending(fx->p.sim), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_udp_echo_between_two_hosts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bind_same_port_twice_is_eaddrinuse, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_tcp_bulk_transfer_delivers_every_byte_in_order,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_tcp_connect_to_closed_port_is_refused, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_tcp_nonblocking_connect_is_einprogress_then_writable, setup, teardown),
		cmocka_unit_test_setup_teardown(test_udp_recv_faults_only_on_the_bytes_it_copies,
						setup, teardown),
		cmocka_unit_test_setup_teardown(test_udp_send_from_a_faulting_buffer_sends_nothing,
						setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_tcp_recv_fault_after_some_bytes_returns_the_bytes_copied, setup,
			teardown),
		cmocka_unit_test_setup_teardown(test_tcp_send_fault_in_the_first_chunk_is_efault,
						setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

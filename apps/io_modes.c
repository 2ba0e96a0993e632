/*
 * apps/io_modes.c - a busy non-blocking reader and a poll() reader.
 *
 * Position: app_start -> a process -> these -> the socket API
 * (ns_fcntl O_NONBLOCK, ns_recv, ns_poll).  Each datagram costs
 * COST_APP_PACKET, as in udp_sink, so the three readers differ only in
 * how they wait.
 */
#include "apps/io_modes.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include "stack/socket.h"

#define IO_BUF 65536

/* A UDP socket bound to the app's port, in non-blocking mode. */
static int
nonblocking_socket(struct app *a)
{
	const struct app_config *c = app_config(a);
	int s = ns_socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons((uint16_t)c->port) };
	if (c->rcvbuf) {
		int v = (int)c->rcvbuf;
		ns_setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
	}
	if (ns_bind(s, (struct sockaddr *)&me, sizeof me) < 0) {
		app_stats_mut(a)->last_errno = errno;
		app_stats_mut(a)->errors++;
		ns_close(s);
		return -1;
	}
	int flags = ns_fcntl(s, F_GETFL, 0);
	ns_fcntl(s, F_SETFL, flags | O_NONBLOCK);
	return s;
}

static void
got_datagram(struct app *a, ssize_t n)
{
	ns_app_packet();
	app_count_rx(a, (uint64_t)n);
}

/*
 * Try, and try again: an empty socket answers EAGAIN at once, so this
 * process never sleeps and spends its CPU on system calls that return
 * nothing.  That is what the lecture's task share shows.
 */
int
udp_nb_reader_main(struct app *a)
{
	static __thread char buf[IO_BUF];
	int s = nonblocking_socket(a);
	if (s < 0)
		return 1;
	uint64_t eagain = 0;
	for (;;) {
		ssize_t n = ns_recv(s, buf, sizeof buf, 0);
		if (n >= 0) {
			got_datagram(a, n);
			continue;
		}
		if (errno != EAGAIN && errno != EWOULDBLOCK) {
			app_stats_mut(a)->errors++;
			app_stats_mut(a)->last_errno = errno;
		}
		app_figure_set(a, "eagain", (double)++eagain);
	}
}

/*
 * poll() sleeps until the socket is readable; then the loop drains what
 * is queued until EAGAIN says the queue is empty, and polls again.
 */
int
udp_poll_reader_main(struct app *a)
{
	static __thread char buf[IO_BUF];
	int s = nonblocking_socket(a);
	if (s < 0)
		return 1;
	uint64_t eagain = 0, polls = 0;
	for (;;) {
		struct pollfd p = { .fd = s, .events = POLLIN };
		if (ns_poll(&p, 1, -1) < 0)
			continue;
		app_figure_set(a, "polls", (double)++polls);
		ssize_t n;
		while ((n = ns_recv(s, buf, sizeof buf, 0)) >= 0)
			got_datagram(a, n);
		app_figure_set(a, "eagain", (double)++eagain);
	}
}

/*
 * apps/urgent.c - TCP urgent data, as a Telnet client and server use it
 * (RFC 854: "Interrupt Process" sent with the Synch, an urgent byte, so
 * that it overtakes the data the server has not read yet).  Lecture:
 * scenarios/lectures/urgent-data.ini, docs/lecture-urgent-data.md.
 *
 *   urgent_send  connects to dst:port and writes count blocks of size
 *                bytes, interval apart; after block count/2 it sends one
 *                byte with send(MSG_OOB) (figure urgent: bytes sent so).
 *   urgent_recv  accepts on port and waits in select() for readable and
 *                exceptional conditions.  On an exceptional one it takes
 *                the byte with recv(MSG_OOB) (figure oob_bytes) and
 *                records how much normal data was queued before the mark
 *                then (ioctl SIOCINQ: figure ahead_of_mark).  Each read
 *                (size bytes at most, interval after it: a slow reader)
 *                stops at the mark; figure marks counts the reads after
 *                which sockatmark() said 1.
 *
 * Registered in app_programs[] (apps/programs.c).
 */
#include "apps/urgent.h"

#include <errno.h>
#include <string.h>
#include <sys/ioctl.h>
#include "stack/socket.h"

#define URG_BUF 65536

int
urgent_send_main(struct app *a)
{
	static __thread char buf[URG_BUF];
	const struct app_config *c = app_config(a);
	int s = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = { .sin_family = AF_INET,
				  .sin_port = htons((uint16_t)c->port),
				  .sin_addr.s_addr = htonl(c->dst) };
	if (s < 0 || ns_connect(s, (struct sockaddr *)&to, sizeof to) < 0) {
		app_count_error(a);
		return 1;
	}
	app_stats_mut(a)->conns++;
	size_t size = MIN(MAX(c->size, 1), sizeof buf);
	uint64_t count = MAX(c->count, 1), urgent = 0;
	for (uint64_t i = 0; i < count; i++) {
		if (i && c->interval)
			ns_sleep(c->interval);
		memset(buf, 'a' + (int)(i % 26), size);
		ssize_t w = ns_write(s, buf, size);
		if (w < 0) {
			app_count_error(a);
			break;
		}
		app_count_tx(a, (uint64_t)w);
		if (i + 1 == (count + 1) / 2) {
			/* Telnet's Synch: IAC DM sent urgent (here one byte, '!') */
			if (ns_send(s, "!", 1, MSG_OOB) == 1)
				app_figure_set(a, "urgent", (double)++urgent);
			else
				app_count_error(a);
		}
	}
	ns_close(s);
	return 0;
}

int
urgent_recv_main(struct app *a)
{
	static __thread char buf[URG_BUF];
	const struct app_config *c = app_config(a);
	int l = ns_socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons((uint16_t)c->port) };
	if (l < 0 || ns_bind(l, (struct sockaddr *)&me, sizeof me) < 0 || ns_listen(l, 1) < 0) {
		app_count_error(a);
		return 1;
	}
	int s = ns_accept(l, NULL, NULL);
	ns_close(l);
	if (s < 0) {
		app_count_error(a);
		return 1;
	}
	app_stats_mut(a)->conns++;
	size_t size = c->size ? MIN(c->size, sizeof buf) : sizeof buf;
	uint64_t oob = 0, marks = 0;
	for (;;) {
		fd_set rd, ex;
		FD_ZERO(&rd);
		FD_ZERO(&ex);
		FD_SET(s, &rd);
		FD_SET(s, &ex);
		if (ns_select(s + 1, &rd, NULL, &ex, NULL) < 0) {
			app_count_error(a);
			break;
		}
		if (FD_ISSET(s, &ex)) {
			int ahead = 0;
			char b;
			ns_ioctl(s, FIONREAD, &ahead);
			if (ns_recv(s, &b, 1, MSG_OOB) == 1) {
				app_figure_set(a, "oob_bytes", (double)++oob);
				app_figure_set(a, "ahead_of_mark", ahead);
			}
		}
		if (!FD_ISSET(s, &rd))
			continue;
		ssize_t n = ns_read(s, buf, size);
		if (n <= 0) {
			if (n < 0)
				app_count_error(a);
			break;
		}
		app_count_rx(a, (uint64_t)n);
		if (ns_sockatmark(s) == 1)
			app_figure_set(a, "marks", (double)++marks);
		if (c->interval)
			ns_sleep(c->interval);
	}
	ns_close(s);
	return 0;
}

/*
 * apps/programs.c - the built-in programs: UDP flood, sink and echo; TCP
 * echo server and client, bulk sender and sink.
 *
 * Each is ordinary BSD-socket C (ns_* names, stack/socket.h) running in a
 * simulated process; settings come from struct app_config, results go to
 * struct app_stats.  Position: app_start -> a process -> these -> sockets.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <string.h>
#include <sys/un.h>
#include "apps/app.h"
#include "apps/arrival.h"
#include "apps/io_modes.h"
#include "apps/livelock.h"
#include "apps/ping.h"
#include "apps/servers.h"
#include "apps/urgent.h"
#include "stack/socket.h"
#include <netinet/tcp.h> /* TCP_NODELAY: the socket API uses Linux's values */
#include <netinet/udp.h> /* SOL_UDP, UDP_SEGMENT, UDP_GRO: Linux's values too */

#define APP_BUF 65536

static struct sockaddr_in
app_sin(uint32_t addr, uint32_t port)
{
	struct sockaddr_in s = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	s.sin_addr.s_addr = htonl(addr);
	return s;
}

static void
app_bufs(int s, const struct app_config *c)
{
	int v;
	if (c->rcvbuf && (v = (int)c->rcvbuf) > 0)
		ns_setsockopt(s, SOL_SOCKET, SO_RCVBUF, &v, sizeof v);
	if (c->sndbuf && (v = (int)c->sndbuf) > 0)
		ns_setsockopt(s, SOL_SOCKET, SO_SNDBUF, &v, sizeof v);
	if (c->nodelay) {
		v = 1;
		ns_setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &v, sizeof v);
	}
	if (c->udp_segment && (v = (int)c->udp_segment) > 0)
		ns_setsockopt(s, SOL_UDP, UDP_SEGMENT, &v, sizeof v);
}

/* udp_sink with udp_gro: recvmsg with room for the UDP_GRO cmsg; counts
 * the segments each merged datagram stands for (figure segments). */
static int
udp_gro_sink(struct app *a, int s, char *buf, size_t len)
{
	int one = 1;
	ns_setsockopt(s, SOL_UDP, UDP_GRO, &one, sizeof one);
	double segs = 0;
	for (;;) {
		union {
			char b[CMSG_SPACE(sizeof(int))];
			struct cmsghdr align;
		} ctl;
		struct iovec iov = { .iov_base = buf, .iov_len = len };
		struct msghdr m = { .msg_iov = &iov,
				    .msg_iovlen = 1,
				    .msg_control = ctl.b,
				    .msg_controllen = sizeof ctl.b };
		/* wait in recv (MSG_PEEK), so a run that ends while the sink
		 * waits leaves nothing recvmsg allocated on its way in */
		if (ns_recv(s, buf, 1, MSG_PEEK) < 0) {
			app_count_error(a);
			continue;
		}
		ssize_t n = ns_recvmsg(s, &m, 0);
		if (n < 0) {
			app_count_error(a);
			continue;
		}
		int gso = 0;
		for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c))
			if (c->cmsg_level == SOL_UDP && c->cmsg_type == UDP_GRO)
				memcpy(&gso, CMSG_DATA(c), sizeof gso);
		segs += gso > 0 ? (double)(((size_t)n + (size_t)gso - 1) / (size_t)gso) : 1;
		app_figure_set(a, "segments", segs);
		ns_app_packet();
		app_count_rx(a, (uint64_t)n);
	}
	return 0;
}

/*
 * The AF_UNIX address of the key path (tcp_echo_server/client with
 * path = /tmp/x or @abstract): the same program over a local socket, for
 * comparing what the stack does (docs/lecture-sockets-extra.md).  0 when
 * the key is not set.
 */
static socklen_t
app_sun(struct app *a, struct sockaddr_un *sun)
{
	const char *path = app_arg(a, "path");
	if (!path)
		return 0;
	memset(sun, 0, sizeof *sun);
	sun->sun_family = AF_UNIX;
	size_t n = MIN(strlen(path), sizeof sun->sun_path - 1);
	memcpy(sun->sun_path, path, n);
	if (path[0] == '@') {
		sun->sun_path[0] = '\0';
		return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n);
	}
	return (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + 1);
}

static int
bound_socket(struct app *a, int type)
{
	const struct app_config *c = app_config(a);
	struct sockaddr_un sun;
	socklen_t sl = app_sun(a, &sun);
	if (sl) {
		int s = ns_socket(AF_UNIX, type, 0);
		app_bufs(s, c);
		if (ns_bind(s, (struct sockaddr *)&sun, sl) < 0) {
			app_count_error(a);
			ns_close(s);
			return -1;
		}
		return s;
	}
	int s = ns_socket(AF_INET, type, 0);
	int one = 1;
	ns_setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
	app_bufs(s, c);
	struct sockaddr_in me = app_sin(0, c->port);
	if (ns_bind(s, (struct sockaddr *)&me, sizeof me) < 0) {
		app_count_error(a);
		ns_close(s);
		return -1;
	}
	return s;
}

/* udp_sink: receive on port; each message costs COST_APP_PACKET. */
static int
udp_sink_main(struct app *a)
{
	static __thread char buf[APP_BUF];
	int s = bound_socket(a, SOCK_DGRAM);
	if (s < 0)
		return 1;
	if (app_config(a)->udp_gro)
		return udp_gro_sink(a, s, buf, sizeof buf);
	for (;;) {
		ssize_t n = ns_recv(s, buf, sizeof buf, 0);
		if (n < 0) {
			app_count_error(a);
			continue;
		}
		ns_app_packet();
		app_count_rx(a, (uint64_t)n);
	}
}

/* udp_flood: size-byte datagrams to dst:port at rate per second (count,
 * duration), at the times of the arrival process (apps/arrival.h). */
static int
udp_flood_main(struct app *a)
{
	static __thread char buf[APP_BUF];
	const struct app_config *c = app_config(a);
	int s = ns_socket(AF_INET, SOCK_DGRAM, 0);
	app_bufs(s, c);
	struct sockaddr_in to = app_sin(c->dst, c->port);
	struct arrival ar;
	arrival_init_app(&ar, a);
	sim_time_t t0 = ns_now();
	for (uint64_t i = 0; !c->count || i < c->count; i++) {
		sim_time_t due = t0 + arrival_next(&ar);
		if (c->duration && due - t0 >= c->duration)
			break;
		if (due > ns_now())
			ns_sleep(due - ns_now());
		ssize_t n = ns_sendto(s, buf, c->size, 0, (struct sockaddr *)&to, sizeof to);
		if (n < 0) {
			app_count_error(a);
			continue;
		}
		app_count_tx(a, (uint64_t)n);
	}
	ns_close(s);
	return 0;
}

/* udp_echo: send every datagram back to its sender. */
static int
udp_echo_main(struct app *a)
{
	static __thread char buf[APP_BUF];
	int s = bound_socket(a, SOCK_DGRAM);
	if (s < 0)
		return 1;
	for (;;) {
		struct sockaddr_in from;
		socklen_t fl = sizeof from;
		ssize_t n = ns_recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
		if (n < 0)
			continue;
		app_count_rx(a, (uint64_t)n);
		if (ns_sendto(s, buf, (size_t)n, 0, (struct sockaddr *)&from, fl) >= 0) {
			app_stats_mut(a)->tx_msgs++;
			app_stats_mut(a)->tx_bytes += (uint64_t)n;
		}
	}
}

static int
listening_socket(struct app *a)
{
	int s = bound_socket(a, SOCK_STREAM);
	if (s >= 0 && ns_listen(s, (int)app_config(a)->backlog) < 0) {
		app_count_error(a);
		ns_close(s);
		return -1;
	}
	return s;
}

#define APP_MAX_CONNS 64

/* The end of one connection of tcp_server: close it, report goodput. */
static void
tcp_server_done(struct app *a, int fd, bool echo)
{
	ns_close(fd);
	const struct app_stats *st = app_stats(a);
	if (!echo && st->last_rx > st->first_rx)
		app_figure_set(a, "goodput_bps",
			       (double)st->rx_bytes * 8 * SIM_S /
				       (double)(st->last_rx - st->first_rx));
}

/* Read what @fd has, echo it if @echo; false at EOF or error. */
static bool
tcp_server_serve(struct app *a, int fd, bool echo, char *buf, size_t len)
{
	ssize_t r = ns_read(fd, buf, len);
	if (r <= 0) {
		if (r < 0)
			app_count_error(a);
		return false;
	}
	app_count_rx(a, (uint64_t)r);
	for (ssize_t off = 0; echo && off < r;) {
		ssize_t w = ns_write(fd, buf + off, (size_t)(r - off));
		if (w <= 0)
			break;
		off += w;
		app_stats_mut(a)->tx_bytes += (uint64_t)w;
	}
	return true;
}

/*
 * tcp_echo_server / bulk_sink, the seed text's server: accept one
 * connection, serve it until EOF, close, accept the next; later clients
 * wait in the accept queue meanwhile.  With concurrent = on, up to
 * APP_MAX_CONNS at once with poll(), the single-process select/poll
 * server: wait until the listener or a connection is readable, accept or
 * read.  An echo write that blocks (the client does not read) holds up the
 * others.
 */
static int
tcp_server(struct app *a, bool echo)
{
	static __thread char buf[APP_BUF];
	struct pollfd fds[1 + APP_MAX_CONNS];
	int l = listening_socket(a);
	if (l < 0)
		return 1;
	while (!app_config(a)->concurrent) {
		int c = ns_accept(l, NULL, NULL);
		if (c < 0) {
			app_count_error(a);
			continue;
		}
		app_stats_mut(a)->conns++;
		while (tcp_server_serve(a, c, echo, buf, sizeof buf))
			;
		tcp_server_done(a, c, echo);
	}
	fds[0] = (struct pollfd){ .fd = l, .events = POLLIN };
	nfds_t n = 1;
	for (;;) {
		if (ns_poll(fds, n, -1) < 0) {
			app_count_error(a);
			continue;
		}
		for (nfds_t i = n - 1; i >= 1; i--) {
			if (!(fds[i].revents & (POLLIN | POLLHUP | POLLERR)) ||
			    tcp_server_serve(a, fds[i].fd, echo, buf, sizeof buf))
				continue;
			tcp_server_done(a, fds[i].fd, echo);
			fds[i] = fds[--n];
		}
		if (fds[0].revents & POLLIN) {
			int c = ns_accept(l, NULL, NULL);
			if (c < 0) {
				app_count_error(a);
			} else if (n > APP_MAX_CONNS) {
				ns_close(c); /* full: the client sees its connection closed */
			} else {
				app_stats_mut(a)->conns++;
				fds[n++] = (struct pollfd){ .fd = c, .events = POLLIN };
			}
		}
	}
}

static int
tcp_echo_server_main(struct app *a)
{
	return tcp_server(a, true);
}

static int
bulk_sink_main(struct app *a)
{
	return tcp_server(a, false);
}

static int
connected_socket(struct app *a)
{
	const struct app_config *c = app_config(a);
	struct sockaddr_un sun;
	socklen_t sl = app_sun(a, &sun);
	int s = ns_socket(sl ? AF_UNIX : AF_INET, SOCK_STREAM, 0);
	app_bufs(s, c);
	struct sockaddr_in to = app_sin(c->dst, c->port);
	int rc = sl ? ns_connect(s, (struct sockaddr *)&sun, sl)
		    : ns_connect(s, (struct sockaddr *)&to, sizeof to);
	if (rc < 0) {
		app_count_error(a);
		ns_close(s);
		return -1;
	}
	app_stats_mut(a)->conns++;
	return s;
}

/* tcp_echo_client (request/response): count requests of size bytes, each
 * read back whole before the next; round trips summed in rtt_sum. */
static int
tcp_echo_client_main(struct app *a)
{
	static __thread char buf[APP_BUF];
	const struct app_config *c = app_config(a);
	struct app_stats *st = app_stats_mut(a);
	int s = connected_socket(a);
	if (s < 0)
		return 1;
	size_t size = MIN(c->size, sizeof buf);
	sim_time_t t0 = ns_now();
	for (uint64_t i = 0; !c->count || i < c->count; i++) {
		if (c->duration && ns_now() - t0 >= c->duration)
			break;
		sim_time_t start = ns_now();
		if (ns_write(s, buf, size) != (ssize_t)size) {
			app_count_error(a);
			break;
		}
		app_count_tx(a, (uint64_t)size);
		size_t got = 0;
		while (got < size) {
			ssize_t n = ns_read(s, buf, size - got);
			if (n <= 0)
				break;
			got += (size_t)n;
		}
		if (got < size)
			break;
		app_count_rx(a, (uint64_t)got);
		st->rtt_sum += ns_now() - start;
		if (c->interval)
			ns_sleep(c->interval);
	}
	/*
	 * The graceful close: shutdown(SHUT_WR) sends our FIN ("no more
	 * requests") while we can still read; the server sees EOF, closes, and
	 * our read returns 0.  Figure shutdown_eof = 1 when that happened.
	 */
	if (ns_shutdown(s, SHUT_WR) == 0) {
		while (ns_read(s, buf, sizeof buf) > 0)
			;
		app_figure_set(a, "shutdown_eof", 1);
	}
	ns_close(s);
	return 0;
}

/* The byte bulk_send writes at stream offset i: i mod 251 (a prime, so the
 * pattern never lines up with segment sizes).  A capture's reassembled
 * stream can be compared with it (tests/tcp_wireshark.sh). */
#define BULK_PATTERN 251

/* bulk_send: write bytes (or for duration) as fast as the window allows. */
static int
bulk_send_main(struct app *a)
{
	static __thread char pattern[APP_BUF + BULK_PATTERN];
	const struct app_config *c = app_config(a);
	struct app_stats *st = app_stats_mut(a);
	int s = connected_socket(a);
	if (s < 0)
		return 1;
	for (size_t i = 0; i < sizeof pattern; i++)
		pattern[i] = (char)(i % BULK_PATTERN);
	size_t chunk = c->size ? MIN(c->size, (size_t)APP_BUF) : APP_BUF;
	sim_time_t t0 = ns_now();
	for (;;) {
		if (c->bytes && st->tx_bytes >= c->bytes)
			break;
		if (c->duration && ns_now() - t0 >= c->duration)
			break;
		if (!c->bytes && !c->duration)
			break;
		size_t n = c->bytes ? MIN(chunk, c->bytes - st->tx_bytes) : chunk;
		ssize_t w = ns_write(s, pattern + st->tx_bytes % BULK_PATTERN, n);
		if (w <= 0) {
			app_count_error(a);
			break;
		}
		app_count_tx(a, (uint64_t)w);
	}
	ns_close(s);
	return 0;
}

/* stream_writer (the seed's point about streams): count writes of size
 * bytes each to dst:port, interval apart (0: back to back), then close. */
static int
stream_writer_main(struct app *a)
{
	static __thread char buf[APP_BUF];
	const struct app_config *c = app_config(a);
	int s = connected_socket(a);
	if (s < 0)
		return 1;
	size_t size = MIN(c->size, sizeof buf);
	for (uint64_t i = 0; i < MAX(c->count, 1); i++) {
		if (i && c->interval)
			ns_sleep(c->interval);
		ssize_t w = ns_write(s, buf, size);
		if (w < 0) {
			app_count_error(a);
			break;
		}
		app_count_tx(a, (uint64_t)w);
	}
	ns_close(s);
	return 0;
}

/* stream_reader: accept on port and read with reads of size bytes until
 * EOF; every read is one rx message, so rx_msgs counts the reads. */
static int
stream_reader_main(struct app *a)
{
	static __thread char buf[APP_BUF];
	const struct app_config *c = app_config(a);
	int l = listening_socket(a);
	if (l < 0)
		return 1;
	size_t size = c->size ? MIN(c->size, sizeof buf) : sizeof buf;
	for (;;) {
		int s = ns_accept(l, NULL, NULL);
		if (s < 0) {
			app_count_error(a);
			continue;
		}
		app_stats_mut(a)->conns++;
		ssize_t n;
		while ((n = ns_read(s, buf, size)) > 0)
			app_count_rx(a, (uint64_t)n);
		ns_close(s);
	}
}

const struct app_program app_programs[] = {
	{ "udp_sink",
	  "receive datagrams on port; COST_APP_PACKET each (port, rcvbuf, udp_gro: figure "
	  "segments)",
	  udp_sink_main, "port rcvbuf udp_gro" },
	{ "udp_flood",
	  "send size-byte datagrams to dst:port at rate/s (arrival, jitter, on_time, off_time, "
	  "count, duration, sndbuf, udp_segment)",
	  udp_flood_main,
	  "dst port rate arrival jitter on_time off_time size count duration sndbuf udp_segment" },
	{ "udp_nb_reader",
	  "O_NONBLOCK reader that retries recv on EAGAIN without sleeping; figure eagain (port, "
	  "rcvbuf)",
	  udp_nb_reader_main, "port rcvbuf" },
	{ "udp_poll_reader",
	  "O_NONBLOCK reader that sleeps in poll(), then drains until EAGAIN; figures polls, "
	  "eagain (port, rcvbuf)",
	  udp_poll_reader_main, "port rcvbuf" },
	{ "udp_echo", "send each datagram on port back to its sender (port)", udp_echo_main,
	  "port rcvbuf sndbuf" },
	{ "tcp_echo_server",
	  "accept on port, echo until EOF, then the next; concurrent = on: up to 64 at once with "
	  "poll (port, backlog, nodelay); path = /tmp/x or @name: the same over AF_UNIX",
	  tcp_echo_server_main, "port backlog nodelay rcvbuf sndbuf concurrent path" },
	{ "tcp_echo_client",
	  "request/response: count requests of size bytes to dst:port, each echoed, then "
	  "shutdown(SHUT_WR) and read to EOF (interval, duration, nodelay); path: over AF_UNIX",
	  tcp_echo_client_main,
	  "dst port size count interval duration nodelay rcvbuf sndbuf path" },
	{ "request_response", "the same as tcp_echo_client", tcp_echo_client_main,
	  "dst port size count interval duration nodelay rcvbuf sndbuf" },
	{ "bulk_send", "send bytes (or for duration) to dst:port (size per write, sndbuf, nodelay)",
	  bulk_send_main, "dst port bytes duration size nodelay rcvbuf sndbuf" },
	{ "bulk_sink", "accept on port and read until EOF, counting (port, rcvbuf)", bulk_sink_main,
	  "port backlog rcvbuf sndbuf concurrent" },
	{ "stream_writer",
	  "count writes of size bytes to dst:port, interval apart, then close (nodelay, sndbuf)",
	  stream_writer_main, "dst port size count interval nodelay rcvbuf sndbuf" },
	{ "stream_reader",
	  "accept on port, read size bytes per read (0: 64 KiB) until EOF; rx_msgs counts the "
	  "reads (rcvbuf)",
	  stream_reader_main, "port backlog size rcvbuf sndbuf" },
	{ "urgent_send",
	  "write count blocks of size bytes to dst:port, interval apart, and one byte with "
	  "send(MSG_OOB) after block count/2; figure urgent",
	  urgent_send_main, "dst port size count interval" },
	{ "urgent_recv",
	  "accept on port; select() for read and exception; recv(MSG_OOB) on an exception, "
	  "reads of size bytes, interval after each; figures oob_bytes, ahead_of_mark, marks",
	  urgent_recv_main, "port size interval" },
	{ "http_server",
	  "HTTP/1.1 on port, one connection at a time: GET / is a small page, GET /bytes/N is "
	  "N bytes of the chargen pattern, then a graceful close (backlog, rcvbuf, sndbuf)",
	  http_server_main, "port backlog rcvbuf sndbuf" },
	{ "discard", "RFC 863 over TCP: accept on port, read and count until EOF, then the next",
	  discard_main, "port backlog rcvbuf sndbuf" },
	{ "chargen",
	  "RFC 864 over TCP: accept on port, send the character pattern until the client closes "
	  "or bytes (0: no limit) are sent",
	  chargen_main, "port backlog bytes rcvbuf sndbuf" },
	{ "ping",
	  "ICMP echo requests to dst on a raw socket, count (0: no limit), one per interval (1s), "
	  "size data bytes (56)",
	  ping_main, "dst count interval size duration" },
	{ "traceroute",
	  "UDP probes to dst, TTL 1.. count hops (30), port (33434), wait interval (1s) per probe",
	  traceroute_main, "dst port count interval size" },
	{ "flood",
	  "udp_flood with a sequence number and send time in each datagram (dst, port, rate, "
	  "arrival, jitter, on_time, off_time, size >= 16, count, duration)",
	  flood_main, NULL },
	{ "sink",
	  "udp_sink that measures latency from flood's time stamps: figures lat_p50_us, "
	  "lat_p90_us, lat_p99_us (port, rcvbuf)",
	  sink_main, NULL },
	{ "screend",
	  "a user-level screening process (NFQUEUE): COST_SCREEN per packet, then passes it "
	  "on (queue: the queue number its host's NFQUEUE rules use; without it every "
	  "forwarded packet, queue 0)",
	  screend_main, NULL },
	{ NULL, NULL, NULL, NULL },
};

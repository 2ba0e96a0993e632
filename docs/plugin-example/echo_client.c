/*
 * echo_client.c - an example student program for netsim: a TCP client
 * that sends `count` messages of `size` bytes to `dst`:`port` and reads
 * each one back from an echo server, the way the seed text's client does.
 *
 * It is plain BSD-socket C: <netsim/socket.h> turns socket(), connect(),
 * write(), read() and close() into netsim's calls, which run in a
 * simulated process in virtual time.  Build: make (see the Makefile).
 * Use it from a scenario:
 *
 *     [app student]
 *     host = alice
 *     program = plugin:./echo_client.so
 *     dst = 10.0.0.2
 *     port = 7
 *     count = 5
 *     size = 100
 */
#include <netsim/socket.h>
#include <stdlib.h>
#include <string.h>

static long
arg_long(const char *key, long dflt)
{
	const char *v = ns_app_arg(key);
	return v ? strtol(v, NULL, 10) : dflt;
}

int
ns_main(void)
{
	const char *dst = ns_app_arg("dst");
	long port = arg_long("port", 7), count = arg_long("count", 1), size = arg_long("size", 64);
	char buf[4096];
	if (!dst || size <= 0 || size > (long)sizeof buf)
		return 2;

	int s = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	inet_pton(AF_INET, dst, &to.sin_addr);
	if (connect(s, (struct sockaddr *)&to, sizeof to) < 0)
		return 1; /* errno says why: ECONNREFUSED, ETIMEDOUT ... */

	memset(buf, 'x', (size_t)size);
	for (long i = 0; i < count; i++) {
		if (write(s, buf, (size_t)size) != size)
			break;
		ns_app_sent((size_t)size);
		/* One write may come back in several reads: read until it is all here. */
		long got = 0;
		while (got < size) {
			ssize_t n = read(s, buf + got, (size_t)(size - got));
			if (n <= 0)
				break;
			got += n;
		}
		if (got < size)
			break;
		ns_app_received((size_t)got);
	}
	close(s);
	return 0;
}

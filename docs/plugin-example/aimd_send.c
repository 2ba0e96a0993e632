/*
 * aimd_send.c - a bulk sender that chooses its congestion control by name:
 * it connects to `dst`:`port` with setsockopt(TCP_CONGESTION, `cc`)
 * (default "aimd", registered by aimd_cc.c, linked into this program) and
 * writes `bytes` bytes in writes of `size`, then closes.
 *
 *     [app send]
 *     host = alice
 *     program = plugin:./aimd_send.so
 *     dst = 10.0.0.2
 *     port = 9000
 *     bytes = 2000000
 */
#include <netinet/tcp.h> /* TCP_CONGESTION: the socket API uses Linux's values */
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
	const char *dst = ns_app_arg("dst"), *cc = ns_app_arg("cc");
	long port = arg_long("port", 9000), bytes = arg_long("bytes", 1000000);
	long size = arg_long("size", 65536);
	static char buf[65536];
	if (!dst || size <= 0 || size > (long)sizeof buf)
		return 2;
	if (!cc)
		cc = "aimd";

	int s = socket(AF_INET, SOCK_STREAM, 0);
	/* before connect(), so that the handshake's first ACK starts it */
	if (setsockopt(s, IPPROTO_TCP, TCP_CONGESTION, cc, (socklen_t)strlen(cc)) < 0)
		return 3; /* ENOENT: no algorithm of that name on this host */
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	inet_pton(AF_INET, dst, &to.sin_addr);
	if (connect(s, (struct sockaddr *)&to, sizeof to) < 0)
		return 1;
	memset(buf, 'a', sizeof buf);
	for (long left = bytes; left > 0;) {
		size_t n = (size_t)(left < size ? left : size);
		ssize_t w = write(s, buf, n);
		if (w <= 0)
			return 1;
		ns_app_sent((size_t)w);
		left -= w;
	}
	close(s);
	return 0;
}

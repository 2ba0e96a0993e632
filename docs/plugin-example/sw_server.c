/*
 * sw_server.c - receives `count` datagrams over SW (sw_proto.c) on `port`
 * with ordinary socket calls and checks that each arrives once and in
 * order: datagram i carries i in its first 4 bytes.  Exits 0 when all
 * came, 3 at the first one out of order or twice.  It keeps its socket
 * open for `linger` ms more (default 500) so that it still ACKs a
 * retransmission of the last datagram whose ACK was lost.
 */
#include <netsim/socket.h>
#include <stdlib.h>
#include <string.h>

#define IPPROTO_SW 253

static long
arg_long(const char *key, long dflt)
{
	const char *v = ns_app_arg(key);
	return v ? strtol(v, NULL, 10) : dflt;
}

int
ns_main(void)
{
	long port = arg_long("port", 5000), count = arg_long("count", 10);
	long linger = arg_long("linger", 500);
	char buf[2048];
	int s = socket(AF_INET, SOCK_RDM, IPPROTO_SW);
	if (s < 0)
		return 1;
	struct sockaddr_in me = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	if (bind(s, (struct sockaddr *)&me, sizeof me) < 0)
		return 1;
	for (long i = 0; i < count; i++) {
		struct sockaddr_in from;
		socklen_t fl = sizeof from;
		ssize_t n = recvfrom(s, buf, sizeof buf, 0, (struct sockaddr *)&from, &fl);
		if (n < 4)
			return 1;
		uint32_t seq;
		memcpy(&seq, buf, 4);
		if (ntohl(seq) != (uint32_t)i)
			return 3; /* out of order or a duplicate */
		ns_app_received((size_t)n);
	}
	ns_sleep(linger * 1000000LL);
	close(s);
	return 0;
}

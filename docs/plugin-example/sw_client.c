/*
 * sw_client.c - sends `count` datagrams of `size` bytes over SW (the
 * stop-and-wait protocol of sw_proto.c) to `dst`:`port`, with ordinary
 * socket calls.  Each datagram starts with its number (4 bytes, network
 * order), so the server can check order and duplicates.  sendto() returns
 * when the datagram is acknowledged; it fails with ETIMEDOUT when the
 * protocol gave up, ECONNABORTED when the protocol was disabled.
 *
 *     [app client]
 *     host = alice
 *     program = plugin:./sw_client.so
 *     dst = 10.0.0.2
 *     port = 5000
 *     count = 20
 *     size = 200
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
	const char *dst = ns_app_arg("dst");
	long port = arg_long("port", 5000), count = arg_long("count", 10);
	long size = arg_long("size", 100);
	char buf[2048];
	if (!dst || size < 4 || size > (long)sizeof buf)
		return 2;
	int s = socket(AF_INET, SOCK_RDM, IPPROTO_SW);
	if (s < 0)
		return 1; /* EPROTONOSUPPORT: the module is not loaded here */
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port) };
	inet_pton(AF_INET, dst, &to.sin_addr);
	memset(buf, 'x', (size_t)size);
	for (long i = 0; i < count; i++) {
		uint32_t n = htonl((uint32_t)i);
		memcpy(buf, &n, 4);
		if (sendto(s, buf, (size_t)size, 0, (struct sockaddr *)&to, sizeof to) != size) {
			close(s);
			return errno == ETIMEDOUT ? 4 : 5;
		}
		ns_app_sent((size_t)size);
	}
	close(s);
	return 0;
}

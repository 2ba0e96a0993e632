/*
 * tests/sin_test.h - an IPv4 socket address from text, for the tests'
 * socket calls.  Header-only; shared by socket_test.h and routed_test.h.
 */
#ifndef NETSIM_TESTS_SIN_TEST_H
#define NETSIM_TESTS_SIN_TEST_H

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>

static inline struct sockaddr_in
sin_of(const char *addr, uint16_t port)
{
	struct sockaddr_in s = { .sin_family = AF_INET, .sin_port = htons(port) };
	inet_pton(AF_INET, addr, &s.sin_addr);
	return s;
}

#endif

## scenarios/network.mk: the network layer's scenarios (issue 4: ping across
## two routers, traceroute through three, a fragmented UDP datagram),
## installed, run by the test suite against their [expect] lines, and their
## pcaps read by tshark with checksum validation.
networkdir = $(pkgdatadir)/scenarios/network
dist_network_DATA = \
	scenarios/network/ping-two-routers.ini \
	scenarios/network/traceroute-three-routers.ini \
	scenarios/network/udp-fragments.ini \
	scenarios/network/netfilter-queue-and-output-reject.ini

TESTS += tests/network_scenarios.sh tests/network_wireshark.sh
EXTRA_DIST += tests/network_scenarios.sh tests/network_wireshark.sh

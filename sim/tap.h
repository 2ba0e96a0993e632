/*
 * sim/tap.h - one end of a wire that is a Linux TAP device.
 *
 * Linux counterpart: drivers/net/tun.c seen from user space (ns-3's
 * TapBridge in its "ConfigureLocal" mode).  Frames the Linux kernel sends
 * out of the TAP device (tun_net_xmit queues them, we read(2) them) enter
 * the wire at the virtual time they were read; frames that arrive at this
 * end of the wire are written to the device (tun_get_user hands them to
 * netif_rx) when their virtual time comes.  The clock must be paced to the
 * wall clock (sim/realtime.h) for the two to make sense together.
 *
 * Setting up (tap_open):
 *  - in the network namespace @netns (a name made by `ip netns add`, found
 *    in /run/netns) or in netsim's own: a short-lived thread enters it with
 *    setns(CLONE_NEWNET) and does everything there, so the main thread never
 *    changes namespace; the descriptors it opens stay valid in the process;
 *  - open /dev/net/tun and TUNSETIFF with IFF_TAP | IFF_NO_PI.  A device of
 *    that name that exists (`ip tuntap add ... mode tap`) is attached to and
 *    left as it is: netsim configures only a device it creates;
 *  - a device it creates is never made persistent (TUNSETPERSIST), so the
 *    kernel removes it, with its addresses and routes, when the last
 *    descriptor closes: at exit, on SIGINT, and on a crash or SIGKILL too;
 *  - on a created device, with ioctls on a socket of that namespace: MAC
 *    (SIOCSIFHWADDR), MTU (SIOCSIFMTU, the link's), IPv6 off (its
 *    disable_ipv6 sysctl: the simulated hosts speak IPv4 only), address and
 *    mask (SIOCSIFADDR, SIOCSIFNETMASK), up (SIOCSIFFLAGS), routes
 *    (SIOCADDRT).  Plain ioctls need no `ip` program and report errno.
 *
 * Frames from Linux wait in a FIFO of @queue frames for the wire, as in a
 * NIC's TX ring.  When it is full we stop reading the device, as a driver
 * stops its queue (netif_stop_queue), until the wire has taken a frame:
 * the frames wait in Linux (the TAP's ring, its qdisc), where Linux's own
 * mechanisms (TCP small queues, the qdisc) hold the sender back, instead
 * of being dropped here.  Short frames are padded to 60 bytes as an Ethernet NIC
 * does.  Frames from Linux carry skb id WIRE_SKB_EXTERNAL so the receiving
 * NIC marks them external in the trace.
 */
#ifndef NETSIM_SIM_TAP_H
#define NETSIM_SIM_TAP_H

#include <glib.h>
#include <stdbool.h>
#include <stdint.h>
#include "sim/conf.h"
#include "sim/realtime.h"
#include "sim/sim.h"
#include "sim/wire.h"

#define TAP_MAX_ROUTES 8

struct tap_route {
	uint32_t dst; /* host byte order */
	int prefix;
	uint32_t gw; /* host byte order */
};

struct tap_config {
	const char *dev;   /* Linux device name, < IFNAMSIZ */
	const char *netns; /* NULL: netsim's own namespace */
	bool has_address;
	uint32_t address; /* Linux side, host byte order */
	int prefix;
	bool has_mac;
	uint8_t mac[6];
	uint32_t mtu;	/* the link's; 0: leave Linux's default */
	uint32_t queue; /* frames from Linux waiting for the wire; default 128 */
	int nroutes;
	struct tap_route routes[TAP_MAX_ROUTES];
};

void tap_config_init(struct tap_config *c);
/* The numeric keys, as tap.KEY of [link L]: queue. */
extern const struct conf_key tap_conf_keys[];

/* Why tap_open failed: the caller turns these into exit 2. */
enum tap_error {
	TAP_ERROR_NO_TUN,     /* /dev/net/tun missing: the tun module */
	TAP_ERROR_PERMISSION, /* CAP_NET_ADMIN (or CAP_SYS_ADMIN for setns) */
	TAP_ERROR_NETNS,      /* no such namespace */
	TAP_ERROR_DEVICE,     /* the device is busy, not a TAP, or exists and keys want changes */
	TAP_ERROR_SYSTEM,     /* anything else, with errno's text */
};
#define TAP_ERROR (tap_error_quark())
GQuark tap_error_quark(void);

struct tap_stats {
	uint64_t frames_in, bytes_in;	/* read from Linux */
	uint64_t frames_wire;		/* ... and put on the wire */
	uint64_t pauses;		/* times the FIFO was full and reading stopped */
	uint64_t too_big;		/* ... dropped: larger than WIRE_MAX_FRAME */
	uint64_t queued;		/* ... still waiting for the wire */
	uint64_t queue_max;		/* the FIFO's high-water mark */
	uint64_t frames_out, bytes_out; /* written to Linux */
	uint64_t write_errors;		/* ... refused by the kernel (device down: EIO) */
	uint64_t read_errors;		/* the device went away under us */
};

struct tap;

struct tap *tap_open(struct sim *sim, const struct tap_config *cfg, GError **error);
/* Join end @side of @w; @rt watches the device. */
void tap_attach(struct tap *t, struct wire *w, int side, struct realtime *rt);
/* Detach from the wire and close the device (which removes it if we made it). */
void tap_close(struct tap *t);
bool tap_created(const struct tap *t);
const char *tap_dev(const struct tap *t);
void tap_stats(const struct tap *t, struct tap_stats *out);

#endif

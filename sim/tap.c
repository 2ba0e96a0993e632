/*
 * sim/tap.c - a wire end that is a Linux TAP device (sim/tap.h).
 */
#include "sim/tap.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/if_tun.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <net/route.h>
#include <sched.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <unistd.h>

G_DEFINE_QUARK(netsim - tap - error - quark, tap_error)

#define TAP_ETH_ZLEN 60	   /* frames are padded to this, as a NIC does */
#define TAP_READ_BATCH 256 /* frames read per wakeup at most */

struct tap_pending {
	sim_time_t at;
	struct wire_frame *f;
};

struct tap {
	struct sim *sim;
	struct tap_config cfg;
	char *dev, *netns;
	int fd;
	bool created;
	struct wire *wire;
	int side;
	struct realtime *rt;
	int watch; /* realtime handle */
	bool paused;
	struct tap_pending *q; /* ring of cfg.queue */
	uint32_t qhead, qn;
	sim_event_id kick_ev;
	struct tap_stats stats;
};

const struct conf_key tap_conf_keys[] = {
	{ "queue", CONF_UINT32, offsetof(struct tap_config, queue), 1, 100000, 0, 0, NULL,
	  "frames from Linux waiting for the wire; when full, reading stops (default 128)" },
	{ NULL },
};

void
tap_config_init(struct tap_config *c)
{
	*c = (struct tap_config){ .queue = 128 };
}

/* ---- setting up, on a thread inside the namespace ---------------------------------- */

struct tap_setup {
	const struct tap_config *cfg;
	int fd;
	bool created;
	GError *error;
};

static bool setup_fail(struct tap_setup *s, enum tap_error code, const char *fmt, ...)
	G_GNUC_PRINTF(3, 4);

static bool
setup_fail(struct tap_setup *s, enum tap_error code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	g_autofree char *msg = g_strdup_vprintf(fmt, ap);
	va_end(ap);
	g_set_error_literal(&s->error, TAP_ERROR, code, msg);
	return false;
}

static enum tap_error
errno_code(int e)
{
	return e == EPERM || e == EACCES ? TAP_ERROR_PERMISSION : TAP_ERROR_SYSTEM;
}

static bool
enter_netns(struct tap_setup *s)
{
	const char *ns = s->cfg->netns;
	if (!ns)
		return true;
	g_autofree char *path = g_build_filename("/run/netns", ns, NULL);
	int nsfd = open(path, O_RDONLY | O_CLOEXEC);
	if (nsfd < 0)
		return setup_fail(s, errno == ENOENT ? TAP_ERROR_NETNS : errno_code(errno),
				  "network namespace %s: %s (create it with 'ip netns add %s')", ns,
				  g_strerror(errno), ns);
	int r = setns(nsfd, CLONE_NEWNET);
	int e = errno;
	close(nsfd);
	if (r < 0)
		return setup_fail(s, errno_code(e),
				  "entering network namespace %s: %s (needs CAP_SYS_ADMIN)", ns,
				  g_strerror(e));
	return true;
}

static void
sin_put(struct sockaddr *sa, uint32_t host_order)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	sin.sin_addr.s_addr = htonl(host_order);
	memcpy(sa, &sin, sizeof sin);
}

static uint32_t
prefix_mask(int prefix)
{
	return prefix <= 0 ? 0 : 0xffffffffu << (32 - prefix);
}

/* Configure the device we created, with ioctls on a socket of this namespace. */
static bool
configure(struct tap_setup *s)
{
	const struct tap_config *c = s->cfg;
	int sk = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (sk < 0)
		return setup_fail(s, TAP_ERROR_SYSTEM, "socket: %s", g_strerror(errno));
	struct ifreq ifr;
	const char *what = NULL;
	memset(&ifr, 0, sizeof ifr);
	g_strlcpy(ifr.ifr_name, c->dev, IFNAMSIZ);
	if (c->has_mac) {
		ifr.ifr_hwaddr.sa_family = ARPHRD_ETHER;
		memcpy(ifr.ifr_hwaddr.sa_data, c->mac, 6);
		if (ioctl(sk, SIOCSIFHWADDR, &ifr) < 0)
			what = "setting its MAC address (SIOCSIFHWADDR)";
	}
	if (!what && c->mtu) {
		ifr.ifr_mtu = (int)c->mtu;
		if (ioctl(sk, SIOCSIFMTU, &ifr) < 0)
			what = "setting its MTU (SIOCSIFMTU)";
	}
	if (!what) {
		/* IPv6 off before the device is up: no router or neighbour
		 * solicitations, no MLD reports.  A kernel without IPv6 has no file. */
		g_autofree char *p =
			g_strdup_printf("/proc/sys/net/ipv6/conf/%s/disable_ipv6", c->dev);
		FILE *f = fopen(p, "w");
		if (f) {
			fputs("1\n", f);
			fclose(f);
		}
	}
	if (!what && c->has_address) {
		sin_put(&ifr.ifr_addr, c->address);
		if (ioctl(sk, SIOCSIFADDR, &ifr) < 0)
			what = "setting its address (SIOCSIFADDR)";
		sin_put(&ifr.ifr_netmask, prefix_mask(c->prefix));
		if (!what && ioctl(sk, SIOCSIFNETMASK, &ifr) < 0)
			what = "setting its netmask (SIOCSIFNETMASK)";
	}
	if (!what) {
		if (ioctl(sk, SIOCGIFFLAGS, &ifr) < 0)
			what = "reading its flags (SIOCGIFFLAGS)";
		ifr.ifr_flags |= IFF_UP;
		if (!what && ioctl(sk, SIOCSIFFLAGS, &ifr) < 0)
			what = "bringing it up (SIOCSIFFLAGS)";
	}
	for (int i = 0; !what && i < c->nroutes; i++) {
		struct rtentry rt;
		memset(&rt, 0, sizeof rt);
		sin_put(&rt.rt_dst, c->routes[i].dst);
		sin_put(&rt.rt_genmask, prefix_mask(c->routes[i].prefix));
		sin_put(&rt.rt_gateway, c->routes[i].gw);
		rt.rt_flags = RTF_UP | RTF_GATEWAY;
		rt.rt_dev = ifr.ifr_name;
		if (ioctl(sk, SIOCADDRT, &rt) < 0)
			what = "adding a route (SIOCADDRT)";
	}
	int e = errno;
	close(sk);
	if (what)
		return setup_fail(s, errno_code(e), "TAP device %s: %s: %s", c->dev, what,
				  g_strerror(e));
	return true;
}

static gpointer
setup_thread(gpointer arg)
{
	struct tap_setup *s = arg;
	const struct tap_config *c = s->cfg;
	s->fd = -1;
	if (!enter_netns(s))
		return NULL;
	bool exists = if_nametoindex(c->dev) != 0;
	if (exists && (c->has_address || c->has_mac || c->nroutes))
		return setup_fail(
			       s, TAP_ERROR_DEVICE,
			       "TAP device %s exists already: netsim configures only a device it "
			       "creates (drop the tap.address, tap.mac and tap.route keys, or "
			       "delete the device)",
			       c->dev),
		       NULL;
	int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		if (e == ENOENT || e == ENODEV || e == ENXIO)
			return setup_fail(s, TAP_ERROR_NO_TUN,
					  "cannot open /dev/net/tun: %s (load the tun module: "
					  "modprobe tun)",
					  g_strerror(e)),
			       NULL;
		return setup_fail(s, errno_code(e),
				  "cannot open /dev/net/tun: %s (needs CAP_NET_ADMIN: run as "
				  "root)",
				  g_strerror(e)),
		       NULL;
	}
	struct ifreq ifr;
	memset(&ifr, 0, sizeof ifr);
	ifr.ifr_flags = IFF_TAP | IFF_NO_PI;
	g_strlcpy(ifr.ifr_name, c->dev, IFNAMSIZ);
	if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
		int e = errno;
		close(fd);
		if (e == EPERM || e == EACCES)
			return setup_fail(s, TAP_ERROR_PERMISSION,
					  "%s TAP device %s: %s (needs CAP_NET_ADMIN)",
					  exists ? "attaching to" : "creating", c->dev,
					  g_strerror(e)),
			       NULL;
		return setup_fail(s,
				  e == EBUSY || e == EINVAL ? TAP_ERROR_DEVICE : TAP_ERROR_SYSTEM,
				  "TAP device %s: %s%s", c->dev, g_strerror(e),
				  e == EBUSY		? " (another program has it open)"
					  : e == EINVAL ? " (it exists and is not a TAP device)"
							: ""),
		       NULL;
	}
	s->fd = fd;
	s->created = !exists;
	if (s->created && !configure(s)) {
		close(fd); /* not persistent: the kernel removes it */
		s->fd = -1;
	}
	return NULL;
}

struct tap *
tap_open(struct sim *sim, const struct tap_config *cfg, GError **error)
{
	g_assert(cfg->dev && cfg->queue > 0);
	struct tap_setup s = { .cfg = cfg, .fd = -1 };
	/* A thread of its own, so only it ever changes network namespace. */
	GThread *th = g_thread_new("netsim-tap-setup", setup_thread, &s);
	g_thread_join(th);
	if (s.fd < 0) {
		g_propagate_error(error, s.error);
		return NULL;
	}
	struct tap *t = g_new0(struct tap, 1);
	t->sim = sim;
	t->cfg = *cfg;
	t->dev = g_strdup(cfg->dev);
	t->netns = g_strdup(cfg->netns);
	t->cfg.dev = t->dev;
	t->cfg.netns = t->netns;
	t->fd = s.fd;
	t->created = s.created;
	t->q = g_new0(struct tap_pending, cfg->queue);
	return t;
}

/* ---- frames ------------------------------------------------------------------------ */

static void tap_kick(struct tap *t);

static void
tap_kick_ev(struct sim *sim, void *a, void *b)
{
	struct tap *t = a;
	t->kick_ev = 0;
	tap_kick(t);
}

/* Put the oldest frame whose time has come on the wire, if it is free. */
static void
tap_kick(struct tap *t)
{
	if (!t->wire || t->qn == 0 || wire_busy(t->wire, t->side))
		return;
	struct tap_pending *p = &t->q[t->qhead];
	if (p->at > sim_now(t->sim)) {
		if (!t->kick_ev)
			t->kick_ev = sim_schedule_at(t->sim, p->at, tap_kick_ev, t, NULL);
		return;
	}
	struct wire_frame *f = p->f;
	t->qhead = (t->qhead + 1) % t->cfg.queue;
	t->qn--;
	t->stats.frames_wire++;
	if (t->paused) { /* room again: look at the device again */
		t->paused = false;
		realtime_pause(t->rt, t->watch, false);
	}
	wire_send(t->wire, t->side, f);
}

static void
tap_wire_tx_done(void *ctx)
{
	tap_kick(ctx);
}

/* A frame reached our end of the wire: it goes to Linux now. */
static void
tap_wire_rx(void *ctx, struct wire_frame *f)
{
	struct tap *t = ctx;
	ssize_t r;
	do
		r = write(t->fd, f->data, f->len);
	while (r < 0 && errno == EINTR);
	if (r == (ssize_t)f->len) {
		t->stats.frames_out++;
		t->stats.bytes_out += f->len;
	} else {
		t->stats.write_errors++;
	}
	wire_frame_free(t->wire, f);
}

/* Linux has frames for us: read them all; they arrive at @when. */
static bool
tap_readable(void *ctx, sim_time_t when)
{
	static uint8_t buf[65536];
	struct tap *t = ctx;
	for (int i = 0; i < TAP_READ_BATCH; i++) {
		if (t->qn == t->cfg.queue) { /* full: leave the rest in Linux */
			t->paused = true;
			t->stats.pauses++;
			realtime_pause(t->rt, t->watch, true);
			break;
		}
		ssize_t r = read(t->fd, buf, sizeof buf);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0 && errno == EAGAIN)
			break;
		if (r <= 0) {
			/* EBADFD and the like: the device was deleted from outside. */
			t->stats.read_errors++;
			g_printerr("netsim: TAP device %s: %s; no more frames from Linux\n", t->dev,
				   r < 0 ? g_strerror(errno) : "end of file");
			return false;
		}
		t->stats.frames_in++;
		t->stats.bytes_in += (uint64_t)r;
		if (r > WIRE_MAX_FRAME) {
			t->stats.too_big++;
			continue;
		}
		uint32_t len = (uint32_t)r < TAP_ETH_ZLEN ? TAP_ETH_ZLEN : (uint32_t)r;
		struct wire_frame *f = wire_frame_alloc(t->wire, len);
		memcpy(f->data, buf, (size_t)r);
		memset(f->data + r, 0, len - (uint32_t)r);
		f->skb_id = WIRE_SKB_EXTERNAL;
		t->q[(t->qhead + t->qn) % t->cfg.queue] =
			(struct tap_pending){ .at = when, .f = f };
		t->qn++;
		if (t->qn > t->stats.queue_max)
			t->stats.queue_max = t->qn;
	}
	tap_kick(t);
	return true;
}

void
tap_attach(struct tap *t, struct wire *w, int side, struct realtime *rt)
{
	t->wire = w;
	t->side = side;
	t->rt = rt;
	wire_attach(w, side, tap_wire_rx, tap_wire_tx_done, t);
	t->watch = realtime_watch(rt, t->fd, tap_readable, t);
}

void
tap_close(struct tap *t)
{
	if (!t)
		return;
	sim_cancel(t->sim, t->kick_ev);
	for (; t->qn; t->qn--) {
		wire_frame_free(t->wire, t->q[t->qhead].f);
		t->qhead = (t->qhead + 1) % t->cfg.queue;
	}
	if (t->wire)
		wire_detach(t->wire, t->side);
	close(t->fd);
	g_free(t->q);
	g_free(t->dev);
	g_free(t->netns);
	g_free(t);
}

bool
tap_created(const struct tap *t)
{
	return t->created;
}

const char *
tap_dev(const struct tap *t)
{
	return t->dev;
}

void
tap_stats(const struct tap *t, struct tap_stats *out)
{
	*out = t->stats;
	out->queued = t->qn;
}

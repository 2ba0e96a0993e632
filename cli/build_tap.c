/*
 * cli/build_tap.c - links whose second end is a Linux TAP device, and the
 * real-time clock they need (sim/tap.h, sim/realtime.h).
 *
 *   [link L]   tap = netsim0                    the Linux device (created if absent)
 *              tap.netns = lab                  inside `ip netns add lab` (default: ours)
 *              tap.address = 10.77.0.1/24       Linux's address on it
 *              tap.mac = 02:00:00:00:77:01      Linux's MAC (default: the kernel's random one)
 *              tap.route = 10.78.0.0/16 via 10.77.0.2, ...   Linux's routes through it
 *              tap.queue = 128                  frames from Linux waiting for the wire
 *
 * Exactly one host interface joins such a link (IF.link = L); Linux is the
 * other end.  The keys are read when the world is built, so `netsim check`
 * reports mistakes without touching the machine; the device is opened when
 * the run starts (world_run), and closed, which removes it if we made it,
 * when the world is freed.
 */
#include <string.h>
#include "cli/world_int.h"
#include "sim/tap.h"
#include "stack/eth.h"
#include "stack/inet.h"

static const char *const tap_keys[] = { "tap.netns", "tap.address", "tap.mac",
					"tap.route", "tap.queue",   NULL };

static bool
parse_routes(struct world *w, struct world_link *l, const char *text, struct tap_config *c,
	     GError **error)
{
	g_auto(GStrv) parts = g_strsplit(text, ",", -1);
	for (int i = 0; parts[i]; i++) {
		g_auto(GStrv) words = g_strsplit_set(g_strstrip(parts[i]), " \t", -1);
		int n = 0;
		char *word[4] = { NULL };
		for (int k = 0; words[k]; k++)
			if (*words[k] && n < 4)
				word[n++] = words[k];
		uint32_t gw;
		uint8_t plen;
		g_autoptr(GError) sub = NULL;
		if (n != 3 || strcmp(word[1], "via") != 0 || !inet_addr_parse(word[2], &gw))
			return scenario_fail(w->sc, error, l->group, "tap.route",
					     "'%s' is not 'NET/PREFIX via GATEWAY'", parts[i]);
		if (c->nroutes == TAP_MAX_ROUTES)
			return scenario_fail(w->sc, error, l->group, "tap.route",
					     "at most %d routes", TAP_MAX_ROUTES);
		struct tap_route *r = &c->routes[c->nroutes++];
		if (!ip_parse_prefix(word[0], &r->dst, &plen, &sub))
			return scenario_fail(w->sc, error, l->group, "tap.route", "%s",
					     sub->message);
		r->prefix = plen;
		r->gw = gw;
	}
	return true;
}

/* The TAP keys of [link L], if it has tap = DEV; the device opens at run time. */
bool
build_tap_config(struct world *w, struct world_link *l, GError **error)
{
	const char *dev = scenario_get(w->sc, l->group, "tap");
	if (!dev) {
		for (int i = 0; tap_keys[i]; i++)
			if (scenario_get(w->sc, l->group, tap_keys[i]))
				return scenario_fail(w->sc, error, l->group, tap_keys[i],
						     "only a link with tap = DEVICE has this key");
		return true;
	}
	if (!*dev || strlen(dev) >= 16 || strchr(dev, '/') || strchr(dev, ' '))
		return scenario_fail(w->sc, error, l->group, "tap",
				     "'%s' is not a Linux interface name (1 to 15 characters, no "
				     "'/' or space)",
				     dev);
	struct tap_config *c = g_new0(struct tap_config, 1);
	l->tap_cfg = c;
	tap_config_init(c);
	c->dev = dev;
	c->mtu = l->cfg.mtu;
	c->netns = scenario_get(w->sc, l->group, "tap.netns");
	if (c->netns && (!*c->netns || strchr(c->netns, '/') || c->netns[0] == '.'))
		return scenario_fail(w->sc, error, l->group, "tap.netns",
				     "'%s' is not a name made by 'ip netns add'", c->netns);
	const char *v = scenario_get(w->sc, l->group, "tap.address");
	if (v) {
		g_autoptr(GError) sub = NULL;
		uint8_t plen;
		if (!strchr(v, '/') || !ip_parse_prefix(v, &c->address, &plen, &sub))
			return scenario_fail(w->sc, error, l->group, "tap.address",
					     "'%s' is not an address like 10.77.0.1/24%s%s", v,
					     sub ? ": " : "", sub ? sub->message : "");
		c->prefix = plen;
		c->has_address = true;
	}
	v = scenario_get(w->sc, l->group, "tap.mac");
	if (v) {
		if (!eth_addr_parse(v, c->mac) || is_multicast_ether_addr(c->mac) ||
		    is_zero_ether_addr(c->mac))
			return scenario_fail(
				w->sc, error, l->group, "tap.mac",
				"'%s' is not a unicast MAC address like 02:00:00:00:77:01", v);
		c->has_mac = true;
	}
	v = scenario_get(w->sc, l->group, "tap.route");
	if (v && !parse_routes(w, l, v, c, error))
		return false;
	if (!scenario_apply_conf(w->sc, l->group, "tap", tap_conf_keys, c, error))
		return false;
	w->realtime_wanted = true;
	return true;
}

/* Open every TAP device and start pacing the clock; at the start of the run. */
bool
tap_start(struct world *w, GError **error)
{
	if (!w->realtime_wanted || w->rt)
		return true;
	w->rt = realtime_new(w->sim);
	for (guint i = 0; i < w->link_order->len; i++) {
		struct world_link *l = w->link_order->pdata[i];
		if (!l->tap_cfg)
			continue;
		l->tap = tap_open(w->sim, l->tap_cfg, error);
		if (!l->tap) {
			g_prefix_error(error, "[link %s] tap = %s: ", l->name, l->tap_cfg->dev);
			return false;
		}
		tap_attach(l->tap, l->wire, 1, w->rt);
	}
	return true;
}

/* Close the devices (the kernel removes those we made) and stop pacing. */
void
tap_stop(struct world *w)
{
	for (guint i = 0; i < w->link_order->len; i++) {
		struct world_link *l = w->link_order->pdata[i];
		tap_close(l->tap);
		l->tap = NULL;
		g_clear_pointer(&l->tap_cfg, g_free);
	}
	g_clear_pointer(&w->rt, realtime_free);
}

void
tap_metrics(struct world *w, GHashTable *m)
{
	if (!w->rt)
		return;
	struct realtime_stats rs;
	realtime_stats(w->rt, &rs);
	metric_put(m, (double)rs.steps, "realtime.steps");
	metric_put(m, (double)rs.late_steps, "realtime.late_steps");
	metric_put(m, (double)rs.episodes, "realtime.behind_episodes");
	metric_put(m, (double)rs.lag_max, "realtime.lag_max_ns");
	metric_put(m, (double)rs.idle, "realtime.idle_ns");
	metric_put(m, (double)rs.wakeups, "realtime.wakeups");
	for (guint i = 0; i < w->link_order->len; i++) {
		struct world_link *l = w->link_order->pdata[i];
		if (!l->tap || !world_metrics_wants2(w, "tap", l->name))
			continue;
		struct tap_stats ts;
		tap_stats(l->tap, &ts);
		const char *n = l->name;
		metric_put(m, (double)ts.frames_in, "tap.%s.frames_from_linux", n);
		metric_put(m, (double)ts.frames_wire, "tap.%s.frames_to_wire", n);
		metric_put(m, (double)ts.pauses, "tap.%s.pauses", n);
		metric_put(m, (double)ts.too_big, "tap.%s.too_big", n);
		metric_put(m, (double)ts.queued, "tap.%s.queued", n);
		metric_put(m, (double)ts.queue_max, "tap.%s.queue_max", n);
		metric_put(m, (double)ts.frames_out, "tap.%s.frames_to_linux", n);
		metric_put(m, (double)ts.write_errors, "tap.%s.write_errors", n);
	}
}

/* The summary's lines: the frames each way and how well the clock kept up. */
void
tap_summary(struct world *w, GString *out)
{
	if (!w->rt)
		return;
	struct realtime_stats rs;
	realtime_stats(w->rt, &rs);
	g_string_append_printf(out,
			       "\n  real time: %" G_GUINT64_FORMAT " of %" G_GUINT64_FORMAT
			       " clock steps more than 1ms late, in %" G_GUINT64_FORMAT
			       " episodes; largest lag %.3f ms\n",
			       rs.late_steps, rs.steps, rs.episodes, (double)rs.lag_max / 1e6);
	for (guint i = 0; i < w->link_order->len; i++) {
		struct world_link *l = w->link_order->pdata[i];
		if (!l->tap)
			continue;
		struct tap_stats ts;
		tap_stats(l->tap, &ts);
		g_string_append_printf(
			out,
			"  tap %s (%s%s): from Linux %" G_GUINT64_FORMAT
			" frames = %" G_GUINT64_FORMAT " onto the wire + %" G_GUINT64_FORMAT
			" too big + %" G_GUINT64_FORMAT
			" waiting (reading paused %" G_GUINT64_FORMAT
			" times); to Linux %" G_GUINT64_FORMAT " written, %" G_GUINT64_FORMAT
			" refused\n",
			tap_dev(l->tap), tap_created(l->tap) ? "created" : "attached",
			l->tap_cfg && l->tap_cfg->netns ? ", in a namespace" : "", ts.frames_in,
			ts.frames_wire, ts.too_big, ts.queued, ts.pauses, ts.frames_out,
			ts.write_errors);
	}
}

/* The progress line's note: how far behind the wall clock the run is. */
void
tap_progress(struct world *w, char *buf, size_t size)
{
	buf[0] = '\0';
	if (!w->rt)
		return;
	struct realtime_stats rs;
	realtime_stats(w->rt, &rs);
	if (rs.lag > REALTIME_LATE_NS)
		g_snprintf(buf, size,
			   ", real time: BEHIND by %.1f ms (%" G_GUINT64_FORMAT " episodes)",
			   (double)rs.lag / 1e6, rs.episodes);
	else
		g_snprintf(buf, size,
			   ", real time: on time (%" G_GUINT64_FORMAT " episodes behind)",
			   rs.episodes);
}

/*
 * cli/scenario_mem.c - will the world a scenario describes fit in memory?
 *
 * GLib aborts the program when an allocation fails (g_malloc), so a world
 * too large for the machine ended in "GLib: failed to allocate" and exit
 * 134 while it was being built.  Instead, the memory it needs is estimated
 * from the scenario before anything is built, and a scenario that would
 * not fit is an ordinary error (exit 2).
 *
 * The estimate (measured with /usr/bin/time on `netsim check` of generated
 * scenarios, netsim 0.1.0, December 2026): the program itself, about 32 KiB
 * per host, and per network interface its RX ring of rx_ring posted
 * descriptors (MEM_RX_DESCRIPTOR below).  What the process may
 * use is the smallest of MemAvailable (/proc/meminfo) and the room left
 * under ulimit -v and ulimit -d.  The run itself needs more (queues,
 * sockets, the trace's cache): the estimate is a floor, refusing only what
 * certainly cannot be built.
 */
#include "cli/scenario.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include "stack/skbuff.h"

#define MEM_PROGRAM (16u << 20) /* the program, its libraries and tables */
#define MEM_PER_HOST (32u << 10)
/*
 * What one posted RX descriptor holds once the world is built: its folded
 * skb, a struct skb_desc of 24 bytes (stack/nic.c rx_refill_one,
 * skb_desc_post).  Its sk_buff head and data buffer are taken from the pool
 * only when a frame is DMAed into it, so an idle ring costs 6 KiB.
 */
#define MEM_RX_DESCRIPTOR(mtu) ((void)(mtu), (guint64)sizeof(struct skb_desc))
#define MEM_DEFAULT_RX_RING 256u /* nic_config_init */
#define MEM_DEFAULT_MTU 1500u

/* A whole number from a key, without marking the key used; @dflt if absent or not one. */
static guint64
peek_uint(struct scenario *sc, const char *group, const char *key, guint64 dflt)
{
	g_autofree char *v = scenario_peek(sc, group, key);
	guint64 n;
	if (!v || !g_ascii_string_to_unsigned(g_strstrip(v), 10, 0, G_MAXUINT32, &n, NULL))
		return dflt;
	return n;
}

/* Bytes @sc's world needs at least; *@hosts and *@ifaces are counted. */
static guint64
estimate(struct scenario *sc, guint *hosts, guint *ifaces)
{
	g_autoptr(GPtrArray) groups = scenario_groups_with_prefix(sc, "host");
	guint64 bytes = MEM_PROGRAM;

	*hosts = groups->len;
	*ifaces = 0;
	for (guint i = 0; i < groups->len; i++) {
		const char *g = groups->pdata[i];
		const GPtrArray *prefixes = scenario_key_prefixes(sc, g);
		bytes += MEM_PER_HOST;
		for (guint k = 0; k < prefixes->len; k++) {
			const char *ifname = prefixes->pdata[k];
			if (!*ifname || strcmp(ifname, "cpu") == 0)
				continue;
			g_autofree char *ring_key = g_strconcat(ifname, ".rx_ring", NULL);
			g_autofree char *mtu_key = g_strconcat(ifname, ".mtu", NULL);
			guint64 ring = peek_uint(sc, g, ring_key, MEM_DEFAULT_RX_RING);
			guint64 mtu = peek_uint(sc, g, mtu_key, MEM_DEFAULT_MTU);
			bytes += ring * MEM_RX_DESCRIPTOR(mtu);
			(*ifaces)++;
		}
	}
	return bytes;
}

/* A "Key: N kB" line of a /proc file, in bytes; false if absent. */
static bool
proc_kb(const char *file, const char *key, guint64 *out)
{
	g_autofree char *text = NULL;
	if (!g_file_get_contents(file, &text, NULL, NULL))
		return false;
	g_autofree char *needle = g_strconcat("\n", key, ":", NULL);
	const char *at = strstr(text, needle);
	if (!at)
		return false;
	*out = g_ascii_strtoull(at + strlen(needle), NULL, 10) * 1024;
	return true;
}

/* What this process may still allocate, and what limits it (for the message). */
static guint64
room(const char **why)
{
	guint64 best = G_MAXUINT64, v, used = 0;
	struct rlimit rl;

	*why = "no limit";
	if (proc_kb("/proc/meminfo", "MemAvailable", &v)) {
		best = v;
		*why = "the memory available";
	}
	proc_kb("/proc/self/status", "VmSize", &used);
	if (getrlimit(RLIMIT_AS, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		v = rl.rlim_cur > used ? rl.rlim_cur - used : 0;
		if (v < best) {
			best = v;
			*why = "the room left under ulimit -v";
		}
	}
	proc_kb("/proc/self/status", "VmData", &used);
	if (getrlimit(RLIMIT_DATA, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY) {
		v = rl.rlim_cur > used ? rl.rlim_cur - used : 0;
		if (v < best) {
			best = v;
			*why = "the room left under ulimit -d";
		}
	}
	return best;
}

bool
scenario_check_memory(struct scenario *sc, GError **error)
{
	guint hosts, ifaces;
	const char *why;
	guint64 need = estimate(sc, &hosts, &ifaces), have = room(&why);

	if (need <= have)
		return true;
	g_set_error(
		error, SCENARIO_ERROR, SCENARIO_ERROR_MEMORY,
		"%s: the scenario needs about %" G_GUINT64_FORMAT " MB for %u hosts (%u "
		"interfaces: RX rings of rx_ring buffers each), more than %s (%" G_GUINT64_FORMAT
		" MB); lower the hosts, rx_ring or mtu",
		scenario_path(sc), (need + 999999) / 1000000, hosts, ifaces, why, have / 1000000);
	return false;
}

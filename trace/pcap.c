/*
 * trace/pcap.c - one pcap capture file per network interface.
 *
 * `netsim run FILE --pcap DIR` opens DIR/HOST-IFNAME.pcap for every NIC and
 * the NIC writes each frame it puts on or takes off the wire, with its real
 * bytes, so that Wireshark or tshark can dissect and checksum-check it.
 * Written with libpcap (link type DLT_EN10MB, nanosecond timestamps): the
 * timestamp is the run's virtual time, so the capture starts at the epoch
 * (1970-01-01 00:00:00) and Wireshark's relative times read as run times.
 *
 * Position: stack/nic -> trace/pcap.  Linux counterpart: the AF_PACKET tap
 * that tcpdump reads (dev_queue_xmit_nit).
 */
#include "config.h"

#include <errno.h>
#include <pcap/pcap.h>
#include <stdio.h>

#include "trace/trace.h"

#define TRACE_PCAP_SNAPLEN 65535

struct trace_pcap {
	pcap_t *pcap; /* a "dead" handle: only for writing */
	pcap_dumper_t *dumper;
	char *path;
};

/* HOST-IFNAME.pcap, with any '/' in a name made harmless. */
static char *
trace_pcap_file_name(const char *host, const char *ifname)
{
	char *name = g_strdup_printf("%s-%s.pcap", host, ifname);

	g_strdelimit(name, "/", '_');
	return name;
}

struct trace_pcap *
trace_pcap_open(const char *dir, const char *host, const char *ifname, GError **error)
{
	g_autofree char *file = trace_pcap_file_name(host, ifname);
	struct trace_pcap *p;

	if (g_mkdir_with_parents(dir, 0777) != 0) {
		int err = errno;
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO,
			    "cannot create pcap directory %s: %s", dir, g_strerror(err));
		return NULL;
	}
	p = g_new0(struct trace_pcap, 1);
	p->path = g_build_filename(dir, file, NULL);
	p->pcap = pcap_open_dead_with_tstamp_precision(DLT_EN10MB, TRACE_PCAP_SNAPLEN,
						       PCAP_TSTAMP_PRECISION_NANO);
	if (!p->pcap) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO, "cannot set up pcap writer for %s",
			    p->path);
		trace_pcap_close(p);
		return NULL;
	}
	p->dumper = pcap_dump_open(p->pcap, p->path);
	if (!p->dumper) {
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO, "cannot create pcap file %s: %s",
			    p->path, pcap_geterr(p->pcap));
		trace_pcap_close(p);
		return NULL;
	}
	return p;
}

/* Writes one frame stamped with virtual time @when.  A NULL @p is a no-op. */
void
trace_pcap_write(struct trace_pcap *p, sim_time_t when, const uint8_t *frame, uint32_t len)
{
	struct pcap_pkthdr hdr;

	if (!p)
		return;
	g_assert(when >= 0);
	hdr.ts.tv_sec = (time_t)(when / SIM_S);
	/* With PCAP_TSTAMP_PRECISION_NANO libpcap reads tv_usec as nanoseconds. */
	hdr.ts.tv_usec = (suseconds_t)(when % SIM_S);
	hdr.caplen = MIN(len, (uint32_t)TRACE_PCAP_SNAPLEN);
	hdr.len = len;
	pcap_dump((u_char *)p->dumper, &hdr, frame);
}

bool
trace_pcap_flush(struct trace_pcap *p, GError **error)
{
	if (!p)
		return true;
	FILE *f = pcap_dump_file(p->dumper);
	if (pcap_dump_flush(p->dumper) != 0 || ferror(f)) {
		int err = errno;
		g_set_error(error, TRACE_ERROR, TRACE_ERROR_IO, "writing pcap file %s failed: %s",
			    p->path, g_strerror(err));
		return false;
	}
	return true;
}

void
trace_pcap_close(struct trace_pcap *p)
{
	if (!p)
		return;
	if (p->dumper)
		pcap_dump_close(p->dumper);
	if (p->pcap)
		pcap_close(p->pcap);
	g_free(p->path);
	g_free(p);
}

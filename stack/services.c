/*
 * stack/services.c - the per-host services database (see services.h).
 *
 * Linux counterpart: glibc nss/nss_files/files-service.c (the parser and
 * the lookups of getservbyname / getservbyport: the first matching line
 * wins; a NULL protocol matches any), netbase's /etc/services.
 *
 * Lookups are library calls, not system calls: a plug-in's
 * ns_getservbyname costs no simulated CPU time (glibc's open/read of
 * /etc/services is not modelled; docs/sockets-and-tcp.md).
 */
#include "stack/services.h"

#include <arpa/inet.h>
#include <string.h>
#include "sim/proc.h"
#include "stack/host.h"
#include "stack/ipv4.h"
#include "stack/socket.h"
#include "stack/socket_int.h"

/* A subset of Debian netbase 6.4 /etc/services: the well-known ports a
 * lecture is likely to name. */
const char SERVICES_DEFAULT[] = "echo		7/tcp\n"
				"echo		7/udp\n"
				"discard		9/tcp		sink null\n"
				"discard		9/udp		sink null\n"
				"daytime		13/tcp\n"
				"daytime		13/udp\n"
				"chargen		19/tcp		ttytst source\n"
				"chargen		19/udp		ttytst source\n"
				"ftp-data	20/tcp\n"
				"ftp		21/tcp\n"
				"ssh		22/tcp\n"
				"telnet		23/tcp\n"
				"smtp		25/tcp		mail\n"
				"time		37/tcp		timserver\n"
				"time		37/udp		timserver\n"
				"whois		43/tcp		nicname\n"
				"domain		53/tcp\n"
				"domain		53/udp\n"
				"bootps		67/udp\n"
				"bootpc		68/udp\n"
				"tftp		69/udp\n"
				"gopher		70/tcp\n"
				"finger		79/tcp\n"
				"http		80/tcp		www\n"
				"pop3		110/tcp		pop-3\n"
				"sunrpc		111/tcp		portmapper\n"
				"sunrpc		111/udp		portmapper\n"
				"auth		113/tcp		authentication tap ident\n"
				"nntp		119/tcp		readnews untp\n"
				"ntp		123/udp\n"
				"imap2		143/tcp		imap\n"
				"snmp		161/udp\n"
				"snmp-trap	162/udp		snmptrap\n"
				"ldap		389/tcp\n"
				"https		443/tcp\n"
				"microsoft-ds	445/tcp\n"
				"syslog		514/udp\n"
				"submission	587/tcp\n"
				"ldaps		636/tcp\n"
				"imaps		993/tcp\n"
				"pop3s		995/tcp\n";

static void
servent_free(gpointer p)
{
	struct servent *s = p;
	g_free(s->s_name);
	g_strfreev(s->s_aliases);
	g_free(s->s_proto);
	g_free(s);
}

/* One line: "name port/proto aliases..." (glibc parse_line). */
static struct servent *
parse_line(char *line, GError **error)
{
	char *hash = strchr(line, '#');
	if (hash)
		*hash = '\0';
	g_auto(GStrv) f = g_strsplit_set(g_strstrip(line), " \t", -1);
	GPtrArray *w = g_ptr_array_new();
	for (int i = 0; f[i]; i++)
		if (*f[i])
			g_ptr_array_add(w, f[i]);
	if (w->len == 0) {
		g_ptr_array_free(w, TRUE);
		return NULL;
	}
	char *slash = w->len >= 2 ? strchr(w->pdata[1], '/') : NULL;
	char *end = NULL;
	long port = slash ? strtol(w->pdata[1], &end, 10) : -1;
	if (!slash || end != slash || port < 0 || port > 65535 || !slash[1]) {
		g_set_error(error, INET_ERROR, INET_ERROR_INVALID,
			    "'%s': expected 'name port/protocol [aliases]'", line);
		g_ptr_array_free(w, TRUE);
		return NULL;
	}
	struct servent *s = g_new0(struct servent, 1);
	s->s_name = g_strdup(w->pdata[0]);
	s->s_port = htons((uint16_t)port);
	s->s_proto = g_strdup(slash + 1);
	s->s_aliases = g_new0(char *, w->len - 1);
	for (guint i = 2; i < w->len; i++)
		s->s_aliases[i - 2] = g_strdup(w->pdata[i]);
	g_ptr_array_free(w, TRUE);
	return s;
}

/* Parse @text into @out (glibc's file order). */
static bool
parse_text(const char *text, GPtrArray *out, GError **error)
{
	g_auto(GStrv) lines = g_strsplit_set(text, "\n;", -1);
	for (int i = 0; lines[i]; i++) {
		g_autoptr(GError) sub = NULL;
		struct servent *s = parse_line(lines[i], &sub);
		if (sub) {
			g_set_error(error, INET_ERROR, INET_ERROR_INVALID, "entry %d: %s", i + 1,
				    sub->message);
			return false;
		}
		if (s)
			g_ptr_array_add(out, s);
	}
	return true;
}

static GPtrArray *
db(struct host *host)
{
	g_assert(host->socks != NULL);
	if (!host->socks->services) {
		host->socks->services = g_ptr_array_new_with_free_func(servent_free);
		bool ok = parse_text(SERVICES_DEFAULT, host->socks->services, NULL);
		g_assert(ok);
	}
	return host->socks->services;
}

bool
services_add_text(struct host *host, const char *text, GError **error)
{
	GPtrArray *d = db(host);
	g_autoptr(GPtrArray) add = g_ptr_array_new_with_free_func(servent_free);
	if (!parse_text(text, add, error))
		return false;
	/* In front of what is there: the newest lines win a lookup. */
	for (guint i = 0; i < add->len; i++)
		g_ptr_array_insert(d, (gint)i, add->pdata[i]);
	g_ptr_array_set_free_func(add, NULL);
	return true;
}

static bool
proto_ok(const struct servent *s, const char *proto)
{
	return !proto || strcmp(s->s_proto, proto) == 0;
}

const struct servent *
services_by_name(struct host *host, const char *name, const char *proto)
{
	GPtrArray *d = db(host);
	for (guint i = 0; i < d->len; i++) {
		const struct servent *s = d->pdata[i];
		if (!proto_ok(s, proto))
			continue;
		if (strcmp(s->s_name, name) == 0)
			return s;
		for (char **a = s->s_aliases; *a; a++)
			if (strcmp(*a, name) == 0)
				return s;
	}
	return NULL;
}

const struct servent *
services_by_port(struct host *host, int port, const char *proto)
{
	GPtrArray *d = db(host);
	for (guint i = 0; i < d->len; i++) {
		const struct servent *s = d->pdata[i];
		if (s->s_port == port && proto_ok(s, proto))
			return s;
	}
	return NULL;
}

void
services_host_fini(struct host *host)
{
	if (host->socks && host->socks->services)
		g_clear_pointer(&host->socks->services, g_ptr_array_unref);
}

/* ---- the students' API ----------------------------------------------------------- */

struct servent *
ns_getservbyname(const char *name, const char *proto)
{
	if (!name)
		return NULL;
	return (struct servent *)services_by_name(proc_host(proc_self()), name, proto);
}

struct servent *
ns_getservbyport(int port, const char *proto)
{
	return (struct servent *)services_by_port(proc_host(proc_self()), port, proto);
}

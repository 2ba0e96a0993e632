/*
 * stack/services.h - the simulated host's services database: what
 * /etc/services is to a Linux host, behind ns_getservbyname and
 * ns_getservbyport.  Plug-ins never read the real machine's file.
 *
 * Linux counterpart: glibc's nss_files (getservbyname, getservbyport
 * reading /etc/services), Debian's netbase package for the defaults.
 * Seed text: "well-known services ... /etc/services".
 *
 * Each host starts with SERVICES_DEFAULT (the common well-known entries);
 * a scenario adds lines with the host keys `services` and `services_file`
 * (docs/scenario-format.md).  Lines given by the scenario come before the
 * defaults, so they win a lookup, as an earlier line of /etc/services does.
 */
#ifndef NETSIM_STACK_SERVICES_H
#define NETSIM_STACK_SERVICES_H

#include <glib.h>
#include <netdb.h>
#include <stdbool.h>

struct host;

/*
 * Add the entries of @text (the /etc/services format: "name port/proto
 * [aliases ...]", '#' comments, one entry a line) to @host's database,
 * before the defaults.  Lines may also be separated by ";".  On a bad entry:
 * false and "entry N: what is wrong" (N counts lines and ";" pieces from 1).
 */
bool services_add_text(struct host *host, const char *text, GError **error);

/* Lookups (proto NULL: any); NULL when there is no entry.  The servent
 * lives as long as the host.  @port is in network byte order, as in libc. */
const struct servent *services_by_name(struct host *host, const char *name, const char *proto);
const struct servent *services_by_port(struct host *host, int port, const char *proto);

/* Free @host's database (the socket layer's fini). */
void services_host_fini(struct host *host);

/* The built-in entries, in the format of services_add_text. */
extern const char SERVICES_DEFAULT[];

#endif

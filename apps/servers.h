/*
 * apps/servers.h - servers for real clients on a TAP link (curl, nc):
 * http_server, discard (RFC 863) and chargen (RFC 864), over TCP.
 * Registered in app_programs[] (apps/programs.c).
 */
#ifndef NETSIM_APPS_SERVERS_H
#define NETSIM_APPS_SERVERS_H

#include "apps/app.h"

/*
 * http_server: accept on port, one connection at a time; read the request
 * up to its blank line; GET or HEAD of / (a small HTML page) or /bytes/N
 * (N bytes of the chargen pattern, N <= 2^32), 404 otherwise, 405 for other
 * methods, 400 for a malformed request line; Content-Length and
 * Connection: close; then shutdown(SHUT_WR) and read to EOF before close.
 * Stats: conns, rx_bytes (requests), tx_bytes (headers and bodies), errors.
 */
int http_server_main(struct app *a);
/* discard: accept on port, read until EOF counting rx_bytes, close, the next. */
int discard_main(struct app *a);
/* chargen: accept on port, write the pattern until a write fails (the client
 * closed) or bytes are sent, close.  What the client sends is not read. */
int chargen_main(struct app *a);

#endif

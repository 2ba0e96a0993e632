/* Ctrl-C arrives while the process spins in its own code (it sends the
 * SIGINT itself, so the test needs no clock): the run stops, exit 130. */
#include <netsim/socket.h>
#include <signal.h>
int ns_main(void);
int
ns_main(void)
{
	raise(SIGINT);
	for (;;) {
	}
}

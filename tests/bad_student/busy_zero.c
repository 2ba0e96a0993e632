/* A loop of calls that take no virtual time: ns_compute(0).  Virtual time
 * cannot advance; the run must stop and name this process. */
#include <netsim/socket.h>
int ns_main(void);
int
ns_main(void)
{
	for (;;)
		ns_compute(0);
}

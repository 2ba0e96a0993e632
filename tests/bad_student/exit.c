/* exit(3) after 1 ms of virtual time: the process exits with status 3. */
#include <netsim/socket.h>
#include <stdlib.h>
int ns_main(void);
int
ns_main(void)
{
	ns_sleep(1000000);
	exit(3);
}

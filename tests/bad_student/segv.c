/* Writes through a NULL pointer (issue 15, item 1). */
#include <netsim/socket.h>
int ns_main(void);
int
ns_main(void)
{
	*(volatile int *)0 = 1;
	return 0;
}

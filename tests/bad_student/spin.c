/* Never makes a system call. */
#include <netsim/socket.h>
int ns_main(void);
int
ns_main(void)
{
	for (;;) {
	}
}

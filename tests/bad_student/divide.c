/* Divides by zero: SIGFPE. */
#include <netsim/socket.h>
int ns_main(void);
int
ns_main(void)
{
	volatile int zero = 0, seven = 7; /* 1 / x would compile to a compare */
	return seven / zero;
}

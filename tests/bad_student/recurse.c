/* Endless recursion: the stack's guard page stops it (SIGSEGV). */
#include <netsim/socket.h>
int ns_main(void);
static int
deep(volatile int n)
{
	volatile char pad[512];
	pad[0] = (char)n;
	return deep(n + 1) + pad[0];
}
int
ns_main(void)
{
	return deep(0);
}

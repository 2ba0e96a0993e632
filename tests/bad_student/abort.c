/* abort(): SIGABRT.  Twice in one run, from two processes: glibc's abort
 * must still work after a handler has jumped out of it. */
#include <netsim/socket.h>
#include <stdlib.h>
int ns_main(void);
int
ns_main(void)
{
	abort();
}

/* ns_sleep(INT64_MAX) must not overflow virtual time. */
#include <netsim/socket.h>
#include <stdint.h>
int ns_main(void);
int
ns_main(void)
{
	ns_sleep(INT64_MAX);
	return 0;
}

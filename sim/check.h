/* sim/check.h - invariant checks that run only in the checked build.
 *
 * ./configure --enable-checks defines NETSIM_CHECKS.  Then NS_CHECK(call)
 * runs a module's *_check() (which aborts, naming the object, when an
 * invariant is broken), as SQLite runs sqlite3PcachePageSanity in every
 * mutator.  In the default build NS_CHECK expands to nothing, so a checker
 * may be as slow as it needs to be: it never runs on the measured path.
 *
 * ns_checks_enabled() lets a test that corrupts a structure on purpose skip
 * itself in a build where the checker is compiled out.
 */
#ifndef NETSIM_SIM_CHECK_H
#define NETSIM_SIM_CHECK_H

#include "config.h"
#include <stdbool.h>

#ifdef NETSIM_CHECKS
#define NS_CHECK(call) ((void)(call))
#else
#define NS_CHECK(call) ((void)0)
#endif

static inline bool
ns_checks_enabled(void)
{
#ifdef NETSIM_CHECKS
	return true;
#else
	return false;
#endif
}

#endif /* NETSIM_SIM_CHECK_H */

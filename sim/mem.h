/*
 * sim/mem.h - where the simulator's own memory lives.
 *
 * Linux counterpart: none (this is about netsim's process, not the model).
 * Nothing the model computes depends on it.
 */
#ifndef NETSIM_SIM_MEM_H
#define NETSIM_SIM_MEM_H

#include <stddef.h>

/*
 * Put the heap that holds the world on transparent huge pages:
 * madvise(MADV_HUGEPAGE) on the 2 MiB-aligned part of the process's heap not
 * advised yet, then MADV_COLLAPSE (Linux 6.1) to move what is already there.
 * Call it once the world is built and again as the run goes on (cheap while
 * the heap has not grown by 2 MiB).  Best effort: a kernel without THP or
 * without MADV_COLLAPSE leaves the pages as they were.  Returns the bytes
 * newly advised and collapsed (0 when none were).
 */
size_t sim_mem_hugepages(void);

#endif

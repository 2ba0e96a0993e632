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
 * Put the heap that holds the world on transparent huge pages: the first
 * call makes malloc grow the heap 32 MiB at a time (mallopt M_TOP_PAD), and
 * each call madvises (MADV_HUGEPAGE) the 2 MiB-aligned part of the heap that
 * it has grown by since the call before, before most of it is touched.  Call
 * it before the world is built, after each host, and between run slices;
 * it costs a compare while the break has not crossed a 2 MiB boundary.  Best
 * effort: without THP nothing changes.  Returns the bytes newly advised.
 */
size_t sim_mem_hugepages(void);

#endif

/*
 * sim/mem.c - the heap that holds the world on transparent huge pages
 * (sim/mem.h).
 *
 * Why: in a large world each host's structures (its CPU and run queue, NIC
 * queues, socket, route cache and neighbour entries, process) are touched
 * once per datagram of that host, so at the 1000-sender star each sender's
 * pages have left the TLB between one datagram and its next, and every first
 * touch of a page is a page walk (docs/performance.md, "Scale: what a host
 * costs").  On 2 MiB pages the heap of that star (about 70 MiB) takes some 35
 * TLB entries.  The coroutine stacks are separate mappings with guard pages
 * (sim/proc.c) and stay on small pages.
 *
 * The heap's start is found once in /proc/self/maps ("[heap]", the brk area
 * glibc's main arena grows), its end is the program break.  Pages are made
 * huge when they are first touched, not moved afterwards: the first call
 * makes malloc grow the heap 32 MiB at a time (M_TOP_PAD), and each call
 * advises what the heap has grown by since the call before, so the builder
 * calls it after each host and the run between slices; it costs a compare
 * until the break has crossed a 2 MiB boundary.  What a host touched
 * between a growth and the next call stays on small pages; so do large
 * blocks that malloc maps on their own.  An untouched part of the pad takes
 * no memory.
 */
#include "sim/mem.h"

#include <malloc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#define MEM_HUGE (2u * 1024u * 1024u) /* x86_64's PMD page */

/* The [heap] mapping's range; false when there is none (a sanitizer's or
 * valgrind's allocator, or no /proc). */
static bool
heap_range(uintptr_t *lo, uintptr_t *hi)
{
	FILE *f = fopen("/proc/self/maps", "r");
	if (!f)
		return false;
	char line[512];
	bool found = false;
	while (!found && fgets(line, sizeof line, f)) {
		unsigned long a, b;
		if (strstr(line, "[heap]") && sscanf(line, "%lx-%lx", &a, &b) == 2) {
			*lo = a;
			*hi = b;
			found = true;
		}
	}
	fclose(f);
	return found;
}

#define MEM_TOP_PAD (32u * 1024u * 1024u)

/* The part of the heap already advised: [heap_lo, heap_done).  The heap is
 * the process's, whatever world runs in it, so this is kept per process. */
static uintptr_t heap_lo, heap_done;
static bool heap_none;

size_t
sim_mem_hugepages(void)
{
	if (heap_none)
		return 0;
	if (!heap_lo) {
		uintptr_t hi;
		if (!heap_range(&heap_lo, &hi)) {
			heap_none = true;
			return 0;
		}
		mallopt(M_TOP_PAD, MEM_TOP_PAD);
		heap_lo = (heap_lo + MEM_HUGE - 1) & ~(uintptr_t)(MEM_HUGE - 1);
		heap_done = heap_lo;
	}
	/* sbrk(0) is glibc's cached break: no system call */
	uintptr_t hi = (uintptr_t)sbrk(0) & ~(uintptr_t)(MEM_HUGE - 1);
	if (hi <= heap_done)
		return 0;
	uintptr_t lo = heap_done;
	heap_done = hi;
	if (madvise((void *)lo, hi - lo, MADV_HUGEPAGE) != 0) {
		heap_none = true; /* no THP in this kernel */
		return 0;
	}
	return hi - lo;
}

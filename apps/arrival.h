/*
 * apps/arrival.h - when a traffic generator sends its next message: the
 * arrival process of udp_flood and flood (key "arrival").
 *
 * Linux counterpart: none (user space: what a load generator such as
 * iperf, pktgen or a trace replay decides).  The processes are those of
 * ns-2 and ns-3 (Application/Traffic/Exponential, OnOffApplication):
 *
 *   constant  one message every floor(1e9 / rate) ns, the first at once
 *             (the default; the same send times as before the key existed)
 *   poisson   gaps drawn from an exponential distribution of mean 1/rate:
 *             a Poisson process of rate @rate (memoryless arrivals, the
 *             "M" of M/D/1)
 *   onoff     a constant-rate clock at @rate that runs only during "on"
 *             periods; on and off periods have exponentially distributed
 *             lengths of mean on_time and off_time.  Mean offered load:
 *             rate * on_time / (on_time + off_time).  The first period is on.
 *   uniform   gaps drawn uniformly from [(1 - jitter) / rate,
 *             (1 + jitter) / rate]: the constant process with jitter,
 *             mean rate @rate
 *
 * Every draw comes from the generator's own stream (sim/rng.h), named
 * "app:NAME", so other hosts and apps never change its draws and the same
 * seed gives the same send times.  Times are kept in double nanoseconds
 * from the start and rounded once per message, so rounding never drifts
 * the rate.
 *
 *   struct arrival ar;
 *   arrival_init_app(&ar, a);     (arrival_init(&ar, c, seed, "app:flood"))
 *   for (;;) { sim_time_t due = t0 + arrival_next(&ar); ... }
 */
#ifndef NETSIM_APPS_ARRIVAL_H
#define NETSIM_APPS_ARRIVAL_H

#include <stdint.h>
#include "apps/app.h"
#include "sim/rng.h"
#include "sim/sim.h"

/* The order of arrival_names (the "arrival" key's values). */
enum arrival_kind {
	ARRIVAL_CONSTANT,
	ARRIVAL_POISSON,
	ARRIVAL_ONOFF,
	ARRIVAL_UNIFORM,
};
extern const char *const arrival_names[];

struct arrival {
	enum arrival_kind kind;
	double period;	/* ns between messages at @rate */
	double jitter;	/* uniform: fraction of the period */
	double on_mean; /* onoff: mean on and off period lengths, ns */
	double off_mean;
	double on_left;	 /* onoff: ns of the current on period still to run */
	double t;	 /* ns from the start of the last message, double */
	sim_time_t cgap; /* constant: the whole-ns gap */
	uint64_t n;	 /* messages so far */
	struct rng rng;
};

/* The process @c asks for (arrival, rate, jitter, on_time, off_time), drawing
 * from stream @stream of run seed @seed. */
void arrival_init(struct arrival *ar, const struct app_config *c, uint64_t seed,
		  const char *stream);
/* arrival_init for the program of @a: its config, stream "app:NAME". */
void arrival_init_app(struct arrival *ar, struct app *a);
/* The send time of the next message, in ns from the start.  The first
 * message of every process is at 0; the times never decrease. */
sim_time_t arrival_next(struct arrival *ar);

#endif

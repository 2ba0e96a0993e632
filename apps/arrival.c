/*
 * apps/arrival.c - the arrival processes of the traffic generators
 * (apps/arrival.h): constant, Poisson, on/off and uniformly jittered gaps.
 *
 * Position: udp_flood / flood (apps/programs.c, apps/livelock.c) ->
 * arrival_next -> the generator's rng stream (sim/rng.h).  Pure
 * arithmetic: no events, no sockets, so tests/test_arrival.c draws
 * millions of gaps without a simulation.
 */
#include "apps/arrival.h"

#include <glib.h>
#include <math.h>

const char *const arrival_names[] = { "constant", "poisson", "onoff", "uniform", NULL };

void
arrival_init(struct arrival *ar, const struct app_config *c, uint64_t seed, const char *stream)
{
	double rate = c->rate > 0 ? c->rate : 1;
	*ar = (struct arrival){
		.kind = (enum arrival_kind)c->arrival,
		.period = (double)SIM_S / rate,
		.jitter = c->jitter,
		.on_mean = (double)c->on_time,
		.off_mean = (double)c->off_time,
		/* Whole ns, truncated: before real rates this was SIM_S / rate in
		 * integers, and for a whole-number rate this is the same value
		 * (1e9 / rate is exact to far better than one part in 1e9). */
		.cgap = (sim_time_t)((double)SIM_S / rate),
	};
	rng_init(&ar->rng, seed, stream);
	if (ar->kind == ARRIVAL_ONOFF)
		ar->on_left = rng_exp(&ar->rng, ar->on_mean);
}

void
arrival_init_app(struct arrival *ar, struct app *a)
{
	g_autofree char *stream = g_strdup_printf("app:%s", app_name(a));
	arrival_init(ar, app_config(a), app_seed(a), stream);
}

/* onoff: the clock runs only while on.  Advance @ar->t by @need ns of on
 * time, crossing off periods (and drawing new on periods) on the way. */
static void
onoff_advance(struct arrival *ar, double need)
{
	while (need > ar->on_left) {
		need -= ar->on_left;
		ar->t += ar->on_left;
		ar->t += rng_exp(&ar->rng, ar->off_mean);
		ar->on_left = rng_exp(&ar->rng, ar->on_mean);
	}
	ar->t += need;
	ar->on_left -= need;
}

sim_time_t
arrival_next(struct arrival *ar)
{
	uint64_t i = ar->n++;
	if (ar->kind == ARRIVAL_CONSTANT)
		return (sim_time_t)i * ar->cgap; /* exactly as before the key */
	if (i > 0) {
		switch (ar->kind) {
		case ARRIVAL_POISSON: ar->t += rng_exp(&ar->rng, ar->period); break;
		case ARRIVAL_UNIFORM:
			ar->t += ar->period *
				(1 - ar->jitter + 2 * ar->jitter * rng_uniform(&ar->rng));
			break;
		case ARRIVAL_ONOFF: onoff_advance(ar, ar->period); break;
		case ARRIVAL_CONSTANT: break;
		}
	}
	return (sim_time_t)llround(ar->t);
}

/*
 * tests/test_wire.c - the point-to-point link: serialisation, delay,
 * full duplex, loss drawn from the link's own stream, in both directions
 * (loss) or one (loss_ab from side 0, loss_ba from side 1).
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>
#include <string.h>

#include "sim/sim.h"
#include "sim/wire.h"

#define MAXF 20000

/* One end: what arrived, when; when its sends finished. */
struct end {
	struct sim *sim;
	struct wire *w;
	uint32_t n;
	uint64_t ids[MAXF];
	sim_time_t at[MAXF];
	uint32_t tx_done;
	sim_time_t tx_done_at;
	/* a queue of frames to send back to back */
	uint32_t to_send, sent;
	int side;
};

static void
end_rx(void *ctx, struct wire_frame *f)
{
	struct end *e = ctx;
	assert_true(e->n < MAXF);
	e->ids[e->n] = f->skb_id;
	e->at[e->n++] = sim_now(e->sim);
	wire_frame_free(e->w, f);
}

static void
send_one(struct end *e, uint32_t len)
{
	struct wire_frame *f = wire_frame_alloc(e->w, len);
	memset(f->data, 0, len);
	f->skb_id = ++e->sent;
	wire_send(e->w, e->side, f);
}

static void
end_tx_done(void *ctx)
{
	struct end *e = ctx;
	e->tx_done++;
	e->tx_done_at = sim_now(e->sim);
	if (e->sent < e->to_send)
		send_one(e, 100);
}

struct fx {
	struct sim *sim;
	struct wire *w;
	struct end a, b;
};

static struct fx *
fx_new(const struct wire_config *cfg, uint64_t seed)
{
	struct fx *fx = g_new0(struct fx, 1);
	fx->sim = sim_new(seed);
	fx->w = wire_new(fx->sim, "l1", cfg, seed);
	fx->a = (struct end){ .sim = fx->sim, .w = fx->w, .side = 0 };
	fx->b = (struct end){ .sim = fx->sim, .w = fx->w, .side = 1 };
	wire_attach(fx->w, 0, end_rx, end_tx_done, &fx->a);
	wire_attach(fx->w, 1, end_rx, end_tx_done, &fx->b);
	return fx;
}

static void
fx_free(struct fx *fx)
{
	wire_detach(fx->w, 0);
	wire_detach(fx->w, 1);
	wire_free(fx->w);
	assert_int_equal(sim_events_pending(fx->sim), 0);
	sim_free(fx->sim);
	g_free(fx);
}

static void
test_wire_delivers_after_serialisation_and_delay(void **state)
{
	struct wire_config c;
	wire_config_init(&c);
	c.rate = 1000000000;
	c.delay = 5 * SIM_US;
	struct fx *fx = fx_new(&c, 1);
	/* (1000 + 24) bytes * 8 at 1 Gbit/s = 8192 ns */
	assert_int_equal(wire_tx_time(fx->w, 1000), 8192);
	/* a runt takes as long as a minimum frame: (60 + 24) * 8 = 672 ns */
	assert_int_equal(wire_tx_time(fx->w, 20), 672);
	send_one(&fx->a, 1000);
	assert_true(wire_busy(fx->w, 0));
	assert_false(wire_busy(fx->w, 1));
	sim_run_until(fx->sim, SIM_MS);
	assert_int_equal(fx->b.n, 1);
	assert_int_equal(fx->b.at[0], 8192 + 5000);
	assert_int_equal(fx->a.tx_done, 1);
	assert_int_equal(fx->a.tx_done_at, 8192);
	assert_int_equal(fx->a.n, 0);
	struct wire_stats s;
	wire_stats(fx->w, 0, &s);
	assert_int_equal(s.frames_sent, 1);
	assert_int_equal(s.frames_delivered, 1);
	assert_int_equal(s.bytes_sent, 1000);
	fx_free(fx);
}

static void
test_wire_serialises_back_to_back_frames(void **state)
{
	struct wire_config c;
	wire_config_init(&c);
	c.rate = 10000000; /* 10 Mbit/s: 124 bytes = 99.2 us */
	c.delay = 50 * SIM_US;
	struct fx *fx = fx_new(&c, 1);
	fx->a.to_send = 10;
	send_one(&fx->a, 100);
	sim_run_until(fx->sim, SIM_S);
	assert_int_equal(fx->b.n, 10);
	sim_time_t tx = wire_tx_time(fx->w, 100);
	assert_int_equal(tx, 99200);
	for (uint32_t i = 0; i < 10; i++) {
		assert_int_equal(fx->b.ids[i], i + 1);
		assert_int_equal(fx->b.at[i], (sim_time_t)(i + 1) * tx + 50 * SIM_US);
	}
	fx_free(fx);
}

static void
test_wire_is_full_duplex(void **state)
{
	struct wire_config c;
	wire_config_init(&c);
	struct fx *fx = fx_new(&c, 1);
	send_one(&fx->a, 500);
	send_one(&fx->b, 500);
	sim_run_until(fx->sim, SIM_MS);
	assert_int_equal(fx->a.n, 1);
	assert_int_equal(fx->b.n, 1);
	assert_int_equal(fx->a.at[0], fx->b.at[0]);
	fx_free(fx);
}

/* Which of 2000 frames a wire with @loss and @seed delivers, as a bitmap string. */
static char *
loss_pattern_cfg(const struct wire_config *c, uint64_t seed, uint32_t *delivered)
{
	struct fx *fx = fx_new(c, seed);
	fx->a.to_send = 2000;
	send_one(&fx->a, 100);
	sim_run_until(fx->sim, SIM_S);
	GString *s = g_string_new(NULL);
	uint32_t k = 0;
	for (uint64_t id = 1; id <= 2000; id++) {
		bool got = k < fx->b.n && fx->b.ids[k] == id;
		k += got;
		g_string_append_c(s, got ? '1' : '0');
	}
	struct wire_stats st;
	wire_stats(fx->w, 0, &st);
	assert_int_equal(st.frames_lost + st.frames_delivered, 2000);
	assert_int_equal(st.frames_delivered, fx->b.n);
	*delivered = fx->b.n;
	fx_free(fx);
	return g_string_free(s, FALSE);
}

static char *
loss_pattern(double loss, uint64_t seed, uint32_t *delivered)
{
	struct wire_config c;
	wire_config_init(&c);
	c.loss = loss;
	return loss_pattern_cfg(&c, seed, delivered);
}

static void
test_wire_loss_is_deterministic_for_a_seed(void **state)
{
	uint32_t n1, n2, n3;
	g_autofree char *p1 = loss_pattern(0.1, 42, &n1);
	g_autofree char *p2 = loss_pattern(0.1, 42, &n2);
	g_autofree char *p3 = loss_pattern(0.1, 43, &n3);
	assert_string_equal(p1, p2);
	assert_string_not_equal(p1, p3);
	/* 10% of 2000 lost, within a generous margin */
	assert_in_range(n1, 1700, 1900);
	assert_in_range(n3, 1700, 1900);
}

/* Send @n frames each way at once on a wire configured by @c; what arrived. */
static void
both_ways(const struct wire_config *c, uint32_t n, uint32_t *at_b, uint32_t *at_a,
	  struct wire_stats *from_a, struct wire_stats *from_b)
{
	struct fx *fx = fx_new(c, 42);
	fx->a.to_send = n;
	fx->b.to_send = n;
	send_one(&fx->a, 100);
	send_one(&fx->b, 100);
	sim_run_until(fx->sim, SIM_S);
	*at_b = fx->b.n;
	*at_a = fx->a.n;
	wire_stats(fx->w, 0, from_a);
	wire_stats(fx->w, 1, from_b);
	fx_free(fx);
}

static void
test_wire_loss_ab_loses_only_frames_from_side_a(void **state)
{
	struct wire_config c;
	wire_config_init(&c);
	c.loss_ab = 0.2;
	uint32_t at_b, at_a;
	struct wire_stats sa, sb;
	both_ways(&c, 5000, &at_b, &at_a, &sa, &sb);
	assert_int_equal(at_a, 5000);
	assert_int_equal(sb.frames_lost, 0);
	/* 20% of 5000: 1000, standard deviation 28 */
	assert_in_range(sa.frames_lost, 900, 1100);
	assert_int_equal(at_b + sa.frames_lost, 5000);
}

static void
test_wire_loss_ba_loses_only_frames_from_side_b(void **state)
{
	struct wire_config c;
	wire_config_init(&c);
	c.loss_ba = 0.2;
	uint32_t at_b, at_a;
	struct wire_stats sa, sb;
	both_ways(&c, 5000, &at_b, &at_a, &sa, &sb);
	assert_int_equal(at_b, 5000);
	assert_int_equal(sa.frames_lost, 0);
	assert_in_range(sb.frames_lost, 900, 1100);
	assert_int_equal(at_a + sb.frames_lost, 5000);
}

static void
test_wire_loss_still_applies_to_both_directions(void **state)
{
	struct wire_config c;
	wire_config_init(&c);
	c.loss = 0.2;
	uint32_t at_b, at_a;
	struct wire_stats sa, sb;
	both_ways(&c, 5000, &at_b, &at_a, &sa, &sb);
	assert_in_range(sa.frames_lost, 900, 1100);
	assert_in_range(sb.frames_lost, 900, 1100);
}

static void
test_wire_loss_and_loss_ab_combine_independently(void **state)
{
	/* 1 - (1 - 0.2)(1 - 0.25) = 0.4 from a; 0.2 from b. */
	struct wire_config c;
	wire_config_init(&c);
	c.loss = 0.2;
	c.loss_ab = 0.25;
	uint32_t at_b, at_a;
	struct wire_stats sa, sb;
	both_ways(&c, 5000, &at_b, &at_a, &sa, &sb);
	assert_in_range(sa.frames_lost, 1870, 2130); /* 2000, sd 35 */
	assert_in_range(sb.frames_lost, 900, 1100);
}

static void
test_wire_zero_loss_ab_leaves_the_loss_draws_unchanged(void **state)
{
	/* loss_ab = loss_ba = 0 draws nothing more: the same seed loses the
	 * same frames as before the keys existed. */
	uint32_t n1, n2;
	g_autofree char *p1 = loss_pattern(0.1, 42, &n1);
	struct wire_config c;
	wire_config_init(&c);
	c.loss = 0.1;
	c.loss_ba = 0.5; /* b sends nothing here: no draw for it */
	g_autofree char *p2 = loss_pattern_cfg(&c, 42, &n2);
	assert_string_equal(p1, p2);
	assert_int_equal(n1, n2);
}

static void
test_wire_frames_to_a_detached_end_are_counted(void **state)
{
	struct wire_config c;
	wire_config_init(&c);
	struct fx *fx = fx_new(&c, 1);
	send_one(&fx->a, 100);
	wire_detach(fx->w, 1);
	sim_run_until(fx->sim, SIM_MS);
	struct wire_stats s;
	wire_stats(fx->w, 0, &s);
	assert_int_equal(s.frames_unattached, 1);
	assert_int_equal(fx->b.n, 0);
	wire_attach(fx->w, 1, end_rx, end_tx_done, &fx->b);
	fx_free(fx);
}

static void
test_wire_conf_keys_parse_units(void **state)
{
	struct wire_config c;
	wire_config_init(&c);
	GError *error = NULL;
	assert_true(conf_set(conf_find(wire_conf_keys, "rate"), &c, "10Mbit", &error));
	assert_true(conf_set(conf_find(wire_conf_keys, "delay"), &c, "2ms", &error));
	assert_true(conf_set(conf_find(wire_conf_keys, "loss"), &c, "0.25", &error));
	assert_false(conf_set(conf_find(wire_conf_keys, "loss"), &c, "1.5", &error));
	g_clear_error(&error);
	assert_int_equal(c.rate, 10000000);
	assert_int_equal(c.delay, 2 * SIM_MS);
	assert_true(c.loss == 0.25);
	assert_true(conf_set(conf_find(wire_conf_keys, "loss_ab"), &c, "0.5", &error));
	assert_true(conf_set(conf_find(wire_conf_keys, "loss_ba"), &c, "0.125", &error));
	assert_false(conf_set(conf_find(wire_conf_keys, "loss_ba"), &c, "-0.1", &error));
	g_clear_error(&error);
	assert_true(c.loss_ab == 0.5 && c.loss_ba == 0.125);
}

static void
test_wire_drops_frames_over_its_mtu(void **state)
{
	struct wire_config c;
	wire_config_init(&c);
	c.mtu = 576;
	struct fx *fx = fx_new(&c, 1);
	send_one(&fx->a, 576 + 14); /* fits: payload 576 */
	sim_run_until(fx->sim, SIM_MS);
	send_one(&fx->a, 577 + 14);
	sim_run_until(fx->sim, 2 * SIM_MS);
	struct wire_stats s;
	wire_stats(fx->w, 0, &s);
	assert_int_equal(s.frames_sent, 2);
	assert_int_equal(s.frames_delivered, 1);
	assert_int_equal(s.frames_too_big, 1);
	assert_int_equal(fx->b.n, 1);
	fx_free(fx);
}

/* Send one 100-byte frame from a every 100 us, *left times. */
static void
tick(struct sim *sim, void *a, void *b)
{
	struct end *e = a;
	uint32_t *left = b;
	send_one(e, 100);
	if (--*left)
		sim_schedule(sim, 100 * SIM_US, tick, e, left);
}

static void
test_wire_goes_down_and_up_at_scheduled_times(void **state)
{
	struct wire_config c;
	wire_config_init(&c);
	c.delay = 0;
	c.down_at = 1 * SIM_MS;
	c.up_at = 2 * SIM_MS;
	struct fx *fx = fx_new(&c, 1);
	uint32_t left = 30; /* at 0, 100us, ... 2.9ms */
	sim_schedule(fx->sim, 0, tick, &fx->a, &left);
	sim_run_until(fx->sim, 500 * SIM_US);
	assert_true(wire_is_up(fx->w));
	sim_run_until(fx->sim, 1500 * SIM_US);
	assert_false(wire_is_up(fx->w));
	sim_run_until(fx->sim, 10 * SIM_MS);
	assert_true(wire_is_up(fx->w));
	struct wire_stats s;
	wire_stats(fx->w, 0, &s);
	/* frames sent at 1.0ms .. 1.9ms (10 of them) were lost to the outage */
	assert_int_equal(s.frames_sent, 30);
	assert_int_equal(s.frames_down, 10);
	assert_int_equal(s.frames_delivered, 20);
	assert_int_equal(fx->b.n, 20);
	fx_free(fx);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wire_delivers_after_serialisation_and_delay),
		cmocka_unit_test(test_wire_serialises_back_to_back_frames),
		cmocka_unit_test(test_wire_is_full_duplex),
		cmocka_unit_test(test_wire_loss_is_deterministic_for_a_seed),
		cmocka_unit_test(test_wire_loss_ab_loses_only_frames_from_side_a),
		cmocka_unit_test(test_wire_loss_ba_loses_only_frames_from_side_b),
		cmocka_unit_test(test_wire_loss_still_applies_to_both_directions),
		cmocka_unit_test(test_wire_loss_and_loss_ab_combine_independently),
		cmocka_unit_test(test_wire_zero_loss_ab_leaves_the_loss_draws_unchanged),
		cmocka_unit_test(test_wire_frames_to_a_detached_end_are_counted),
		cmocka_unit_test(test_wire_conf_keys_parse_units),
		cmocka_unit_test(test_wire_drops_frames_over_its_mtu),
		cmocka_unit_test(test_wire_goes_down_and_up_at_scheduled_times),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

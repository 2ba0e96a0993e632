/*
 * tests/test_skbuff.c - sk_buff pointer arithmetic, misuse aborts, the pool,
 * queues, clones and copies, drops and the conservation check.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <glib.h>

#include "sim/check.h"
#include "sim/sim.h"
#include "stack/host.h"
#include "stack/netdevice.h"
#include "stack/skbuff.h"
#include "trace/trace.h"
#include "tests/stack_test.h"
#include "viz/replay.h"

struct fx {
	struct sim *sim;
	struct skb_pool *pool;
	struct trace *tr;
	struct host *h;
};

static int
setup(void **state)
{
	struct fx *fx = g_new0(struct fx, 1);
	GError *error = NULL;
	fx->sim = sim_new(1);
	fx->pool = skb_pool_new();
	fx->tr = trace_open(":memory:", TRACE_FULL, false, &error);
	assert_non_null(fx->tr);
	assert_true(trace_begin_run(fx->tr, "test_skbuff", "", 1, "test", &error));
	fx->h = host_new(fx->sim, fx->tr, fx->pool, "alice", 1);
	*state = fx;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *fx = *state;
	assert_int_equal(host_live_skbs(fx->h), 0);
	host_free(fx->h);
	struct skb_pool_stats ps;
	skb_pool_stats(fx->pool, &ps);
	assert_int_equal(ps.live, 0);
	assert_int_equal(sim_events_pending(fx->sim), 0);
	skb_pool_free(fx->pool);
	assert_true(trace_close(fx->tr, true, NULL));
	sim_free(fx->sim);
	g_free(fx);
	return 0;
}

static sqlite3 *
fx_db(struct fx *fx)
{
	assert_true(trace_flush(fx->tr, NULL));
	return trace_db(fx->tr);
}

static void
test_skb_reserve_put_push_pull_move_pointers(void **state)
{
	struct fx *fx = *state;
	struct sk_buff *skb = skb_alloc(fx->h, 200, LAYER_IP);
	assert_ptr_equal(skb->head, skb->data);
	assert_int_equal(skb_headroom(skb), 0);
	assert_int_equal(skb_tailroom(skb), 200);

	skb_reserve(skb, 64);
	assert_int_equal(skb_headroom(skb), 64);
	assert_int_equal(skb_tailroom(skb), 136);
	assert_int_equal(skb->len, 0);

	unsigned char *p = skb_put(skb, 100);
	assert_ptr_equal(p, skb->head + 64);
	assert_int_equal(skb->len, 100);
	assert_ptr_equal(skb->tail, skb->head + 164);

	unsigned char *h = skb_push(skb, 20);
	assert_ptr_equal(h, skb->head + 44);
	assert_int_equal(skb->len, 120);
	assert_int_equal(skb_headroom(skb), 44);

	skb_pull(skb, 20);
	assert_int_equal(skb->len, 100);
	assert_int_equal(skb_data_offset(skb), 64);
	skb_check(skb, "test");
	skb_consume(skb);
}

static void
test_skb_trim_only_shortens(void **state)
{
	struct fx *fx = *state;
	struct sk_buff *skb = skb_alloc(fx->h, 100, LAYER_IP);
	skb_put(skb, 60);
	skb_trim(skb, 80);
	assert_int_equal(skb->len, 60);
	skb_trim(skb, 20);
	assert_int_equal(skb->len, 20);
	assert_ptr_equal(skb->tail, skb->data + 20);
	skb_consume(skb);
}

static void
test_skb_header_offsets_follow_data(void **state)
{
	struct fx *fx = *state;
	struct sk_buff *skb = skb_alloc(fx->h, 128, LAYER_IP);
	skb_reserve(skb, 14 + 20 + 8);
	skb_put(skb, 10);
	skb_push(skb, 8);
	skb_reset_transport_header(skb);
	skb_push(skb, 20);
	skb_reset_network_header(skb);
	skb_push(skb, 14);
	skb_reset_mac_header(skb);
	assert_ptr_equal(skb_mac_header(skb), skb->head);
	assert_ptr_equal(skb_network_header(skb), skb->head + 14);
	assert_ptr_equal(skb_transport_header(skb), skb->head + 34);
	assert_int_equal(skb_network_offset(skb), 14);
	assert_int_equal(skb_transport_offset(skb), 34);
	skb_pull(skb, 14);
	assert_int_equal(skb_network_offset(skb), 0);
	skb_set_transport_header(skb, 20);
	assert_ptr_equal(skb_transport_header(skb), skb->head + 34);
	skb_consume(skb);
}

/* ---- misuse aborts: each names the skb, the call, the offsets, dev and time ---- */

struct misuse {
	struct fx *fx;
	int what;
};

static void
do_misuse(void *arg)
{
	struct misuse *m = arg;
	struct sk_buff *skb = skb_alloc(m->fx->h, 100, LAYER_IP);
	skb_reserve(skb, 10);
	skb_put(skb, 50);
	switch (m->what) {
	case 0: skb_push(skb, 11); break;
	case 1: skb_pull(skb, 51); break;
	case 2: skb_put(skb, 41); break;
	case 3: skb_reserve(skb, 1); break;
	case 4: skb_network_header(skb); break;
	case 6: {
		/* a queue whose byte count lies: the next mutation's check aborts */
		struct sk_buff_head q;
		skb_queue_head_init(&q, "corrupt_q", LAYER_IP);
		skb_queue_tail(&q, skb);
		q.bytes += 7;
		skb_queue_tail(&q, skb_alloc(m->fx->h, 100, LAYER_IP));
		break;
	}
	case 7: {
		/* a broken link: the queue's last skb is not the one its links reach */
		struct sk_buff_head q;
		skb_queue_head_init(&q, "corrupt_q", LAYER_IP);
		skb_queue_tail(&q, skb);
		skb_queue_tail(&q, skb_alloc(m->fx->h, 100, LAYER_IP));
		q.first->next = NULL;
		skb_dequeue(&q);
		break;
	}
	case 8:
		/* len out of step with the pointers: the next pointer op's check aborts */
		skb->len += 3;
		skb_push(skb, 1);
		break;
	case 5: {
		struct sk_buff_head q;
		skb_queue_head_init(&q, "q", LAYER_IP);
		skb_queue_tail(&q, skb);
		skb_queue_tail(&q, skb);
		break;
	}
	}
}

static void
test_skb_push_past_head_aborts(void **state)
{
	struct misuse m = { *state, 0 };
	sim_run_until(m.fx->sim, 5 * SIM_US);
	const char *const needles[] = { "skb_push", "skb 1 ",  "len 11",     "size 100", "data+10",
					"tail+60",  "end+100", "dev <NULL>", "5us",	 NULL };
	expect_abort(do_misuse, &m, needles);
}

static void
test_skb_pull_past_tail_aborts(void **state)
{
	struct misuse m = { *state, 1 };
	const char *const needles[] = { "skb_pull", "len 51", "pull past tail", "host alice",
					NULL };
	expect_abort(do_misuse, &m, needles);
}

static void
test_skb_put_past_end_aborts(void **state)
{
	struct misuse m = { *state, 2 };
	const char *const needles[] = { "skb_put", "skb_over_panic", "len 41", "end+100", NULL };
	expect_abort(do_misuse, &m, needles);
}

static void
test_skb_reserve_on_data_aborts(void **state)
{
	struct misuse m = { *state, 3 };
	const char *const needles[] = { "skb_reserve", NULL };
	expect_abort(do_misuse, &m, needles);
}

static void
test_skb_unset_header_aborts(void **state)
{
	struct misuse m = { *state, 4 };
	const char *const needles[] = { "skb_network_header", "never set", NULL };
	expect_abort(do_misuse, &m, needles);
}

static void
test_skb_queued_twice_aborts(void **state)
{
	struct misuse m = { *state, 5 };
	const char *const needles[] = { "skb_queue_tail", "already on a queue", NULL };
	expect_abort(do_misuse, &m, needles);
}

/* The checked build (configure --enable-checks) runs skb_check and
 * skb_queue_check at every mutation; each checker can fail. */
static void
test_corrupt_queue_bytes_abort_in_checked_build(void **state)
{
	if (!ns_checks_enabled())
		skip();
	struct misuse m = { *state, 6 };
	const char *const needles[] = { "skb_queue_tail", "queue corrupt_q", "bytes 57",
					"of 50 bytes", NULL };
	expect_abort(do_misuse, &m, needles);
}

static void
test_corrupt_queue_links_abort_in_checked_build(void **state)
{
	if (!ns_checks_enabled())
		skip();
	struct misuse m = { *state, 7 };
	const char *const needles[] = { "skb_dequeue", "corrupt_q", NULL };
	expect_abort(do_misuse, &m, needles);
}

static void
test_corrupt_skb_len_aborts_in_checked_build(void **state)
{
	if (!ns_checks_enabled())
		skip();
	struct misuse m = { *state, 8 };
	const char *const needles[] = { "skb_push", "pointers out of order", NULL };
	expect_abort(do_misuse, &m, needles);
}

/* ---- pool ---- */

static void
test_skb_pool_reuses_memory_without_malloc(void **state)
{
	struct fx *fx = *state;
	struct sk_buff *warm[16];
	for (int i = 0; i < 16; i++)
		warm[i] = skb_alloc(fx->h, i % 2 ? 1600 : 1000, LAYER_IP);
	for (int i = 0; i < 16; i++)
		skb_consume(warm[i]);
	struct skb_pool_stats before, after;
	skb_pool_stats(fx->pool, &before);
	for (int round = 0; round < 10000; round++) {
		struct sk_buff *a = skb_alloc(fx->h, 1500, LAYER_IP);
		struct sk_buff *b = skb_alloc(fx->h, 1024, LAYER_IP);
		struct sk_buff *c = skb_clone(a);
		skb_consume(c);
		skb_drop(b, SKB_DROP_NOT_SPECIFIED);
		skb_consume(a);
	}
	skb_pool_stats(fx->pool, &after);
	assert_int_equal(after.skb_mallocs, before.skb_mallocs);
	assert_int_equal(after.data_mallocs, before.data_mallocs);
	assert_int_equal(after.allocs - before.allocs, 30000);
	assert_int_equal(after.live, 0);
}

/* Buffers come in 11 classes of 64 << c bytes; a size takes the least class
 * that holds it, so a class's largest and smallest sizes share a buffer. */
static void
test_skb_data_size_classes_are_powers_of_two_from_64(void **state)
{
	struct fx *fx = *state;
	struct skb_pool_stats ps;
	for (uint32_t size = 64; size <= 65536; size *= 2) {
		skb_consume(skb_alloc(fx->h, size, LAYER_IP));
		skb_pool_stats(fx->pool, &ps);
		uint64_t mallocs = ps.data_mallocs;
		skb_consume(skb_alloc(fx->h, size == 64 ? 1 : size / 2 + 1, LAYER_IP));
		skb_pool_stats(fx->pool, &ps);
		assert_int_equal(ps.data_mallocs, mallocs);
	}
	assert_int_equal(ps.data_mallocs, 11);
	assert_int_equal(ps.big_mallocs, 0);
	skb_consume(skb_alloc(fx->h, 65537, LAYER_IP)); /* past the last class */
	skb_pool_stats(fx->pool, &ps);
	assert_int_equal(ps.data_mallocs, 11);
	assert_int_equal(ps.big_mallocs, 1);
}

static void
test_skb_ids_are_unique_across_hosts_sharing_a_pool(void **state)
{
	struct fx *fx = *state;
	struct host *bob = host_new(fx->sim, NULL, fx->pool, "bob", 1);
	struct sk_buff *a = skb_alloc(fx->h, 10, LAYER_IP);
	struct sk_buff *b = skb_alloc(bob, 10, LAYER_IP);
	struct sk_buff *c = skb_alloc(fx->h, 10, LAYER_IP);
	assert_int_equal(a->id, 1);
	assert_int_equal(b->id, 2);
	assert_int_equal(c->id, 3);
	assert_int_equal(host_live_skbs(fx->h), 2);
	assert_int_equal(host_live_skbs(bob), 1);
	skb_consume(b);
	skb_consume(a);
	skb_consume(c);
	host_free(bob);
}

/* ---- clone and copy ---- */

static void
test_skb_clone_shares_data_copy_does_not(void **state)
{
	struct fx *fx = *state;
	struct sk_buff *skb = skb_alloc(fx->h, 100, LAYER_IP);
	skb_reserve(skb, 20);
	skb_put_data(skb, "hello", 5);
	memcpy(skb->cb, "seq", 4);
	struct sk_buff *cl = skb_clone(skb);
	struct sk_buff *cp = skb_copy(skb);
	assert_true(cl->id != skb->id && cp->id != skb->id && cl->id != cp->id);
	assert_ptr_equal(cl->data, skb->data);
	assert_true(cl->cloned && skb->cloned);
	assert_ptr_not_equal(cp->data, skb->data);
	assert_false(cp->cloned);
	assert_int_equal(skb_headroom(cp), 20);
	assert_memory_equal(cp->data, "hello", 5);
	assert_string_equal(cl->cb, "seq");
	skb->data[0] = 'j';
	assert_int_equal(cl->data[0], 'j');
	assert_int_equal(cp->data[0], 'h');
	skb_consume(skb);
	assert_memory_equal(cl->data, "jello", 5); /* data survives while a clone holds it */
	skb_consume(cl);
	skb_consume(cp);
}

/* ---- queues ---- */

static void
test_skb_queue_counts_packets_and_bytes(void **state)
{
	struct fx *fx = *state;
	struct sk_buff_head q;
	skb_queue_head_init(&q, "test_q", LAYER_DEV);
	struct sk_buff *s[3];
	for (int i = 0; i < 3; i++) {
		s[i] = skb_alloc(fx->h, 100, LAYER_IP);
		skb_put(s[i], (uint32_t)(10 * (i + 1)));
		skb_queue_tail(&q, s[i]);
	}
	assert_int_equal(skb_queue_len(&q), 3);
	assert_int_equal(skb_queue_bytes(&q), 60);
	assert_ptr_equal(skb_peek(&q), s[0]);
	assert_ptr_equal(skb_peek_tail(&q), s[2]);
	skb_unlink(s[1], &q);
	assert_int_equal(skb_queue_bytes(&q), 40);
	skb_queue_head(&q, s[1]);
	assert_ptr_equal(skb_dequeue(&q), s[1]);
	assert_ptr_equal(skb_dequeue_tail(&q), s[2]);
	assert_int_equal(skb_queue_len(&q), 1);
	assert_int_equal(skb_queue_bytes(&q), 10);
	skb_consume(s[1]);
	skb_consume(s[2]);
	skb_queue_purge(&q, SKB_DROP_QUEUE_PURGE);
	assert_true(skb_queue_empty(&q));
	assert_int_equal(skb_queue_bytes(&q), 0);
	assert_int_equal(host_drops(fx->h, SKB_DROP_QUEUE_PURGE), 1);
}

/* issue 20: tcp_ack and tcp_split_head pull an skb that is still on
 * sk_write_queue; the queue's byte count must follow, and end at 0. */
static void
test_skb_queue_bytes_follow_a_queued_skb_that_changes(void **state)
{
	struct fx *fx = *state;
	struct sk_buff_head q;
	skb_queue_head_init(&q, "sk_write_queue", LAYER_TCP);
	struct sk_buff *skb = skb_alloc(fx->h, 200, LAYER_TCP);
	skb_reserve(skb, 40);
	skb_put(skb, 100);
	skb_queue_tail(&q, skb);
	skb_pull(skb, 30); /* a partial ACK */
	assert_int_equal(skb_queue_bytes(&q), 70);
	skb_put(skb, 10);
	skb_trim(skb, 50);
	skb_push(skb, 5);
	assert_int_equal(skb_queue_bytes(&q), 55);
	skb_unlink(skb, &q);
	assert_int_equal(skb_queue_bytes(&q), 0);
	skb_consume(skb);
}

/* ---- drops and conservation ---- */

static void
drop_here(struct sk_buff *skb)
{
	skb_drop(skb, SKB_DROP_IP_CSUM);
}

static void
test_skb_drop_counts_reason_and_place(void **state)
{
	struct fx *fx = *state;
	drop_here(skb_alloc(fx->h, 10, LAYER_IP));
	drop_here(skb_alloc(fx->h, 10, LAYER_IP));
	skb_drop(skb_alloc(fx->h, 10, LAYER_IP), SKB_DROP_IP_CSUM);
	skb_consume(skb_alloc(fx->h, 10, LAYER_IP));
	assert_int_equal(host_drops(fx->h, SKB_DROP_IP_CSUM), 3);
	assert_int_equal(host_drops_at(fx->h, SKB_DROP_IP_CSUM, "drop_here"), 2);
	assert_int_equal(
		host_drops_at(fx->h, SKB_DROP_IP_CSUM, "test_skb_drop_counts_reason_and_place"), 1);
	assert_int_equal(host_drops_total(fx->h), 3);
	sqlite3 *db = fx_db(fx);
	assert_int_equal(query_int(db,
				   "SELECT count(*) FROM skb_events WHERE op = 'drop'"
				   " AND reason = 'ip_csum'"),
			 3);
	assert_int_equal(query_int(db, "SELECT count(*) FROM skb_events WHERE op = 'free'"), 1);
}

static void
test_conservation_reports_skbs_on_no_queue(void **state)
{
	struct fx *fx = *state;
	struct sk_buff_head q;
	skb_queue_head_init(&q, "sk_receive_queue", LAYER_UDP);
	skb_queue_tail(&q, skb_alloc(fx->h, 10, LAYER_IP));
	skb_queue_tail(&q, skb_alloc(fx->h, 10, LAYER_IP));
	struct sk_buff *loose = skb_alloc(fx->h, 10, LAYER_IP);
	g_autoptr(GString) report = g_string_new(NULL);
	assert_int_equal(host_check_conservation(fx->h, report), 1);
	assert_non_null(strstr(report->str, "alice: sk_receive_queue 2"));
	assert_non_null(strstr(report->str, "skb 3 on no queue"));
	skb_consume(loose);
	g_string_truncate(report, 0);
	assert_int_equal(host_check_conservation(fx->h, report), 0);
	skb_queue_purge(&q, SKB_DROP_QUEUE_PURGE);
}

static void
test_trace_records_alloc_push_pull_queue_and_free(void **state)
{
	struct fx *fx = *state;
	struct sk_buff_head q;
	skb_queue_head_init(&q, "test_q", LAYER_DEV);
	struct sk_buff *skb = skb_alloc(fx->h, 100, LAYER_UDP);
	skb_reserve(skb, 50);
	skb_put(skb, 10);
	skb_push(skb, 8);
	skb_handoff(skb, LAYER_IP, "ip_queue_xmit");
	skb_push(skb, 20);
	skb_queue_tail(&q, skb);
	skb = skb_dequeue(&q);
	skb_pull(skb, 20);
	skb_consume(skb);
	sqlite3 *db = fx_db(fx);
	g_autofree char *ops = query_list(db,
					  "SELECT op || ':' || coalesce(layer, '') "
					  "FROM skb_events WHERE skb = 1 ORDER BY seq");
	assert_string_equal(ops,
			    "alloc:udp reserve:udp put:udp push:udp handoff:ip push:ip enqueue:dev "
			    "dequeue:dev pull:ip free:ip");
	assert_int_equal(query_int(db,
				   "SELECT data_off FROM skb_events WHERE op = 'push' "
				   "AND layer = 'ip'"),
			 22);
	assert_int_equal(query_int(db, "SELECT qlen FROM skb_events WHERE op = 'enqueue'"), 1);
}

/* Every pointer op writes a row with the pointers after it; clones share
 * the data and its dataref, which reaches 0 at the last free. */
static void
test_trace_rows_carry_pointers_headers_and_dataref(void **state)
{
	struct fx *fx = *state;
	struct sk_buff *skb = skb_alloc(fx->h, 100, LAYER_UDP);
	skb_reserve(skb, 40);
	skb_put(skb, 30);
	skb_push(skb, 8);
	skb_reset_transport_header(skb);
	skb_trim(skb, 20);
	struct sk_buff *c = skb_clone(skb);
	skb_consume(skb);
	skb_consume(c);
	sqlite3 *db = fx_db(fx);
	g_autofree char *rows = query_list(
		db,
		"SELECT skb || ':' || op || ':' || step || ':' || data_off || '-' || tail_off || "
		"'-'"
		" || end_off || '/' || buf_size || ':' || coalesce(trans_off, '') || ':' ||"
		" dataref FROM skb_events ORDER BY seq");
	assert_string_equal(rows,
			    "1:alloc:0:0-0-100/128::1 "
			    "1:reserve:1:40-40-100/128::1 "
			    "1:put:2:40-70-100/128::1 "
			    "1:push:3:32-70-100/128::1 "
			    "1:header:4:32-70-100/128:32:1 "
			    "1:trim:5:32-52-100/128:32:1 "
			    "1:clone:6:32-52-100/128:32:2 "
			    "2:alloc:0:32-52-100/128:32:2 "
			    "1:free:7:32-52-100/128:32:1 "
			    "2:free:1:32-52-100/128:32:0");
	assert_int_equal(query_int(db, "SELECT count(DISTINCT data_id) FROM skb_events"), 1);
	assert_int_equal(query_int(db, "SELECT bytes FROM skb_events WHERE op = 'trim'"), 18);
}

/* Linux skb_cow on a clone: pskb_expand_head gives the skb a private head
 * (a copy of head..tail), moves every pointer by the headroom added, and
 * the shared buffer goes back to one owner.  The trace replays. */
static void
test_skb_cow_expands_a_shared_head_and_the_trace_replays(void **state)
{
	struct fx *fx = *state;
	struct sk_buff *skb = skb_alloc(fx->h, 100, LAYER_IP);
	skb_reserve(skb, 10);
	skb_put(skb, 40);
	skb_reset_network_header(skb);
	struct sk_buff *c = skb_clone(skb);
	assert_true(skb_cloned(c));
	unsigned char *old_head = c->head;
	skb_cow(c, 14);
	assert_ptr_not_equal(c->head, old_head);
	assert_false(skb_cloned(c));
	assert_false(skb_cloned(skb));
	assert_int_equal(skb_dataref(skb), 1);
	assert_int_equal(skb_headroom(c), 10 + NET_SKB_PAD);
	assert_int_equal(c->len, 40);
	assert_ptr_equal(skb_network_header(c), c->data);
	assert_memory_equal(c->data, skb->data, 40);
	skb_cow(c, 14); /* private and roomy enough: nothing to do */
	skb_consume(skb);
	skb_consume(c);
	sqlite3 *db = fx_db(fx);
	assert_int_equal(query_int(db, "SELECT count(*) FROM skb_events WHERE op = 'expand'"), 1);
	assert_int_equal(query_int(db, "SELECT bytes FROM skb_events WHERE op = 'expand'"), 64);
	assert_int_equal(query_int(db, "SELECT bytes FROM skb_events WHERE op = 'copy'"), 50);
	struct replay_report r = { 0 };
	assert_true(replay_check(db, &r, NULL));
	assert_int_equal(r.errors, 0);
	assert_int_equal(r.buffers, 2);
}

static void
test_drop_reason_names_are_unique_lower_snake(void **state)
{
	(void)state;
	for (int i = 0; i < SKB_DROP_REASON_MAX; i++) {
		const char *n = skb_drop_reason_name(i);
		assert_string_not_equal(n, "?");
		for (const char *p = n; *p; p++)
			assert_true(g_ascii_islower(*p) || g_ascii_isdigit(*p) || *p == '_');
		assert_int_equal(skb_drop_reason_by_name(n), i);
	}
	assert_int_equal(skb_drop_reason_by_name("nonsense"), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
#define T(fn) cmocka_unit_test_setup_teardown(fn, setup, teardown)
		T(test_skb_reserve_put_push_pull_move_pointers),
		T(test_skb_trim_only_shortens),
		T(test_skb_header_offsets_follow_data),
		T(test_skb_push_past_head_aborts),
		T(test_skb_pull_past_tail_aborts),
		T(test_skb_put_past_end_aborts),
		T(test_skb_reserve_on_data_aborts),
		T(test_skb_unset_header_aborts),
		T(test_skb_queued_twice_aborts),
		T(test_corrupt_queue_bytes_abort_in_checked_build),
		T(test_corrupt_queue_links_abort_in_checked_build),
		T(test_corrupt_skb_len_aborts_in_checked_build),
		T(test_skb_queue_bytes_follow_a_queued_skb_that_changes),
		T(test_skb_pool_reuses_memory_without_malloc),
		T(test_skb_data_size_classes_are_powers_of_two_from_64),
		T(test_skb_ids_are_unique_across_hosts_sharing_a_pool),
		T(test_skb_clone_shares_data_copy_does_not),
		T(test_skb_queue_counts_packets_and_bytes),
		T(test_skb_drop_counts_reason_and_place),
		T(test_conservation_reports_skbs_on_no_queue),
		T(test_trace_records_alloc_push_pull_queue_and_free),
		T(test_trace_rows_carry_pointers_headers_and_dataref),
		T(test_skb_cow_expands_a_shared_head_and_the_trace_replays),
		T(test_drop_reason_names_are_unique_lower_snake),
#undef T
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

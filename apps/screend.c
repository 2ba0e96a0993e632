/*
 * apps/screend.c - screend, the user-level screening process of Mogul and
 * Ramakrishnan's router (apps/livelock.h).
 *
 * Position: app_start -> a process -> nfq_bind / nfq_recv / nfq_screen /
 * nfq_set_verdict (stack/netfilter.h, the libnetfilter_queue face of the
 * NFQUEUE hook on the forwarding path).  Everything it does runs in task
 * context, so interrupts and softirq processing of new input come first:
 * in interrupt mode it starves, and the screening queue overflows.
 */
#include "apps/livelock.h"

#include "stack/netfilter.h"

int
screend_main(struct app *a)
{
	static __thread char buf[2048];
	struct app_stats *st = app_stats_mut(a);
	/* queue = N: bind queue N only, the host's `-j NFQUEUE --queue-num N`
	 * rules decide what comes; without it, queue 0 and every forwarded packet */
	bool own = app_arg(a, "queue") != NULL;
	uint16_t q = own ? (uint16_t)app_config(a)->queue : 0;
	if (!(own ? nfq_bind_queue(app_host(a), q) : nfq_bind(app_host(a)))) {
		st->errors++;
		return 1;
	}
	for (uint64_t i = 0;; i++) {
		size_t len;
		uint64_t id = nfq_recv_queue(q, buf, sizeof buf, &len);
		st->rx_msgs++;
		st->rx_bytes += len;
		nfq_screen();
		if (nfq_set_verdict_queue(q, id, NF_ACCEPT) == 0)
			st->tx_msgs++;
		else
			st->errors++;
		if ((i & 255) == 0) {
			struct nfq_stats ns;
			nfq_queue_stats(app_host(a), q, &ns);
			app_figure_set(a, "queue_dropped", (double)ns.queue_dropped);
			app_figure_set(a, "queue_max", (double)ns.queue_max);
			app_figure_set(a, "throttles", (double)ns.throttles);
		}
	}
}

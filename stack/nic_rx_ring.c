/*
 * stack/nic_rx_ring.c - an RX queue's posted descriptors (split from
 * nic.c): empty buffers the hardware may write, as folded skbs.
 *
 * Linux counterpart: a driver's RX ring refill and teardown
 * (e.g. drivers/net/ethernet/intel/igb/igb_main.c igb_alloc_rx_buffers,
 * igb_clean_rx_ring).
 */
#include "stack/nic_int.h"

#include "stack/host.h"
#include "trace/trace.h"

/*
 * Post one empty descriptor.  Its skb exists (counted and traced as
 * allocated, on rx_ring_free) but its data buffer is taken from the pool
 * only when a frame is DMAed into it (rx_dma_buf): an idle interface holds
 * 256 skb heads and no buffer memory.  Linux drivers allocate the buffers
 * when they fill the ring (e.g. igb_alloc_rx_buffers, page-pool pages),
 * so this is a simplification of memory accounting only: what the skb
 * carries, when it is counted and every cost are unchanged.
 */
#define RX_FREE_NAME "rx_ring_free"

/* Make room in rx_free for one more explicit descriptor. */
static void
rx_free_grow(struct nic_rxq *q)
{
	uint32_t have = q->rx_free_len - q->rx_lazy;
	if (have < q->rx_free_cap)
		return;
	/* 16 first (an idle host's ring takes back a few frames: ARP), then
	 * the whole ring, so a busy ring is copied once */
	uint32_t cap = MIN(q->rx_free_cap ? q->nic->cfg.rx_ring : 16u, q->nic->cfg.rx_ring);
	g_assert(cap > have);
	struct skb_desc *a = g_new(struct skb_desc, cap);
	for (uint32_t i = 0, j = q->rx_free_head; i < have; i++) {
		a[i] = q->rx_free[j];
		if (++j == q->rx_free_cap)
			j = 0;
	}
	g_free(q->rx_free);
	q->rx_free = a;
	q->rx_free_cap = cap;
	q->rx_free_head = 0;
}

void
rx_refill_one(struct nic_rxq *q)
{
	struct nic *nic = q->nic;
	g_assert(q->rx_free_len < nic->cfg.rx_ring);
	rx_free_grow(q);
	uint32_t tail = q->rx_free_head + (q->rx_free_len - q->rx_lazy);
	if (tail >= q->rx_free_cap)
		tail -= q->rx_free_cap;
	q->rx_free_len++;
	skb_desc_post(nic->host, nic->rx_buf_size, LAYER_NIC, RX_FREE_NAME, q->rx_free_len,
		      &q->rx_free[tail]);
}

/* Fill the ring: the descriptors an untraced host posts at open are one
 * range (no row to write, nothing to store per descriptor). */
void
rx_fill(struct nic_rxq *q)
{
	struct nic *nic = q->nic;
	uint32_t n = nic->cfg.rx_ring;
	if (!q->rx_free_len && n && !TRACE_ON(nic->host->trace)) {
		q->rx_lazy_id = skb_desc_post_n(nic->host, RX_FREE_NAME, n);
		q->rx_lazy_tstamp = sim_now(nic->host->sim);
		q->rx_lazy = q->rx_free_len = n;
		return;
	}
	while (q->rx_free_len < n)
		rx_refill_one(q);
}

/* The oldest posted descriptor's skb, or NULL when none is posted. */
struct sk_buff *
rx_free_take(struct nic_rxq *q)
{
	struct nic *nic = q->nic;
	if (!q->rx_free_len)
		return NULL;
	struct skb_desc d;
	if (q->rx_lazy) {
		d = (struct skb_desc){ q->rx_lazy_id++, q->rx_lazy_tstamp, 0 };
		q->rx_lazy--;
	} else {
		d = q->rx_free[q->rx_free_head];
		if (++q->rx_free_head == q->rx_free_cap)
			q->rx_free_head = 0;
	}
	q->rx_free_len--;
	struct sk_buff *skb = skb_desc_take(nic->host, &d, LAYER_NIC, RX_FREE_NAME, q->rx_free_len);
	skb->dev = nic->dev;
	return skb;
}

/* Free every posted descriptor: on an untraced host, all at once (each
 * would be taken back and freed with no row to write). */
void
rx_free_drain(struct nic_rxq *q)
{
	struct nic *nic = q->nic;
	if (q->rx_free_len && !TRACE_ON(nic->host->trace)) {
		skb_desc_consume_n(nic->host, q->rx_free_len);
		q->rx_free_len = q->rx_lazy = 0;
		q->rx_free_head = 0;
		return;
	}
	struct sk_buff *skb;
	while ((skb = rx_free_take(q)) != NULL)
		skb_consume(skb);
}

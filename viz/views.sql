-- viz/views.sql - views over the trace database (trace/schema.sql) that
-- answer the common questions: one packet's path, time spent per layer,
-- queue occupancy over time, copies per packet, drops, and which skb on
-- the receiving host carried a frame that crossed a wire.
--
-- This file is compiled into netsim (viz/local.mk makes viz/views_sql.c)
-- and applied whenever `netsim show` or `netsim draw` opens a trace, with
-- CREATE VIEW IF NOT EXISTS so that it can be applied any number of times.
-- docs/trace-views.md shows each view with an example query.
--
-- Ops and copy kinds are named by their enums in braces, op.WIRE and
-- copy.SKB_COPY (viz/vocab.h, viz_vocab_sql): the names are spelled
-- once, in include/netsim/trace_vocab.h.  The build writes
-- viz/trace-views.sql with them spelled out, for the sqlite3 shell.
--
-- Views hold no data and cost nothing until queried; a query with
-- WHERE skb = N on packet_path uses the index skb_events_by_skb.

-- Every operation on every skb, with the host's name: one packet's path is
-- SELECT * FROM packet_path WHERE skb = N ORDER BY seq.
CREATE VIEW IF NOT EXISTS packet_path AS
SELECT e.skb, e.seq, e.time_ns, e.host AS host_id, h.name AS host, e.ctx,
       e.layer, e.op, e.func, e.queue, e.qlen, e.data_off, e.len, e.bytes,
       e.copy_kind, e.reason, e.other, e.step, e.tail_off, e.end_off, e.buf_size,
       e.mac_off, e.net_off, e.trans_off, e.data_id, e.dataref
FROM skb_events e JOIN hosts h ON h.id = e.host;

-- Time each skb spent in each layer on each host: the time from one of its
-- operations to its next one is charged to the layer of the first (the
-- layer holding the skb then; a queue's waiting time goes to the queue's
-- layer).  steps counts the operations.
CREATE VIEW IF NOT EXISTS layer_time AS
SELECT skb, host_id, host, layer, sum(next_ns - time_ns) AS time_ns,
       count(*) AS steps
FROM (SELECT e.skb, e.host AS host_id, h.name AS host, e.layer, e.time_ns,
             lead(e.time_ns) OVER (PARTITION BY e.skb ORDER BY e.seq) AS next_ns
      FROM skb_events e JOIN hosts h ON h.id = e.host)
WHERE next_ns IS NOT NULL
GROUP BY skb, host_id, layer;

-- The length of every queue after every enqueue and dequeue: plot qlen
-- against time_ns for one host's queue.
CREATE VIEW IF NOT EXISTS queue_occupancy AS
SELECT e.time_ns, e.host AS host_id, h.name AS host, e.layer, e.queue,
       e.qlen, e.op, e.skb, e.seq
FROM skb_events e JOIN hosts h ON h.id = e.host
WHERE e.op IN ({op.ENQUEUE}, {op.DEQUEUE});

-- Copies of data per skb: how many, how many bytes, and by kind.  A clone
-- (op {op.CLONE}) shares the data and is not a copy; an skb_copy (op {op.COPY},
-- copy_kind {copy.SKB_COPY}, other the new skb) is.  proto, saddr... come from
-- packets.
CREATE VIEW IF NOT EXISTS copies_per_packet AS
SELECT e.skb, min(e.host) AS host_id, p.proto, p.saddr, p.sport, p.daddr,
       p.dport, p.payload,
       count(*) AS copies, sum(e.bytes) AS bytes,
       sum(e.copy_kind = {copy.USER_TO_SKB}) AS user_to_skb,
       sum(e.copy_kind = {copy.SKB_TO_USER}) AS skb_to_user,
       sum(e.copy_kind = {copy.DMA_TO_DEV}) AS dma_to_dev,
       sum(e.copy_kind = {copy.DMA_FROM_DEV}) AS dma_from_dev,
       sum(e.copy_kind = {copy.SKB_COPY}) AS skb_copy,
       sum(e.copy_kind = {copy.KERNEL_TO_SKB}) AS kernel_to_skb
FROM skb_events e LEFT JOIN packets p ON p.skb = e.skb
WHERE e.op = {op.COPY}
GROUP BY e.skb;

-- Drops by host, layer and reason, from the per-skb trace.  (A frame the
-- NIC drops for want of an RX descriptor never had an skb: see the
-- counters table for those.)
CREATE VIEW IF NOT EXISTS drops AS
SELECT h.name AS host, e.host AS host_id, e.layer, e.reason, count(*) AS drops,
       min(e.time_ns) AS first_ns, max(e.time_ns) AS last_ns
FROM skb_events e JOIN hosts h ON h.id = e.host
WHERE e.op = {op.DROP}
GROUP BY e.host, e.layer, e.reason;

-- A frame that crosses a wire becomes a new skb on the receiving host.
-- For every frame sent (op {op.WIRE}, func 'tx') this names the skb that
-- received it: the rx row whose other column names the sender's skb, if
-- the trace records that, or else the first frame of the same length to
-- arrive at another host afterwards whose packets row (if both have one)
-- carries the same addresses, ports, sequence number and payload.
-- rx_skb is NULL when the frame never arrived (lost on the wire, or
-- dropped by a full RX ring).
CREATE VIEW IF NOT EXISTS wire_hops AS
SELECT t.skb AS tx_skb, t.host AS tx_host_id, t.time_ns AS tx_ns,
       t.queue AS tx_dev, t.len,
       (SELECT r.skb FROM skb_events r
        LEFT JOIN packets pr ON pr.skb = r.skb
        WHERE r.op = {op.WIRE} AND r.func = 'rx' AND r.host <> t.host
          AND r.time_ns >= t.time_ns AND r.len = t.len
          AND (r.other = t.skb
               OR (coalesce(r.other, 0) = 0
                   AND (pr.skb IS NULL OR pt.skb IS NULL
                        OR (pr.proto IS pt.proto AND pr.saddr IS pt.saddr
                            AND pr.daddr IS pt.daddr AND pr.sport IS pt.sport
                            AND pr.dport IS pt.dport AND pr.seq IS pt.seq
                            AND pr.payload IS pt.payload))))
        ORDER BY coalesce(r.other, 0) = 0, r.time_ns, r.seq LIMIT 1) AS rx_skb
FROM skb_events t LEFT JOIN packets pt ON pt.skb = t.skb
WHERE t.op = {op.WIRE} AND t.func = 'tx';

-- The buffer of one skb at each of its steps (seed Figure 4): headroom,
-- data and tailroom in bytes, with the header offsets.  Rows without
-- pointers (notes) are left out.
CREATE VIEW IF NOT EXISTS skb_buffer AS
SELECT e.skb, e.seq, e.step, e.time_ns, e.host AS host_id, h.name AS host, e.layer,
       e.op, e.func, e.bytes, e.data_off AS headroom, e.tail_off - e.data_off AS data,
       e.end_off - e.tail_off AS tailroom, e.end_off, e.buf_size, e.data_off,
       e.tail_off, e.mac_off, e.net_off, e.trans_off, e.data_id, e.dataref
FROM skb_events e JOIN hosts h ON h.id = e.host
WHERE e.step IS NOT NULL;

-- trace/schema.sql - the netsim trace database, schema version 11.
--
-- One database holds one run.  trace/trace.c creates these tables when a
-- trace is opened (this file is compiled into netsim), fills them while the
-- run goes, and builds the indexes below the "netsim:indexes" marker when
-- the run ends, so that writing is not slowed by index upkeep.
-- docs/trace-schema.md explains every column with example queries.
--
-- Conventions: times are virtual nanoseconds since the start of the run
-- (INTEGER); names (ops, CPU contexts, copy kinds, layers, functions,
-- queues, drop reasons) are readable TEXT; a column that does not apply to a
-- row is NULL.

PRAGMA user_version = 11;

-- The run: what ran, with which seed, by which netsim.  Exactly one row.
-- finished is 0 while the run goes and becomes 1 only when the run ended
-- normally: a killed run leaves 0.
CREATE TABLE run (
	id            INTEGER PRIMARY KEY CHECK (id = 1),
	scenario      TEXT,              -- scenario name
	scenario_text TEXT,              -- the whole scenario file, as run
	seed          INTEGER,           -- the run's seed (as a signed 64-bit value)
	version       TEXT,              -- netsim version that wrote the trace
	level         TEXT NOT NULL,     -- 'off', 'summary' or 'full'
	started_at    TEXT NOT NULL,     -- wall-clock start, ISO 8601 UTC
	finished      INTEGER NOT NULL DEFAULT 0,
	finished_at   TEXT,              -- wall-clock end, when finished
	duration_ns   INTEGER            -- virtual time at the end of the run
);

-- The simulated hosts and routers.
CREATE TABLE hosts (
	id   INTEGER PRIMARY KEY,        -- referred to as "host" in every other table
	name TEXT NOT NULL
);

-- One row per operation on an sk_buff (full level), in the order they
-- happened: seq orders rows that share a time_ns.  Read it as the view
-- skb_events below; the rows are stored in skb_rows, with the names of each
-- row (its CPU context, op, layer, function, queue, copy kind and drop
-- reason) stored once in skb_sites and referred to by number, because a
-- run writes millions of these rows and the names take most of a row
-- (docs/performance.md, the trace section).
CREATE TABLE skb_sites (
	id        INTEGER PRIMARY KEY,   -- skb_rows.site; numbered as the run first met them
	ctx       TEXT NOT NULL,
	cpu       INTEGER NOT NULL DEFAULT 0, -- the host's CPU that ran the op (0 on a one-CPU host)
	op        TEXT NOT NULL,
	layer     TEXT,
	func      TEXT,
	queue     TEXT,
	copy_kind TEXT,
	reason    TEXT
);

CREATE TABLE skb_rows (
	seq       INTEGER PRIMARY KEY,
	time_ns   INTEGER NOT NULL,
	host      INTEGER NOT NULL,
	site      INTEGER NOT NULL,      -- skb_sites.id
	skb       INTEGER NOT NULL,
	data_off  INTEGER,
	len       INTEGER,               -- NULL: tail_off - data_off; -1: NULL
	bytes     INTEGER,               -- skb_events.bytes, or qlen for enqueue/dequeue
	other     INTEGER,
	step      INTEGER,
	tail_off  INTEGER,
	end_off   INTEGER,
	buf_size  INTEGER,
	mac_off   INTEGER,
	net_off   INTEGER,
	trans_off INTEGER,
	data_id   INTEGER,
	dataref   INTEGER
);

-- skb_rows packed: while a run writes, a trace stores its skb_rows rows
-- about 37 KB of rows (at most TRACE_PACK_ROWS, 4096) to a row of skb_packs, as a JSON array,
-- because one B-tree row per operation costs more than the simulation
-- itself (docs/performance.md, the trace section).  When the run ends, a
-- trace of at most NETSIM_TRACE_EXPAND_ROWS skb_events rows (default
-- 3,000,000) is expanded into skb_rows and cpu_rows, so that lecture-sized
-- traces are plain tables with indexes; a bigger one stays packed until
-- `netsim trace expand FILE`.  Either way skb_events and cpu_busy below give
-- the same rows.  The view skb_packed decodes the packs with SQLite's own
-- json_each: one row of skb_rows' columns per element, seq = seq0 + index.
-- Since schema 9 an element is a string, one character a value (the
-- writer's trace_pack_put_skb_rec, trace/trace_pack_text.c): character
-- K's code point c gives c - 35 ('\' written escaped; a space: NULL; past
-- the end: NULL), in the order time_ns - t0 (two characters: / 32768 and % 32768),
-- host, site, skb - k0 (z), data_off, step, tail_off, end_off, buf_size,
-- data_id (0 for 0, else data_id - d0 (z) + 1), dataref, bytes,
-- trans_off, net_off, mac_off,
-- other - k0 (z), len + 1; (z): zigzagged, 0 -1 1 -2 .. as 0 1 2 3 ...
-- A row with a value that does not fit one character (0 .. 55260) is an
-- array, as schema 8 wrote every row: skb_rows' values, time_ns, skb and
-- data_id as differences from the pack's first, in the order of the ->>
-- indexes below, trailing NULLs left out.
CREATE TABLE skb_packs (
	seq0 INTEGER PRIMARY KEY,        -- seq of the first row
	n    INTEGER NOT NULL,           -- rows in the pack: seq0 .. seq0 + n - 1
	t0   INTEGER NOT NULL,           -- time_ns of the first row
	k0   INTEGER NOT NULL,           -- skb of the first row
	d0   INTEGER NOT NULL,           -- data_id of the first row that has one (else 0)
	rows TEXT NOT NULL               -- [[time_ns - t0, host, site, skb - k0, data_off, ...], ...]
);

CREATE VIEW skb_packed AS
SELECT seq,
       t0 + CASE WHEN a THEN v ->> 0 ELSE (nullif(c1, 32) - 35) * 32768 + (nullif(c2, 32) - 35) END AS time_ns,
       CASE WHEN a THEN v ->> 1 ELSE (nullif(c3, 32) - 35) END AS host,
       CASE WHEN a THEN v ->> 2 ELSE (nullif(c4, 32) - 35) END AS site,
       k0 + CASE WHEN a THEN v ->> 3 ELSE CASE WHEN (nullif(c5, 32) - 35) & 1 THEN -1 - ((nullif(c5, 32) - 35) >> 1) ELSE (nullif(c5, 32) - 35) >> 1 END END AS skb,
       CASE WHEN a THEN v ->> 4 ELSE (nullif(c6, 32) - 35) END AS data_off,
       CASE WHEN a THEN v ->> 16 ELSE (nullif(c18, 32) - 35) - 1 END AS len,
       CASE WHEN a THEN v ->> 11 ELSE (nullif(c13, 32) - 35) END AS bytes,
       CASE WHEN a THEN v ->> 15 ELSE k0 + CASE WHEN (nullif(c17, 32) - 35) & 1 THEN -1 - ((nullif(c17, 32) - 35) >> 1) ELSE (nullif(c17, 32) - 35) >> 1 END END AS other,
       CASE WHEN a THEN v ->> 5 ELSE (nullif(c7, 32) - 35) END AS step,
       CASE WHEN a THEN v ->> 6 ELSE (nullif(c8, 32) - 35) END AS tail_off,
       CASE WHEN a THEN v ->> 7 ELSE (nullif(c9, 32) - 35) END AS end_off,
       CASE WHEN a THEN v ->> 8 ELSE (nullif(c10, 32) - 35) END AS buf_size,
       CASE WHEN a THEN v ->> 14 ELSE (nullif(c16, 32) - 35) END AS mac_off,
       CASE WHEN a THEN v ->> 13 ELSE (nullif(c15, 32) - 35) END AS net_off,
       CASE WHEN a THEN v ->> 12 ELSE (nullif(c14, 32) - 35) END AS trans_off,
       CASE WHEN a THEN d0 + (v ->> 9) WHEN (nullif(c11, 32) - 35) = 0 THEN 0
            ELSE d0 + CASE WHEN ((nullif(c11, 32) - 35) - 1) & 1 THEN -1 - (((nullif(c11, 32) - 35) - 1) >> 1) ELSE ((nullif(c11, 32) - 35) - 1) >> 1 END END AS data_id,
       CASE WHEN a THEN v ->> 10 ELSE (nullif(c12, 32) - 35) END AS dataref,
       pack
FROM (SELECT p.seq0 + j.key AS seq, p.seq0 AS pack, p.t0 AS t0, p.k0 AS k0, p.d0 AS d0,
	     j.type = 'array' AS a, j.value AS v,
	     unicode(substr(j.value, 1, 1)) AS c1,
	     unicode(substr(j.value, 2, 1)) AS c2,
	     unicode(substr(j.value, 3, 1)) AS c3,
	     unicode(substr(j.value, 4, 1)) AS c4,
	     unicode(substr(j.value, 5, 1)) AS c5,
	     unicode(substr(j.value, 6, 1)) AS c6,
	     unicode(substr(j.value, 7, 1)) AS c7,
	     unicode(substr(j.value, 8, 1)) AS c8,
	     unicode(substr(j.value, 9, 1)) AS c9,
	     unicode(substr(j.value, 10, 1)) AS c10,
	     unicode(substr(j.value, 11, 1)) AS c11,
	     unicode(substr(j.value, 12, 1)) AS c12,
	     unicode(substr(j.value, 13, 1)) AS c13,
	     unicode(substr(j.value, 14, 1)) AS c14,
	     unicode(substr(j.value, 15, 1)) AS c15,
	     unicode(substr(j.value, 16, 1)) AS c16,
	     unicode(substr(j.value, 17, 1)) AS c17,
	     unicode(substr(j.value, 18, 1)) AS c18
      FROM skb_packs p CROSS JOIN json_each(p.rows) j);

-- What an skb carries, recorded once per skb (summary level and above) where its headers
-- were first known: the first row for an skb wins.  Read it as the view packets
-- below: since schema 11 the rows are stored in packet_rows (a lecture's trace:
-- all of them), or packed in packet_packs as skb_rows are once a big run packs
-- its rows (one B-tree row each cost about 4,500 instructions in SQLite, 13%
-- of a packed trace's; docs/performance.md).
CREATE TABLE packet_rows (
	skb       INTEGER PRIMARY KEY,
	host      INTEGER NOT NULL,
	time_ns   INTEGER NOT NULL,      -- when it was recorded
	proto     TEXT NOT NULL,         -- 'tcp', 'udp', 'icmp', 'arp' or the number
	saddr     TEXT,                  -- dotted quad
	daddr     TEXT,
	sport     INTEGER,               -- tcp/udp only
	dport     INTEGER,
	tcp_flags TEXT,                  -- tcp only, tcpdump style: 'S', 'S.', '.', 'P.', 'F.', 'R'
	seq       INTEGER,               -- tcp only
	ack       INTEGER,               -- tcp only
	payload   INTEGER NOT NULL       -- transport payload bytes
);

-- The names and ports of packed packets rows, each combination once
-- (numbered as the packed rows first met them), as skb_sites are.
CREATE TABLE packet_sites (
	id        INTEGER PRIMARY KEY,
	proto     TEXT NOT NULL,
	saddr     TEXT,
	daddr     TEXT,
	sport     INTEGER,
	dport     INTEGER,
	tcp_flags TEXT
);

-- packet_rows packed as skb_rows are (skb_packs above): each element is a
-- string of time_ns - t0 (two characters: / 32768 and % 32768), host,
-- site (packet_sites.id), skb - k0 (z), payload (two characters), seq and
-- ack (three characters each: >> 30, >> 15 & 32767, & 32767), or, when a
-- value does not fit, the array [time_ns - t0, host, site, skb - k0,
-- payload, seq, ack].  Rows are not deduplicated when packed: the view
-- packets keeps the first row of each skb (ord: the rows' order).
CREATE TABLE packet_packs (
	id   INTEGER PRIMARY KEY,        -- packs in the order they were written
	n    INTEGER NOT NULL,
	t0   INTEGER NOT NULL,           -- time_ns of the first row
	k0   INTEGER NOT NULL,           -- skb of the first row
	rows TEXT NOT NULL
);

CREATE VIEW packet_packed AS
SELECT ord,
       t0 + CASE WHEN a THEN v ->> 0 ELSE (nullif(c1, 32) - 35) * 32768 + (nullif(c2, 32) - 35) END AS time_ns,
       CASE WHEN a THEN v ->> 1 ELSE (nullif(c3, 32) - 35) END AS host,
       CASE WHEN a THEN v ->> 2 ELSE (nullif(c4, 32) - 35) END AS site,
       k0 + CASE WHEN a THEN v ->> 3 ELSE CASE WHEN (nullif(c5, 32) - 35) & 1 THEN -1 - ((nullif(c5, 32) - 35) >> 1) ELSE (nullif(c5, 32) - 35) >> 1 END END AS skb,
       CASE WHEN a THEN v ->> 4 ELSE (nullif(c6, 32) - 35) * 32768 + (nullif(c7, 32) - 35) END AS payload,
       CASE WHEN a THEN v ->> 5 ELSE ((nullif(c8, 32) - 35) << 30) + ((nullif(c9, 32) - 35) << 15) + (nullif(c10, 32) - 35) END AS seq,
       CASE WHEN a THEN v ->> 6 ELSE ((nullif(c11, 32) - 35) << 30) + ((nullif(c12, 32) - 35) << 15) + (nullif(c13, 32) - 35) END AS ack
FROM (SELECT (p.id << 12) + j.key AS ord, p.t0 AS t0, p.k0 AS k0,
	     j.type = 'array' AS a, j.value AS v,
	     unicode(substr(j.value, 1, 1)) AS c1,
	     unicode(substr(j.value, 2, 1)) AS c2,
	     unicode(substr(j.value, 3, 1)) AS c3,
	     unicode(substr(j.value, 4, 1)) AS c4,
	     unicode(substr(j.value, 5, 1)) AS c5,
	     unicode(substr(j.value, 6, 1)) AS c6,
	     unicode(substr(j.value, 7, 1)) AS c7,
	     unicode(substr(j.value, 8, 1)) AS c8,
	     unicode(substr(j.value, 9, 1)) AS c9,
	     unicode(substr(j.value, 10, 1)) AS c10,
	     unicode(substr(j.value, 11, 1)) AS c11,
	     unicode(substr(j.value, 12, 1)) AS c12,
	     unicode(substr(j.value, 13, 1)) AS c13
      FROM packet_packs p CROSS JOIN json_each(p.rows) j);

-- Every stretch of time a CPU spent on one work item (full level).  Read it
-- as the view cpu_busy below; the stretches are stored in cpu_rows, with
-- the context and the work item's name stored once in cpu_work, as
-- skb_events' names are.
CREATE TABLE cpu_work (
	id   INTEGER PRIMARY KEY,        -- cpu_rows.work; numbered as the run first met them
	ctx  TEXT NOT NULL,
	name TEXT NOT NULL
);

CREATE TABLE cpu_rows (
	host     INTEGER NOT NULL,
	work     INTEGER NOT NULL,       -- cpu_work.id
	start_ns INTEGER NOT NULL,
	end_ns   INTEGER NOT NULL,
	task     INTEGER,
	cpu      INTEGER NOT NULL DEFAULT 0 -- the host's CPU (smp_processor_id); 0 on a one-CPU host
);

-- cpu_rows packed as skb_rows are (skb_packs above): each element is a
-- string of host, work, start_ns - t0 and end_ns - start_ns (two
-- characters each), task, cpu, or, when a value does not fit, the array
-- [host, work, start_ns - t0, end_ns - start_ns, task, cpu]; cpu is left
-- out when it is 0.
CREATE TABLE cpu_packs (
	id   INTEGER PRIMARY KEY,        -- packs in the order they were written
	n    INTEGER NOT NULL,
	t0   INTEGER NOT NULL,           -- start_ns of the first row
	rows TEXT NOT NULL
);

CREATE VIEW cpu_packed AS
SELECT CASE WHEN a THEN v ->> 0 ELSE (nullif(c1, 32) - 35) END AS host,
       CASE WHEN a THEN v ->> 1 ELSE (nullif(c2, 32) - 35) END AS work,
       t0 + CASE WHEN a THEN v ->> 2 ELSE (nullif(c3, 32) - 35) * 32768 + (nullif(c4, 32) - 35) END AS start_ns,
       t0 + CASE WHEN a THEN (v ->> 2) + (v ->> 3) ELSE (nullif(c3, 32) - 35) * 32768 + (nullif(c4, 32) - 35) + (nullif(c5, 32) - 35) * 32768 + (nullif(c6, 32) - 35) END AS end_ns,
       CASE WHEN a THEN v ->> 4 ELSE (nullif(c7, 32) - 35) END AS task,
       coalesce(CASE WHEN a THEN v ->> 5 ELSE (nullif(c8, 32) - 35) END, 0) AS cpu,
       pack
FROM (SELECT p.id AS pack, p.t0 AS t0, j.type = 'array' AS a, j.value AS v,
	     unicode(substr(j.value, 1, 1)) AS c1,
	     unicode(substr(j.value, 2, 1)) AS c2,
	     unicode(substr(j.value, 3, 1)) AS c3,
	     unicode(substr(j.value, 4, 1)) AS c4,
	     unicode(substr(j.value, 5, 1)) AS c5,
	     unicode(substr(j.value, 6, 1)) AS c6,
	     unicode(substr(j.value, 7, 1)) AS c7,
	     unicode(substr(j.value, 8, 1)) AS c8
      FROM cpu_packs p CROSS JOIN json_each(p.rows) j);

-- CPU time per task over the whole run (summary level and above), written
-- when the run ends: the scheduler's sum_exec_runtime, which includes the
-- context switches into the task (the metrics HOST.task.NAME.*).
CREATE TABLE task_total (
	host        INTEGER NOT NULL,
	task        INTEGER NOT NULL,    -- 0 is the kernel's (softirq work in task context)
	name        TEXT NOT NULL,       -- the process, ksoftirqd/0, napi/eth0-0, ...
	cpu_ns      INTEGER NOT NULL,
	switches_in INTEGER NOT NULL
);

-- CPU time per host, context and work item over the whole run (summary
-- level and above), written when the run ends.
CREATE TABLE cpu_total (
	host      INTEGER NOT NULL,
	ctx       TEXT NOT NULL,
	name      TEXT NOT NULL,
	busy_ns   INTEGER NOT NULL,
	intervals INTEGER NOT NULL       -- how many stretches made up busy_ns
);

-- Named counters' final values (summary level and above).
CREATE TABLE counters (
	host  INTEGER NOT NULL,
	name  TEXT NOT NULL,             -- e.g. 'drop.ring_full', 'ip.in_receives'
	place TEXT,                      -- where it is kept, e.g. 'eth0'
	value INTEGER NOT NULL
);

-- Samples of TCP congestion state (summary level and above), with the
-- fields Linux's tcp_info reports under these names (tcpi_ca_state,
-- tcpi_sacked, tcpi_lost, tcpi_retrans, tcpi_rttvar).
CREATE TABLE tcp_cc (
	time_ns     INTEGER NOT NULL,
	host        INTEGER NOT NULL,
	conn        TEXT NOT NULL,       -- e.g. '10.0.0.1:5000-10.0.0.2:80'
	cwnd        INTEGER NOT NULL,    -- bytes
	ssthresh    INTEGER NOT NULL,
	flight      INTEGER NOT NULL,    -- bytes in flight (with SACK the pipe)
	srtt_ns     INTEGER NOT NULL,
	rto_ns      INTEGER NOT NULL,
	rttvar_ns   INTEGER NOT NULL,    -- mean deviation of the RTT (tcpi_rttvar)
	ca          TEXT NOT NULL,       -- the algorithm, 'cubic' or 'reno'
	ca_state    TEXT NOT NULL,       -- 'Open', 'Disorder', 'CWR', 'Recovery', 'Loss'
	sacked_out  INTEGER NOT NULL,    -- segments SACKed (the scoreboard)
	lost_out    INTEGER NOT NULL,    -- segments marked lost
	retrans_out INTEGER NOT NULL,    -- retransmitted segments in flight
	pacing_rate INTEGER              -- bytes a second (tcpi_pacing_rate: Linux
	                                 -- tcp_update_pacing_rate, 200% of cwnd/srtt
	                                 -- in slow start, 120% after); NULL before the
	                                 -- first RTT sample and in traces before version 10
);

-- Every change of a TCP connection's state (summary level and above), as
-- Linux's inet_sock_set_state tracepoint reports it from tcp_set_state
-- (net/ipv4/tcp.c): one row per change, in the order they happened.
CREATE TABLE tcp_state (
	time_ns   INTEGER NOT NULL,
	host      INTEGER NOT NULL,
	conn      TEXT NOT NULL,         -- as tcp_cc.conn, '10.0.0.1:33440>10.0.0.2:80';
	                                 -- a listener: '10.0.0.2:80>*'
	old_state TEXT NOT NULL,         -- Linux's names: 'TCP_CLOSE', 'TCP_SYN_SENT', ...
	new_state TEXT NOT NULL
);

-- netsim:packed-views (run at open: the views of a packed trace)
-- skb_events and cpu_busy read the plain tables and then the packs: each
-- is the plain view below UNION ALL the same columns of the decoded packs
-- (a UNION ALL takes its names and declared types from its first SELECT).
CREATE VIEW skb_events AS
SELECT r.seq AS seq,
       r.time_ns AS time_ns,
       r.host AS host,                -- hosts.id
       s.ctx AS ctx,                  -- 'hardirq', 'softirq', 'task' or 'hw'
       r.skb AS skb,                  -- the skb's run-unique id
       s.op AS op,                    -- alloc free drop enqueue dequeue handoff push pull
                                      -- copy clone wire route reserve put trim header expand
       s.layer AS layer,              -- 'nic', 'dev', 'eth', 'ip', 'udp', ...
       s.func AS func,                -- handoff: the function now holding the skb;
                                      -- wire: 'tx' or 'rx'; route: route_cache_hit,
                                      -- route_cache_miss or fib_lookup
       s.queue AS queue,              -- enqueue/dequeue: the queue; wire: the interface
       r.data_off AS data_off,        -- data - head after the op
       CASE WHEN r.len IS NULL THEN r.tail_off - r.data_off
            WHEN r.len <> -1 THEN r.len END AS len,   -- skb->len after the op
       CASE WHEN s.op NOT IN ('enqueue', 'dequeue') THEN r.bytes END AS bytes,
                                      -- push/pull/reserve/put/trim/expand: bytes moved;
                                      -- copy: bytes copied
       CASE WHEN s.op IN ('enqueue', 'dequeue') THEN r.bytes END AS qlen,
                                      -- enqueue/dequeue: queue length after the op
       s.copy_kind AS copy_kind,      -- copy: user_to_skb skb_to_user dma_to_dev
                                      -- dma_from_dev skb_copy kernel_to_skb
       s.reason AS reason,            -- drop: why
       r.other AS other,              -- clone/copy: the new skb's id; wire rx: the sender's skb
       -- The skb's pointers after the op, as offsets from head (head is 0), on
       -- every row of an skb (NULL only on a frame the NIC dropped before it
       -- had an skb, and on a wire tx row a test writes).  data_off
       -- above is data; len = tail_off - data_off.
       r.step AS step,                -- the skb's row number: 0 at alloc, +1 every row
       r.tail_off AS tail_off,        -- tail - head
       r.end_off AS end_off,          -- end - head
       r.buf_size AS buf_size,        -- bytes of the data buffer (end_off <= buf_size)
       r.mac_off AS mac_off,          -- mac header - head, NULL until set
       r.net_off AS net_off,          -- network header - head, NULL until set
       r.trans_off AS trans_off,      -- transport header - head, NULL until set
       r.data_id AS data_id,          -- the data buffer's run-unique id; clones share it
       r.dataref AS dataref,          -- skbs sharing the data after the op (free: 0 = data freed)
       s.cpu AS cpu                   -- the host's CPU whose code did the op (smp_processor_id;
                                      -- a timer's: the CPU that armed it); 0 on a one-CPU host
FROM skb_rows r CROSS JOIN skb_sites s ON s.id = r.site
UNION ALL
SELECT r.seq AS seq,
       r.time_ns AS time_ns,
       r.host AS host,
       s.ctx AS ctx,
       r.skb AS skb,
       s.op AS op,
       s.layer AS layer,
       s.func AS func,
       s.queue AS queue,
       r.data_off AS data_off,
       CASE WHEN r.len IS NULL THEN r.tail_off - r.data_off
            WHEN r.len <> -1 THEN r.len END AS len,
       CASE WHEN s.op NOT IN ('enqueue', 'dequeue') THEN r.bytes END AS bytes,
       CASE WHEN s.op IN ('enqueue', 'dequeue') THEN r.bytes END AS qlen,
       s.copy_kind AS copy_kind,
       s.reason AS reason,
       r.other AS other,
       r.step AS step,
       r.tail_off AS tail_off,
       r.end_off AS end_off,
       r.buf_size AS buf_size,
       r.mac_off AS mac_off,
       r.net_off AS net_off,
       r.trans_off AS trans_off,
       r.data_id AS data_id,
       r.dataref AS dataref,
       s.cpu AS cpu
FROM skb_packed r CROSS JOIN skb_sites s ON s.id = r.site;

CREATE VIEW cpu_busy AS
SELECT r.host AS host,
       w.ctx AS ctx,
       w.name AS name,                -- the work item, e.g. 'eth0 irq', 'net_rx_action'
       r.start_ns AS start_ns,
       r.end_ns AS end_ns,
       r.task AS task,                -- ctx 'task': the task it was for (0: the kernel's)
       r.cpu AS cpu                   -- the host's CPU that did the work (0 on a one-CPU host)
FROM cpu_rows r CROSS JOIN cpu_work w ON w.id = r.work
UNION ALL
SELECT r.host AS host,
       w.ctx AS ctx,
       w.name AS name,
       r.start_ns AS start_ns,
       r.end_ns AS end_ns,
       r.task AS task,
       r.cpu AS cpu
FROM cpu_packed r CROSS JOIN cpu_work w ON w.id = r.work;

-- packets: the plain rows and the packed ones, the first row of each skb
-- (ord 0 for a plain row: they were all made before any packed one), in
-- the order of skb as a table with that primary key gives them.  The
-- last SELECT, which gives no row, is there for the declared types (a
-- UNION ALL inside a subquery takes its last SELECT's); packet_rows first,
-- the planner builds an automatic index on skb where packets is joined
-- (LEFT JOIN packets p ON p.skb = e.skb: the views of viz/), not with the
-- packs first (SQLite 3.40).
CREATE VIEW packets AS
SELECT skb, host, time_ns, proto, saddr, daddr, sport, dport, tcp_flags, seq, ack, payload
FROM (SELECT min(ord) AS ord, skb, host, time_ns, proto, saddr, daddr, sport, dport,
	     tcp_flags, seq, ack, payload
      FROM (SELECT 0 AS ord, skb, host, time_ns, proto, saddr, daddr, sport, dport,
		   tcp_flags, seq, ack, payload
	    FROM packet_rows
	    UNION ALL
	    SELECT r.ord, r.skb, r.host, r.time_ns, s.proto, s.saddr, s.daddr, s.sport,
		   s.dport, s.tcp_flags, r.seq, r.ack, r.payload
	    FROM packet_packed r CROSS JOIN packet_sites s ON s.id = r.site
	    UNION ALL
	    SELECT 0, skb, host, time_ns, proto, saddr, daddr, sport, dport, tcp_flags, seq,
		   ack, payload
	    FROM packet_rows WHERE 0)
      GROUP BY skb);

-- netsim:plain-views (run when a trace is expanded, replacing the views above)
DROP VIEW IF EXISTS skb_events;
DROP VIEW IF EXISTS cpu_busy;
-- Every skb operation with its names: what to query.
CREATE VIEW skb_events AS
SELECT r.seq AS seq,
       r.time_ns AS time_ns,
       r.host AS host,                -- hosts.id
       s.ctx AS ctx,                  -- 'hardirq', 'softirq', 'task' or 'hw'
       r.skb AS skb,                  -- the skb's run-unique id
       s.op AS op,                    -- alloc free drop enqueue dequeue handoff push pull
                                      -- copy clone wire route reserve put trim header expand
       s.layer AS layer,              -- 'nic', 'dev', 'eth', 'ip', 'udp', ...
       s.func AS func,                -- handoff: the function now holding the skb;
                                      -- wire: 'tx' or 'rx'; route: route_cache_hit,
                                      -- route_cache_miss or fib_lookup
       s.queue AS queue,              -- enqueue/dequeue: the queue; wire: the interface
       r.data_off AS data_off,        -- data - head after the op
       CASE WHEN r.len IS NULL THEN r.tail_off - r.data_off
            WHEN r.len <> -1 THEN r.len END AS len,   -- skb->len after the op
       CASE WHEN s.op NOT IN ('enqueue', 'dequeue') THEN r.bytes END AS bytes,
                                      -- push/pull/reserve/put/trim/expand: bytes moved;
                                      -- copy: bytes copied
       CASE WHEN s.op IN ('enqueue', 'dequeue') THEN r.bytes END AS qlen,
                                      -- enqueue/dequeue: queue length after the op
       s.copy_kind AS copy_kind,      -- copy: user_to_skb skb_to_user dma_to_dev
                                      -- dma_from_dev skb_copy kernel_to_skb
       s.reason AS reason,            -- drop: why
       r.other AS other,              -- clone/copy: the new skb's id; wire rx: the sender's skb
       -- The skb's pointers after the op, as offsets from head (head is 0), on
       -- every row of an skb (NULL only on a frame the NIC dropped before it
       -- had an skb, and on a wire tx row a test writes).  data_off
       -- above is data; len = tail_off - data_off.
       r.step AS step,                -- the skb's row number: 0 at alloc, +1 every row
       r.tail_off AS tail_off,        -- tail - head
       r.end_off AS end_off,          -- end - head
       r.buf_size AS buf_size,        -- bytes of the data buffer (end_off <= buf_size)
       r.mac_off AS mac_off,          -- mac header - head, NULL until set
       r.net_off AS net_off,          -- network header - head, NULL until set
       r.trans_off AS trans_off,      -- transport header - head, NULL until set
       r.data_id AS data_id,          -- the data buffer's run-unique id; clones share it
       r.dataref AS dataref,          -- skbs sharing the data after the op (free: 0 = data freed)
       s.cpu AS cpu                   -- the host's CPU whose code did the op (smp_processor_id;
                                      -- a timer's: the CPU that armed it); 0 on a one-CPU host
FROM skb_rows r CROSS JOIN skb_sites s ON s.id = r.site;

CREATE VIEW cpu_busy AS
SELECT r.host AS host,
       w.ctx AS ctx,
       w.name AS name,                -- the work item, e.g. 'eth0 irq', 'net_rx_action'
       r.start_ns AS start_ns,
       r.end_ns AS end_ns,
       r.task AS task,                -- ctx 'task': the task it was for (0: the kernel's)
       r.cpu AS cpu                   -- the host's CPU that did the work (0 on a one-CPU host)
FROM cpu_rows r CROSS JOIN cpu_work w ON w.id = r.work;

-- netsim:plain-packets (run with the plain views on a trace of schema 11 or later)
DROP VIEW IF EXISTS packets;
-- What each skb carried (the first row of each): what to query.
CREATE VIEW packets AS
SELECT skb, host, time_ns, proto, saddr, daddr, sport, dport, tcp_flags, seq, ack, payload
FROM packet_rows;

-- netsim:triggers (run after either set of views: DROP VIEW drops its triggers)
-- skb_events and cpu_busy can be changed like tables (tests cut and edit
-- traces this way): the triggers store the names as skb_sites and cpu_work
-- rows.  A row changed in a packed trace is first moved to the plain table
-- with the rest of its pack.
-- skb_events can be changed like a table (tests cut and edit traces this
-- way): the triggers store the names as skb_sites rows.
CREATE TRIGGER skb_events_insert INSTEAD OF INSERT ON skb_events BEGIN
	INSERT INTO skb_sites (ctx, cpu, op, layer, func, queue, copy_kind, reason)
	SELECT NEW.ctx, coalesce(NEW.cpu, 0), NEW.op, NEW.layer, NEW.func, NEW.queue, NEW.copy_kind,
		NEW.reason
	WHERE NOT EXISTS (SELECT 1 FROM skb_sites WHERE ctx IS NEW.ctx AND cpu = coalesce(NEW.cpu, 0) AND op IS NEW.op
		AND layer IS NEW.layer AND func IS NEW.func AND queue IS NEW.queue
		AND copy_kind IS NEW.copy_kind AND reason IS NEW.reason);
	INSERT INTO skb_rows (seq, time_ns, host, site, skb, data_off, len, bytes, other, step,
		tail_off, end_off, buf_size, mac_off, net_off, trans_off, data_id, dataref)
	VALUES (coalesce(NEW.seq, max(coalesce((SELECT max(seq) FROM skb_rows), 0),
			coalesce((SELECT seq0 + n - 1 FROM skb_packs ORDER BY seq0 DESC LIMIT 1), 0)) + 1),
		NEW.time_ns, NEW.host,
		(SELECT min(id) FROM skb_sites WHERE ctx IS NEW.ctx AND cpu = coalesce(NEW.cpu, 0) AND op IS NEW.op
		 AND layer IS NEW.layer AND func IS NEW.func AND queue IS NEW.queue
		 AND copy_kind IS NEW.copy_kind AND reason IS NEW.reason),
		NEW.skb, NEW.data_off,
		CASE WHEN NEW.len IS NEW.tail_off - NEW.data_off THEN NULL ELSE coalesce(NEW.len, -1) END,
		CASE WHEN NEW.op IN ('enqueue', 'dequeue') THEN NEW.qlen ELSE NEW.bytes END,
		NEW.other, NEW.step, NEW.tail_off, NEW.end_off, NEW.buf_size, NEW.mac_off,
		NEW.net_off, NEW.trans_off, NEW.data_id, NEW.dataref);
END;

CREATE TRIGGER skb_events_update INSTEAD OF UPDATE ON skb_events BEGIN
	-- a packed row is moved to skb_rows first, with the rest of its pack
	INSERT INTO skb_rows (seq, time_ns, host, site, skb, data_off, len, bytes, other, step, tail_off, end_off,
		buf_size, mac_off, net_off, trans_off, data_id, dataref)
	SELECT seq, time_ns, host, site, skb, data_off, len, bytes, other, step, tail_off, end_off,
		buf_size, mac_off, net_off, trans_off, data_id, dataref FROM skb_packed
	WHERE pack = (SELECT seq0 FROM skb_packs WHERE seq0 <= OLD.seq ORDER BY seq0 DESC LIMIT 1)
	AND NOT EXISTS (SELECT 1 FROM skb_rows WHERE seq = OLD.seq);
	DELETE FROM skb_packs
	WHERE seq0 = (SELECT seq0 FROM skb_packs WHERE seq0 <= OLD.seq ORDER BY seq0 DESC LIMIT 1)
	AND EXISTS (SELECT 1 FROM skb_rows WHERE seq = OLD.seq);
	INSERT INTO skb_sites (ctx, cpu, op, layer, func, queue, copy_kind, reason)
	SELECT NEW.ctx, coalesce(NEW.cpu, 0), NEW.op, NEW.layer, NEW.func, NEW.queue, NEW.copy_kind,
		NEW.reason
	WHERE NOT EXISTS (SELECT 1 FROM skb_sites WHERE ctx IS NEW.ctx AND cpu = coalesce(NEW.cpu, 0) AND op IS NEW.op
		AND layer IS NEW.layer AND func IS NEW.func AND queue IS NEW.queue
		AND copy_kind IS NEW.copy_kind AND reason IS NEW.reason);
	UPDATE skb_rows SET seq = NEW.seq, time_ns = NEW.time_ns, host = NEW.host,
		site = (SELECT min(id) FROM skb_sites WHERE ctx IS NEW.ctx AND cpu = coalesce(NEW.cpu, 0) AND op IS NEW.op
			AND layer IS NEW.layer AND func IS NEW.func AND queue IS NEW.queue
			AND copy_kind IS NEW.copy_kind AND reason IS NEW.reason),
		skb = NEW.skb, data_off = NEW.data_off,
		len = CASE WHEN NEW.len IS NEW.tail_off - NEW.data_off THEN NULL
			   ELSE coalesce(NEW.len, -1) END,
		bytes = CASE WHEN NEW.op IN ('enqueue', 'dequeue') THEN NEW.qlen ELSE NEW.bytes END,
		other = NEW.other, step = NEW.step, tail_off = NEW.tail_off,
		end_off = NEW.end_off, buf_size = NEW.buf_size, mac_off = NEW.mac_off,
		net_off = NEW.net_off, trans_off = NEW.trans_off, data_id = NEW.data_id,
		dataref = NEW.dataref
	WHERE seq = OLD.seq;
END;

CREATE TRIGGER skb_events_delete INSTEAD OF DELETE ON skb_events BEGIN
	-- a packed row is moved to skb_rows first, with the rest of its pack
	INSERT INTO skb_rows (seq, time_ns, host, site, skb, data_off, len, bytes, other, step, tail_off, end_off,
		buf_size, mac_off, net_off, trans_off, data_id, dataref)
	SELECT seq, time_ns, host, site, skb, data_off, len, bytes, other, step, tail_off, end_off,
		buf_size, mac_off, net_off, trans_off, data_id, dataref FROM skb_packed
	WHERE pack = (SELECT seq0 FROM skb_packs WHERE seq0 <= OLD.seq ORDER BY seq0 DESC LIMIT 1)
	AND NOT EXISTS (SELECT 1 FROM skb_rows WHERE seq = OLD.seq);
	DELETE FROM skb_packs
	WHERE seq0 = (SELECT seq0 FROM skb_packs WHERE seq0 <= OLD.seq ORDER BY seq0 DESC LIMIT 1)
	AND EXISTS (SELECT 1 FROM skb_rows WHERE seq = OLD.seq);
	DELETE FROM skb_rows WHERE seq = OLD.seq;
END;

CREATE TRIGGER cpu_busy_insert INSTEAD OF INSERT ON cpu_busy BEGIN
	INSERT INTO cpu_work (ctx, name) SELECT NEW.ctx, NEW.name
	WHERE NOT EXISTS (SELECT 1 FROM cpu_work WHERE ctx IS NEW.ctx AND name IS NEW.name);
	INSERT INTO cpu_rows (host, work, start_ns, end_ns, task, cpu)
	VALUES (NEW.host, (SELECT min(id) FROM cpu_work WHERE ctx IS NEW.ctx AND name IS NEW.name),
		NEW.start_ns, NEW.end_ns, NEW.task, coalesce(NEW.cpu, 0));
END;

CREATE TRIGGER cpu_busy_delete INSTEAD OF DELETE ON cpu_busy BEGIN
	-- on a packed trace every cpu_packs row is moved to cpu_rows first, in order
	INSERT INTO cpu_rows (host, work, start_ns, end_ns, task, cpu)
	SELECT host, work, start_ns, end_ns, task, cpu FROM cpu_packed;
	DELETE FROM cpu_packs;
	DELETE FROM cpu_rows WHERE rowid = (SELECT r.rowid FROM cpu_rows r
		JOIN cpu_work w ON w.id = r.work
		WHERE r.host = OLD.host AND r.start_ns = OLD.start_ns AND r.end_ns = OLD.end_ns
		AND r.task IS OLD.task AND r.cpu IS OLD.cpu AND w.ctx IS OLD.ctx
		AND w.name IS OLD.name LIMIT 1);
END;

-- netsim:expand (run at close for a small trace, and by `netsim trace expand`)
-- The packs become plain rows, in order; then trace_expand_db runs the
-- plain views above, the triggers again and the indexes below.  (Run as one
-- script, `sqlite3 new.db < schema.sql`, this file makes a plain trace.)
INSERT INTO skb_rows (seq, time_ns, host, site, skb, data_off, len, bytes, other, step, tail_off, end_off,
	      buf_size, mac_off, net_off, trans_off, data_id, dataref)
SELECT seq, time_ns, host, site, skb, data_off, len, bytes, other, step, tail_off, end_off,
	      buf_size, mac_off, net_off, trans_off, data_id, dataref FROM skb_packed;
DELETE FROM skb_packs;
INSERT INTO cpu_rows (host, work, start_ns, end_ns, task, cpu)
SELECT host, work, start_ns, end_ns, task, cpu FROM cpu_packed;
DELETE FROM cpu_packs;
INSERT OR IGNORE INTO packet_rows (skb, host, time_ns, proto, saddr, daddr, sport, dport,
	      tcp_flags, seq, ack, payload)
SELECT r.skb, r.host, r.time_ns, s.proto, s.saddr, s.daddr, s.sport, s.dport, s.tcp_flags,
	      r.seq, r.ack, r.payload
FROM packet_packed r CROSS JOIN packet_sites s ON s.id = r.site ORDER BY r.ord;
DELETE FROM packet_packs;

-- netsim:indexes (everything below is run by trace_close, not at open)
-- (skb) is (skb, seq): an index entry ends with the rowid, which is seq.
CREATE INDEX IF NOT EXISTS skb_events_by_skb ON skb_rows (skb);
CREATE INDEX IF NOT EXISTS cpu_busy_by_host ON cpu_rows (host, start_ns);
CREATE INDEX IF NOT EXISTS counters_by_name ON counters (name, host);
CREATE INDEX IF NOT EXISTS tcp_cc_by_conn ON tcp_cc (conn, time_ns);

-- netsim:indexes-expanded (run by trace_close and `netsim trace expand` on a
-- trace with plain rows, after the section above; a packed trace goes
-- without them: its rows are read by scanning the packs anyway, and sorting
-- the 2 M packets rows of the 1M-datagram flood took 0.7 s of its close)
CREATE INDEX IF NOT EXISTS packets_by_host ON packet_rows (host, time_ns);

-- trace/schema.sql - the netsim trace database, schema version 4.
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

PRAGMA user_version = 4;

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
-- happened: seq orders rows that share a time_ns.
CREATE TABLE skb_events (
	seq       INTEGER PRIMARY KEY,
	time_ns   INTEGER NOT NULL,
	host      INTEGER NOT NULL,      -- hosts.id
	ctx       TEXT NOT NULL,         -- 'hardirq', 'softirq', 'task' or 'hw'
	skb       INTEGER NOT NULL,      -- the skb's run-unique id
	op        TEXT NOT NULL,         -- alloc free drop enqueue dequeue handoff push pull
	                                 -- copy clone wire route reserve put trim header expand
	layer     TEXT,                  -- 'nic', 'dev', 'eth', 'ip', 'udp', ...
	func      TEXT,                  -- handoff: the function now holding the skb;
	                                 -- wire: 'tx' or 'rx'; route: route_cache_hit,
	                                 -- route_cache_miss or fib_lookup
	queue     TEXT,                  -- enqueue/dequeue: the queue; wire: the interface
	data_off  INTEGER,               -- data - head after the op
	len       INTEGER,               -- skb->len after the op
	bytes     INTEGER,               -- push/pull/reserve/put/trim/expand: bytes moved;
	                                 -- copy: bytes copied
	qlen      INTEGER,               -- enqueue/dequeue: queue length after the op
	copy_kind TEXT,                  -- copy: user_to_skb skb_to_user dma_to_dev
	                                 -- dma_from_dev skb_copy kernel_to_skb
	reason    TEXT,                  -- drop: why
	other     INTEGER,               -- clone/copy: the new skb's id; wire rx: the sender's skb
	-- The skb's pointers after the op, as offsets from head (head is 0), on
	-- every row of an skb (NULL only on a frame the NIC dropped before it
	-- had an skb, and on a wire tx row a test writes).  data_off
	-- above is data; len = tail_off - data_off.
	step      INTEGER,               -- the skb's row number: 0 at alloc, +1 every row
	tail_off  INTEGER,               -- tail - head
	end_off   INTEGER,               -- end - head
	buf_size  INTEGER,               -- bytes of the data buffer (end_off <= buf_size)
	mac_off   INTEGER,               -- mac header - head, NULL until set
	net_off   INTEGER,               -- network header - head, NULL until set
	trans_off INTEGER,               -- transport header - head, NULL until set
	data_id   INTEGER,               -- the data buffer's run-unique id; clones share it
	dataref   INTEGER                -- skbs sharing the data after the op (free: 0 = data freed)
);

-- What an skb carries, recorded once per skb (summary level and above) where its headers
-- were first known: the first row for an skb wins.
CREATE TABLE packets (
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

-- Every stretch of time a CPU spent on one work item (full level).
CREATE TABLE cpu_busy (
	host     INTEGER NOT NULL,
	ctx      TEXT NOT NULL,
	name     TEXT NOT NULL,          -- the work item, e.g. 'eth0 irq', 'net_rx_action'
	start_ns INTEGER NOT NULL,
	end_ns   INTEGER NOT NULL,
	task     INTEGER                 -- ctx 'task': the task it was for (0: the kernel's)
);

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

-- Samples of TCP congestion state (summary level and above).
CREATE TABLE tcp_cc (
	time_ns  INTEGER NOT NULL,
	host     INTEGER NOT NULL,
	conn     TEXT NOT NULL,          -- e.g. '10.0.0.1:5000-10.0.0.2:80'
	cwnd     INTEGER NOT NULL,       -- bytes
	ssthresh INTEGER NOT NULL,
	flight   INTEGER NOT NULL,       -- bytes in flight
	srtt_ns  INTEGER NOT NULL,
	rto_ns   INTEGER NOT NULL
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

-- netsim:indexes (everything below is run by trace_close, not at open)
CREATE INDEX skb_events_by_skb ON skb_events (skb, seq);
CREATE INDEX packets_by_host ON packets (host, time_ns);
CREATE INDEX cpu_busy_by_host ON cpu_busy (host, start_ns);
CREATE INDEX counters_by_name ON counters (name, host);
CREATE INDEX tcp_cc_by_conn ON tcp_cc (conn, time_ns);

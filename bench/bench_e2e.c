/*
 * bench/bench_e2e.c - end-to-end benchmarks: `netsim run` on scenario
 * files, timed as whole processes (issue 16, docs/performance.md).
 *
 *   bench/bench_e2e [CASE...]        run the cases (all when none given)
 *   bench/bench_e2e --list           list the cases
 *   bench/bench_e2e --gen-star N [RATE [SECONDS [SIZE]]]
 *                                    print a star scenario (bench/gen-star.py)
 *   bench/bench_e2e --star-ratio [SMALL LARGE [SHORT LONG]]
 *                                    issue 16's scale figure: the run loop's
 *                                    CPU per forwarded datagram of a star of
 *                                    LARGE senders (default 1000) against one
 *                                    of SMALL (10), by rounds (below)
 *
 * Each case runs BENCH_RUNS times (default 3) in a row; the table gives the
 * medians of wall time, CPU time (user + system of the child, from
 * wait4's rusage), the run loop's wall and CPU time (netsim's "events in
 * X s wall, Y s CPU", which leave out building and tearing down the
 * world), events
 * per CPU-second, the peak resident set (ru_maxrss, the largest of the
 * runs) and, for the cases that move datagrams, CPU and run-loop
 * microseconds per datagram.  NETSIM names the program (default
 * ./netsim); the scenario files come from the source tree's bench/.  The
 * output is a Markdown table for docs/performance.md.
 *
 * --star-ratio measures the cost of a forwarded datagram, not of a run:
 * each round runs both stars for SHORT and LONG simulated seconds (default
 * 1 and 5), in the order small-short, small-long, large-short, large-long,
 * and takes each star's marginal run-loop CPU, (loop CPU of LONG - loop CPU
 * of SHORT) / the datagrams LONG adds, so that what does not grow with the
 * datagrams (the ARP start-up of N hosts, the first touch of their memory)
 * cancels.  The ratio of the two marginals is the round's figure; BENCH_RUNS
 * rounds (default 5) give their median and range, and the same for the
 * whole process's user CPU.  A round whose marginal is zero or less (timer
 * noise: runs too short, or a busy machine) gives no ratio, and the summary
 * says how many rounds gave one.  Pin it (taskset -c 1) and run it when the
 * machine is quiet: at N = 1000 a datagram's cost is mostly cache misses,
 * which other processes' work moves.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef NETSIM_SRCDIR
#define NETSIM_SRCDIR "."
#endif

#define MAX_RUNS 25
#define MAX_SETS 6

struct bcase {
	const char *name;
	const char *file; /* in bench/, or NULL for a star */
	unsigned star;	  /* senders of a generated star */
	const char *sets[MAX_SETS];
	double datagrams; /* moved end to end, for the per-datagram columns */
	const char *what;
	bool trace; /* with --trace-level full into a file in the bench's folder */
};

static const struct bcase cases[] = {
	{ "udp-flood",
	  "udp-flood.ini",
	  0,
	  { NULL },
	  1e6,
	  "UDP 1M x 1000 B at 100k/s, 1 Gbit/s, 2 hosts",
	  false },
	{ "udp-flood-64",
	  "udp-flood.ini",
	  0,
	  { "app.flood.size=64", NULL },
	  1e6,
	  "UDP 1M x 64 B",
	  false },
	{ "udp-flood-100k",
	  "udp-flood.ini",
	  0,
	  { "app.flood.count=100000", "scenario.duration=1100ms", "expect.app.sink.rx_msgs=100000",
	    NULL },
	  1e5,
	  "UDP 100k x 1000 B, untraced (the pair of udp-flood-100k-trace)",
	  false },
	{ "udp-flood-100k-trace",
	  "udp-flood.ini",
	  0,
	  { "app.flood.count=100000", "scenario.duration=1100ms", "expect.app.sink.rx_msgs=100000",
	    NULL },
	  1e5,
	  "UDP 100k x 1000 B, full trace (issue 12: at most 5x udp-flood-100k)",
	  true },
	{ "tcp-bulk-1G",
	  "tcp-bulk.ini",
	  0,
	  { "app.bulk.bytes=1000000000", "scenario.duration=10s",
	    "expect.app.sink.rx_bytes=1000000000", NULL },
	  0,
	  "TCP 1 GB over 1 Gbit/s, 100 us",
	  false },
	{ "star-10",
	  NULL,
	  10,
	  { NULL },
	  1e5,
	  "star, 10 senders -> router -> sink, 100k/s, 1 s",
	  false },
	{ "star-100", NULL, 100, { NULL }, 1e5, "star, 100 senders", false },
	{ "star-1000", NULL, 1000, { NULL }, 1e5, "star, 1000 senders", false },
	{ "star-10000", NULL, 10000, { NULL }, 1e5, "star, 10,000 senders", false },
};
#define NCASES (sizeof(cases) / sizeof(cases[0]))

/* bench/gen-star.py in C, line for line: the same file for the same arguments. */
static int
gen_star(FILE *f, unsigned n, unsigned rate, double secs, unsigned size)
{
	double per = (double)rate / n;
	if (per != (double)(unsigned)per) {
		fprintf(stderr, "gen-star: RATE must be a multiple of N\n");
		return -1;
	}
	unsigned count = (unsigned)(per * secs + 0.5);
	if (count < 1) {
		fprintf(stderr, "gen-star: fewer than one datagram per sender\n");
		return -1;
	}
	unsigned long total = (unsigned long)count * n;
	char secs_s[32];
	/* Python's str(float): 1.0, 0.01, 2.5 */
	snprintf(secs_s, sizeof secs_s, "%.17g", secs);
	if (!strchr(secs_s, '.') && !strchr(secs_s, 'e'))
		strcat(secs_s, ".0");
	else
		snprintf(secs_s, sizeof secs_s, "%g", secs);
	fprintf(f, "# star: %u senders -> router -> sink, %u/s x %u B for %s s (%lu datagrams)\n",
		n, rate, size, secs_s, total);
	fprintf(f, "[scenario]\ntitle = star %u\n", n);
	fprintf(f, "duration = %lldms\n",
		(long long)(secs * 1000) + 1 + 100 +
			(long long)((unsigned long long)n * 1000000 / rate) / 1000 + 1);
	fprintf(f, "seed = 1\ntrace = off\n\n");
	fprintf(f, "[host router]\nforwarding = on\n");
	fprintf(f, "unres_qlen = %u\n", n > 101 ? n : 101);
	for (unsigned i = 0; i < n; i++)
		fprintf(f, "eth%u.link = l%u\neth%u.address = 10.%u.%u.254/24\n", i, i, i, i / 256,
			i % 256);
	fprintf(f, "eth%u.link = lsink\neth%u.address = 10.200.0.254/24\n", n, n);
	/* the same start-up's backlog leaves 10,000 RX rings faster than the
	 * sink's link takes it: hold it in the qdisc (gen-star.py says more) */
	if (n > 1000)
		fprintf(f, "eth%u.txqueuelen = %u\n", n, n);
	fprintf(f, "\n");
	fprintf(f, "[link lsink]\nrate = 1Gbit\ndelay = 10us\n\n");
	fprintf(f,
		"[host sink]\neth0.link = lsink\neth0.address = 10.200.0.1/24\nroutes = default "
		"via 10.200.0.254\n\n");
	fprintf(f, "[app sink]\nhost = sink\nprogram = udp_sink\nport = 9000\n\n");
	for (unsigned i = 0; i < n; i++) {
		unsigned a = i / 256, b = i % 256;
		fprintf(f, "[link l%u]\nrate = 1Gbit\ndelay = 10us\n\n", i);
		fprintf(f,
			"[host h%u]\neth0.link = l%u\neth0.address = 10.%u.%u.1/24\nroutes = "
			"default via 10.%u.%u.254\n\n",
			i, i, a, b, a, b);
		unsigned long long start = 1000000 + (unsigned long long)i * 1000000000 / rate;
		fprintf(f,
			"[app f%u]\nhost = h%u\nprogram = udp_flood\ndst = 10.200.0.1\nport = "
			"9000\nrate = %u\nsize = %u\ncount = %u\nstart = %lluns\n\n",
			i, i, (unsigned)per, size, count, start);
	}
	fprintf(f, "[expect]\napp.sink.rx_msgs = %lu\n", total);
	return 0;
}

struct result {
	double wall, cpu, user, loop, loop_cpu, events;
	long maxrss_kib;
	int status;
};

static double
now_s(void)
{
	struct timespec t;
	clock_gettime(CLOCK_MONOTONIC, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* One `netsim run -q FILE --set ...`, its stdout parsed for the event count. */
static int
run_once(const char *netsim, const char *file, const char *const *sets, const char *trace,
	 struct result *r)
{
	const char *argv[4 + 2 * MAX_SETS + 5 + 1];
	int n = 0;
	argv[n++] = netsim;
	argv[n++] = "run";
	argv[n++] = "-q";
	argv[n++] = file;
	for (int i = 0; i < MAX_SETS && sets[i]; i++) {
		argv[n++] = "--set";
		argv[n++] = sets[i];
	}
	if (trace) {
		argv[n++] = "--trace";
		argv[n++] = trace;
		argv[n++] = "--overwrite";
		argv[n++] = "--trace-level";
		argv[n++] = "full";
	}
	argv[n] = NULL;
	int fds[2];
	if (pipe(fds) != 0)
		return -1;
	double t0 = now_s();
	pid_t pid = fork();
	if (pid < 0)
		return -1;
	if (pid == 0) {
		dup2(fds[1], 1);
		close(fds[0]);
		close(fds[1]);
		execv(netsim, (char *const *)argv);
		fprintf(stderr, "bench_e2e: cannot run %s: %s\n", netsim, strerror(errno));
		_exit(127);
	}
	close(fds[1]);
	char buf[65536];
	size_t len = 0;
	ssize_t k;
	/* the head of stdout is parsed; the rest (a summary line per host) is
	 * read and dropped, so that netsim never meets a closed pipe */
	for (;;) {
		char sink[4096];
		if (len < sizeof buf - 1)
			k = read(fds[0], buf + len, sizeof buf - 1 - len);
		else
			k = read(fds[0], sink, sizeof sink);
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			break;
		if (len < sizeof buf - 1)
			len += (size_t)k;
	}
	buf[len] = 0;
	close(fds[0]);
	int status = 0;
	struct rusage ru;
	if (wait4(pid, &status, 0, &ru) != pid)
		return -1;
	r->wall = now_s() - t0;
	r->user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
	r->cpu = r->user + (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
	r->maxrss_kib = ru.ru_maxrss;
	r->status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	r->events = r->loop = r->loop_cpu = 0;
	const char *p = strstr(buf, " events in ");
	if (p) {
		const char *q = p;
		while (q > buf && q[-1] >= '0' && q[-1] <= '9')
			q--;
		r->events = strtod(q, NULL);
		char *end;
		r->loop = strtod(p + strlen(" events in "), &end);
		if (strncmp(end, "s wall, ", 8) == 0)
			r->loop_cpu = strtod(end + 8, NULL);
	}
	return 0;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof *v, cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* A round's ratio @num / @den, kept in @v[@n] and written in @buf; a
 * marginal that is not positive is timer noise (runs too short, or a busy
 * machine), and then the round gives none ("-"). */
static void
add_ratio(double num, double den, double *v, int *n, char *buf, size_t size)
{
	if (num > 0 && den > 0) {
		v[(*n)++] = num / den;
		snprintf(buf, size, "%.2f", num / den);
	} else {
		snprintf(buf, size, "-");
	}
}

/* Print the median and range of the @n ratios that @rounds rounds gave
 * (sorting @v in place: the rows are printed, the order is not needed). */
static void
print_ratio(const char *what, double *v, int n, int rounds)
{
	if (n == 0) {
		printf("no ratio of %s (no round measured a positive marginal: the runs are "
		       "too short for the timer, or the machine is busy)",
		       what);
		return;
	}
	double m = median(v, n);
	printf("median %.2f (%.2f-%.2f) of %s, %d of %d rounds", m, v[0], v[n - 1], what, n,
	       rounds);
}

/* Write a star of @n senders for @secs seconds as @file (in the bench's folder). */
static int
write_star(char *file, size_t size, const char *dir, unsigned n, double secs)
{
	snprintf(file, size, "%s/star-%u-%g.ini", dir, n, secs);
	FILE *f = fopen(file, "w");
	if (!f)
		return -1;
	int rc = gen_star(f, n, 100000, secs, 1000);
	return fclose(f) != 0 || rc != 0 ? -1 : 0;
}

/* Run @file once: 0 when it ran clean and its summary line was read. */
static int
run_star(const char *netsim, const char *file, struct result *r)
{
	static const char *const none[MAX_SETS] = { NULL };
	int rc = run_once(netsim, file, none, NULL, r);
	return rc == 0 && r->status == 0 && r->events > 0 ? 0 : -1;
}

/* --star-ratio (the file's head comment says how and why).  The four
 * scenarios (small and large star, short and long) are written once. */
static int
star_ratio(const char *netsim, const char *dir, int rounds, unsigned small, unsigned large,
	   double shorter, double longer)
{
	double added = 100000 * (longer - shorter); /* datagrams the long run adds */
	char file[4][4096] = { "", "", "", "" };    /* "": not written */
	const unsigned n[4] = { small, small, large, large };
	const double secs[4] = { shorter, longer, shorter, longer };
	int rc = 0;
	for (int k = 0; k < 4 && rc == 0; k++)
		rc = write_star(file[k], sizeof file[k], dir, n[k], secs[k]);
	if (rc != 0)
		fprintf(stderr, "bench_e2e: cannot write the star scenarios in %s\n", dir);
	double ratio[MAX_RUNS], uratio[MAX_RUNS];
	int nr = 0, nu = 0; /* rounds that gave a ratio */
	if (rc == 0) {
		printf("star %u against star %u: run loop CPU per datagram, marginal over %g -> "
		       "%g s (%.0f datagrams)\n\n",
		       large, small, shorter, longer, added);
		printf("| round | star-%u loop us | star-%u loop us | ratio | star-%u user us | "
		       "star-%u user us | user ratio |\n",
		       small, large, small, large);
		printf("|---|---|---|---|---|---|---|\n");
	}
	for (int i = 0; i < rounds && rc == 0; i++) {
		struct result r[4];
		for (int k = 0; k < 4 && rc == 0; k++)
			rc = run_star(netsim, file[k], &r[k]);
		if (rc != 0) {
			fprintf(stderr,
				"bench_e2e: a star run failed (see netsim run on "
				"bench_e2e --gen-star)\n");
			break;
		}
		double ls = (r[1].loop_cpu - r[0].loop_cpu) / added * 1e6;
		double ll = (r[3].loop_cpu - r[2].loop_cpu) / added * 1e6;
		double us = (r[1].user - r[0].user) / added * 1e6;
		double ul = (r[3].user - r[2].user) / added * 1e6;
		char rs[32], urs[32];
		add_ratio(ll, ls, ratio, &nr, rs, sizeof rs);
		add_ratio(ul, us, uratio, &nu, urs, sizeof urs);
		printf("| %d | %.2f | %.2f | %s | %.2f | %.2f | %s |\n", i + 1, ls, ll, rs, us, ul,
		       urs);
		fflush(stdout);
	}
	for (int k = 0; k < 4; k++)
		if (file[k][0])
			unlink(file[k]);
	if (rc != 0)
		return 1;
	printf("\nratio star-%u / star-%u: ", large, small);
	print_ratio("the run loop's CPU", ratio, nr, rounds);
	printf("; ");
	print_ratio("user CPU", uratio, nu, rounds);
	printf("\n");
	return 0;
}

static bool
wanted(const struct bcase *c, int argc, char **argv)
{
	if (argc <= 1)
		return true;
	for (int i = 1; i < argc; i++)
		if (strcmp(argv[i], c->name) == 0)
			return true;
	return false;
}

int
main(int argc, char **argv)
{
	if (argc >= 3 && strcmp(argv[1], "--gen-star") == 0) {
		unsigned n = (unsigned)strtoul(argv[2], NULL, 10);
		unsigned rate = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 100000;
		double secs = argc > 4 ? strtod(argv[4], NULL) : 1.0;
		unsigned size = argc > 5 ? (unsigned)strtoul(argv[5], NULL, 10) : 1000;
		if (!n || !rate || secs <= 0)
			return 2;
		return gen_star(stdout, n, rate, secs, size) ? 2 : 0;
	}
	if (argc == 2 && strcmp(argv[1], "--list") == 0) {
		for (size_t i = 0; i < NCASES; i++)
			printf("%-14s %s\n", cases[i].name, cases[i].what);
		return 0;
	}
	const char *netsim = getenv("NETSIM") ? getenv("NETSIM") : "./netsim";
	bool ratio = argc >= 2 && strcmp(argv[1], "--star-ratio") == 0;
	int runs = getenv("BENCH_RUNS") ? atoi(getenv("BENCH_RUNS")) : ratio ? 5 : 3;
	if (runs < 1 || runs > MAX_RUNS)
		runs = ratio ? 5 : 3;
	char tmpl[] = "/tmp/netsim-bench.XXXXXX";
	const char *dir = mkdtemp(tmpl);
	if (!dir) {
		perror("bench_e2e: mkdtemp");
		return 1;
	}
	if (ratio) {
		unsigned small = argc > 3 ? (unsigned)strtoul(argv[2], NULL, 10) : 10;
		unsigned large = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 1000;
		double shorter = argc > 5 ? strtod(argv[4], NULL) : 1.0;
		double longer = argc > 5 ? strtod(argv[5], NULL) : 5.0;
		int rc = 2;
		if (small && large && 100000 % small == 0 && 100000 % large == 0 && shorter > 0 &&
		    longer > shorter)
			rc = star_ratio(netsim, dir, runs, small, large, shorter, longer);
		else
			fprintf(stderr,
				"bench_e2e: --star-ratio SMALL LARGE [SHORT LONG]: the sizes "
				"divide 100000, 0 < SHORT < LONG\n");
		rmdir(dir);
		return rc;
	}
	printf("end to end: %s, %d runs per case, medians (peak RSS: largest)\n\n", netsim, runs);
	printf("| case | wall s | CPU s | loop wall s | loop CPU s | events | events/CPU-s | peak "
	       "RSS MiB | CPU us/datagram | loop CPU us/datagram | exit |\n");
	printf("|---|---|---|---|---|---|---|---|---|---|---|\n");
	fflush(stdout);
	int bad = 0;
	char trace[4096], notes[1024] = "";
	snprintf(trace, sizeof trace, "%s/trace.db", dir);
	for (size_t ci = 0; ci < NCASES; ci++) {
		const struct bcase *c = &cases[ci];
		if (!wanted(c, argc, argv))
			continue;
		char file[4096];
		if (c->file) {
			snprintf(file, sizeof file, "%s/bench/%s", NETSIM_SRCDIR, c->file);
		} else {
			snprintf(file, sizeof file, "%s/star-%u.ini", dir, c->star);
			FILE *f = fopen(file, "w");
			if (!f || gen_star(f, c->star, 100000, 1.0, 1000) != 0) {
				perror("bench_e2e: star scenario");
				return 1;
			}
			fclose(f);
		}
		double wall[MAX_RUNS], cpu[MAX_RUNS], loop[MAX_RUNS], lcpu[MAX_RUNS];
		long rss = 0;
		struct result r = { 0 };
		int status = 0;
		for (int i = 0; i < runs; i++) {
			if (run_once(netsim, file, c->sets, c->trace ? trace : NULL, &r) != 0) {
				perror("bench_e2e: run");
				return 1;
			}
			wall[i] = r.wall;
			cpu[i] = r.cpu;
			loop[i] = r.loop;
			lcpu[i] = r.loop_cpu;
			if (r.maxrss_kib > rss)
				rss = r.maxrss_kib;
			if (r.status)
				status = r.status;
		}
		double mc = median(cpu, runs), ml = median(lcpu, runs);
		printf("| %s | %.2f | %.2f | %.2f | %.2f | %.0f | %.3g | %.0f |", c->name,
		       median(wall, runs), mc, median(loop, runs), ml, r.events,
		       mc > 0 ? r.events / mc : 0, (double)rss / 1024);
		if (c->datagrams > 0)
			printf(" %.2f | %.2f |", mc / c->datagrams * 1e6, ml / c->datagrams * 1e6);
		else
			printf(" | |");
		printf(" %d |\n", status);
		fflush(stdout);
		if (status)
			bad++;
		if (!c->file)
			unlink(file);
		if (c->trace) {
			struct stat st;
			if (stat(trace, &st) == 0)
				snprintf(notes + strlen(notes), sizeof notes - strlen(notes),
					 "%s: trace database %.1f MB\n", c->name,
					 (double)st.st_size / 1e6);
			unlink(trace);
		}
	}
	rmdir(dir);
	if (*notes)
		printf("\n%s", notes);
	if (bad)
		printf("\n%d case(s) exited non-zero (an [expect] line failed: see netsim run "
		       "FILE)\n",
		       bad);
	return 0;
}

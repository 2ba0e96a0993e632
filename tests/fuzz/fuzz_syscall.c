/*
 * tests/fuzz/fuzz_syscall.c - fuzz target: random sequences of socket calls
 * with random arguments from simulated processes (issue 15).
 *
 * Two hosts (tests/socket_test.h); one process on each reads its half of
 * the input as a program: each step is an opcode byte (which ns_* call)
 * followed by argument bytes (which fd, which buffer, which length, flags,
 * addresses, options, times).  Buffers are NULL or regions that end where a
 * page without access begins, so a length past a buffer is a fault a real
 * kernel would meet (EFAULT or a short count), never a read of memory the
 * caller did not give.  Every call must return; the run is bounded in
 * virtual time; then the hosts are freed, which checks that no skb is left
 * (a GLib critical is fatal: fuzz_init).  A crash, an assertion, a
 * sanitizer report or a leak is a finding.
 */
#include "tests/fuzz/fuzz.h"

#include <errno.h>
#include <netinet/tcp.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "tests/socket_test.h"
#define NETSIM_NO_SOCKET_MACROS
#include "include/netsim/socket.h"

const char *__asan_default_options(void);
const char *__lsan_default_suppressions(void);

const char *
__asan_default_options(void)
{
	return "fast_unwind_on_malloc=0:malloc_context_size=16";
}

const char *
__lsan_default_suppressions(void)
{
	return "leak:g_intern_string\nleak:g_intern_static_string\nleak:g_quark_from_string\n"
	       "leak:_dl_init\n";
}

#define MAX_STEPS 64

/* Buffers: [size] bytes that end at a PROT_NONE page. */
static const size_t buf_sizes[] = { 1, 16, 64, 1500, 4096, 65536, 200000 };
#define NBUFS (sizeof buf_sizes / sizeof buf_sizes[0])
static char *bufs[NBUFS];

static const size_t lengths[] = { 0,
				  1,
				  2,
				  15,
				  16,
				  64,
				  100,
				  1000,
				  1460,
				  1500,
				  4096,
				  65507,
				  65508,
				  65536,
				  200000,
				  (size_t)1 << 31,
				  (size_t)1 << 40,
				  SIZE_MAX };
static const int fds[] = { -1, 0, 1, 2, 3, 4, 5, 6, 7, 63, 64, 99999 };
static const int64_t times[] = { -1, 0, 1, 1000, 1000000, 50000000, INT64_MAX, INT64_MIN };

struct prog {
	const uint8_t *p, *end;
	int peer; /* 0 or 1: which host's address is "the other" */
};

static uint8_t
take(struct prog *pg)
{
	return pg->p < pg->end ? *pg->p++ : 0;
}

#define PICK(pg, arr) (arr[take(pg) % (sizeof arr / sizeof arr[0])])

static void *
pick_buf(struct prog *pg)
{
	uint8_t b = take(pg);
	if (b % 8 == 7)
		return NULL;
	size_t i = b % NBUFS;
	return bufs[i];
}

static struct sockaddr_in
pick_addr(struct prog *pg)
{
	struct sockaddr_in sin = { .sin_family = AF_INET };
	uint8_t b = take(pg);
	static const char *const addrs[] = { A_ADDR,	  B_ADDR,    "0.0.0.0", "255.255.255.255",
					     "127.0.0.1", "10.0.0.9" };
	inet_pton(AF_INET, addrs[b % 6], &sin.sin_addr);
	static const uint16_t ports[] = { 0, 7, 9000, 9001, 65535 };
	sin.sin_port = htons(ports[take(pg) % 5]);
	if (take(pg) % 16 == 0)
		sin.sin_family = AF_INET6;
	return sin;
}

static socklen_t
pick_addrlen(struct prog *pg)
{
	static const socklen_t lens[] = {
		sizeof(struct sockaddr_in), sizeof(struct sockaddr_in), 0, 2, 15, 128, 129, 1000
	};
	return lens[take(pg) % 8];
}

static int
run_prog(struct proc *p, void *arg)
{
	struct prog *pg = arg;
	for (int step = 0; step < MAX_STEPS && pg->p < pg->end; step++) {
		uint8_t op = take(pg);
		int fd = PICK(pg, fds);
		switch (op % 20) {
		case 0: {
			static const int types[] = { SOCK_STREAM,
						     SOCK_DGRAM,
						     SOCK_RAW,
						     SOCK_STREAM | SOCK_NONBLOCK,
						     SOCK_DGRAM | SOCK_NONBLOCK,
						     99 };
			static const int protos[] = { 0, IPPROTO_TCP, IPPROTO_UDP, IPPROTO_ICMP,
						      255 };
			int dom = take(pg) % 8 == 0 ? AF_UNIX : AF_INET;
			ns_socket(dom, PICK(pg, types), PICK(pg, protos));
			break;
		}
		case 1: {
			struct sockaddr_in sin = pick_addr(pg);
			ns_bind(fd, take(pg) % 8 ? (struct sockaddr *)&sin : NULL,
				pick_addrlen(pg));
			break;
		}
		case 2: ns_listen(fd, (int)(int8_t)take(pg)); break;
		case 3: {
			struct sockaddr_in sin;
			socklen_t len = pick_addrlen(pg);
			if (take(pg) % 2)
				ns_accept(fd, (struct sockaddr *)&sin, take(pg) % 4 ? &len : NULL);
			else
				ns_accept(fd, NULL, NULL);
			break;
		}
		case 4: {
			struct sockaddr_in sin = pick_addr(pg);
			ns_connect(fd, take(pg) % 8 ? (struct sockaddr *)&sin : NULL,
				   pick_addrlen(pg));
			break;
		}
		case 5: ns_write(fd, pick_buf(pg), PICK(pg, lengths)); break;
		case 6: ns_read(fd, pick_buf(pg), PICK(pg, lengths)); break;
		case 7: {
			static const int flags[] = { 0,		MSG_DONTWAIT,
						     MSG_PEEK,	MSG_WAITALL,
						     MSG_TRUNC, MSG_DONTWAIT | MSG_PEEK,
						     -1 };
			ns_send(fd, pick_buf(pg), PICK(pg, lengths), PICK(pg, flags));
			break;
		}
		case 8: {
			static const int flags[] = { 0,		MSG_DONTWAIT,
						     MSG_PEEK,	MSG_WAITALL,
						     MSG_TRUNC, MSG_DONTWAIT | MSG_PEEK,
						     -1 };
			ns_recv(fd, pick_buf(pg), PICK(pg, lengths), PICK(pg, flags));
			break;
		}
		case 9: {
			struct sockaddr_in sin = pick_addr(pg);
			ns_sendto(fd, pick_buf(pg), PICK(pg, lengths),
				  take(pg) % 2 ? MSG_DONTWAIT : 0,
				  take(pg) % 4 ? (struct sockaddr *)&sin : NULL, pick_addrlen(pg));
			break;
		}
		case 10: {
			struct sockaddr_in sin;
			socklen_t len = pick_addrlen(pg);
			ns_recvfrom(fd, pick_buf(pg), PICK(pg, lengths),
				    take(pg) % 2 ? MSG_DONTWAIT : 0,
				    take(pg) % 4 ? (struct sockaddr *)&sin : NULL,
				    take(pg) % 4 ? &len : NULL);
			break;
		}
		case 11: ns_shutdown(fd, (int)(int8_t)take(pg) % 4); break;
		case 12: ns_close(fd); break;
		case 13: {
			static const int cmds[] = { F_GETFL, F_SETFL, F_GETFD, F_SETFD, 12345 };
			ns_fcntl(fd, PICK(pg, cmds), take(pg) % 2 ? O_NONBLOCK : 0);
			break;
		}
		case 14: {
			static const nfds_t ns[] = { 0, 1, 2, 8, 64, 65, (nfds_t)1 << 40 };
			static const int timeouts[] = { -1, 0, 1, 10, 1000 };
			nfds_t n = PICK(pg, ns);
			struct pollfd *pf = NULL;
			if (take(pg) % 4) {
				/* Up to 8 entries at the end of a guarded buffer. */
				pf = (struct pollfd *)(bufs[4] + 4096 - 8 * sizeof *pf);
				for (int i = 0; i < 8; i++)
					pf[i] = (struct pollfd){ .fd = PICK(pg, fds),
								 .events = (short)take(pg) };
			}
			ns_poll(pf, n, PICK(pg, timeouts));
			break;
		}
		case 15: {
			static const int levels[] = { SOL_SOCKET, IPPROTO_IP, IPPROTO_TCP, 999 };
			static const int opts[] = { SO_RCVBUF, SO_SNDBUF,   SO_REUSEADDR, SO_ERROR,
						    IP_TTL,    TCP_NODELAY, TCP_MAXSEG,	  4242 };
			int v = (int)(int16_t)(take(pg) | take(pg) << 8) * 64;
			static const socklen_t lens[] = { 4, 0, 1, 8, 1000 };
			int level = PICK(pg, levels), opt = PICK(pg, opts);
			void *val = take(pg) % 8 ? (void *)bufs[3] : NULL;
			if (val)
				memcpy(bufs[3], &v, sizeof v);
			ns_setsockopt(fd, level, opt, val, PICK(pg, lens));
			break;
		}
		case 16: {
			static const int levels[] = { SOL_SOCKET, IPPROTO_IP, IPPROTO_TCP, 999 };
			static const int opts[] = { SO_RCVBUF, SO_SNDBUF,   SO_TYPE,	SO_ERROR,
						    IP_TTL,    TCP_NODELAY, TCP_MAXSEG, 4242 };
			static const socklen_t lens[] = { 4, 0, 1, 8, 64, 1000 };
			socklen_t *len = (socklen_t *)(bufs[2] + 60);
			*len = PICK(pg, lens);
			ns_getsockopt(fd, PICK(pg, levels), PICK(pg, opts),
				      take(pg) % 8 ? (void *)bufs[1] : NULL,
				      take(pg) % 8 ? len : NULL);
			break;
		}
		case 17: {
			struct sockaddr_in sin;
			socklen_t len = pick_addrlen(pg);
			if (take(pg) % 2)
				ns_getsockname(fd, take(pg) % 4 ? (struct sockaddr *)&sin : NULL,
					       take(pg) % 4 ? &len : NULL);
			else
				ns_getpeername(fd, take(pg) % 4 ? (struct sockaddr *)&sin : NULL,
					       take(pg) % 4 ? &len : NULL);
			break;
		}
		case 18: ns_sleep(PICK(pg, times)); break;
		case 19: ns_compute(PICK(pg, times) == INT64_MAX ? 1 : PICK(pg, times)); break;
		}
	}
	return 0;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	fuzz_init();
	size_t page = (size_t)sysconf(_SC_PAGESIZE);
	for (size_t i = 0; i < NBUFS; i++) {
		size_t span = (buf_sizes[i] + page - 1) / page * page;
		char *m = mmap(NULL, span + page, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
		g_assert(m != MAP_FAILED);
		g_assert(mprotect(m + span, page, PROT_NONE) == 0);
		bufs[i] = m + span - buf_sizes[i];
	}
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!bufs[0])
		LLVMFuzzerInitialize(NULL, NULL);
	struct pair pr;
	pair_init(&pr, 1);
	size_t half = size / 2;
	struct prog a = { data, data + half, 1 }, b = { data + half, data + size, 0 };
	socket_spawn(pr.a, "fuzz-a", 0, run_prog, &a);
	socket_spawn(pr.b, "fuzz-b", 0, run_prog, &b);
	/* ns_compute(INT64_MAX) and sleeps never end: the run is bounded. */
	sim_run_until(pr.sim, 2 * SIM_S);
	pair_fini(&pr);
	return 0;
}

/*
 * stack/socket_int.h - what the files of the socket layer share among
 * themselves (stack/socket.c, stack/socket_msg.c, stack/af_unix.c): the fd
 * table and the system-call entry.  Not for protocols or programs.
 *
 * Linux counterpart: the static helpers of net/socket.c (sockfd_lookup_light,
 * move_addr_to_kernel, move_addr_to_user) and fs/file.c.
 */
#ifndef NETSIM_STACK_SOCKET_INT_H
#define NETSIM_STACK_SOCKET_INT_H

#include <glib.h>
#include <sys/socket.h>
#include "stack/socket.h"

/* The system calls counted per entry: Linux's SYS_* numbers of
 * sys_socketcall (include/uapi/linux/net.h) 1..20, then the calls that
 * never go through it. */
enum ns_syscall {
	NS_SYS_OTHER = 0,
	/* SYS_SOCKET .. SYS_SENDMMSG */
	NS_SOCKETCALL_LAST = 20,
	NS_SYS_READ,
	NS_SYS_WRITE,
	NS_SYS_CLOSE,
	NS_SYS_FCNTL,
	NS_SYS_POLL,
	NS_SYS_SELECT,
	NS_SYS_UNLINK,
	NS_SYS_IOCTL,
	NS_SYSCALL_MAX
};

/* Per-host state of the socket layer (host->socks). */
#define SOCK_CALL_HOT_BITS 4
struct sock_table {
	struct host *host;
	struct socket_stats stats; /* syscalls is summed from calls when read */
	GHashTable *unix_names;	   /* AF_UNIX names (stack/af_unix.c), created on first bind */
	GPtrArray *services;	   /* struct servent (stack/services.c), created on first use */
	bool socketcall; /* socket calls enter through sys_socketcall (socket_set_socketcall) */
	GPtrArray *inetsw[11]; /* per socket type: struct inet_protosw * (stack/af_inet.c) */
	uint64_t calls[NS_SYSCALL_MAX][2]; /* per call: [0] direct, [1] via sys_socketcall */
	/* socketcall_entry's last answers: entry function name -> call (a speed-up only) */
	struct {
		const char *fn;
		int call;
	} call_hot[1 << SOCK_CALL_HOT_BITS];
};

/* A process's open files (Linux struct files_struct). */
struct files {
	struct host *host;
	/* socketcall_entry's last answer for this process: its entry function
	 * -> call (a speed-up only; a process mostly repeats one call) */
	const char *last_fn;
	int last_call;
	bool via_socketcall; /* ns_socketcall is dispatching: the next entry is its */
	/* every system call reads the line of host, the call, via_socketcall
	 * and its fd (the first five fds; the struct is line-aligned), not one
	 * 2 KiB further on */
	struct socket *fd[NS_MAX_FDS];
	struct socket *accepting; /* ns_accept's new socket while it blocks */
};
G_STATIC_ASSERT(offsetof(struct files, fd) + 5 * sizeof(struct socket *) <= 64);

/*
 * System call entry: COST_SYSCALL in task context, paid before the call
 * acts.  @fn is the ns_* function (__func__): it says which call it is and
 * so whether it enters through sys_socketcall on this host.
 */
/*
 * Kernel mode: from SYS_SCOPE to the end of the enclosing function the
 * process is inside a system call (proc_syscall_enter), so a fault there is
 * netsim's, not the process's (sim/proc.h).  The cleanup runs on every
 * return, after the return value (and errno) are set.
 */
static inline void
sys_scope_end(struct proc **pp)
{
	if (*pp)
		proc_syscall_leave(*pp);
}

static inline struct proc *
sys_scope_begin(void)
{
	struct proc *p = proc_self();
	if (p)
		proc_syscall_enter(p);
	return p;
}

#define SYS_SCOPE() \
	struct proc *sys_scope_ __attribute__((cleanup(sys_scope_end), unused)) = sys_scope_begin()

struct files *sys_enter_named(const char *fn);
#define sys_enter() sys_enter_named(__func__)
/* stack/socketcall.c: count the entry of @fn and return what entering it
 * through sys_socketcall adds (the copy of its arguments), or 0. */
sim_time_t socketcall_entry(struct files *f, const char *fn);
/* Every system call @host's processes made: the sum of the per-call counts
 * that socketcall_entry keeps (socket_stats' syscalls). */
uint64_t socket_syscall_total(struct host *host);
/* Turn a negative errno into -1 and errno; pass anything else through. */
long sys_ret(long rc);
/* The socket behind @fd, or NULL. */
struct socket *fd_sock(struct files *f, int fd);
/* The lowest free fd >= NS_FIRST_FD now pointing at @sock, or -EMFILE. */
int fd_alloc(struct files *f, struct socket *sock);
/* sockaddr_in <-> host-order address and port. */
int addr_in(const struct sockaddr *addr, socklen_t len, uint32_t *a, uint16_t *port);
int addr_out(struct sockaddr *addr, socklen_t *len, uint32_t a, uint16_t port);
/* A new struct socket and sock of (@domain, @type, @protocol), refs 1. */
int sock_create(struct files *f, int domain, int type, int protocol, struct socket **out);
/* Drop a reference (fd or in-flight descriptor); the last one releases. */
void sock_file_put(struct socket *sock);

/* stack/select.c: SO_RCVTIMEO / SO_SNDTIMEO as a struct timeval (Linux sock_set_timeout). */
int sock_set_timeout(struct sock *sk, int optname, const void *val, socklen_t len);
int sock_get_timeout(struct sock *sk, int optname, void *val, socklen_t *len);

/* stack/af_unix.c: create an AF_UNIX socket (Linux unix_create). */
int unix_create(struct host *host, int type, int protocol, int flags, struct socket **out);

#endif

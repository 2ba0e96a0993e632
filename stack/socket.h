/*
 * stack/socket.h - the BSD socket layer: struct socket, proto_ops, the
 * per-process file-descriptor table and the system calls.
 *
 * Linux counterpart: include/linux/net.h (struct socket, struct
 * proto_ops), net/socket.c (sys_socket ... __sys_sendto), net/ipv4/
 * af_inet.c (inet_stream_ops, inet_dgram_ops, inetsw), fs/file.c (the fd
 * table).  Seed text: "Programming with sockets", "System call
 * interface", "Generic network interface: sockets layer".
 *
 * Position: a simulated process (apps/, a plug-in) -> ns_socket, ns_send,
 * ... (this file; each call costs COST_SYSCALL in task context) -> the fd
 * table -> struct socket -> proto_ops (inet_stream_ops / inet_dgram_ops)
 * -> struct proto (tcp_prot, udp_prot; stack/sock.h) -> IP.
 *
 * The calls behave as on Linux: they return -1 and set errno (Linux
 * values) on failure, block the calling process in virtual time, and
 * honour O_NONBLOCK and MSG_DONTWAIT.  Addresses are struct sockaddr_in in
 * network byte order, as in C.  They must be called from a simulated
 * process (sim/proc.h); the process is found with proc_self().  The names
 * carry an ns_ prefix so they do not collide with libc inside netsim;
 * include/netsim/socket.h maps the usual names onto them for plug-ins.
 *
 * Setting up a host (the scenario loader's call sequence):
 *   inet_init(host, ...);          IP, ICMP, UDP (stack/ipv4.h)
 *   socket_host_init(host);        processes, the socket layer and TCP
 *   app_start(host, ...);          apps/app.h: processes running programs
 */
#ifndef NETSIM_STACK_SOCKET_H
#define NETSIM_STACK_SOCKET_H

#include <netinet/in.h>
#include <poll.h>
#include <stdbool.h>
#include <stdint.h>
#include <netdb.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/types.h>
#include "sim/proc.h"
#include "stack/sock.h"

struct host;

/* Linux enum socket_state (include/uapi/linux/net.h). */
enum socket_state {
	SS_FREE = 0,
	SS_UNCONNECTED,
	SS_CONNECTING,
	SS_CONNECTED,
	SS_DISCONNECTING,
};

struct socket;

/*
 * Operations per family and type (Linux struct proto_ops).  All required.
 * Called in task context of the calling process, after COST_SYSCALL.
 * Return >= 0 or a negative errno.
 */
struct proto_ops {
	int family;
	int (*release)(struct socket *sock);
	int (*bind)(struct socket *sock, uint32_t addr, uint16_t port);
	int (*connect)(struct socket *sock, uint32_t addr, uint16_t port, int flags);
	int (*accept)(struct socket *sock, struct socket *newsock, int flags);
	int (*getname)(struct socket *sock, uint32_t *addr, uint16_t *port, bool peer);
	unsigned (*poll)(struct socket *sock);
	int (*listen)(struct socket *sock, int backlog);
	int (*shutdown)(struct socket *sock, int how);
	int (*sendmsg)(struct socket *sock, struct ns_msg *msg);
	int (*recvmsg)(struct socket *sock, struct ns_msg *msg);
	/* Optional, for families whose addresses are not sockaddr_in (AF_UNIX):
	 * when set, the system calls hand the user's sockaddr through unchanged
	 * instead of calling bind / connect / getname. */
	int (*bind_addr)(struct socket *sock, const struct sockaddr *addr, socklen_t len);
	int (*connect_addr)(struct socket *sock, const struct sockaddr *addr, socklen_t len,
			    int flags);
	int (*getname_addr)(struct socket *sock, struct sockaddr *addr, socklen_t *len, bool peer);
};

/* An open socket (Linux struct socket with its struct file folded in). */
struct socket {
	enum socket_state state;
	short type;	/* SOCK_STREAM, SOCK_DGRAM */
	int file_flags; /* O_NONBLOCK */
	const struct proto_ops *ops;
	struct sock *sk;
	struct host *host;
	int refs; /* fds pointing here, plus SCM_RIGHTS messages in flight */
};

#define NS_MAX_FDS 256
#define NS_FIRST_FD 3 /* 0, 1, 2: stdin, stdout, stderr */

/* Socket-layer defaults (Linux net.core.rmem_default / wmem_default). */
#define SOCK_RCVBUF_DEFAULT 212992u
#define SOCK_SNDBUF_DEFAULT 212992u
#define SOCK_MIN_RCVBUF 2304u /* Linux SOCK_MIN_RCVBUF, roughly */
#define SOCK_MIN_SNDBUF 4608u
#define SOCK_BUF_MAX (4u * 1024u * 1024u)

/*
 * Set up processes and the socket layer (host->procs, host->socks) and TCP
 * (host->tcp) on @host, after inet_init.  Registers the fini hook that
 * kills the processes and closes their sockets.  Idempotent.
 */
void socket_host_init(struct host *host);

/*
 * Spawn a process on @host running @main(@arg) after @delay.  Its file
 * table is created here; its sockets are closed when it ends.
 */
struct proc *socket_spawn(struct host *host, const char *name, sim_time_t delay, proc_main_fn main,
			  void *arg);
/* The host of a process spawned with socket_spawn. */
struct host *proc_host(const struct proc *p);

/* Counters of the socket layer, per host. */
struct socket_stats {
	uint64_t syscalls;
	uint64_t sockets_open; /* now */
	uint64_t wakeups;      /* processes woken by a socket */
};
void socket_stats(struct host *host, struct socket_stats *out);

/* Socket calls on @host enter through sys_socketcall (the host key socketcall). */
void socket_set_socketcall(struct host *host, bool on);
/* Each call's count by entry ("direct" or "socketcall"), nonzero ones only. */
void socket_syscall_counts(struct host *host,
			   void (*fn)(const char *call, const char *entry, uint64_t n, void *data),
			   void *data);

/* The struct socket behind @fd of the calling process, or NULL (tests). */
struct socket *sockfd_lookup(int fd);

/* ---- the system calls and process helpers ---------------------------------
 * Declared once, in the plug-ins' header, without its name-mapping macros. */
#ifndef NETSIM_NO_SOCKET_MACROS
#define NETSIM_NO_SOCKET_MACROS
#endif
#include "include/netsim/socket.h"

/* Charge one COST_APP_PACKET: the application handled one message. */
void ns_app_packet(void);

#endif

/*
 * stack/af_unix.h - AF_UNIX (local) sockets: stream and datagram sockets
 * between processes of one host, with filesystem-style and abstract names,
 * socketpair and SCM_RIGHTS.
 *
 * Linux counterpart: net/unix/af_unix.c, net/unix/scm.c, include/net/af_unix.h.
 * Seed text: "AF_UNIX: a local communication channel, similar to pipes";
 * "access rights" passed with sendmsg.
 *
 * Position: process -> ns_send (stack/socket.c) -> unix_stream_ops /
 * unix_dgram_ops (here) -> the skb goes straight onto the PEER's
 * sk_receive_queue: no IP, no device, no softirq.  The only costs are the
 * system call, the two copies (user -> skb, skb -> user) and the wakeup.
 *
 * Names live in a per-host table (host->socks).  A filesystem name
 * ("/tmp/x") stays after its socket closes, as the socket inode does on
 * Linux, until ns_unlink removes it; an abstract name ("\0x") goes with its
 * socket.
 */
#ifndef NETSIM_STACK_AF_UNIX_H
#define NETSIM_STACK_AF_UNIX_H

#include <stddef.h>
#include <stdint.h>

struct host;
struct socket;

/* Linux net.unix.max_dgram_qlen (default 10): a datagram socket's receive
 * queue length beyond which senders block (unix_recvq_full). */
#define UNIX_MAX_DGRAM_QLEN 10
/* Linux SCM_MAX_FD: descriptors in one SCM_RIGHTS message. */
#define UNIX_SCM_MAX_FD 253

/* Per-host AF_UNIX state: the name table.  Called by the socket layer. */
void unix_host_fini(struct host *host);

/* Two connected sockets (Linux unix_socketpair). */
int unix_socketpair(struct host *host, int type, int protocol, int flags, struct socket **a,
		    struct socket **b);

/* Remove a filesystem name (Linux unlink of the socket inode): 0 or -ENOENT. */
int unix_unlink(struct host *host, const char *path);

#endif

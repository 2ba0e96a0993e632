/*
 * <netsim/socket.h> - the socket API of netsim, for student programs built
 * as plug-ins (shared objects loaded by `program = plugin:PATH` in an
 * [app NAME] group of a scenario).
 *
 * Linux counterpart: <sys/socket.h>, <unistd.h>, <poll.h>, <fcntl.h>: the
 * BSD calls of the seed text's "Programming with sockets".  A plug-in
 * writes ordinary C: socket(), bind(), connect(), read(), write() ...; the
 * macros below turn each call into the simulator's ns_* function, which
 * runs in a simulated process, in virtual time, with Linux's errno values.
 * The ns_* functions live in the netsim program (linked with
 * -Wl,--export-dynamic), so a plug-in links against nothing:
 *
 *     cc -shared $(pkg-config --cflags netsim) -o mine.so mine.c
 *
 * A plug-in exports `int ns_main(void)`: the process's main.  Its scenario
 * keys (any key of its [app] group besides host, program and start) are
 * read with ns_app_arg("key").  What it sent and received is counted with
 * ns_app_sent / ns_app_received: those are the app.NAME.tx_bytes ...
 * figures an [expect] group can check.
 *
 * A fault in the plug-in's own code, exit(), or a loop without a system
 * call ends its own process only (docs/reliability.md).  Bad arguments give
 * -1 and Linux's errno (EFAULT for a buffer that cannot be accessed).
 *
 * Define NETSIM_NO_SOCKET_MACROS before including to get the ns_* names only.
 */
#ifndef NETSIM_SOCKET_H
#define NETSIM_SOCKET_H

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stddef.h>
#include <stdint.h>
#include <netdb.h>
#include <sys/select.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#ifdef __cplusplus
extern "C" {
#endif

/* The BSD calls.  Each returns what Linux returns and sets errno. */
int ns_socket(int domain, int type, int protocol);
int ns_bind(int fd, const struct sockaddr *addr, socklen_t len);
int ns_listen(int fd, int backlog);
int ns_accept(int fd, struct sockaddr *addr, socklen_t *len);
int ns_connect(int fd, const struct sockaddr *addr, socklen_t len);
ssize_t ns_read(int fd, void *buf, size_t len);
ssize_t ns_write(int fd, const void *buf, size_t len);
ssize_t ns_send(int fd, const void *buf, size_t len, int flags);
ssize_t ns_recv(int fd, void *buf, size_t len, int flags);
ssize_t ns_sendto(int fd, const void *buf, size_t len, int flags, const struct sockaddr *to,
		  socklen_t tolen);
ssize_t ns_recvfrom(int fd, void *buf, size_t len, int flags, struct sockaddr *from,
		    socklen_t *fromlen);
int ns_shutdown(int fd, int how);
int ns_close(int fd);
int ns_fcntl(int fd, int cmd, ...);
int ns_poll(struct pollfd *fds, nfds_t nfds, int timeout_ms);
int ns_setsockopt(int fd, int level, int optname, const void *val, socklen_t len);
int ns_getsockopt(int fd, int level, int optname, void *val, socklen_t *len);
int ns_getsockname(int fd, struct sockaddr *addr, socklen_t *len);
int ns_getpeername(int fd, struct sockaddr *addr, socklen_t *len);
ssize_t ns_sendmsg(int fd, const struct msghdr *msg, int flags);
ssize_t ns_recvmsg(int fd, struct msghdr *msg, int flags);
int ns_socketpair(int domain, int type, int protocol, int sv[2]);
/* Remove an AF_UNIX filesystem name of the simulated host (unlink(2) of a socket file). */
int ns_unlink(const char *path);
/* All socket calls through one entry, as 32-bit x86 Linux's socketcall(2):
 * @call is SYS_SOCKET (1) .. SYS_RECVMSG (17), @args its arguments. */
long ns_socketcall(int call, unsigned long *args);
/* ioctl(2) on a socket: SIOCATMARK, SIOCINQ (FIONREAD), SIOCOUTQ (TIOCOUTQ)
 * on TCP, each with an int * argument; ENOTTY for the rest. */
int ns_ioctl(int fd, unsigned long request, ...);
/* sockatmark(3): 1 when the next byte to read is the urgent mark, else 0. */
int ns_sockatmark(int fd);
int ns_select(int nfds, fd_set *readfds, fd_set *writefds, fd_set *exceptfds,
	      struct timeval *timeout);
/* The simulated host's services database (docs/scenario-format.md, services). */
struct servent *ns_getservbyname(const char *name, const char *proto);
struct servent *ns_getservbyport(int port, const char *proto);

/* Virtual time now, in nanoseconds. */
int64_t ns_now(void);
/* Sleep @ns nanoseconds of virtual time (no CPU used).  0, or -1 with
 * errno EINVAL for a negative time. */
int ns_sleep(int64_t ns);
/* Use @ns nanoseconds of the host's CPU (the program's own work).  0, or -1
 * with errno EINVAL for a negative time. */
int ns_compute(int64_t ns);

/* The value of @key in the plug-in's [app] group, as written; NULL if absent. */
const char *ns_app_arg(const char *key);
/* Count a message of @bytes sent / received in the app's figures. */
void ns_app_sent(size_t bytes);
void ns_app_received(size_t bytes);

#ifndef NETSIM_NO_SOCKET_MACROS
#define socket(d, t, p) ns_socket(d, t, p)
#define bind(s, a, l) ns_bind(s, a, l)
#define listen(s, b) ns_listen(s, b)
#define accept(s, a, l) ns_accept(s, a, l)
#define connect(s, a, l) ns_connect(s, a, l)
#define read(s, b, n) ns_read(s, b, n)
#define write(s, b, n) ns_write(s, b, n)
#define send(s, b, n, f) ns_send(s, b, n, f)
#define recv(s, b, n, f) ns_recv(s, b, n, f)
#define sendto(s, b, n, f, a, l) ns_sendto(s, b, n, f, a, l)
#define recvfrom(s, b, n, f, a, l) ns_recvfrom(s, b, n, f, a, l)
#define shutdown(s, h) ns_shutdown(s, h)
#define close(s) ns_close(s)
#define fcntl(s, ...) ns_fcntl(s, __VA_ARGS__)
#define poll(f, n, t) ns_poll(f, n, t)
#define setsockopt(s, l, o, v, n) ns_setsockopt(s, l, o, v, n)
#define getsockopt(s, l, o, v, n) ns_getsockopt(s, l, o, v, n)
#define getsockname(s, a, l) ns_getsockname(s, a, l)
#define getpeername(s, a, l) ns_getpeername(s, a, l)
#define sendmsg(s, m, f) ns_sendmsg(s, m, f)
#define recvmsg(s, m, f) ns_recvmsg(s, m, f)
#define socketpair(d, t, p, sv) ns_socketpair(d, t, p, sv)
#define unlink(path) ns_unlink(path)
#define select(n, r, w, e, t) ns_select(n, r, w, e, t)
#define ioctl(s, ...) ns_ioctl(s, __VA_ARGS__)
#define sockatmark(s) ns_sockatmark(s)
#define getservbyname(n, p) ns_getservbyname(n, p)
#define getservbyport(n, p) ns_getservbyport(n, p)
/* sleep() in whole seconds of virtual time, as unistd's. */
#define sleep(sec) (ns_sleep((int64_t)(sec)*1000000000), 0u)
#endif

#ifdef __cplusplus
}
#endif

#endif

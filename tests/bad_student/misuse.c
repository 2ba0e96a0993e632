/*
 * Misuses every socket call (issue 15, item 3).  Each call must return -1
 * with the errno Linux gives; every mismatch is counted in the exit status
 * and printed.  ns_app_sent(1) counts the checks made.
 */
#include <netsim/socket.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
int ns_main(void);

static int bad;

static void
want(const char *what, long rc, int err)
{
	ns_app_sent(1);
	if (rc != -1 || errno != err) {
		fprintf(stderr, "misuse: %s: rc %ld errno %d, expected -1 errno %d\n", what, rc,
			errno, err);
		bad++;
	}
}

int
ns_main(void)
{
	char buf[64] = { 0 };
	struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(7) };
	to.sin_addr.s_addr = htonl(0x0a000002);
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	int t = socket(AF_INET, SOCK_STREAM, 0);
	want("sendto(udp, NULL, 100)", sendto(u, NULL, 100, 0, (struct sockaddr *)&to, sizeof to),
	     EFAULT);
	want("sendto(udp, buf, 70000)", sendto(u, buf, 70000, 0, (struct sockaddr *)&to, sizeof to),
	     EMSGSIZE);
	/* import_ubuf's access_ok passes NULL; the empty queue answers first */
	want("recv(udp, NULL, 100)", recv(u, NULL, 100, MSG_DONTWAIT), EAGAIN);
	want("bind(NULL, 16)", bind(u, NULL, sizeof to), EFAULT);
	want("bind(addr, 1000)", bind(u, (struct sockaddr *)&to, 1000), EINVAL);
	want("bind(addr, 2)", bind(u, (struct sockaddr *)&to, 2), EINVAL);
	want("connect(NULL, 16)", connect(t, NULL, sizeof to), EFAULT);
	want("setsockopt(NULL, 4)", setsockopt(u, SOL_SOCKET, SO_RCVBUF, NULL, 4), EFAULT);
	want("setsockopt(v, 1)", setsockopt(u, SOL_SOCKET, SO_RCVBUF, buf, 1), EINVAL);
	want("getsockopt(v, NULL)", getsockopt(u, SOL_SOCKET, SO_RCVBUF, buf, NULL), EFAULT);
	socklen_t four = 4;
	want("getsockopt(NULL, 4)", getsockopt(u, SOL_SOCKET, SO_RCVBUF, NULL, &four), EFAULT);
	struct pollfd one = { .fd = u, .events = POLLIN };
	want("poll(NULL, 5, 10)", poll(NULL, 5, 10), EFAULT);
	want("poll(&one, 1 << 40, 10)", poll(&one, (nfds_t)1 << 40, 10), EINVAL);
	want("read(-1)", read(-1, buf, 1), EBADF);
	want("write(99999)", write(99999, buf, 1), EBADF);
	want("close(-5)", close(-5), EBADF);
	want("listen(12345)", listen(12345, 1), EBADF);
	want("accept(-1)", accept(-1, NULL, NULL), EBADF);
	want("shutdown(u, 7)", shutdown(u, 7), EINVAL);
	want("fcntl(u, 12345)", fcntl(u, 12345), EINVAL);
	want("getsockname(u, NULL, NULL)", getsockname(u, NULL, NULL), EFAULT);
	socklen_t neg = (socklen_t)-1;
	want("getsockname(u, addr, -1)", getsockname(u, (struct sockaddr *)&to, &neg), EINVAL);
	want("recvfrom(u, buf, 1, addr, NULL)",
	     recvfrom(u, buf, 1, MSG_DONTWAIT, (struct sockaddr *)&to, NULL), EFAULT);
	/* net/socket.c __sock_create: a family at or above NPROTO is EAFNOSUPPORT */
	want("socket(200)", socket(200, SOCK_STREAM, 0), EAFNOSUPPORT);
	/* the calls of issue 14 validate their arguments the same way */
	struct iovec badiov = { .iov_base = NULL, .iov_len = 10 };
	struct msghdr badmsg = { .msg_iov = &badiov, .msg_iovlen = 1 };
	want("sendmsg(u, NULL)", sendmsg(u, NULL, 0), EFAULT);
	want("sendmsg(u, iov_base NULL)", sendmsg(u, &badmsg, 0), EFAULT);
	want("recvmsg(u, iov_base NULL)", recvmsg(u, &badmsg, MSG_DONTWAIT), EFAULT);
	want("select(1, (fd_set *)8)", select(1, (fd_set *)8, NULL, NULL, NULL), EFAULT);
	want("socketpair(AF_UNIX, NULL)", socketpair(AF_UNIX, SOCK_STREAM, 0, NULL), EFAULT);
	want("ns_socketcall(1, NULL)", ns_socketcall(1, NULL), EFAULT);
	want("ns_socketcall(99, args)", ns_socketcall(99, (unsigned long *)buf), EINVAL);
	want("ns_sleep(-1)", ns_sleep(-1), EINVAL);
	want("ns_compute(-5)", ns_compute(-5), EINVAL);
	/* TCP, connected to the echo server.  Linux 6.6 touches a buffer only
	 * as it copies (tcp_sendmsg_locked, tcp_recvmsg_locked): a copy that
	 * faults is EFAULT when nothing was copied before it.  64 readable
	 * bytes said to be 2^40: the first chunk (a segment's room) runs into
	 * the page without access, so nothing is queued. */
	char *pages = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	mprotect(pages + 4096, 4096, PROT_NONE);
	if (connect(t, (struct sockaddr *)&to, sizeof to) == 0) {
		want("write(tcp, NULL, 5000)", write(t, NULL, 5000), EFAULT);
		want("write(tcp, 64 bytes before no access, 1 << 40)",
		     write(t, pages + 4096 - 64, (size_t)1 << 40), EFAULT);
		/* import_ubuf's access_ok passes NULL; nothing queued to copy */
		want("recv(tcp, NULL, 10) with nothing queued", recv(t, NULL, 10, MSG_DONTWAIT),
		     EAGAIN);
		write(t, "hello", 5);
		ns_sleep(5000000); /* the echo is back */
		want("read(tcp, NULL, 10)", read(t, NULL, 10), EFAULT);
		ssize_t n = read(t, buf, sizeof buf); /* the fault consumed nothing */
		ns_app_sent(1);
		if (n != 5) {
			fprintf(stderr, "misuse: read(tcp) after a fault: %zd errno %d\n", n,
				errno);
			bad++;
		}
	} else {
		fprintf(stderr, "misuse: connect failed: errno %d\n", errno);
		bad++;
	}
	want("close(u) twice", (close(u), close(u)), EBADF);
	close(t);
	return bad;
}

/*
 * stack/socketcall.c - sys_socketcall: the socket calls as one system call,
 * as on 32-bit x86 Linux, and the count of system calls by entry.
 *
 * Linux counterpart: net/socket.c SYSCALL_DEFINE2(socketcall, call, args):
 * EINVAL for a call outside SYS_SOCKET..SYS_SENDMMSG, then
 * copy_from_user of nargs[call] arguments (4-byte longs on i386), then a
 * switch to __sys_socket, __sys_bind, ...  include/uapi/linux/net.h has
 * the SYS_* numbers.  x86-64 (and i386 since Linux 4.3, through direct
 * syscall numbers that glibc prefers from 2.23 on) enters each call
 * directly.
 *
 * On a host with the key socketcall = on every socket call of every
 * process is counted as entering through sys_socketcall and pays for the
 * copy of its arguments; elsewhere each is its own system call.  A
 * plug-in may also call ns_socketcall itself.  The figures
 * H.syscall.NAME.direct / H.syscall.NAME.socketcall show the entry, and
 * netsim show lists them.
 */
#include <errno.h>
#include <glib.h>
#include <string.h>
#include "sim/cpu.h"
#include "sim/proc.h"
#include "stack/host.h"
#include "stack/socket.h"
#define NETSIM_NO_SOCKET_MACROS
#include "include/netsim/socket.h"
#include "stack/socket_int.h"

/* Linux nargs[] (net/socket.c): arguments of each call, by SYS_* number. */
static const uint8_t nargs[NS_SOCKETCALL_LAST + 1] = { 0, 3, 3, 3, 2, 3, 3, 3, 4, 4, 4,
						       6, 6, 2, 5, 5, 3, 3, 4, 5, 4 };

static const char *const call_names[NS_SYSCALL_MAX] = {
	[1] = "socket",
	[2] = "bind",
	[3] = "connect",
	[4] = "listen",
	[5] = "accept",
	[6] = "getsockname",
	[7] = "getpeername",
	[8] = "socketpair",
	[9] = "send",
	[10] = "recv",
	[11] = "sendto",
	[12] = "recvfrom",
	[13] = "shutdown",
	[14] = "setsockopt",
	[15] = "getsockopt",
	[16] = "sendmsg",
	[17] = "recvmsg",
	[18] = "accept4",
	[19] = "recvmmsg",
	[20] = "sendmmsg",
	[NS_SYS_READ] = "read",
	[NS_SYS_WRITE] = "write",
	[NS_SYS_CLOSE] = "close",
	[NS_SYS_FCNTL] = "fcntl",
	[NS_SYS_POLL] = "poll",
	[NS_SYS_SELECT] = "select",
	[NS_SYS_UNLINK] = "unlink",
	[NS_SYS_IOCTL] = "ioctl",
};

/* The call of the ns_* function @fn ("ns_sendto" -> SYS_SENDTO). */
static int
call_of(const char *fn)
{
	if (strncmp(fn, "ns_", 3) != 0)
		return NS_SYS_OTHER;
	for (int i = 1; i < NS_SYSCALL_MAX; i++)
		if (call_names[i] && strcmp(fn + 3, call_names[i]) == 0)
			return i;
	return NS_SYS_OTHER;
}

sim_time_t
socketcall_entry(struct files *f, const char *fn)
{
	struct sock_table *t = f->host->socks;
	/* @fn is a __func__: one pointer per entry function, so its call is
	 * found by name once and then by the pointer, first in the process's
	 * own line (a flood repeats one call), then in the host's table. */
	int call;
	if (f->last_fn == fn) {
		call = f->last_call;
	} else {
		uint64_t hash =
			(uint64_t)(uintptr_t)fn * UINT64_C(0x9e3779b97f4a7c15); /* Fibonacci */
		size_t hot = hash >> (64 - SOCK_CALL_HOT_BITS);
		if (t->call_hot[hot].fn == fn) {
			call = t->call_hot[hot].call;
		} else {
			call = call_of(fn);
			t->call_hot[hot].fn = fn;
			t->call_hot[hot].call = call;
		}
		f->last_fn = fn;
		f->last_call = call;
	}
	bool socket_call = call >= 1 && call <= NS_SOCKETCALL_LAST;
	bool via = socket_call && (f->via_socketcall || t->socketcall);
	f->via_socketcall = false;
	t->calls[call][via]++;
	if (!via)
		return 0;
	/* copy_from_user of the arguments: nargs[call] longs of 4 bytes */
	return cpu_cost(f->host->cpu, COST_COPY_PER_KB) * nargs[call] * 4 / 1024;
}

void
socket_set_socketcall(struct host *host, bool on)
{
	host->socks->socketcall = on;
}

uint64_t
socket_syscall_total(struct host *host)
{
	uint64_t n = 0;
	for (int i = 0; i < NS_SYSCALL_MAX; i++)
		n += host->socks->calls[i][0] + host->socks->calls[i][1];
	return n;
}

void
socket_syscall_counts(struct host *host,
		      void (*fn)(const char *call, const char *entry, uint64_t n, void *data),
		      void *data)
{
	if (!host->socks)
		return;
	for (int i = 1; i < NS_SYSCALL_MAX; i++) {
		if (!call_names[i])
			continue;
		if (host->socks->calls[i][0])
			fn(call_names[i], "direct", host->socks->calls[i][0], data);
		if (host->socks->calls[i][1])
			fn(call_names[i], "socketcall", host->socks->calls[i][1], data);
	}
}

/* Linux SYSCALL_DEFINE2(socketcall): one entry, the call chosen by number. */
long
ns_socketcall(int call, unsigned long *a)
{
	bool known = call >= 1 && call <= NS_SOCKETCALL_LAST;
	size_t need = known ? nargs[call] * sizeof *a : 0;
	if (!known || !a || proc_user_access(a, need, false) < need) {
		SYS_SCOPE();
		sys_enter();
		return sys_ret(known ? -EFAULT : -EINVAL);
	}
	((struct files *)proc_files(proc_self()))->via_socketcall = true;
	switch (call) {
	case 1: return ns_socket((int)a[0], (int)a[1], (int)a[2]);
	case 2: return ns_bind((int)a[0], (const struct sockaddr *)a[1], (socklen_t)a[2]);
	case 3: return ns_connect((int)a[0], (const struct sockaddr *)a[1], (socklen_t)a[2]);
	case 4: return ns_listen((int)a[0], (int)a[1]);
	case 5: return ns_accept((int)a[0], (struct sockaddr *)a[1], (socklen_t *)a[2]);
	case 6: return ns_getsockname((int)a[0], (struct sockaddr *)a[1], (socklen_t *)a[2]);
	case 7: return ns_getpeername((int)a[0], (struct sockaddr *)a[1], (socklen_t *)a[2]);
	case 8: return ns_socketpair((int)a[0], (int)a[1], (int)a[2], (int *)a[3]);
	case 9: return ns_send((int)a[0], (const void *)a[1], (size_t)a[2], (int)a[3]);
	case 10: return ns_recv((int)a[0], (void *)a[1], (size_t)a[2], (int)a[3]);
	case 11:
		return ns_sendto((int)a[0], (const void *)a[1], (size_t)a[2], (int)a[3],
				 (const struct sockaddr *)a[4], (socklen_t)a[5]);
	case 12:
		return ns_recvfrom((int)a[0], (void *)a[1], (size_t)a[2], (int)a[3],
				   (struct sockaddr *)a[4], (socklen_t *)a[5]);
	case 13: return ns_shutdown((int)a[0], (int)a[1]);
	case 14:
		return ns_setsockopt((int)a[0], (int)a[1], (int)a[2], (const void *)a[3],
				     (socklen_t)a[4]);
	case 15:
		return ns_getsockopt((int)a[0], (int)a[1], (int)a[2], (void *)a[3],
				     (socklen_t *)a[4]);
	case 16: return ns_sendmsg((int)a[0], (const struct msghdr *)a[1], (int)a[2]);
	case 17: return ns_recvmsg((int)a[0], (struct msghdr *)a[1], (int)a[2]);
	default:
		/* accept4, recvmmsg, sendmmsg: not modelled */
		((struct files *)proc_files(proc_self()))->via_socketcall = false;
		sys_enter();
		return sys_ret(-ENOSYS);
	}
}

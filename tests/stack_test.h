/*
 * tests/stack_test.h - helpers shared by the stack's cmocka programs
 * (test_skbuff, test_dev, test_nic, test_eth): checking that a call aborts,
 * and querying an in-memory trace.  Header-only, static functions.
 */
#ifndef NETSIM_TESTS_STACK_TEST_H
#define NETSIM_TESTS_STACK_TEST_H

#include <glib.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/*
 * Run @fn(@arg) in a forked child and check that it dies of SIGABRT (or
 * g_error's SIGTRAP) with a message on stderr containing every string of
 * the NULL-terminated @needles.
 */
static inline void
expect_abort(void (*fn)(void *), void *arg, const char *const *needles)
{
	int fds[2];
	assert_int_equal(pipe(fds), 0);
	fflush(stdout);
	fflush(stderr);
	pid_t pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(fds[0]);
		dup2(fds[1], 2);
		fn(arg);
		_exit(0);
	}
	close(fds[1]);
	GString *err = g_string_new(NULL);
	char buf[512];
	ssize_t n;
	while ((n = read(fds[0], buf, sizeof(buf))) > 0)
		g_string_append_len(err, buf, n);
	close(fds[0]);
	int status = 0;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	/* abort() raises SIGABRT; g_error() (the CPU's and sockets' checkers)
	 * G_BREAKPOINT, which is SIGTRAP outside a debugger */
	if (!WIFSIGNALED(status) || (WTERMSIG(status) != SIGABRT && WTERMSIG(status) != SIGTRAP))
		fail_msg("child did not abort (status %d); stderr: %s", status, err->str);
	for (const char *const *s = needles; s && *s; s++)
		if (!strstr(err->str, *s))
			fail_msg("abort message lacks '%s': %s", *s, err->str);
	g_string_free(err, TRUE);
}

static inline int64_t
query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("bad SQL %s: %s", sql, sqlite3_errmsg(db));
	int64_t v = -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* The rows of a one-column query joined by " " (g_free the result). */
static inline char *
query_list(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		fail_msg("bad SQL %s: %s", sql, sqlite3_errmsg(db));
	GString *s = g_string_new(NULL);
	while (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		if (s->len)
			g_string_append_c(s, ' ');
		g_string_append(s, t ? (const char *)t : "NULL");
	}
	sqlite3_finalize(st);
	return g_string_free(s, FALSE);
}

#endif

/*
 * tests/fuzz/fuzz.h - what every fuzz target shares.
 *
 * A target is one file defining LLVMFuzzerTestOneInput (and, if it needs
 * one-time setup, LLVMFuzzerInitialize).  It is built twice:
 *   - with --enable-fuzzing, linked with libFuzzer (-fsanitize=fuzzer):
 *     tests/fuzz/fuzz_NAME, run by `make fuzz-smoke`;
 *   - in every build, linked with tests/fuzz/replay.c: tests/fuzz/replay_NAME,
 *     which feeds it the files of the corpora and of tests/fuzz/regressions/
 *     (tests/fuzz_regress.sh, part of `make check`).
 * A target never crashes, never leaks and never logs a GLib warning or
 * critical on any input: fuzz_init makes both fatal, so a leaked skb
 * (host_free reports it with g_critical) is a crash the fuzzer sees.
 */
#ifndef NETSIM_TESTS_FUZZ_H
#define NETSIM_TESTS_FUZZ_H

#include <glib.h>
#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static inline void
fuzz_init(void)
{
	g_log_set_always_fatal(G_LOG_FATAL_MASK | G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
}

#endif

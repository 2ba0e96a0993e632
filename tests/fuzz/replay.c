/*
 * tests/fuzz/replay.c - run a fuzz target's inputs without libFuzzer.
 *
 *   replay_NAME FILE|DIR...
 *
 * Feeds every FILE, and every regular file of every DIR (sorted by name),
 * to the target's LLVMFuzzerTestOneInput, once each, in a normal build.
 * A crash or an abort is the test failing; under ASan/UBSan or valgrind the
 * same inputs are checked for memory errors and leaks.  Exit 0 when every
 * input ran, 2 when an argument could not be read.
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "tests/fuzz/fuzz.h"

static int
replay_file(const char *path)
{
	g_autofree char *data = NULL;
	gsize len = 0;
	g_autoptr(GError) error = NULL;
	if (!g_file_get_contents(path, &data, &len, &error)) {
		fprintf(stderr, "replay: %s\n", error->message);
		return -1;
	}
	/* libFuzzer hands the target a buffer of exactly len bytes: do the same,
	 * so that a read past the end is caught by ASan and valgrind. */
	uint8_t *copy = g_malloc(len ? len : 1); /* libFuzzer never passes NULL, even for 0 bytes */
	memcpy(copy, data, len);
	LLVMFuzzerTestOneInput(copy, len);
	g_free(copy);
	return 1;
}

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int
replay_dir(const char *path)
{
	g_autoptr(GError) error = NULL;
	g_autoptr(GDir) dir = g_dir_open(path, 0, &error);
	if (!dir) {
		fprintf(stderr, "replay: %s\n", error->message);
		return -1;
	}
	g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func(g_free);
	const char *name;
	while ((name = g_dir_read_name(dir)))
		if (name[0] != '.')
			g_ptr_array_add(names, g_build_filename(path, name, NULL));
	g_ptr_array_sort(names, cmp_str); /* qsort of an empty folder's NULL array is UB */
	int n = 0;
	for (guint i = 0; i < names->len; i++) {
		const char *p = names->pdata[i];
		if (!g_file_test(p, G_FILE_TEST_IS_REGULAR))
			continue;
		int r = replay_file(p);
		if (r < 0)
			return -1;
		n += r;
	}
	return n;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		fprintf(stderr, "usage: %s FILE|DIR...\n", argv[0]);
		return 2;
	}
	LLVMFuzzerInitialize(&argc, &argv);
	int total = 0;
	for (int i = 1; i < argc; i++) {
		bool is_dir = g_file_test(argv[i], G_FILE_TEST_IS_DIR);
		int n = is_dir ? replay_dir(argv[i]) : replay_file(argv[i]);
		if (n < 0)
			return 2;
		printf("%s: %d input%s\n", argv[i], n, n == 1 ? "" : "s");
		total += n;
	}
	printf("replayed %d inputs\n", total);
	return 0;
}

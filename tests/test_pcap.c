/*
 * tests/test_pcap.c - the pcap writer (trace/pcap.c).
 *
 * Frames are written to DIR/HOST-IFNAME.pcap in a temporary directory and
 * read back with libpcap, checking bytes, lengths and nanosecond timestamps.
 */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <glib/gstdio.h>
#include <pcap/pcap.h>

#include "trace/trace.h"

struct fix {
	char *dir;
};

static int
setup(void **state)
{
	struct fix *f = g_new0(struct fix, 1);

	f->dir = g_dir_make_tmp("netsim-test-pcap-XXXXXX", NULL);
	assert_non_null(f->dir);
	*state = f;
	return 0;
}

/* Removes the directory tree left by a test (at most two levels). */
static void
remove_tree(const char *dir)
{
	GDir *d = g_dir_open(dir, 0, NULL);
	const char *name;

	while (d && (name = g_dir_read_name(d))) {
		g_autofree char *p = g_build_filename(dir, name, NULL);
		if (g_file_test(p, G_FILE_TEST_IS_DIR))
			remove_tree(p);
		else
			g_remove(p);
	}
	if (d)
		g_dir_close(d);
	g_rmdir(dir);
}

static int
teardown(void **state)
{
	struct fix *f = *state;

	remove_tree(f->dir);
	g_free(f->dir);
	g_free(f);
	return 0;
}

/* A minimal Ethernet II frame: broadcast destination, ethertype 0x0800, @fill payload. */
static void
make_frame(uint8_t *frame, uint32_t len, uint8_t fill)
{
	memset(frame, fill, len);
	memset(frame, 0xff, 6);
	frame[12] = 0x08;
	frame[13] = 0x00;
}

static void
test_pcap_frames_read_back_with_nanosecond_timestamps(void **state)
{
	struct fix *f = *state;
	GError *error = NULL;
	uint8_t a[60], b[1514];
	char errbuf[PCAP_ERRBUF_SIZE];
	struct pcap_pkthdr *hdr;
	const u_char *data;

	struct trace_pcap *p = trace_pcap_open(f->dir, "hostA", "eth0", &error);
	assert_null(error);
	assert_non_null(p);
	make_frame(a, sizeof a, 0x11);
	make_frame(b, sizeof b, 0x22);
	trace_pcap_write(p, 1234, a, sizeof a);
	trace_pcap_write(p, 2 * SIM_S + 5, b, sizeof b);
	assert_true(trace_pcap_flush(p, &error));
	trace_pcap_close(p);

	g_autofree char *path = g_build_filename(f->dir, "hostA-eth0.pcap", NULL);
	pcap_t *in =
		pcap_open_offline_with_tstamp_precision(path, PCAP_TSTAMP_PRECISION_NANO, errbuf);
	assert_non_null(in);
	assert_int_equal(pcap_datalink(in), DLT_EN10MB);
	assert_int_equal(pcap_get_tstamp_precision(in), PCAP_TSTAMP_PRECISION_NANO);

	assert_int_equal(pcap_next_ex(in, &hdr, &data), 1);
	assert_int_equal(hdr->ts.tv_sec, 0);
	assert_int_equal(hdr->ts.tv_usec, 1234);
	assert_int_equal(hdr->caplen, sizeof a);
	assert_int_equal(hdr->len, sizeof a);
	assert_memory_equal(data, a, sizeof a);

	assert_int_equal(pcap_next_ex(in, &hdr, &data), 1);
	assert_int_equal(hdr->ts.tv_sec, 2);
	assert_int_equal(hdr->ts.tv_usec, 5);
	assert_int_equal(hdr->len, sizeof b);
	assert_memory_equal(data, b, sizeof b);

	assert_int_equal(pcap_next_ex(in, &hdr, &data), PCAP_ERROR_BREAK);
	pcap_close(in);
}

static void
test_pcap_open_creates_missing_directory(void **state)
{
	struct fix *f = *state;
	g_autofree char *dir = g_build_filename(f->dir, "caps", "run1", NULL);
	GError *error = NULL;

	struct trace_pcap *p = trace_pcap_open(dir, "r1", "eth1", &error);
	assert_null(error);
	assert_non_null(p);
	trace_pcap_close(p);
	g_autofree char *path = g_build_filename(dir, "r1-eth1.pcap", NULL);
	assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
}

static void
test_pcap_open_in_a_file_not_a_directory_is_io_error(void **state)
{
	struct fix *f = *state;
	g_autofree char *file = g_build_filename(f->dir, "plain", NULL);
	GError *error = NULL;

	assert_true(g_file_set_contents(file, "x", -1, NULL));
	assert_null(trace_pcap_open(file, "a", "eth0", &error));
	assert_true(g_error_matches(error, TRACE_ERROR, TRACE_ERROR_IO));
	assert_non_null(strstr(error->message, "plain"));
	g_clear_error(&error);
}

static void
test_pcap_unwritable_file_is_io_error(void **state)
{
	struct fix *f = *state;
	g_autofree char *blocker = g_build_filename(f->dir, "a-eth0.pcap", NULL);
	GError *error = NULL;

	/* A directory where the capture file should go cannot be opened for writing. */
	assert_int_equal(g_mkdir(blocker, 0755), 0);
	assert_null(trace_pcap_open(f->dir, "a", "eth0", &error));
	assert_true(g_error_matches(error, TRACE_ERROR, TRACE_ERROR_IO));
	assert_non_null(strstr(error->message, "a-eth0.pcap"));
	g_clear_error(&error);
}

static void
test_pcap_null_writer_is_a_no_op(void **state)
{
	uint8_t frame[60] = { 0 };

	trace_pcap_write(NULL, 0, frame, sizeof frame);
	assert_true(trace_pcap_flush(NULL, NULL));
	trace_pcap_close(NULL);
}

static void
test_pcap_slash_in_names_stays_in_directory(void **state)
{
	struct fix *f = *state;
	GError *error = NULL;

	struct trace_pcap *p = trace_pcap_open(f->dir, "a/b", "eth0", &error);
	assert_null(error);
	trace_pcap_close(p);
	g_autofree char *path = g_build_filename(f->dir, "a_b-eth0.pcap", NULL);
	assert_true(g_file_test(path, G_FILE_TEST_IS_REGULAR));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(
			test_pcap_frames_read_back_with_nanosecond_timestamps, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pcap_open_creates_missing_directory, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_pcap_open_in_a_file_not_a_directory_is_io_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pcap_unwritable_file_is_io_error, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_pcap_null_writer_is_a_no_op, setup, teardown),
		cmocka_unit_test_setup_teardown(test_pcap_slash_in_names_stays_in_directory, setup,
						teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}

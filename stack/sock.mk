## stack/sock.mk: processes, the socket layer and TCP (issue 5).
## sim/proc.c lives in sim/ (it knows nothing of sockets) but is built here
## with the rest of the socket work.
libnetsim_a_SOURCES += \
	sim/proc.c sim/proc.h sim/proc_int.h sim/proc_fault.c \
	stack/sock.c stack/sock.h \
	stack/socket.c stack/socket.h stack/socket_int.h stack/socket_msg.c \
	stack/af_unix.c stack/af_unix.h stack/af_unix_int.h stack/af_unix_msg.c \
	stack/services.c stack/services.h stack/select.c stack/socketcall.c \
	stack/af_inet.c stack/af_inet.h \
	stack/tcp.c stack/tcp.h \
	stack/tcp_input.c stack/tcp_delack.c stack/tcp_minisocks.c stack/tcp_output.c stack/tcp_timer.c stack/tcp_err.c \
	stack/tcp_cong.c stack/tcp_cong.h stack/tcp_cong_control.c stack/tcp_cubic.c stack/tcp_cubic.h \
	stack/tcp_sack.c stack/tcp_timestamps.c stack/tcp_options.c stack/tcp_prr.c stack/tcp_ecn.c stack/tcp_rack.c stack/tcp_reorder.c stack/win_minmax.c stack/win_minmax.h stack/tcp_undo.c stack/tcp_urg.c stack/tcp_rcvbuf.c \
	stack/tcp_check.c stack/tcp_tsq.c stack/tcp_tsq.h stack/tcp_sysctl.c

check_PROGRAMS += tests/test_proc
TESTS += tests/test_proc
tests_test_proc_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_proc_LDADD = $(TEST_CMOCKA_LIBS)

check_PROGRAMS += tests/test_socket
TESTS += tests/test_socket
tests_test_socket_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_socket_LDADD = $(TEST_CMOCKA_LIBS)

check_PROGRAMS += tests/test_tcp tests/test_tcp_cong tests/test_tcp_delack
TESTS += tests/test_tcp tests/test_tcp_cong tests/test_tcp_delack
tests_test_tcp_SOURCES = tests/test_tcp.c tests/tcp_test.h
tests_test_tcp_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_tcp_LDADD = $(TEST_CMOCKA_LIBS)
tests_test_tcp_cong_SOURCES = tests/test_tcp_cong.c tests/tcp_test.h
tests_test_tcp_cong_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_tcp_cong_LDADD = $(TEST_CMOCKA_LIBS)
tests_test_tcp_delack_SOURCES = tests/test_tcp_delack.c tests/tcp_test.h
tests_test_tcp_delack_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_tcp_delack_LDADD = $(TEST_CMOCKA_LIBS)
# TCP_CORK (issue 17)
check_PROGRAMS += tests/test_tcp_cork
TESTS += tests/test_tcp_cork
tests_test_tcp_cork_SOURCES = tests/test_tcp_cork.c tests/tcp_test.h
tests_test_tcp_cork_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_tcp_cork_LDADD = $(TEST_CMOCKA_LIBS)
check_PROGRAMS += tests/test_tcp_urg
TESTS += tests/test_tcp_urg
check_PROGRAMS += tests/test_tcp_sack
TESTS += tests/test_tcp_sack
tests_test_tcp_sack_SOURCES = tests/test_tcp_sack.c tests/tcp_test.h
tests_test_tcp_sack_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_tcp_sack_LDADD = $(TEST_CMOCKA_LIBS)
check_PROGRAMS += tests/test_tcp_timestamps
TESTS += tests/test_tcp_timestamps
tests_test_tcp_timestamps_SOURCES = tests/test_tcp_timestamps.c tests/tcp_test.h
tests_test_tcp_timestamps_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_tcp_timestamps_LDADD = $(TEST_CMOCKA_LIBS)
check_PROGRAMS += tests/test_tcp_prr
TESTS += tests/test_tcp_prr
tests_test_tcp_prr_SOURCES = tests/test_tcp_prr.c tests/tcp_test.h
tests_test_tcp_prr_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_tcp_prr_LDADD = $(TEST_CMOCKA_LIBS)
check_PROGRAMS += tests/test_tcp_rcvbuf
TESTS += tests/test_tcp_rcvbuf
tests_test_tcp_rcvbuf_SOURCES = tests/test_tcp_rcvbuf.c tests/tcp_test.h
tests_test_tcp_rcvbuf_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_tcp_rcvbuf_LDADD = $(TEST_CMOCKA_LIBS)

check_PROGRAMS += tests/test_tcp_ecn
TESTS += tests/test_tcp_ecn
tests_test_tcp_ecn_SOURCES = tests/test_tcp_ecn.c tests/tcp_test.h
tests_test_tcp_ecn_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_tcp_ecn_LDADD = $(TEST_CMOCKA_LIBS)
check_PROGRAMS += tests/test_tcp_rack
TESTS += tests/test_tcp_rack
tests_test_tcp_rack_SOURCES = tests/test_tcp_rack.c tests/tcp_test.h
tests_test_tcp_rack_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_tcp_rack_LDADD = $(TEST_CMOCKA_LIBS)
check_PROGRAMS += tests/test_tcp_undo
TESTS += tests/test_tcp_undo
tests_test_tcp_undo_SOURCES = tests/test_tcp_undo.c tests/tcp_test.h
tests_test_tcp_undo_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_tcp_undo_LDADD = $(TEST_CMOCKA_LIBS)

check_PROGRAMS += tests/test_tcp_loss
TESTS += tests/test_tcp_loss
tests_test_tcp_loss_SOURCES = tests/test_tcp_loss.c tests/tcp_test.h
tests_test_tcp_loss_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_tcp_loss_LDADD = $(TEST_CMOCKA_LIBS)

check_PROGRAMS += tests/test_tcp_timewait
TESTS += tests/test_tcp_timewait
tests_test_tcp_timewait_SOURCES = tests/test_tcp_timewait.c tests/tcp_test.h
tests_test_tcp_timewait_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_tcp_timewait_LDADD = $(TEST_CMOCKA_LIBS)

check_PROGRAMS += tests/test_tcp_mib
TESTS += tests/test_tcp_mib
tests_test_tcp_mib_SOURCES = tests/test_tcp_mib.c tests/tcp_test.h
tests_test_tcp_mib_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_tcp_mib_LDADD = $(TEST_CMOCKA_LIBS)
check_PROGRAMS += tests/test_tcp_reorder
TESTS += tests/test_tcp_reorder
tests_test_tcp_reorder_SOURCES = tests/test_tcp_reorder.c tests/tcp_test.h
tests_test_tcp_reorder_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_tcp_reorder_LDADD = $(TEST_CMOCKA_LIBS)
tests_test_tcp_urg_SOURCES = tests/test_tcp_urg.c tests/tcp_test.h
tests_test_tcp_urg_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_tcp_urg_LDADD = $(TEST_CMOCKA_LIBS)

# make bench: 1 GB of TCP over 10 Gbit/s and 100 us, tracing off (issue 5).
EXTRA_PROGRAMS += tests/bench_tcp
BENCHES += tests/bench_tcp
tests_bench_tcp_LDADD = $(NETSIM_LIBS)

# TCP captures checked with tshark, the stream, the fill rate and Mathis.
TESTS += tests/tcp_wireshark.sh
EXTRA_DIST += tests/tcp_wireshark.sh
TESTS += tests/tso_wireshark.sh tests/udp_offload.sh
TESTS += tests/tcp_sack_wireshark.sh
EXTRA_DIST += tests/tcp_sack_wireshark.sh
TESTS += tests/tcp_timestamps_wireshark.sh
EXTRA_DIST += tests/tcp_timestamps_wireshark.sh
EXTRA_DIST += tests/tso_wireshark.sh tests/udp_offload.sh tests/tcp_stream.sh
TESTS += tests/gro_wireshark.sh
EXTRA_DIST += tests/gro_wireshark.sh
EXTRA_DIST += tests/socket_test.h tests/sin_test.h

# sendmsg/recvmsg and AF_UNIX sockets (issue 14).
check_PROGRAMS += tests/test_socket_msg tests/test_af_unix
TESTS += tests/test_socket_msg tests/test_af_unix
tests_test_socket_msg_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_socket_msg_LDADD = $(TEST_CMOCKA_LIBS)
check_PROGRAMS += tests/test_udp_cmsg
TESTS += tests/test_udp_cmsg
tests_test_udp_cmsg_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_udp_cmsg_LDADD = $(TEST_CMOCKA_LIBS)
tests_test_af_unix_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_af_unix_LDADD = $(TEST_CMOCKA_LIBS)
check_PROGRAMS += tests/test_services
TESTS += tests/test_services
tests_test_services_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_services_LDADD = $(TEST_CMOCKA_LIBS)
check_PROGRAMS += tests/test_select
TESTS += tests/test_select
tests_test_select_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_select_LDADD = $(TEST_CMOCKA_LIBS)
check_PROGRAMS += tests/test_socketcall
TESTS += tests/test_socketcall
tests_test_socketcall_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_socketcall_LDADD = $(TEST_CMOCKA_LIBS)
check_PROGRAMS += tests/test_protosw
TESTS += tests/test_protosw
tests_test_protosw_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_protosw_LDADD = $(TEST_CMOCKA_LIBS)
# TSQ, autocorking, tcp_tso_should_defer (stack/tcp_tsq.c)
check_PROGRAMS += tests/test_tcp_tsq
TESTS += tests/test_tcp_tsq
tests_test_tcp_tsq_SOURCES = tests/test_tcp_tsq.c tests/tcp_test.h
tests_test_tcp_tsq_CFLAGS = $(TEST_CMOCKA_FLAGS)
tests_test_tcp_tsq_LDADD = $(TEST_CMOCKA_LIBS)

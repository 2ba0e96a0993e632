## scenarios/local.mk: lecture and homework scenario files (installed, and
## each one run by the test suite as a regression test).
lecturesdir = $(pkgdatadir)/scenarios/lectures
dist_lectures_DATA = \
	scenarios/lectures/arp-resolution.ini \
	scenarios/lectures/blocking-io.ini \
	scenarios/lectures/fragmentation.ini \
	scenarios/lectures/interrupt-rates.ini \
	scenarios/lectures/interrupts-and-napi-high-load.ini \
	scenarios/lectures/interrupts-and-napi-low-load.ini \
	scenarios/lectures/nonblocking-io.ini \
	scenarios/lectures/one-write-several-reads.ini \
	scenarios/lectures/path-of-a-packet.ini \
	scenarios/lectures/routing-and-route-cache.ini \
	scenarios/lectures/rps-single-queue.ini \
	scenarios/lectures/rss-four-cpus.ini \
	scenarios/lectures/skb-header-walk.ini \
	scenarios/lectures/socket-lifecycle.ini \
	scenarios/lectures/tcp-handshake-and-teardown.ini \
	scenarios/lectures/tcp-loss-and-fast-retransmit.ini \
	scenarios/lectures/tcp-loss-recovery-compared.ini \
	scenarios/lectures/tso-gro-10g.ini

# Lectures with a TAP link (root, /dev/net/tun, real clients): a folder of
# their own, so the tests that run every scenarios/lectures/*.ini never
# create a device; tests/tap.sh runs them in a network namespace.
lecturestapdir = $(pkgdatadir)/scenarios/lectures/tap
dist_lecturestap_DATA = scenarios/lectures/tap/your-laptop-talks-to-the-simulator.ini \
	scenarios/lectures/tap/tcp-kernel-compare-tap.ini \
	scenarios/lectures/tap/tcp-kernel-compare-sim.ini

# Every scenarios/lectures/*.ini runs with its [expect] lines, plus checks on
# the trace databases of some (docs/lecture-guide.md).
TESTS += tests/lectures.sh
EXTRA_DIST += tests/lectures.sh

# The lecture guide and its pictures (drawn by netsim draw; the commands are
# in the guide).
EXTRA_DIST += docs/lecture-guide.md \
	docs/img/arp-queue-drop.png \
	docs/img/arp-resolution.png \
	docs/img/fragmentation.png \
	docs/img/interrupts-and-napi-high-load.png \
	docs/img/interrupts-and-napi-low-load.png \
	docs/img/path-of-a-packet.png \
	docs/img/routing-and-route-cache.png \
	docs/img/skb-header-walk.png \
	docs/img/socket-lifecycle.png \
	docs/img/tcp-handshake-and-teardown.png \
	docs/img/tcp-loss-and-fast-retransmit.png \
	docs/img/tcp-loss-cwnd.png \
	docs/img/loss-recovery-newreno.png \
	docs/img/loss-recovery-sack-prr.png \
	docs/img/loss-recovery-rack-tlp.png \
	docs/img/blocking-io-cpu.png \
	docs/img/nonblocking-io-cpu.png \
	docs/img/interrupts-and-napi-compare.png \
	docs/img/interrupts-and-napi-cpu.png \
	docs/img/interrupt-rates.png \
	docs/img/one-write-several-reads.png \
	docs/img/several-writes-one-read.png \
	docs/img/view-path-of-a-packet.png \
	docs/img/rss-four-cpus-cpu.png \
	docs/img/rps-single-queue-cpu.png \
	docs/img/tso-gro-10g-cpu.png

# The receive-livelock homework (docs/homework-livelock.md): its scenarios,
# and tests/homework.sh, which checks that their curves have the published
# shapes at a small scale.
homeworkdir = $(pkgdatadir)/scenarios/homework
dist_homework_DATA = \
	scenarios/homework/receiver.ini \
	scenarios/homework/router.ini \
	scenarios/homework/router-screend.ini \
	scenarios/homework/receiver-queues.ini
TESTS += tests/homework.sh
EXTRA_DIST += tests/homework.sh \
	docs/img/livelock-receiver.png \
	docs/img/livelock-receiver-cpu.png \
	docs/img/livelock-receiver-irqs.png \
	docs/img/livelock-coalescing.png \
	docs/img/livelock-router.png \
	docs/img/livelock-router-cpu.png \
	docs/img/livelock-screend-quota.png \
	docs/img/livelock-screend-feedback.png \
	docs/img/livelock-screend-cycles.png \
	docs/img/livelock-queues.png \
	docs/img/livelock-queues-cpu.png

# The lecture guide's commands, run as written: every picture it shows is
# drawn again (into a scratch folder), so the guide cannot go stale.
TESTS += tests/lecture_images.sh
EXTRA_DIST += tests/lecture_images.sh docs/render-images.sh

# The homework handout's sweeps, run as written (docs/render-homework.sh).
TESTS += tests/homework_images.sh
EXTRA_DIST += tests/homework_images.sh docs/render-homework.sh

# Lectures of the rest of the seed's socket API (issue 14;
# docs/lecture-sockets-extra.md), with trace checks in tests/lectures_sockets.sh.
dist_lectures_DATA += scenarios/lectures/firewall-input-path.ini \
	scenarios/lectures/af-unix-vs-loopback-tcp.ini \
	scenarios/lectures/socketcall-entry.ini
dist_lectures_DATA += scenarios/lectures/urgent-data.ini
TESTS += tests/lectures_sockets.sh
EXTRA_DIST += tests/lectures_sockets.sh docs/lecture-sockets-extra.md \
	docs/img/firewall-input-path.png \
	docs/img/af-unix-vs-loopback-tcp.png \
	docs/img/socketcall-entry-cpu.png
EXTRA_DIST += docs/img/urgent-data.png
# A transport protocol a plug-in registers (issue 14): its programs are
# built from docs/plugin-example; tests/plugin_proto.sh runs it.
lecturesplugindir = $(pkgdatadir)/scenarios/lectures/plugin
dist_lecturesplugin_DATA = scenarios/lectures/plugin/stop-and-wait.ini \
	scenarios/lectures/plugin/student-aimd.ini
EXTRA_DIST += docs/img/stop-and-wait-path.png

# CUBIC after a loss on a long path (issue 17; lecture 14 of the guide).
dist_lectures_DATA += scenarios/lectures/tcp-cubic-loss-long-rtt.ini
EXTRA_DIST += docs/img/tcp-cubic-cwnd.png

# ECN: a router marks instead of dropping (issue 17; lecture 19 of the guide).
dist_lectures_DATA += scenarios/lectures/tcp-ecn-marks-instead-of-loss.ini
EXTRA_DIST += docs/img/tcp-ecn-cwnd-marks.png docs/img/tcp-ecn-cwnd-drops.png

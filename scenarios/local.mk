## scenarios/local.mk: lecture and homework scenario files (installed, and
## each one run by the test suite as a regression test).
lecturesdir = $(pkgdatadir)/scenarios/lectures
dist_lectures_DATA = \
	scenarios/lectures/path-of-a-packet.ini

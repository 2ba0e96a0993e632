/*
 * apps/io_modes.h - readers that show the three ways a program can wait
 * for data (seed text, "Programming with sockets"; lecture
 * scenarios/lectures/nonblocking-io.ini):
 *
 *   udp_sink         blocks in recv: the kernel wakes it (apps/programs.c)
 *   udp_nb_reader    O_NONBLOCK and recv in a loop: every empty try is a
 *                    system call answered EAGAIN, and the CPU pays for it
 *   udp_poll_reader  O_NONBLOCK, poll() until readable, then recv until
 *                    EAGAIN: one wake-up drains everything queued
 *
 * Registered in app_programs[] (apps/programs.c).
 */
#ifndef NETSIM_APPS_IO_MODES_H
#define NETSIM_APPS_IO_MODES_H

#include "apps/app.h"

/* Figures: eagain (empty tries), rx as for udp_sink (port, rcvbuf). */
int udp_nb_reader_main(struct app *a);
/* Figures: polls (poll calls that returned), eagain, rx as udp_sink. */
int udp_poll_reader_main(struct app *a);

#endif

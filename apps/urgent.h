/*
 * apps/urgent.h - urgent_send and urgent_recv (apps/urgent.c): TCP urgent
 * data as Telnet uses it; lecture scenarios/lectures/urgent-data.ini.
 * Registered in app_programs[] (apps/programs.c).
 */
#ifndef NETSIM_APPS_URGENT_H
#define NETSIM_APPS_URGENT_H

#include "apps/app.h"

/* Figure urgent (dst, port, size, count, interval). */
int urgent_send_main(struct app *a);
/* Figures oob_bytes, ahead_of_mark, marks (port, size, interval). */
int urgent_recv_main(struct app *a);

#endif

/*
 * viz/view.h - netsim view: a static web page that steps through the life
 * of one packet at a time (viz/view.c; the page is viz/view/).
 *
 *   netsim view DB -o DIR [--skb N [--step K]] [--max N]
 *
 * DIR/index.html opens from file:// with no server and no network; the
 * trace's data is DIR/data.js.  DIR/index.html#skb=N&step=K opens step K
 * (from 1) of packet N.
 */
#ifndef NETSIM_VIZ_VIEW_H
#define NETSIM_VIZ_VIEW_H

#include <glib.h>
#include <sqlite3.h>
#include <stdbool.h>
#include <stdint.h>

/* Writes the page for the first @max packets of @db (or only @only_skb, if > 0) into @dir. */
bool view_write(sqlite3 *db, const char *dir, int64_t only_skb, int max, GError **error);

/* netsim view DB -o DIR: @argv[1] is "view". */
int view_main(int argc, char **argv);

#endif

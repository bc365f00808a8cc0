/* `collector kiosk purge NAME --db PATH [--since YYYY-MM-DD] [--dry-run]`:
 * takes what a revoked kiosk uploaded out of the database and out of the
 * KPIs (store_kiosk_purge() does the work in one transaction). */
#ifndef COLLECTOR_PURGE_H
#define COLLECTOR_PURGE_H

#include <stdbool.h>

#include "store.h"

/* Whether text is a calendar date "YYYY-MM-DD" (years 2000..2099, the
 * range batches are accepted in). */
bool purge_date_valid(const char *text);

/* Runs the purge of kiosk name (since: a valid date or NULL) and prints
 * its one-line summary on stdout, or one line on stderr saying why nothing
 * was done and what to do. Returns the process exit status. */
int purge_run(struct store *st, const char *name, const char *since, bool dry_run);

#endif

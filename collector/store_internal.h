/* What the store's files share and nothing else includes: the writer
 * connection behind its mutex and the small helpers every write uses. */
#ifndef COLLECTOR_STORE_INTERNAL_H
#define COLLECTOR_STORE_INTERNAL_H

#include <sqlite3.h>

#include "store.h"

/* Locks the writer connection and returns it; store_writer_unlock() ends
 * the hold. Nothing else may use the connection meanwhile. */
sqlite3 *store_writer_lock(struct store *st);
void store_writer_unlock(struct store *st);

/* Logs a SQLite failure (what, code, message) and maps it to a store_err. */
enum store_err store_fail(struct store *st, int rc, const char *what);
int store_exec(sqlite3 *db, const char *sql);
/* Rolls back an open transaction of the writer; a no-op after COMMIT. */
void store_rollback(struct store *st);
/* Steps a prepared statement once, resets it and clears its bindings;
 * SQLITE_OK for SQLITE_DONE, else the code. */
int store_step_reset(sqlite3_stmt *s);

#endif

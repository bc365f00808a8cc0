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

/* The database's path (the key file is beside it). */
const char *store_path(const struct store *st);

/* A released row's JSON of response r of survey s, validated against s:
 * {"q01":3,...} (unanswered left out) and {"employment":"regular"}; each
 * writes at most store_response_json_cap(s) bytes with the NUL into out
 * and returns the length. */
size_t store_response_json_cap(const struct survey *s);
size_t store_answers_json(char *out, const struct survey *s, const struct batch_response *r);
size_t store_attrs_json(char *out, const struct survey *s, const struct batch_response *r);

#endif

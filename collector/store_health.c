/* Whether the database can take a write now, for /healthz. The writer's
 * connection must not be read-only and must get the write lock: BEGIN
 * IMMEDIATE, then ROLLBACK, so nothing is written and nothing waits on
 * fsync. A lock held elsewhere longer than the busy timeout counts as
 * "cannot be written", which is what a kiosk would meet. */
#include <stdio.h>

#include "store_internal.h"

enum store_err store_health(struct store *st, char *why, size_t len)
{
    sqlite3 *db = store_writer_lock(st);
    int rc = SQLITE_READONLY;

    if (sqlite3_db_readonly(db, "main") == 1) {
        snprintf(why, len, "the database file is open read-only");
    } else if ((rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL)) != SQLITE_OK) {
        snprintf(why, len, "the database cannot take a write: %s", sqlite3_errstr(rc));
    } else {
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
        why[0] = '\0';
    }
    store_writer_unlock(st);
    return why[0] ? (rc == SQLITE_FULL ? STORE_E_FULL : STORE_E_UNAVAILABLE) : STORE_OK;
}

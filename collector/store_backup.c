/* Copies of the database (store.h): SQLite's online backup API in one
 * step, so the copy is one read transaction's snapshot while the serving
 * collector goes on writing (WAL: a reader never blocks the writer), then
 * PRAGMA integrity_check on the copy and the schema version it carries. */
#include <stdio.h>

#include "schema.h"
#include "store_internal.h"

/* Copies database from into the new file to (which must not exist). */
static int store_copy(const char *from, const char *to, int from_flags, char *err, size_t len)
{
    sqlite3 *src = NULL, *dst = NULL;
    sqlite3_backup *b;
    int rc;

    if ((rc = sqlite3_open_v2(from, &src, from_flags, NULL)) != SQLITE_OK) {
        snprintf(err, len, "cannot open %s: %s", from, sqlite3_errstr(rc));
        goto out;
    }
    sqlite3_busy_timeout(src, STORE_BUSY_TIMEOUT);
    if ((rc = sqlite3_open_v2(to, &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL)) !=
        SQLITE_OK) {
        snprintf(err, len, "cannot create %s: %s", to, sqlite3_errstr(rc));
        goto out;
    }
    if (!(b = sqlite3_backup_init(dst, "main", src, "main"))) {
        rc = sqlite3_errcode(dst);
        snprintf(err, len, "cannot copy %s: %s", from, sqlite3_errmsg(dst));
        goto out;
    }
    while ((rc = sqlite3_backup_step(b, -1)) == SQLITE_BUSY || rc == SQLITE_LOCKED)
        sqlite3_sleep(50);
    sqlite3_backup_finish(b);
    if (rc != SQLITE_DONE)
        snprintf(err, len, "copying %s failed: %s", from, sqlite3_errstr(rc));
    else
        rc = SQLITE_OK;
    /* The copy is a rollback-journal file, synced at its commit. */
out:
    sqlite3_close(dst);
    sqlite3_close(src);
    return rc == SQLITE_OK ? 0 : -1;
}

enum store_err store_backup(const char *db, const char *to, char *err, size_t len)
{
    if (store_copy(db, to, SQLITE_OPEN_READONLY, err, len) != 0)
        return STORE_E_UNAVAILABLE;
    return store_verify(to, err, len);
}

enum store_err store_restore_copy(const char *from, const char *to, char *err, size_t len)
{
    enum store_err e = store_verify(from, err, len);

    if (e != STORE_OK)
        return e;
    if (store_copy(from, to, SQLITE_OPEN_READONLY, err, len) != 0)
        return STORE_E_UNAVAILABLE;
    return store_verify(to, err, len);
}

enum store_err store_verify(const char *path, char *err, size_t len)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    enum store_err e = STORE_E_UNAVAILABLE;
    int version = -1;

    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "PRAGMA integrity_check", -1, &s, NULL) != SQLITE_OK) {
        snprintf(err, len, "%s cannot be read as a database: %s", path, sqlite3_errmsg(db));
        goto out;
    }
    if (sqlite3_step(s) != SQLITE_ROW ||
        sqlite3_stricmp((const char *)sqlite3_column_text(s, 0), "ok")) {
        snprintf(err, len, "%s fails the integrity check: %s", path,
                 sqlite3_column_text(s, 0) ? (const char *)sqlite3_column_text(s, 0) : "no answer");
        goto out;
    }
    sqlite3_finalize(s);
    s = NULL;
    if (sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL) == SQLITE_OK &&
        sqlite3_step(s) == SQLITE_ROW)
        version = sqlite3_column_int(s, 0);
    if (version < 1 || version > SCHEMA_VERSION) {
        snprintf(err, len, "%s is not a collector database this version reads (schema %d)", path,
                 version);
        e = STORE_E_SCHEMA;
        goto out;
    }
    e = STORE_OK;
out:
    sqlite3_finalize(s);
    sqlite3_close(db);
    return e;
}

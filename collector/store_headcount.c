/* Headcounts in the store: the staff of a fiscal year, overall and per
 * attribute option, as an administrator recorded them. A few dozen rows
 * per year; written in one transaction, read by the KPI query. */
#include "store.h"

#include <stdio.h>

#include "store_internal.h"

static int put_row(sqlite3_stmt *q, const char *survey_id, int fiscal_year,
                   const struct store_headcount *h, const char *now)
{
    sqlite3_bind_text(q, 1, survey_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, fiscal_year);
    sqlite3_bind_text(q, 3, h->attribute, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, h->option, -1, SQLITE_STATIC);
    sqlite3_bind_int64(q, 5, h->count);
    sqlite3_bind_text(q, 6, now, -1, SQLITE_STATIC);
    return store_step_reset(q);
}

enum store_err store_headcount_put(struct store *st, const char *survey_id, int fiscal_year,
                                   const struct store_headcount *rows, size_t n)
{
    char now[21];
    sqlite3 *db = store_writer_lock(st);
    sqlite3_stmt *q = NULL;
    enum store_err e = STORE_OK;
    int rc = store_exec(db, "BEGIN IMMEDIATE");

    store_now(now);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO headcounts VALUES (?1,?2,?3,?4,?5,?6)",
                                -1, &q, NULL);
    for (size_t i = 0; rc == SQLITE_OK && i < n; i++)
        rc = put_row(q, survey_id, fiscal_year, &rows[i], now);
    sqlite3_finalize(q);
    if (rc == SQLITE_OK)
        rc = store_exec(db, "COMMIT");
    if (rc != SQLITE_OK) {
        e = store_fail(st, rc, "headcount_put");
        store_rollback(st);
    }
    store_writer_unlock(st);
    return e;
}

int store_headcounts(sqlite3 *db, const char *survey_id, int fiscal_year,
                     void (*fn)(const char *attr, const char *opt, long count, void *ctx),
                     void *ctx)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT attribute_id, option_id, count FROM headcounts"
                                " WHERE survey_id = ?1 AND fiscal_year = ?2",
                                -1, &q, NULL);

    if (rc != SQLITE_OK) {
        sqlite3_finalize(q);
        return -1;
    }
    sqlite3_bind_text(q, 1, survey_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, fiscal_year);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        fn((const char *)sqlite3_column_text(q, 0), (const char *)sqlite3_column_text(q, 1),
           (long)sqlite3_column_int64(q, 2), ctx);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? 0 : -1;
}

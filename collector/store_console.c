/* The console's rows: accounts, sessions, failed attempts, pairing codes
 * and the audit log. Every write holds the writer connection; the few
 * writes that change two tables are one transaction. Statements are small
 * and rare (a person's clicks), so they are prepared per call. */
#include "store_console.h"

#include <stdio.h>
#include <string.h>

#include "store_internal.h"

#define SC_DAY_S 86400

static void sc_text(char *out, size_t cap, sqlite3_stmt *s, int col)
{
    const unsigned char *t = sqlite3_column_text(s, col);
    snprintf(out, cap, "%s", t ? (const char *)t : "");
}

/* Columns user_id, name, role, password, created_at into u. */
static void sc_user_row(sqlite3_stmt *s, struct store_console_user *u)
{
    u->user_id = sqlite3_column_int64(s, 0);
    sc_text(u->name, sizeof u->name, s, 1);
    sc_text(u->role, sizeof u->role, s, 2);
    sc_text(u->password, sizeof u->password, s, 3);
    sc_text(u->created_at, sizeof u->created_at, s, 4);
    u->disabled = sqlite3_column_type(s, 5) != SQLITE_NULL;
}

#define SC_USER_COLS                                                                               \
    "SELECT user_id, name, role, coalesce(password, ''), created_at, disabled_at FROM "            \
    "console_users"

/* Runs sql with text ?1, ?2 and integer ?3 on the locked writer; *changes
 * gets the rows changed (may be NULL). */
static int sc_write(sqlite3 *db, const char *sql, const char *a, const char *b, int64_t n,
                    int *changes)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);

    if (rc == SQLITE_OK) {
        sqlite3_bind_text(s, 1, a, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, b, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 3, n);
        rc = sqlite3_step(s);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(s);
    if (changes)
        *changes = sqlite3_changes(db);
    return rc;
}

/* One user by sql (an SC_USER_COLS query binding ?1 text and ?2 integer). */
static enum store_err sc_user_find(struct store *st, const char *sql, const char *a, int64_t n,
                                   struct store_console_user *out)
{
    sqlite3 *db = store_writer_lock(st);
    sqlite3_stmt *s = NULL;
    enum store_err e = STORE_E_NOT_FOUND;
    int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);

    if (rc == SQLITE_OK) {
        sqlite3_bind_text(s, 1, a, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, n);
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW)
            sc_user_row(s, out), e = STORE_OK;
        else if (rc != SQLITE_DONE)
            e = store_fail(st, rc, "console_user");
    } else {
        e = store_fail(st, rc, "console_user");
    }
    sqlite3_finalize(s);
    store_writer_unlock(st);
    return e;
}

enum store_err store_console_user_add(struct store *st, const char *name, const char *role,
                                      const char *setup_sha256, time_t expires)
{
    char now[21];
    sqlite3 *db;
    sqlite3_stmt *s = NULL;
    enum store_err e = STORE_OK;
    int rc;

    store_now(now);
    db = store_writer_lock(st);
    rc = sqlite3_prepare_v2(db,
                            "INSERT INTO console_users (name, role, setup_sha256, setup_expires,"
                            " created_at) VALUES (?1, ?2, ?3, ?4, ?5)",
                            -1, &s, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, role, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, setup_sha256, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 4, (int64_t)expires);
        sqlite3_bind_text(s, 5, now, -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(s);
    if ((rc & 0xff) == SQLITE_CONSTRAINT)
        e = STORE_E_EXISTS;
    else if (rc != SQLITE_OK)
        e = store_fail(st, rc, "console_user_add");
    store_writer_unlock(st);
    return e;
}

enum store_err store_console_user_reset(struct store *st, const char *name,
                                        const char *setup_sha256, time_t expires)
{
    sqlite3 *db = store_writer_lock(st);
    int changes = 0;
    int rc = sc_write(db,
                      "UPDATE console_users SET setup_sha256 = ?2, setup_expires = ?3"
                      " WHERE name = ?1",
                      name, setup_sha256, (int64_t)expires, &changes);
    enum store_err e = rc != SQLITE_OK ? store_fail(st, rc, "console_user_reset")
                       : changes       ? STORE_OK
                                       : STORE_E_NOT_FOUND;

    store_writer_unlock(st);
    return e;
}

enum store_err store_console_setup_find(struct store *st, const char *setup_sha256, time_t now,
                                        struct store_console_user *out)
{
    return sc_user_find(st,
                        SC_USER_COLS " WHERE setup_sha256 = ?1 AND setup_expires > ?2"
                                     " AND disabled_at IS NULL",
                        setup_sha256, (int64_t)now, out);
}

enum store_err store_console_user_get(struct store *st, const char *name,
                                      struct store_console_user *out)
{
    return sc_user_find(st, SC_USER_COLS " WHERE name = ?1 AND ?2 = ?2", name, 0, out);
}

enum store_err store_console_setup_finish(struct store *st, const char *setup_sha256, time_t now,
                                          const char *password, struct store_console_user *out)
{
    enum store_err e = store_console_setup_find(st, setup_sha256, now, out);
    sqlite3 *db;
    int rc, changes = 0;

    if (e != STORE_OK)
        return e;
    db = store_writer_lock(st);
    rc = store_exec(db, "BEGIN IMMEDIATE");
    if (rc == SQLITE_OK)
        rc = sc_write(db,
                      "UPDATE console_users SET password = ?2, setup_sha256 = NULL,"
                      " setup_expires = NULL WHERE setup_sha256 = ?1 AND setup_expires > ?3",
                      setup_sha256, password, (int64_t)now, &changes);
    if (rc == SQLITE_OK && changes == 1)
        rc = sc_write(db, "DELETE FROM console_sessions WHERE user_id = ?3", NULL, NULL,
                      out->user_id, NULL);
    if (rc == SQLITE_OK && changes == 1)
        rc = store_exec(db, "COMMIT");
    if (rc != SQLITE_OK || changes != 1)
        store_rollback(st);
    e = rc != SQLITE_OK ? store_fail(st, rc, "console_setup")
        : changes       ? STORE_OK
                        : STORE_E_NOT_FOUND;
    store_writer_unlock(st);
    return e;
}

enum store_err store_console_user_disable(struct store *st, const char *name, bool disabled)
{
    char now[21];
    sqlite3 *db;
    int changes = 0, rc;

    store_now(now);
    db = store_writer_lock(st);
    rc = store_exec(db, "BEGIN IMMEDIATE");
    if (rc == SQLITE_OK)
        rc = sc_write(db,
                      disabled ? "UPDATE console_users SET disabled_at = coalesce(disabled_at, ?2),"
                                 " setup_sha256 = NULL, setup_expires = NULL WHERE name = ?1"
                               : "UPDATE console_users SET disabled_at = NULL WHERE name = ?1"
                                 " AND ?2 = ?2",
                      name, now, 0, &changes);
    if (rc == SQLITE_OK && changes == 1)
        rc = sc_write(db,
                      "DELETE FROM console_sessions WHERE ?3 = 1 AND user_id ="
                      " (SELECT user_id FROM console_users WHERE name = ?1)",
                      name, NULL, disabled, NULL);
    if (rc == SQLITE_OK && changes == 1)
        rc = store_exec(db, "COMMIT");
    if (rc != SQLITE_OK || changes != 1)
        store_rollback(st);
    store_writer_unlock(st);
    return rc != SQLITE_OK ? store_fail(st, rc, "console_user_disable")
           : changes       ? STORE_OK
                           : STORE_E_NOT_FOUND;
}

enum store_err store_console_users_each(struct store *st,
                                        void (*fn)(const struct store_console_user *u, void *ctx),
                                        void *ctx)
{
    sqlite3 *db = store_writer_lock(st);
    sqlite3_stmt *s = NULL;
    struct store_console_user u;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT user_id, name, role, CASE WHEN password IS NULL THEN ''"
                                " ELSE 'set' END, created_at, disabled_at FROM console_users"
                                " ORDER BY name",
                                -1, &s, NULL);

    while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        sc_user_row(s, &u);
        fn(&u, ctx);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    store_writer_unlock(st);
    return rc == SQLITE_DONE ? STORE_OK : store_fail(st, rc, "console_users");
}

enum store_err store_console_session_add(struct store *st, const char *session_sha256,
                                         int64_t user_id, const char *csrf, time_t now)
{
    sqlite3 *db = store_writer_lock(st);
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "INSERT INTO console_sessions (session_sha256, user_id, csrf,"
                                " created, last_seen) VALUES (?1, ?2, ?3, ?4, ?4)",
                                -1, &s, NULL);

    if (rc == SQLITE_OK) {
        sqlite3_bind_text(s, 1, session_sha256, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, user_id);
        sqlite3_bind_text(s, 3, csrf, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 4, (int64_t)now);
        rc = sqlite3_step(s);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(s);
    store_writer_unlock(st);
    return rc == SQLITE_OK ? STORE_OK : store_fail(st, rc, "console_session_add");
}

enum store_err store_console_session_get(struct store *st, const char *session_sha256, time_t now,
                                         long idle_s, struct store_console_user *user,
                                         char csrf[CRYPTO_SHA256_HEX])
{
    sqlite3 *db = store_writer_lock(st);
    sqlite3_stmt *s = NULL;
    enum store_err e = STORE_E_NOT_FOUND;
    int rc;

    /* An idle session goes first, so that it can never be found. */
    rc = sc_write(db, "DELETE FROM console_sessions WHERE last_seen <= ?3", NULL, NULL,
                  (int64_t)(now - idle_s), NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db,
                                "SELECT u.user_id, u.name, u.role, '', u.created_at, NULL, s.csrf"
                                " FROM console_sessions s JOIN console_users u USING (user_id)"
                                " WHERE s.session_sha256 = ?1 AND u.disabled_at IS NULL",
                                -1, &s, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(s, 1, session_sha256, -1, SQLITE_STATIC);
        if ((rc = sqlite3_step(s)) == SQLITE_ROW) {
            sc_user_row(s, user);
            sc_text(csrf, CRYPTO_SHA256_HEX, s, 6);
            e = STORE_OK;
            rc = SQLITE_DONE;
        }
    }
    sqlite3_finalize(s);
    if (e == STORE_OK)
        rc = sc_write(db, "UPDATE console_sessions SET last_seen = ?3 WHERE session_sha256 = ?1",
                      session_sha256, NULL, (int64_t)now, NULL);
    else if (rc == SQLITE_DONE)
        rc = SQLITE_OK;
    if (rc != SQLITE_OK)
        e = store_fail(st, rc, "console_session");
    store_writer_unlock(st);
    return e;
}

enum store_err store_console_session_drop(struct store *st, const char *session_sha256)
{
    sqlite3 *db = store_writer_lock(st);
    int rc = sc_write(db, "DELETE FROM console_sessions WHERE session_sha256 = ?1", session_sha256,
                      NULL, 0, NULL);

    store_writer_unlock(st);
    return rc == SQLITE_OK ? STORE_OK : store_fail(st, rc, "console_session_drop");
}

long long store_console_failures(struct store *st, const char *subject, time_t since,
                                 time_t *latest)
{
    sqlite3 *db = store_writer_lock(st);
    sqlite3_stmt *s = NULL;
    long long n = -1;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT count(*), coalesce(max(at), 0) FROM console_failures"
                                " WHERE subject = ?1 AND at >= ?2",
                                -1, &s, NULL);

    if (rc == SQLITE_OK) {
        sqlite3_bind_text(s, 1, subject, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, (int64_t)since);
        if (sqlite3_step(s) == SQLITE_ROW) {
            n = sqlite3_column_int64(s, 0);
            *latest = (time_t)sqlite3_column_int64(s, 1);
        }
    }
    sqlite3_finalize(s);
    store_writer_unlock(st);
    return n;
}

enum store_err store_console_failure_add(struct store *st, const char *subject, time_t now)
{
    sqlite3 *db = store_writer_lock(st);
    int rc = sc_write(db, "DELETE FROM console_failures WHERE at < ?3", NULL, NULL,
                      (int64_t)(now - SC_DAY_S), NULL);

    if (rc == SQLITE_OK)
        rc = sc_write(db, "INSERT INTO console_failures (subject, at) VALUES (?1, ?3)", subject,
                      NULL, (int64_t)now, NULL);
    store_writer_unlock(st);
    return rc == SQLITE_OK ? STORE_OK : store_fail(st, rc, "console_failure");
}

enum store_err store_console_failures_clear(struct store *st, const char *subject)
{
    sqlite3 *db = store_writer_lock(st);
    int rc =
        sc_write(db, "DELETE FROM console_failures WHERE subject = ?1", subject, NULL, 0, NULL);

    store_writer_unlock(st);
    return rc == SQLITE_OK ? STORE_OK : store_fail(st, rc, "console_failures_clear");
}

enum store_err store_pairing_add(struct store *st, const char *kiosk_name, const char *code_sha256,
                                 time_t expires)
{
    sqlite3 *db = store_writer_lock(st);
    int changes = 0, rc = store_exec(db, "BEGIN IMMEDIATE");

    if (rc == SQLITE_OK)
        rc = sc_write(db,
                      "DELETE FROM pairing_codes WHERE kiosk_id ="
                      " (SELECT kiosk_id FROM kiosks WHERE name = ?1)",
                      kiosk_name, NULL, 0, NULL);
    if (rc == SQLITE_OK)
        rc = sc_write(db,
                      "INSERT INTO pairing_codes (code_sha256, kiosk_id, expires)"
                      " SELECT ?2, kiosk_id, ?3 FROM kiosks WHERE name = ?1",
                      kiosk_name, code_sha256, (int64_t)expires, &changes);
    if (rc == SQLITE_OK && changes == 1)
        rc = store_exec(db, "COMMIT");
    if (rc != SQLITE_OK || changes != 1)
        store_rollback(st);
    store_writer_unlock(st);
    return rc != SQLITE_OK ? store_fail(st, rc, "pairing_add")
           : changes       ? STORE_OK
                           : STORE_E_NOT_FOUND;
}

/* The kiosk's name of a live code into name; SQLITE_DONE when none. */
static int sc_pairing_kiosk(sqlite3 *db, const char *code_sha256, time_t now, char *name)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT k.name FROM pairing_codes p JOIN kiosks k USING (kiosk_id)"
                                " WHERE p.code_sha256 = ?1 AND p.expires > ?2",
                                -1, &s, NULL);

    if (rc == SQLITE_OK) {
        sqlite3_bind_text(s, 1, code_sha256, -1, SQLITE_STATIC);
        sqlite3_bind_int64(s, 2, (int64_t)now);
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW)
            sc_text(name, STORE_NAME_MAX + 1, s, 0);
    }
    sqlite3_finalize(s);
    return rc;
}

enum store_err store_pairing_take(struct store *st, const char *code_sha256, time_t now,
                                  const char *token_sha256, char *name)
{
    sqlite3 *db = store_writer_lock(st);
    int rc = store_exec(db, "BEGIN IMMEDIATE"), found = 0;

    if (rc == SQLITE_OK && (rc = sc_pairing_kiosk(db, code_sha256, now, name)) == SQLITE_ROW)
        found = 1, rc = SQLITE_OK;
    else if (rc == SQLITE_DONE)
        rc = SQLITE_OK;
    if (rc == SQLITE_OK && found)
        rc = sc_write(db, "UPDATE kiosks SET token_sha256 = ?2, revoked_at = NULL WHERE name = ?1",
                      name, token_sha256, 0, NULL);
    if (rc == SQLITE_OK && found)
        rc = sc_write(db, "DELETE FROM pairing_codes WHERE code_sha256 = ?1", code_sha256, NULL, 0,
                      NULL);
    if (rc == SQLITE_OK && found)
        rc = store_exec(db, "COMMIT");
    if (rc != SQLITE_OK || !found)
        store_rollback(st);
    store_writer_unlock(st);
    return rc != SQLITE_OK ? store_fail(st, rc, "pairing_take")
           : found         ? STORE_OK
                           : STORE_E_NOT_FOUND;
}

/* The last row's seq and hash; AUDIT_GENESIS and 0 on an empty log. */
static int sc_audit_last(sqlite3 *db, long long *seq, char prev[CRYPTO_SHA256_HEX])
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT seq, sha256 FROM audit_log ORDER BY seq DESC LIMIT 1",
                                -1, &s, NULL);

    *seq = 0;
    snprintf(prev, CRYPTO_SHA256_HEX, "%s", AUDIT_GENESIS);
    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        *seq = sqlite3_column_int64(s, 0);
        sc_text(prev, CRYPTO_SHA256_HEX, s, 1);
    }
    sqlite3_finalize(s);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int sc_audit_insert(sqlite3 *db, const struct audit_row *r)
{
    sqlite3_stmt *s = NULL;
    const char *text[] = {r->at,     r->actor,       r->address, r->action,
                          r->detail, r->prev_sha256, r->sha256};
    int rc = sqlite3_prepare_v2(db,
                                "INSERT INTO audit_log (seq, at, actor, address, action, detail,"
                                " prev_sha256, sha256) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                                -1, &s, NULL);

    if (rc == SQLITE_OK) {
        sqlite3_bind_int64(s, 1, r->seq);
        for (int i = 0; i < 7; i++)
            sqlite3_bind_text(s, i + 2, text[i], -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(s);
    return rc;
}

enum store_err store_audit_append(struct store *st, const char *actor, const char *address,
                                  const char *action, const char *detail)
{
    char now[21], prev[CRYPTO_SHA256_HEX], hash[CRYPTO_SHA256_HEX];
    struct audit_row r = {.at = now,
                          .actor = actor,
                          .address = address,
                          .action = action,
                          .detail = detail,
                          .prev_sha256 = prev,
                          .sha256 = hash};
    sqlite3 *db;
    int rc;

    store_now(now);
    db = store_writer_lock(st);
    rc = store_exec(db, "BEGIN IMMEDIATE");
    if (rc == SQLITE_OK && (rc = sc_audit_last(db, &r.seq, prev)) == SQLITE_OK) {
        r.seq++;
        audit_row_hash(&r, hash);
        rc = sc_audit_insert(db, &r);
    }
    if (rc == SQLITE_OK)
        rc = store_exec(db, "COMMIT");
    if (rc != SQLITE_OK)
        store_rollback(st);
    store_writer_unlock(st);
    return rc == SQLITE_OK ? STORE_OK : store_fail(st, rc, "audit_append");
}

int store_audit_each(sqlite3 *db, bool newest_first, long limit,
                     void (*fn)(const struct audit_row *r, void *ctx), void *ctx)
{
    sqlite3_stmt *s = NULL;
    struct audit_row r;
    int rc = sqlite3_prepare_v2(db,
                                newest_first
                                    ? "SELECT seq, at, actor, address, action, detail, prev_sha256,"
                                      " sha256 FROM audit_log ORDER BY seq DESC LIMIT ?1"
                                    : "SELECT seq, at, actor, address, action, detail, prev_sha256,"
                                      " sha256 FROM audit_log ORDER BY seq LIMIT ?1",
                                -1, &s, NULL);

    if (rc == SQLITE_OK)
        sqlite3_bind_int64(s, 1, limit > 0 ? limit : -1);
    while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        const char **f[] = {&r.at,     &r.actor,       &r.address, &r.action,
                            &r.detail, &r.prev_sha256, &r.sha256};
        r.seq = sqlite3_column_int64(s, 0);
        for (int i = 0; i < 7; i++) {
            const unsigned char *t = sqlite3_column_text(s, i + 1);
            *f[i] = t ? (const char *)t : "";
        }
        fn(&r, ctx);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    return rc == SQLITE_DONE ? 0 : -1;
}

enum store_err
store_console_surveys_each(struct store *st,
                           void (*fn)(const struct store_console_survey *s, void *ctx), void *ctx)
{
    sqlite3 *db = store_writer_lock(st);
    sqlite3_stmt *s = NULL;
    struct store_console_survey row;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT survey_id, version, coalesce(json_extract(definition,"
                                " '$.title'), ''), published_at, coalesce(closed_at, ''), active,"
                                " coalesce(json_extract(definition, '$.period.from'), ''),"
                                " coalesce(json_extract(definition, '$.period.to'), '')"
                                " FROM surveys ORDER BY published_at DESC, survey_id, version DESC",
                                -1, &s, NULL);

    while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        row.survey_id = (const char *)sqlite3_column_text(s, 0);
        row.version = sqlite3_column_int(s, 1);
        row.title = (const char *)sqlite3_column_text(s, 2);
        row.published_at = (const char *)sqlite3_column_text(s, 3);
        row.closed_at = (const char *)sqlite3_column_text(s, 4);
        row.active = sqlite3_column_int(s, 5) != 0;
        row.period_from = (const char *)sqlite3_column_text(s, 6);
        row.period_to = (const char *)sqlite3_column_text(s, 7);
        fn(&row, ctx);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    store_writer_unlock(st);
    return rc == SQLITE_DONE ? STORE_OK : store_fail(st, rc, "console_surveys");
}

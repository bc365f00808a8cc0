/* The kiosk's offline store: responses sealed for the collector's key until
 * batched, batches until the collector acknowledges them, the cached survey,
 * the collector's public key and whether the survey was closed. Assumes one
 * handle per thread and a small file (thousands of rows, a few MB); every
 * write is one transaction, no answer is written in clear, nothing finer
 * than the day is stored, and after each write the files are rebuilt so
 * that where a row lies says nothing about when it came. */
#include "kiosk_store.h"
#include "kerr.h"

#include <assert.h>
#include <errno.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "batch.h"
#include "crypto.h"
#include "kclock.h"
#include "seal.h"
#include "utf8.h"

#define STORE_BUSY_MS     5000
#define STORE_DAY         86400
#define STORE_SEAL_MAX    (50 * BATCH_MAX_RESPONSES) /* rows sealed per call; more next call */
#define STORE_PATH_MAX    4096
#define STORE_ASIDE_TRIES 100

/* A batch keeps no time of its attempts and no count of them (the first
 * attempt falls soon after the sealing, so either would date the responses
 * it holds), and no row number (which would count the batches sealed): the
 * table has no rowid and lies in the order of the random batch ids. */
#define BATCHES_COLUMNS                                                                            \
    "(batch_id TEXT PRIMARY KEY, survey_id TEXT NOT NULL, survey_version INTEGER NOT NULL,"        \
    " n_responses INTEGER NOT NULL, body TEXT NOT NULL,"                                           \
    " state TEXT NOT NULL CHECK(state IN ('sealed','quarantined')),"                               \
    " created_at INTEGER NOT NULL," /* the kclock day of its oldest response */                    \
    " last_status INTEGER, last_error TEXT) WITHOUT ROWID;"

/* Responses are stored sealed for the collector's key (seal.h): a row holds
 * the sealed text and the survey version it answers, nothing else, under a
 * random id. The day the oldest of a version started waiting (for the
 * one-day rule) is one row per version in a table of its own, written once.
 * Stores made before sealing have a table `responses` in clear; it is
 * sealed and dropped once a key is known. */
static const char SCHEMA[] =
    "CREATE TABLE IF NOT EXISTS sealed_responses("
    " id INTEGER PRIMARY KEY," /* random, so that the row id tells no order */
    " survey_id TEXT NOT NULL, survey_version INTEGER NOT NULL, sealed TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS waiting("
    " survey_id TEXT NOT NULL, survey_version INTEGER NOT NULL,"
    " since INTEGER NOT NULL," /* kclock day the oldest waiting response was given */
    " PRIMARY KEY(survey_id, survey_version));"
    "CREATE TABLE IF NOT EXISTS batches" BATCHES_COLUMNS "CREATE TABLE IF NOT EXISTS survey_cache("
    " id INTEGER PRIMARY KEY CHECK(id = 1), json TEXT NOT NULL, etag TEXT);"
    "CREATE TABLE IF NOT EXISTS collector_key(" /* the public key the survey came with */
    " id INTEGER PRIMARY KEY CHECK(id = 1), pk TEXT NOT NULL);"
    "CREATE TABLE IF NOT EXISTS survey_closed(" /* a table of its own: older stores gain it */
    " id INTEGER PRIMARY KEY CHECK(id = 1), survey_id TEXT NOT NULL,"
    " survey_version INTEGER NOT NULL, closed_at INTEGER NOT NULL);"
    "CREATE TABLE IF NOT EXISTS meta(key TEXT PRIMARY KEY, value);";

/* X-macro: each statement is prepared once at open and reset after use. */
#define STORE_STMTS(X)                                                                             \
    X(BEGIN, "BEGIN IMMEDIATE")                                                                    \
    X(COMMIT, "COMMIT")                                                                            \
    X(ROLLBACK, "ROLLBACK")                                                                        \
    X(INSERT_RESPONSE, "INSERT INTO sealed_responses(id, survey_id, survey_version, sealed)"       \
                       " VALUES(?,?,?,?)")                                                         \
    X(INSERT_WAITING, "INSERT OR IGNORE INTO waiting(survey_id, survey_version, since)"            \
                      " VALUES(?,?,?)")                                                            \
    X(GROUPS, "SELECT r.survey_id, r.survey_version, count(*), coalesce(min(w.since), 0)"          \
              " FROM sealed_responses r LEFT JOIN waiting w"                                       \
              " ON w.survey_id = r.survey_id AND w.survey_version = r.survey_version"              \
              " GROUP BY r.survey_id, r.survey_version")                                           \
    X(GROUP_ROWS, "SELECT id, sealed FROM sealed_responses"                                        \
                  " WHERE survey_id = ? AND survey_version = ? ORDER BY id LIMIT ?")               \
    X(DELETE_RESPONSE, "DELETE FROM sealed_responses WHERE id = ?")                                \
    X(DELETE_WAITING, "DELETE FROM waiting WHERE survey_id = ? AND survey_version = ?")            \
    X(GET_KEY, "SELECT pk FROM collector_key WHERE id = 1")                                        \
    X(SET_KEY, "INSERT OR REPLACE INTO collector_key(id, pk) VALUES(1, ?)")                        \
    X(INSERT_BATCH, "INSERT INTO batches(batch_id, survey_id, survey_version, n_responses, body,"  \
                    " state, created_at) VALUES(?,?,?,?,?,'sealed',?)")                            \
    X(LIST_SEALED, "SELECT batch_id FROM batches WHERE state = 'sealed'"                           \
                   " ORDER BY created_at, batch_id LIMIT ?")                                       \
    X(BATCH_BODY, "SELECT body FROM batches WHERE batch_id = ? AND state = 'sealed'")              \
    X(DELETE_BATCH, "DELETE FROM batches WHERE batch_id = ?")                                      \
    X(MARK_BATCH, "UPDATE batches SET state = ?, last_status = ?, last_error = ?"                  \
                  " WHERE batch_id = ?")                                                           \
    X(REQUEUE, "UPDATE batches SET state = 'sealed' WHERE state = 'quarantined'")                  \
    X(COUNTS, "SELECT (SELECT count(*) FROM sealed_responses),"                                    \
              " (SELECT count(*) FROM batches WHERE state = 'sealed'),"                            \
              " (SELECT count(*) FROM batches WHERE state = 'quarantined'),"                       \
              " (SELECT min(t) FROM (SELECT min(since) AS t FROM waiting"                          \
              "  UNION ALL SELECT min(created_at) FROM batches))")                                 \
    X(HOLDS_ANY, "SELECT EXISTS(SELECT 1 FROM sealed_responses) OR EXISTS(SELECT 1 FROM batches)") \
    X(GET_META, "SELECT value FROM meta WHERE key = ?")                                            \
    X(SET_META, "INSERT INTO meta(key, value) VALUES(?, ?)"                                        \
                " ON CONFLICT(key) DO UPDATE SET value = excluded.value")                          \
    X(GET_SURVEY, "SELECT json, etag FROM survey_cache WHERE id = 1")                              \
    X(SET_SURVEY, "INSERT OR REPLACE INTO survey_cache(id, json, etag) VALUES(1, ?, ?)")           \
    X(SET_CLOSED, "INSERT OR REPLACE INTO survey_closed(id, survey_id, survey_version, closed_at)" \
                  " VALUES(1, ?, ?, ?)")                                                           \
    X(GET_CLOSED,                                                                                  \
      "SELECT closed_at FROM survey_closed WHERE survey_id = ? AND survey_version = ?")            \
    X(CLEAR_CLOSED, "DELETE FROM survey_closed")

enum store_stmt {
#define STMT_ENUM(name, sql) STMT_##name,
    STORE_STMTS(STMT_ENUM)
#undef STMT_ENUM
        STMT_COUNT
};

static const char *const STMT_SQL[] = {
#define STMT_SQL_TEXT(name, sql) sql,
    STORE_STMTS(STMT_SQL_TEXT)
#undef STMT_SQL_TEXT
};

struct kiosk_store {
    sqlite3 *db;
    sqlite3_stmt *stmt[STMT_COUNT];
    /* In memory only, never written: made from the stored collector key
     * when first needed and again when that key changes. */
    struct seal_session *session;
    unsigned char session_pk[SEAL_KEY_BYTES];
};

/* A write error in words; disk full gets its own sentence because staff can act on it. */
static int fail_db(struct kiosk_store *st, int rc, const char *what, char *err, size_t errlen)
{
    if (rc == SQLITE_FULL)
        return kerr_fail(err, errlen,
                         "kiosk store: the disk is full; %s was not saved and nothing changed. "
                         "Free space on the kiosk or call the administrator",
                         what);
    return kerr_fail(err, errlen, "kiosk store: %s failed: %s", what, sqlite3_errmsg(st->db));
}

static sqlite3_stmt *stmt_get(struct kiosk_store *st, enum store_stmt which)
{
    sqlite3_stmt *s = st->stmt[which];
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return s;
}

static int run(struct kiosk_store *st, enum store_stmt which)
{
    int rc = sqlite3_step(stmt_get(st, which));
    sqlite3_reset(st->stmt[which]);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

static int begin(struct kiosk_store *st)
{
    return run(st, STMT_BEGIN);
}

static int commit(struct kiosk_store *st)
{
    int rc = run(st, STMT_COMMIT);
    if (rc != SQLITE_OK)
        run(st, STMT_ROLLBACK);
    return rc;
}

static void rollback(struct kiosk_store *st)
{
    if (!sqlite3_get_autocommit(st->db))
        run(st, STMT_ROLLBACK);
}

/* ---- leaving no order on disk ---- */

/* Empties the WAL into the database and cuts it to zero bytes. It waits
 * (the busy timeout) for a reader on another handle; 0 when done. */
static int truncate_wal(struct kiosk_store *st)
{
    return sqlite3_wal_checkpoint_v2(st->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) ==
                   SQLITE_OK
               ? 0
               : -1;
}

/* Whether any response waits, sealed alone or in a batch (true when the
 * store cannot tell). */
static bool holds_any(struct kiosk_store *st)
{
    sqlite3_stmt *q = stmt_get(st, STMT_HOLDS_ANY);
    bool yes = sqlite3_step(q) != SQLITE_ROW || sqlite3_column_int(q, 0) != 0;
    sqlite3_reset(q);
    return yes;
}

/* Called after every committed write that touched responses or batches, so
 * that no file says in which order, or when, they came. SQLite writes WAL
 * frames in commit order and places a new cell wherever its page has room;
 * VACUUM rebuilds the file from its content alone, rows in the order of
 * their random ids, and the WAL it wrote is cut away. The WAL is cut before
 * VACUUM too: the SHM keeps the page numbers of the last frames written,
 * and those of the write just committed would say which page took a new
 * row; VACUUM's own frames (every page once, ascending) replace them. A
 * store that holds no response needs no rebuild; the cut still moves the
 * zeroed pages of what was deleted into the file. The write is durable
 * before this; when it fails (a reader held the WAL past the busy timeout,
 * no room to rebuild) the next write does it. Temporary files stay in
 * memory (temp_store), so VACUUM puts no copy elsewhere. */
static int settle(struct kiosk_store *st)
{
    if (truncate_wal(st) != 0)
        return -1;
    if (!holds_any(st))
        return 0;
    if (sqlite3_exec(st->db, "VACUUM", NULL, NULL, NULL) != SQLITE_OK)
        return -1;
    return truncate_wal(st);
}

/* ---- open, integrity check, set aside ---- */

/* Whether a freshly opened handle sits on a sound database: PRAGMA
 * quick_check answers "ok", or SQLite says the file is not a database. */
static int check_integrity(sqlite3 *db, bool *corrupt)
{
    sqlite3_stmt *s = NULL;
    *corrupt = false;
    int rc = sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &s, NULL);
    if (rc == SQLITE_OK) {
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            const char *r = (const char *)sqlite3_column_text(s, 0);
            *corrupt = !r || strcmp(r, "ok") != 0;
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(s);
    if ((rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT) {
        *corrupt = true;
        rc = SQLITE_OK;
    }
    return rc;
}

static int pragmas(sqlite3 *db)
{
    /* WAL lets the UI write while the sync thread reads; FULL makes a
     * commit survive power loss; secure_delete zeroes what is deleted;
     * temp_store keeps VACUUM's copy of the file in memory. */
    return sqlite3_exec(db,
                        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
                        " PRAGMA secure_delete = ON; PRAGMA foreign_keys = ON;"
                        " PRAGMA temp_store = MEMORY;",
                        NULL, NULL, NULL);
}

static int open_db(const char *path, sqlite3 **out, bool *corrupt, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc != SQLITE_OK)
        goto fail;
    sqlite3_busy_timeout(db, STORE_BUSY_MS);
    rc = check_integrity(db, corrupt);
    if (rc != SQLITE_OK || *corrupt)
        goto fail;
    rc = pragmas(db);
    if ((rc & 0xff) == SQLITE_NOTADB || (rc & 0xff) == SQLITE_CORRUPT) {
        *corrupt = true;
        goto fail;
    }
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(db, SCHEMA, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        goto fail;
    *out = db;
    return 0;
fail:
    if (!*corrupt)
        kerr_fail(err, errlen, "kiosk store: cannot open %s: %s", path,
                  db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
    sqlite3_close(db);
    return -1;
}

static void move_companion(const char *path, const char *aside, const char *suffix)
{
    char from[STORE_PATH_MAX + 8], to[STORE_PATH_MAX + 64];
    snprintf(from, sizeof from, "%s%s", path, suffix);
    snprintf(to, sizeof to, "%s%s", aside, suffix);
    if (rename(from, to) != 0 && errno != ENOENT)
        unlink(from); /* a stale -wal must not be replayed into the fresh store */
}

/* Renames PATH (and its -wal, -shm) to PATH.corrupt-YYYYMMDDHHMMSS[-N]. */
static int set_aside_file(const char *path, char *err, size_t errlen)
{
    char aside[STORE_PATH_MAX + 48], stamp[16];
    time_t now = time(NULL);
    struct tm tm;
    struct stat sb;

    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%d%H%M%S", &tm);
    for (int i = 0; i < STORE_ASIDE_TRIES; i++) {
        if (i == 0)
            snprintf(aside, sizeof aside, "%s.corrupt-%s", path, stamp);
        else
            snprintf(aside, sizeof aside, "%s.corrupt-%s-%d", path, stamp, i);
        if (stat(aside, &sb) != 0)
            break;
    }
    if (rename(path, aside) != 0)
        return kerr_fail(err, errlen, "kiosk store: %s is damaged and cannot be moved aside: %s",
                         path, strerror(errno));
    move_companion(path, aside, "-wal");
    move_companion(path, aside, "-shm");
    fprintf(stderr, "kiosk store: %s was damaged; it was moved to %s and a new store started\n",
            path, aside);
    return 0;
}

static int prepare_all(struct kiosk_store *st, char *err, size_t errlen)
{
    for (int i = 0; i < STMT_COUNT; i++) {
        if (sqlite3_prepare_v3(st->db, STMT_SQL[i], -1, SQLITE_PREPARE_PERSISTENT, &st->stmt[i],
                               NULL) != SQLITE_OK)
            return kerr_fail(err, errlen, "kiosk store: cannot prepare statement %d: %s", i,
                             sqlite3_errmsg(st->db));
    }
    return 0;
}

static int migrate_clear(struct kiosk_store *st);

/* Whether sql, with name bound to its one parameter, gives a row. */
static bool has_row(struct kiosk_store *st, const char *sql, const char *name)
{
    sqlite3_stmt *q = NULL;
    bool yes = false;
    if (sqlite3_prepare_v2(st->db, sql, -1, &q, NULL) == SQLITE_OK) {
        sqlite3_bind_text(q, 1, name, -1, SQLITE_STATIC);
        yes = sqlite3_step(q) == SQLITE_ROW;
    }
    sqlite3_finalize(q);
    return yes;
}

static bool table_exists(struct kiosk_store *st, const char *name)
{
    return has_row(st, "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", name);
}

/* Stores from before kept the time and count of each batch's attempts and
 * numbered batch rows as they were sealed: the table is made anew, in one
 * transaction, without them. */
static int migrate_batches(struct kiosk_store *st)
{
    if (!has_row(st,
                 "SELECT 1 FROM pragma_table_list WHERE schema = 'main' AND name = ? AND wr = 0",
                 "batches"))
        return 0;
    if (sqlite3_exec(st->db,
                     "BEGIN IMMEDIATE; CREATE TABLE batches_new" BATCHES_COLUMNS
                     "INSERT INTO batches_new SELECT batch_id, survey_id, survey_version,"
                     " n_responses, body, state, created_at, last_status, last_error"
                     " FROM batches;"
                     "DROP TABLE batches; ALTER TABLE batches_new RENAME TO batches; COMMIT",
                     NULL, NULL, NULL) == SQLITE_OK)
        return 0;
    rollback(st);
    return -1;
}

int kiosk_store_open(const char *path, struct kiosk_store **out, bool *set_aside, char *err,
                     size_t errlen)
{
    struct kiosk_store *st = NULL;
    bool corrupt = false;

    *out = NULL;
    if (set_aside)
        *set_aside = false;
    if (!path || !*path || strlen(path) >= STORE_PATH_MAX)
        return kerr_fail(err, errlen, "kiosk store: the database path is empty or too long");
    st = calloc(1, sizeof(*st));
    if (!st)
        return kerr_fail(err, errlen, "kiosk store: out of memory");
    if (open_db(path, &st->db, &corrupt, err, errlen) != 0) {
        if (!corrupt || set_aside_file(path, err, errlen) != 0)
            goto fail;
        if (set_aside)
            *set_aside = true;
        if (open_db(path, &st->db, &corrupt, err, errlen) != 0) {
            if (corrupt)
                kerr_fail(err, errlen, "kiosk store: a fresh store at %s is damaged at once", path);
            goto fail;
        }
    }
    if (prepare_all(st, err, errlen) != 0)
        goto fail;
    if (migrate_clear(st) != 0) {
        kerr_fail(err, errlen, "kiosk store: cannot seal the responses an older version kept: %s",
                  sqlite3_errmsg(st->db));
        goto fail;
    }
    if (migrate_batches(st) != 0) {
        kerr_fail(err, errlen, "kiosk store: cannot rewrite the batches of an older version: %s",
                  sqlite3_errmsg(st->db));
        goto fail;
    }
    /* After a power cut the last write may not have been settled. */
    settle(st);
    *out = st;
    return 0;
fail:
    kiosk_store_close(st);
    return -1;
}

void kiosk_store_close(struct kiosk_store *st)
{
    if (!st)
        return;
    for (int i = 0; i < STMT_COUNT; i++)
        sqlite3_finalize(st->stmt[i]);
    sqlite3_close(st->db);
    seal_session_free(st->session);
    free(st);
}

int kiosk_store_set_max_pages(struct kiosk_store *st, long pages)
{
    char sql[64];
    snprintf(sql, sizeof sql, "PRAGMA max_page_count = %ld", pages);
    return sqlite3_exec(st->db, sql, NULL, NULL, NULL) == SQLITE_OK ? 0 : -1;
}

/* ---- submit ---- */

static int check_response(const struct survey *s, const char *month, const int *values,
                          const int *options, char *err, size_t errlen)
{
    if (!batch_month_valid(month))
        return kerr_fail(err, errlen, "kiosk store: month \"%.10s\" is not YYYY-MM", month);
    for (size_t i = 0; i < s->n_questions; i++) {
        const struct survey_question *q = &s->questions[i];
        if (values[i] == BATCH_ANSWER_NONE) {
            if (!q->optional)
                return kerr_fail(err, errlen, "kiosk store: question \"%s\" needs an answer",
                                 q->id);
        } else if (survey_point_index(s, values[i]) < 0) {
            return kerr_fail(err, errlen, "kiosk store: question \"%s\": %d is not on the scale",
                             q->id, values[i]);
        }
    }
    for (size_t j = 0; j < s->n_attributes; j++) {
        const struct survey_attribute *a = &s->attributes[j];
        if (options[j] == BATCH_OPTION_NONE) {
            if (!a->optional)
                return kerr_fail(err, errlen, "kiosk store: attribute \"%s\" needs an answer",
                                 a->id);
        } else if (options[j] < 0 || (size_t)options[j] >= a->n_options) {
            return kerr_fail(err, errlen, "kiosk store: attribute \"%s\": option %d does not exist",
                             a->id, options[j]);
        }
    }
    return 0;
}

/* The response object of batch format 1, {"month":..,"answers":{..},
 * "attributes":{..}}, as compact JSON in the survey's order: the plaintext
 * that is sealed. *out is malloc'ed; the caller wipes and frees it. */
static char *response_plain(const struct survey *s, const char *month, const int *values,
                            const int *options)
{
    json_t *a = json_object(), *t = json_object(), *r = json_object();
    char *out = NULL;
    if (!a || !t || !r)
        goto out;
    for (size_t i = 0; i < s->n_questions; i++) {
        json_t *v = values[i] == BATCH_ANSWER_NONE ? json_null() : json_integer(values[i]);
        if (json_object_set_new(a, s->questions[i].id, v) != 0)
            goto out;
    }
    for (size_t j = 0; j < s->n_attributes; j++) {
        const struct survey_attribute *at = &s->attributes[j];
        json_t *v =
            options[j] == BATCH_OPTION_NONE ? json_null() : json_string(at->options[options[j]].id);
        if (json_object_set_new(t, at->id, v) != 0)
            goto out;
    }
    if (json_object_set_new(r, "month", json_string(month)) == 0 &&
        json_object_set(r, "answers", a) == 0 && json_object_set(r, "attributes", t) == 0)
        out = json_dumps(r, JSON_COMPACT | JSON_PRESERVE_ORDER);
out:
    json_decref(a);
    json_decref(t);
    json_decref(r);
    return out;
}

static void plain_free(char *p)
{
    if (p) {
        explicit_bzero(p, strlen(p));
        free(p);
    }
}

static int random_id(sqlite3_int64 *id)
{
    uint64_t r;
    if (crypto_random(&r, sizeof r) != 0)
        return -1;
    *id = (sqlite3_int64)(r >> 1); /* positive 63 bits */
    return 0;
}

/* ---- the collector's key and the session that seals for it ---- */

int kiosk_store_collector_key(struct kiosk_store *st, char out[SEAL_PK_TEXT_LEN])
{
    sqlite3_stmt *q = stmt_get(st, STMT_GET_KEY);
    int rc = sqlite3_step(q), found = 0;
    out[0] = '\0';
    if (rc == SQLITE_ROW && sqlite3_column_text(q, 0)) {
        snprintf(out, SEAL_PK_TEXT_LEN, "%s", (const char *)sqlite3_column_text(q, 0));
        found = 1;
    } else if (rc != SQLITE_DONE) {
        found = -1;
    }
    sqlite3_reset(q);
    return found;
}

/* The session for the stored key, made anew when the key changed (another
 * handle may have stored it). NULL when there is no usable key. */
static struct seal_session *session_for_key(struct kiosk_store *st)
{
    char text[SEAL_PK_TEXT_LEN];
    unsigned char pk[SEAL_KEY_BYTES];
    if (kiosk_store_collector_key(st, text) != 1 || seal_pk_from_text(text, pk) != 0)
        return NULL;
    if (st->session && memcmp(pk, st->session_pk, sizeof pk) == 0)
        return st->session;
    seal_session_free(st->session);
    st->session = seal_session_new(pk);
    memcpy(st->session_pk, pk, sizeof pk);
    return st->session;
}

static int insert_sealed(struct kiosk_store *st, const char *survey_id, int version,
                         const char *sealed, size_t len, time_t day)
{
    sqlite3_int64 id;
    if (random_id(&id) != 0)
        return SQLITE_ERROR;
    sqlite3_stmt *ins = stmt_get(st, STMT_INSERT_RESPONSE);
    sqlite3_bind_int64(ins, 1, id);
    sqlite3_bind_text(ins, 2, survey_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(ins, 3, version);
    sqlite3_bind_text(ins, 4, sealed, (int)len, SQLITE_STATIC);
    int rc = sqlite3_step(ins);
    sqlite3_reset(ins);
    if (rc != SQLITE_DONE)
        return rc;
    /* Written by the first response of a version only: later ones change no page here. */
    sqlite3_stmt *w = stmt_get(st, STMT_INSERT_WAITING);
    sqlite3_bind_text(w, 1, survey_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(w, 2, version);
    sqlite3_bind_int64(w, 3, (sqlite3_int64)day);
    rc = sqlite3_step(w);
    sqlite3_reset(w);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* One row of a pre-sealing store, sealed as the response object it stands for. */
static int migrate_row(struct kiosk_store *st, struct seal_session *se, sqlite3_stmt *q)
{
    const char *month = (const char *)sqlite3_column_text(q, 2);
    const char *answers = (const char *)sqlite3_column_text(q, 3);
    const char *attrs = (const char *)sqlite3_column_text(q, 4);
    size_t n = strlen(month) + strlen(answers) + strlen(attrs) + 64, len = 0;
    char *plain = malloc(n), *sealed = NULL;
    int rc = SQLITE_NOMEM;
    if (!plain)
        return rc;
    snprintf(plain, n, "{\"month\":\"%s\",\"answers\":%s,\"attributes\":%s}", month, answers,
             attrs);
    if (seal_response(se, plain, strlen(plain), &sealed, &len) == SEAL_OK)
        rc = insert_sealed(st, (const char *)sqlite3_column_text(q, 0), sqlite3_column_int(q, 1),
                           sealed, len, (time_t)sqlite3_column_int64(q, 5));
    plain_free(plain);
    free(sealed);
    return rc;
}

/* A store written before sealing holds responses in clear: they are sealed
 * and the clear table dropped in one transaction (secure_delete zeroes its
 * pages), as soon as a collector key is known. */
static int migrate_clear(struct kiosk_store *st)
{
    struct seal_session *se;
    sqlite3_stmt *q = NULL;
    int rc;
    if (!table_exists(st, "responses") || !(se = session_for_key(st)))
        return 0;
    rc = begin(st);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(st->db,
                                "SELECT survey_id, survey_version, month, answers, attributes,"
                                " created_at FROM responses",
                                -1, &q, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW)
        rc = migrate_row(st, se, q);
    sqlite3_finalize(q);
    if (rc == SQLITE_DONE)
        rc = sqlite3_exec(st->db, "DROP TABLE responses", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = commit(st);
    if (rc != SQLITE_OK) {
        rollback(st);
        return -1;
    }
    settle(st);
    return 0;
}

int kiosk_store_set_collector_key(struct kiosk_store *st, const char *pk_text)
{
    char have[SEAL_PK_TEXT_LEN];
    unsigned char pk[SEAL_KEY_BYTES];
    if (seal_pk_from_text(pk_text, pk) != 0)
        return -1;
    if (kiosk_store_collector_key(st, have) == 1 && strcmp(have, pk_text) == 0)
        return migrate_clear(st);
    sqlite3_stmt *q = stmt_get(st, STMT_SET_KEY);
    sqlite3_bind_text(q, 1, pk_text, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return -1;
    settle(st);
    return migrate_clear(st);
}

bool kiosk_store_has_clear(struct kiosk_store *st)
{
    return table_exists(st, "responses");
}

int kiosk_store_submit(struct kiosk_store *st, const struct survey *s, const char *month,
                       const int *values, const int *options, char *err, size_t errlen)
{
    char *plain = NULL, *sealed = NULL;
    size_t len = 0;
    struct seal_session *se;
    int rc = -1, db_rc;

    if (check_response(s, month, values, options, err, errlen) != 0)
        return -1;
    if (!(se = session_for_key(st)) || migrate_clear(st) != 0)
        return kerr_fail(err, errlen,
                         "kiosk store: no collector key to seal the answer for; it was not saved");
    if (!(plain = response_plain(s, month, values, options)) ||
        seal_response(se, plain, strlen(plain), &sealed, &len) != SEAL_OK) {
        kerr_fail(err, errlen,
                  "kiosk store: out of memory or randomness; the answer was not saved");
        goto out;
    }
    db_rc = begin(st);
    if (db_rc == SQLITE_OK)
        db_rc = insert_sealed(st, s->id, s->version, sealed, len, kclock_day_start(kclock_now()));
    if (db_rc == SQLITE_OK)
        db_rc = commit(st);
    if (db_rc != SQLITE_OK) {
        rollback(st);
        fail_db(st, db_rc, "the answer", err, errlen);
        goto out;
    }
    settle(st); /* the answer is saved; this only moves it among the others */
    rc = 0;
out:
    plain_free(plain);
    free(sealed);
    return rc;
}

/* ---- seal ---- */

#define STORE_MAX_GROUPS 64 /* survey versions waiting at once; more wait for the next call */

struct row {
    sqlite3_int64 id;
    char *sealed;
};

struct group {
    char survey_id[SURVEY_MAX_ID_BYTES + 1];
    int version;
    int count;
    time_t oldest;
};

static void rows_free(struct row *rows, size_t n)
{
    for (size_t i = 0; rows && i < n; i++)
        free(rows[i].sealed);
    free(rows);
}

static int load_rows(struct kiosk_store *st, const struct group *g, struct row **out, size_t *n)
{
    size_t cap = (size_t)(g->count < STORE_SEAL_MAX ? g->count : STORE_SEAL_MAX), k = 0;
    struct row *rows = calloc(cap ? cap : 1, sizeof(*rows));
    sqlite3_stmt *q = stmt_get(st, STMT_GROUP_ROWS);
    int rc;

    if (!rows)
        return SQLITE_NOMEM;
    sqlite3_bind_text(q, 1, g->survey_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, g->version);
    sqlite3_bind_int64(q, 3, (sqlite3_int64)cap);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && k < cap) {
        struct row *r = &rows[k++];
        r->id = sqlite3_column_int64(q, 0);
        if (!(r->sealed = strdup((const char *)sqlite3_column_text(q, 1)))) {
            rc = SQLITE_NOMEM;
            break;
        }
    }
    sqlite3_reset(q);
    *out = rows;
    *n = k;
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

/* A batch of format 2: the sealed texts in the order of rows, that is of
 * their random ids, which is a random order that owes nothing to arrival. */
static int encode_chunk(const struct group *g, const struct row *rows, size_t n, char *id,
                        char **body, size_t *len)
{
    struct batch *b = batch_new(g->survey_id, g->version);
    int rc = -1;
    if (!b)
        return -1;
    b->format = BATCH_FORMAT_SEALED;
    b->sealed = calloc(n, sizeof(*b->sealed));
    if (!b->sealed)
        goto out;
    for (size_t i = 0; i < n; i++) {
        b->n_sealed = i + 1; /* so batch_free releases what was copied */
        if (!(b->sealed[i] = strdup(rows[i].sealed)))
            goto out;
    }
    if (batch_encode(b, body, len) != BATCH_OK)
        goto out;
    memcpy(id, b->batch_id, sizeof b->batch_id);
    rc = 0;
out:
    batch_free(b);
    return rc;
}

/* Stores one batch and deletes the responses it holds (inside the caller's transaction). */
static int seal_chunk(struct kiosk_store *st, const struct group *g, const struct row *rows,
                      size_t n)
{
    char id[CRYPTO_UUID_LEN], *body = NULL;
    size_t len = 0;
    int rc;

    if (encode_chunk(g, rows, n, id, &body, &len) != 0)
        return SQLITE_NOMEM;
    sqlite3_stmt *ins = stmt_get(st, STMT_INSERT_BATCH);
    sqlite3_bind_text(ins, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 2, g->survey_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(ins, 3, g->version);
    sqlite3_bind_int64(ins, 4, (sqlite3_int64)n);
    sqlite3_bind_text(ins, 5, body, (int)len, SQLITE_STATIC);
    sqlite3_bind_int64(ins, 6, (sqlite3_int64)g->oldest);
    rc = sqlite3_step(ins);
    sqlite3_reset(ins);
    free(body);
    if (rc != SQLITE_DONE)
        return rc;
    for (size_t i = 0; i < n; i++) {
        sqlite3_stmt *del = stmt_get(st, STMT_DELETE_RESPONSE);
        sqlite3_bind_int64(del, 1, rows[i].id);
        rc = sqlite3_step(del);
        sqlite3_reset(del);
        if (rc != SQLITE_DONE)
            return rc;
    }
    return SQLITE_OK;
}

/* The day mark goes with the last waiting response of its version. */
static int clear_waiting(struct kiosk_store *st, const struct group *g, size_t sealed)
{
    if (sealed < (size_t)g->count)
        return SQLITE_OK;
    sqlite3_stmt *q = stmt_get(st, STMT_DELETE_WAITING);
    sqlite3_bind_text(q, 1, g->survey_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, g->version);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Seals one survey version's waiting responses into batches of nearly equal
 * size, none over BATCH_MAX_RESPONSES. Returns batches sealed or -1. */
static int seal_group(struct kiosk_store *st, const struct group *g, int *db_rc)
{
    struct row *rows = NULL;
    size_t n = 0;
    int sealed = -1;

    *db_rc = load_rows(st, g, &rows, &n);
    if (*db_rc != SQLITE_OK)
        goto out;
    size_t chunks = (n + BATCH_MAX_RESPONSES - 1) / BATCH_MAX_RESPONSES, start = 0;
    for (size_t c = 0; c < chunks; c++) {
        size_t size = n / chunks + (c < n % chunks ? 1 : 0);
        *db_rc = seal_chunk(st, g, rows + start, size);
        if (*db_rc != SQLITE_OK)
            goto out;
        start += size;
    }
    *db_rc = clear_waiting(st, g, n);
    if (*db_rc != SQLITE_OK)
        goto out;
    sealed = (int)chunks;
out:
    rows_free(rows, n);
    return sealed;
}

static int load_groups(struct kiosk_store *st, struct group *groups, int *n)
{
    sqlite3_stmt *q = stmt_get(st, STMT_GROUPS);
    int rc;
    *n = 0;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && *n < STORE_MAX_GROUPS) {
        struct group *g = &groups[(*n)++];
        snprintf(g->survey_id, sizeof g->survey_id, "%s", (const char *)sqlite3_column_text(q, 0));
        g->version = sqlite3_column_int(q, 1);
        g->count = sqlite3_column_int(q, 2);
        g->oldest = (time_t)sqlite3_column_int64(q, 3);
    }
    sqlite3_reset(q);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

static bool group_due(const struct group *g, int min_batch, time_t now)
{
    return g->count >= min_batch || now - g->oldest >= STORE_DAY;
}

int kiosk_store_seal(struct kiosk_store *st, int min_batch, time_t now, char *err, size_t errlen)
{
    struct group groups[STORE_MAX_GROUPS];
    int n_groups = 0, total = 0, rc;

    rc = begin(st);
    if (rc == SQLITE_OK)
        rc = load_groups(st, groups, &n_groups);
    for (int i = 0; rc == SQLITE_OK && i < n_groups; i++) {
        if (!group_due(&groups[i], min_batch, now))
            continue;
        int k = seal_group(st, &groups[i], &rc);
        total += k > 0 ? k : 0;
    }
    if (rc == SQLITE_OK)
        rc = commit(st);
    if (rc != SQLITE_OK) {
        rollback(st);
        return fail_db(st, rc, "sealing a batch", err, errlen);
    }
    if (total > 0)
        settle(st);
    return total;
}

/* ---- survey cache ---- */

static char *column_dup(sqlite3_stmt *q, int col)
{
    const char *t = (const char *)sqlite3_column_text(q, col);
    return t ? strdup(t) : NULL;
}

int kiosk_store_survey(struct kiosk_store *st, char **json, char **etag)
{
    sqlite3_stmt *q = stmt_get(st, STMT_GET_SURVEY);
    int rc = sqlite3_step(q), result = 0;
    *json = NULL;
    *etag = NULL;
    if (rc == SQLITE_ROW) {
        *json = column_dup(q, 0);
        *etag = column_dup(q, 1);
        if (!*json) {
            free(*etag);
            *etag = NULL;
            result = -1;
        }
    } else if (rc != SQLITE_DONE) {
        result = -1;
    }
    sqlite3_reset(q);
    return result;
}

/* A definition the collector serves is open: storing it ends any closed
 * mark in the same transaction, so a power cut cannot leave it closed. */
int kiosk_store_set_survey(struct kiosk_store *st, const char *json, size_t len, const char *etag)
{
    if (len > SURVEY_MAX_FILE_BYTES)
        return -1;
    int rc = begin(st);
    if (rc == SQLITE_OK) {
        sqlite3_stmt *q = stmt_get(st, STMT_SET_SURVEY);
        sqlite3_bind_text(q, 1, json, (int)len, SQLITE_STATIC);
        if (etag)
            sqlite3_bind_text(q, 2, etag, -1, SQLITE_STATIC);
        rc = sqlite3_step(q);
        sqlite3_reset(q);
        rc = rc == SQLITE_DONE ? run(st, STMT_CLEAR_CLOSED) : rc;
    }
    if (rc == SQLITE_OK)
        rc = commit(st);
    if (rc != SQLITE_OK) {
        rollback(st);
        return -1;
    }
    settle(st);
    return 0;
}

int kiosk_store_set_closed(struct kiosk_store *st, const char *survey_id, int version,
                           time_t closed_at)
{
    assert(survey_id && survey_id[0]);
    sqlite3_stmt *q = stmt_get(st, STMT_SET_CLOSED);
    sqlite3_bind_text(q, 1, survey_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, version);
    sqlite3_bind_int64(q, 3, (sqlite3_int64)closed_at);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return -1;
    settle(st);
    return 0;
}

bool kiosk_store_closed(struct kiosk_store *st, const char *survey_id, int version,
                        time_t *closed_at)
{
    sqlite3_stmt *q = stmt_get(st, STMT_GET_CLOSED);
    sqlite3_bind_text(q, 1, survey_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, version);
    bool closed = sqlite3_step(q) == SQLITE_ROW;
    if (closed && closed_at)
        *closed_at = (time_t)sqlite3_column_int64(q, 0);
    sqlite3_reset(q);
    return closed;
}

/* ---- meta and status ---- */

/* Copies a message for a screen, cut at the first byte that is not valid
 * UTF-8: messages are cut to fit buffers, possibly inside a character. */
static const char *screen_text(const char *in, char *out, size_t outlen)
{
    size_t bad = 0;
    if (!in)
        return NULL;
    snprintf(out, outlen, "%s", in);
    if (!utf8_valid(out, strlen(out), &bad))
        out[bad] = '\0';
    return out;
}

static int set_meta(struct kiosk_store *st, const char *key, const char *text, sqlite3_int64 num)
{
    sqlite3_stmt *q = stmt_get(st, STMT_SET_META);
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    if (text)
        sqlite3_bind_text(q, 2, text, -1, SQLITE_STATIC);
    else
        sqlite3_bind_int64(q, 2, num);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    return rc == SQLITE_DONE ? 0 : -1;
}

static void get_meta_text(struct kiosk_store *st, const char *key, char *out, size_t outlen)
{
    sqlite3_stmt *q = stmt_get(st, STMT_GET_META);
    sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
    out[0] = '\0';
    if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0))
        snprintf(out, outlen, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_reset(q);
}

/* One transaction, and the WAL cut after it: the meta rows share pages with
 * nothing else, so the last contact and the last error say nothing of any
 * response, and no frame of them stays in the WAL to count the rounds
 * between two responses. (SQLite leaves a page alone when a value is
 * written over with the same bytes, so an unchanged note costs no write.) */
int kiosk_store_note_sync(struct kiosk_store *st, time_t ok_at, const char *error)
{
    char text[KSTORE_ERR_LEN];
    error = screen_text(error, text, sizeof text);
    int rc = begin(st) == SQLITE_OK ? 0 : -1;
    if (rc == 0 && ok_at)
        rc = set_meta(st, "last_sync_ok", NULL, (sqlite3_int64)ok_at);
    if (rc == 0 && error)
        rc = set_meta(st, "last_error", error, 0);
    if (rc == 0 && commit(st) != SQLITE_OK)
        rc = -1;
    if (rc != 0) {
        rollback(st);
        return -1;
    }
    truncate_wal(st);
    return 0;
}

void kiosk_store_get_status(struct kiosk_store *st, struct kiosk_store_status *out)
{
    char num[32];
    memset(out, 0, sizeof(*out));
    sqlite3_stmt *q = stmt_get(st, STMT_COUNTS);
    int rc = sqlite3_step(q);
    if (rc == SQLITE_ROW) {
        out->unsealed = sqlite3_column_int(q, 0);
        out->sealed = sqlite3_column_int(q, 1);
        out->quarantined = sqlite3_column_int(q, 2);
        out->oldest_unsent = (time_t)sqlite3_column_int64(q, 3);
    }
    sqlite3_reset(q);
    if (rc != SQLITE_ROW) {
        snprintf(out->last_error, sizeof out->last_error, "kiosk store: cannot read status: %s",
                 sqlite3_errmsg(st->db));
        return;
    }
    get_meta_text(st, "last_sync_ok", num, sizeof num);
    out->last_sync_ok = (time_t)strtoll(num, NULL, 10);
    get_meta_text(st, "last_error", out->last_error, sizeof out->last_error);
}

/* ---- batches, for the sync client ---- */

int kiosk_store_list_sealed(struct kiosk_store *st, char (*ids)[37], int max)
{
    sqlite3_stmt *q = stmt_get(st, STMT_LIST_SEALED);
    int n = 0, rc;
    sqlite3_bind_int(q, 1, max);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && n < max)
        snprintf(ids[n++], CRYPTO_UUID_LEN, "%s", (const char *)sqlite3_column_text(q, 0));
    sqlite3_reset(q);
    return rc == SQLITE_DONE || rc == SQLITE_ROW ? n : -1;
}

int kiosk_store_batch_body(struct kiosk_store *st, const char *batch_id, char **body, size_t *len)
{
    sqlite3_stmt *q = stmt_get(st, STMT_BATCH_BODY);
    int result = -1;
    *body = NULL;
    sqlite3_bind_text(q, 1, batch_id, -1, SQLITE_STATIC);
    if (sqlite3_step(q) == SQLITE_ROW) {
        *len = (size_t)sqlite3_column_bytes(q, 0);
        *body = column_dup(q, 0);
        result = *body ? 0 : -1;
    }
    sqlite3_reset(q);
    return result;
}

int kiosk_store_batch_delivered(struct kiosk_store *st, const char *batch_id)
{
    sqlite3_stmt *q = stmt_get(st, STMT_DELETE_BATCH);
    sqlite3_bind_text(q, 1, batch_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return -1;
    /* Old page images of the batch stay in the WAL until a checkpoint copies
     * the zeroed pages back; settling cuts the WAL and rebuilds the file, so
     * nothing of the batch is left behind. */
    settle(st);
    return 0;
}

int kiosk_store_batch_attempt(struct kiosk_store *st, const char *batch_id, bool quarantine,
                              int http_status, const char *error)
{
    char text[KSTORE_ERR_LEN];
    error = screen_text(error, text, sizeof text);
    sqlite3_stmt *q = stmt_get(st, STMT_MARK_BATCH);
    sqlite3_bind_text(q, 1, quarantine ? "quarantined" : "sealed", -1, SQLITE_STATIC);
    sqlite3_bind_int(q, 2, http_status);
    if (error)
        sqlite3_bind_text(q, 3, error, -1, SQLITE_STATIC);
    sqlite3_bind_text(q, 4, batch_id, -1, SQLITE_STATIC);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return -1;
    settle(st); /* the row was rewritten where its page had room */
    return 0;
}

int kiosk_store_requeue_quarantined(struct kiosk_store *st)
{
    sqlite3_stmt *q = stmt_get(st, STMT_REQUEUE);
    int rc = sqlite3_step(q);
    sqlite3_reset(q);
    if (rc != SQLITE_DONE)
        return -1;
    int n = sqlite3_changes(st->db);
    if (n > 0)
        settle(st);
    return n;
}

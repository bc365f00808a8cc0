/* The collector's SQLite store. Assumptions: one process serves (the CLI may
 * write beside it, so writers wait busy_timeout); WAL with synchronous=FULL,
 * so a COMMIT that returned is on disk and a 201 sent after it survives
 * kill -9 or power loss. All writes of one batch are one transaction. */
#include "store.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include "cclock.h"
#include "fiscal.h"
#include "keys.h"
#include "log.h"
#include "schema.h"
#include "store_internal.h"
#include "seal.h"

/* Forward migrations: step i takes the database from user_version i to
 * i + 1. A new schema version appends a step and never edits an old one. */
static const char *const store_migrations[] = {
    SCHEMA_V1_SQL, SCHEMA_V2_SQL, SCHEMA_V3_SQL, SCHEMA_V4_SQL, SCHEMA_V5_SQL,
};
#define STORE_N_MIGRATIONS (sizeof store_migrations / sizeof store_migrations[0])
_Static_assert(STORE_N_MIGRATIONS == SCHEMA_VERSION, "one migration step per schema version");

#define STORE_ID_JSON_MAX (SURVEY_MAX_ID_BYTES * 6 + 2) /* an id escaped and quoted */

enum store_stmt {
    ST_BATCH_GET,
    ST_BATCH_INS,
    ST_RESP_INS,
    ST_KIOSK_TOTALS,
    ST_KIOSK_BY_TOKEN,
    ST_SURVEY_ACTIVE,
    ST_SURVEY_GET,
    ST_HEARTBEAT,
    ST_ADMIN_GET,
    ST_KIOSK_DAY,
    ST_BEGIN,
    ST_COMMIT,
    ST_SAVEPOINT,
    ST_RELEASE,
    ST_ROLLBACK_TO,
    ST_COUNT
};

static const char *const store_sql[ST_COUNT] = {
    [ST_BATCH_GET] = "SELECT content_sha256 FROM batches WHERE batch_id = ?1",
    [ST_BATCH_INS] = "INSERT INTO batches (batch_id, kiosk_id, survey_id, survey_version,"
                     " content_sha256, responses, received_at) VALUES (?1,?2,?3,?4,?5,?6,?7)",
    [ST_RESP_INS] = "INSERT INTO responses (batch_id, survey_id, survey_version, fiscal_year,"
                    " key_id, sealed) VALUES (?1,?2,?3,?4,?5,?6)",
    [ST_KIOSK_TOTALS] = "UPDATE kiosks SET batches = batches + 1, responses = responses + ?1"
                        " WHERE kiosk_id = ?2",
    [ST_KIOSK_BY_TOKEN] = "SELECT kiosk_id, name, revoked_at IS NOT NULL, token_sha256"
                          " FROM kiosks WHERE token_sha256 = ?1",
    [ST_SURVEY_ACTIVE] = "SELECT definition, sha256 FROM surveys WHERE active = 1",
    [ST_SURVEY_GET] = "SELECT definition FROM surveys WHERE survey_id = ?1 AND version = ?2",
    [ST_HEARTBEAT] = "UPDATE kiosks SET heartbeat = ?1, last_seen_at = ?2, clock_skew_s = ?3"
                     " WHERE kiosk_id = ?4",
    [ST_ADMIN_GET] = "SELECT token_sha256 FROM admin_tokens WHERE slot = 1",
    /* received_at is "YYYY-MM-DDTHH:MM:SSZ": a day's bounds compare as text,
     * and the index batches_by_kiosk (schema v2) serves the range. */
    [ST_KIOSK_DAY] = "SELECT coalesce(sum(responses), 0) FROM batches"
                     " WHERE kiosk_id = ?1 AND received_at >= ?2 AND received_at < ?3",
    /* Prepared too: the group writer runs them for every group and batch. */
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_SAVEPOINT] = "SAVEPOINT batch",
    [ST_RELEASE] = "RELEASE batch",
    [ST_ROLLBACK_TO] = "ROLLBACK TO batch",
};

/* One batch waiting for the group writer (store_job_submit). */
struct store_job {
    int64_t kiosk_id;
    const struct batch *b;
    const struct survey *s;
    const char *sha;
    char *const *sealed;             /* n_responses sealed texts: b's, or sealed by the store */
    char (*key_id)[SEAL_KEY_ID_LEN]; /* the key each is sealed for */
    enum store_err result;
    bool done;
    struct store_job *next;
};

struct store {
    sqlite3 *db;
    char *path;
    pthread_mutex_t lock; /* the writer connection */
    sqlite3_stmt *stmt[ST_COUNT];
    pthread_mutex_t qlock; /* the queue of batches for group commit */
    pthread_cond_t qcond;
    struct store_job *qhead, *qtail;
    bool writing;
    long kiosk_day_quota; /* responses per kiosk per UTC day; 0: none */
};

static const char *const store_messages[] = {
#define STORE_TEXT(code, text) text,
    STORE_ERRORS(STORE_TEXT)
#undef STORE_TEXT
};

const char *store_strerror(enum store_err err)
{
    if ((unsigned)err >= sizeof store_messages / sizeof store_messages[0])
        return "unknown error";
    return store_messages[err];
}

/* What a SQLite failure means to a client: storage that may come back
 * (retry) or a fault of ours. */
static enum store_err store_map(int rc)
{
    switch (rc & 0xff) {
    case SQLITE_OK:
    case SQLITE_DONE:
    case SQLITE_ROW:
        return STORE_OK;
    case SQLITE_NOMEM:
        return STORE_E_NOMEM;
    case SQLITE_FULL:
        return STORE_E_FULL;
    case SQLITE_READONLY:
    case SQLITE_IOERR:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_CANTOPEN:
    case SQLITE_PROTOCOL:
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_PERM:
        return STORE_E_UNAVAILABLE;
    default:
        return STORE_E_SQL;
    }
}

enum store_err store_fail(struct store *st, int rc, const char *what)
{
    char q[256];
    log_line("error", "store", "what=%s sqlite=%d msg=%s", what, rc,
             log_quote(sqlite3_errmsg(st->db), q, sizeof q));
    return store_map(rc);
}

void store_now(char out[21])
{
    cclock_rfc3339(out);
}

int store_exec(sqlite3 *db, const char *sql)
{
    return sqlite3_exec(db, sql, NULL, NULL, NULL);
}

void store_rollback(struct store *st)
{
    if (!sqlite3_get_autocommit(st->db))
        store_exec(st->db, "ROLLBACK");
}

static int store_user_version(sqlite3 *db, int *version)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db, "PRAGMA user_version", -1, &s, NULL);
    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        *version = sqlite3_column_int(s, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    return rc;
}

/* A seal session for the current key of the key file beside the database:
 * how the store seals what arrives in clear (a batch of format 1, a
 * response of a version 2 database). */
struct store_sealer {
    struct seal_session *session;
    char key_id[SEAL_KEY_ID_LEN];
};

static int store_sealer_start(struct store_sealer *s, const char *db_path, char *err, size_t errlen)
{
    struct keys *k = NULL;
    struct keys_public cur;
    unsigned char pk[SEAL_KEY_BYTES];

    if (keys_open(db_path, true, &k, NULL, err, errlen) != KEYS_OK)
        return -1;
    keys_current(k, &cur);
    keys_close(k);
    snprintf(s->key_id, sizeof s->key_id, "%s", cur.id);
    if (seal_pk_from_text(cur.text, pk) != 0 || !(s->session = seal_session_new(pk))) {
        snprintf(err, errlen, "cannot seal with the collector's key %s", cur.id);
        return -1;
    }
    return 0;
}

/* The C half of migration 3: seals, with the current key of the key file
 * beside the database (made when there is none), each response of a
 * version 2 database that waited for a release, as the response object
 * of format 1 it stands for, then drops the clear table (secure_delete
 * zeroes its pages). Inside the migration's transaction. SQLITE_AUTH with
 * err set when the key file cannot be had. */
static int store_seal_v2(sqlite3 *db, const char *path, char *err, size_t errlen)
{
    sqlite3_stmt *q = NULL, *ins = NULL;
    struct store_sealer sealer = {0};
    int rc = sqlite3_prepare_v2(db,
                                "SELECT r.batch_id, r.survey_id, r.fiscal_year, r.month, r.answers,"
                                " r.attributes, b.survey_version FROM responses_v2 r"
                                " JOIN batches b USING (batch_id) ORDER BY random()",
                                -1, &q, NULL);

    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db,
                                "INSERT INTO responses (batch_id, survey_id, fiscal_year, key_id,"
                                " sealed, survey_version) VALUES (?1,?2,?3,?4,?5,?6)",
                                -1, &ins, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        const char *month = (const char *)sqlite3_column_text(q, 3);
        const char *answers = (const char *)sqlite3_column_text(q, 4);
        const char *attrs = (const char *)sqlite3_column_text(q, 5);
        char *plain = NULL, *sealed = NULL;
        size_t len = 0;
        rc = SQLITE_NOMEM;
        if (!sealer.session && store_sealer_start(&sealer, path, err, errlen) != 0) {
            rc = SQLITE_AUTH;
            break;
        }
        if (month && answers && attrs &&
            asprintf(&plain, "{\"month\":\"%s\",\"answers\":%s,\"attributes\":%s}", month, answers,
                     attrs) > 0 &&
            seal_response(sealer.session, plain, strlen(plain), &sealed, &len) == SEAL_OK) {
            sqlite3_bind_value(ins, 1, sqlite3_column_value(q, 0));
            sqlite3_bind_value(ins, 2, sqlite3_column_value(q, 1));
            sqlite3_bind_int(ins, 3, sqlite3_column_int(q, 2));
            sqlite3_bind_text(ins, 4, sealer.key_id, -1, SQLITE_STATIC);
            sqlite3_bind_text(ins, 5, sealed, (int)len, SQLITE_STATIC);
            sqlite3_bind_int(ins, 6, sqlite3_column_int(q, 6));
            rc = store_step_reset(ins);
        }
        if (plain)
            seal_plain_free(plain, strlen(plain));
        free(sealed);
    }
    if (rc == SQLITE_DONE)
        rc = SQLITE_OK;
    sqlite3_finalize(q);
    sqlite3_finalize(ins);
    seal_session_free(sealer.session);
    return rc == SQLITE_OK ? store_exec(db, "DROP TABLE responses_v2") : rc;
}

/* Applies the steps from the database's version on; each in its own
 * transaction, re-reading the version inside it in case another process
 * migrated first. */
static enum store_err store_migrate(sqlite3 *db, const char *path, char *err, size_t errlen)
{
    for (;;) {
        char sql[64];
        int v = 0, rc = store_exec(db, "BEGIN IMMEDIATE");
        if (rc == SQLITE_OK)
            rc = store_user_version(db, &v);
        if (rc != SQLITE_OK)
            goto fail;
        if (v > SCHEMA_VERSION) {
            store_exec(db, "ROLLBACK");
            snprintf(err, errlen,
                     "the database has schema version %d, newer than %d: use a newer "
                     "collector",
                     v, SCHEMA_VERSION);
            return STORE_E_SCHEMA;
        }
        if (v == SCHEMA_VERSION)
            return store_exec(db, "COMMIT") == SQLITE_OK ? STORE_OK : STORE_E_UNAVAILABLE;
        snprintf(sql, sizeof sql, "PRAGMA user_version = %d", v + 1);
        if ((rc = store_exec(db, store_migrations[v])) != SQLITE_OK ||
            (v + 1 == 3 && (rc = store_seal_v2(db, path, err, errlen)) != SQLITE_OK) ||
            (rc = store_exec(db, sql)) != SQLITE_OK || (rc = store_exec(db, "COMMIT")) != SQLITE_OK)
            goto fail;
        continue;
    fail:
        if (rc != SQLITE_AUTH) /* store_seal_v2() said why */
            snprintf(err, errlen, "cannot migrate the database to version %d: %s", v + 1,
                     sqlite3_errmsg(db));
        if (!sqlite3_get_autocommit(db))
            store_exec(db, "ROLLBACK");
        return store_map(rc) == STORE_OK ? STORE_E_SQL : store_map(rc);
    }
}

static int store_pragmas(sqlite3 *db)
{
    sqlite3_stmt *s = NULL;
    int rc, wal = 0;

    sqlite3_busy_timeout(db, STORE_BUSY_TIMEOUT);
    rc = sqlite3_prepare_v2(db, "PRAGMA journal_mode = WAL", -1, &s, NULL);
    if (rc == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        wal = strcmp((const char *)sqlite3_column_text(s, 0), "wal") == 0;
    sqlite3_finalize(s);
    if (rc != SQLITE_OK)
        return rc;
    if (!wal)
        return SQLITE_CANTOPEN;
    if ((rc = store_exec(db, "PRAGMA synchronous = FULL")) != SQLITE_OK ||
        (rc = store_exec(db, "PRAGMA secure_delete = ON")) != SQLITE_OK)
        return rc;
    return store_exec(db, "PRAGMA foreign_keys = ON");
}

/* The number a PRAGMA answers (page_size, page_count, max_page_count = N). */
static int store_pragma_value(sqlite3 *db, const char *sql, long long *out)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &s, NULL);

    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        *out = sqlite3_column_int64(s, 0);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    return rc;
}

/* The bytes an unprivileged writer may still use on the volume of path. */
static int store_free_bytes(const char *path, uint64_t *out)
{
    char *copy = strdup(path);
    struct statvfs v;
    int rc = copy && statvfs(dirname(copy), &v) == 0 ? 0 : -1;

    if (rc == 0)
        *out = (uint64_t)v.f_bavail * (uint64_t)v.f_frsize;
    free(copy);
    return rc;
}

long store_cap_pages(long max_db_mb, uint64_t db_bytes, uint64_t free_bytes, long page_size)
{
    uint64_t share = free_bytes / 100 * STORE_FREE_SHARE_PCT +
                     free_bytes % 100 * STORE_FREE_SHARE_PCT / 100,
             bytes, pages;

    assert(page_size > 0 && max_db_mb >= 0 && max_db_mb <= STORE_MAX_DB_MB);
    if (max_db_mb > 0)
        bytes = (uint64_t)max_db_mb << 20;
    else
        bytes = db_bytes > UINT64_MAX - share ? UINT64_MAX : db_bytes + share;
    pages = bytes / (uint64_t)page_size;
    return pages < 1 ? 1 : pages > (uint64_t)STORE_MAX_PAGES ? STORE_MAX_PAGES : (long)pages;
}

/* The page limit opt asks for (0: none) and the option it comes from. */
static long long store_cap_of(const struct store *st, const struct store_options *opt,
                              long long page_size, long long page_count, const char **source)
{
    uint64_t free_bytes = 0;
    char q[STORE_ERR_LEN];

    if (opt->max_page_count > 0) {
        *source = "max-db-pages";
        return opt->max_page_count;
    }
    if (opt->max_db_mb > 0) {
        *source = "max-db-mb";
        return store_cap_pages(opt->max_db_mb, 0, 0, (long)page_size);
    }
    if (!opt->cap_to_free_space)
        return 0;
    if (store_free_bytes(st->path, &free_bytes) != 0) {
        log_line("warn", "size_cap",
                 "msg=\"cannot read the free space of its volume: no size cap\" db=%s",
                 log_quote(st->path, q, sizeof q));
        return 0;
    }
    *source = "free-space";
    return store_cap_pages(0, (uint64_t)(page_count * page_size), free_bytes, (long)page_size);
}

/* Caps the writer's file (PRAGMA max_page_count) as opt says and logs the
 * cap once: past it a write fails with SQLITE_FULL, a 503 to the kiosk,
 * before the disk itself is full. */
static int store_size_cap(struct store *st, const struct store_options *opt)
{
    long long page_size = 0, page_count = 0, pages;
    const char *source = "";
    char sql[64];
    int rc;

    if (!opt)
        return SQLITE_OK;
    if ((rc = store_pragma_value(st->db, "PRAGMA page_size", &page_size)) != SQLITE_OK ||
        (rc = store_pragma_value(st->db, "PRAGMA page_count", &page_count)) != SQLITE_OK)
        return rc;
    if ((pages = store_cap_of(st, opt, page_size, page_count, &source)) <= 0)
        return SQLITE_OK;
    snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld", pages);
    /* SQLite answers the cap it set: never below the pages in use. */
    if ((rc = store_pragma_value(st->db, sql, &pages)) == SQLITE_OK)
        log_line("info", "size_cap",
                 "msg=\"the database may grow to %lld MiB; beyond it uploads get 503\" "
                 "max_mb=%lld db_mb=%lld max_pages=%lld source=%s",
                 pages * page_size >> 20, pages * page_size >> 20, page_count * page_size >> 20,
                 pages, source);
    return rc;
}

static enum store_err store_prepare_all(struct store *st, char *err, size_t errlen)
{
    for (int i = 0; i < ST_COUNT; i++) {
        int rc = sqlite3_prepare_v3(st->db, store_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
                                    &st->stmt[i], NULL);
        if (rc != SQLITE_OK) {
            snprintf(err, errlen, "cannot prepare a statement: %s", sqlite3_errmsg(st->db));
            return STORE_E_SQL;
        }
    }
    return STORE_OK;
}

/* The database holds token hashes and every answer, so its files are the
 * owner's alone whatever the umask: a new one is created 0600 here before
 * SQLite opens it (SQLite gives the -wal and -shm it creates the database
 * file's mode), and files found wider are tightened. Existing files are
 * touched by name only: closing a descriptor of our own would drop the
 * POSIX locks SQLite holds on the file in this process. */
static int store_private_files(const char *path, char *err, size_t errlen)
{
    static const char *const suffix[] = {"", "-wal", "-shm"};
    char name[PATH_MAX], q[PATH_MAX + 8];
    struct stat sb;
    int fd, rc;

    if (!*path || !strcmp(path, ":memory:") || !strncmp(path, "file:", 5))
        return 0;
    if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) >= 0) {
        /* A umask may have taken more than the group and other bits. */
        if ((rc = fchmod(fd, 0600)) != 0)
            snprintf(err, errlen, "cannot make the new database %s private: %s", path,
                     strerror(errno));
        close(fd);
        return rc;
    }
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        if ((size_t)snprintf(name, sizeof name, "%s%s", path, suffix[i]) >= sizeof name ||
            stat(name, &sb) != 0 || !S_ISREG(sb.st_mode) || !(sb.st_mode & 077))
            continue;
        rc = chmod(name, 0600);
        log_line("warn", "store", "msg=\"%s\" file=%s mode=%03o",
                 rc == 0 ? "tightened the permissions to 0600" : "cannot tighten the permissions",
                 log_quote(name, q, sizeof q), (unsigned)(sb.st_mode & 0777));
    }
    return 0;
}

enum store_err store_open(const char *path, const struct store_options *opt, struct store **out,
                          char *err, size_t errlen)
{
    struct store *st = calloc(1, sizeof *st);
    enum store_err e = STORE_E_NOMEM;
    int rc;

    *out = NULL;
    snprintf(err, errlen, "out of memory");
    if (!st)
        return STORE_E_NOMEM;
    pthread_mutex_init(&st->lock, NULL);
    pthread_mutex_init(&st->qlock, NULL);
    pthread_cond_init(&st->qcond, NULL);
    if (!(st->path = strdup(path)))
        goto fail;
    if (store_private_files(path, err, errlen) != 0) {
        e = STORE_E_UNAVAILABLE;
        goto fail;
    }
    rc = sqlite3_open_v2(path, &st->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
    if (rc == SQLITE_OK)
        rc = store_pragmas(st->db);
    if (rc != SQLITE_OK) {
        snprintf(err, errlen, "cannot open the database %s: %s", path,
                 st->db ? sqlite3_errmsg(st->db) : sqlite3_errstr(rc));
        e = STORE_E_UNAVAILABLE;
        goto fail;
    }
    if ((e = store_migrate(st->db, path, err, errlen)) != STORE_OK ||
        (e = store_prepare_all(st, err, errlen)) != STORE_OK)
        goto fail;
    /* After the migrations, so that a cap never stops an upgrade. */
    if ((rc = store_size_cap(st, opt)) != SQLITE_OK) {
        snprintf(err, errlen, "cannot cap the size of the database %s: %s", path,
                 sqlite3_errmsg(st->db));
        e = store_map(rc) == STORE_OK ? STORE_E_SQL : store_map(rc);
        goto fail;
    }
    st->kiosk_day_quota = opt ? opt->max_responses_per_kiosk_day : 0;
    *out = st;
    return STORE_OK;
fail:
    store_close(st);
    return e;
}

void store_close(struct store *st)
{
    if (!st)
        return;
    for (int i = 0; i < ST_COUNT; i++)
        sqlite3_finalize(st->stmt[i]);
    if (st->db)
        sqlite3_close(st->db); /* the last close checkpoints the WAL into the file */
    pthread_mutex_destroy(&st->lock);
    pthread_mutex_destroy(&st->qlock);
    pthread_cond_destroy(&st->qcond);
    free(st->path);
    free(st);
}

sqlite3 *store_reader_open(struct store *st)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(st->path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, STORE_BUSY_TIMEOUT);
    return db;
}

sqlite3 *store_writer_lock(struct store *st)
{
    pthread_mutex_lock(&st->lock);
    return st->db;
}

void store_writer_unlock(struct store *st)
{
    pthread_mutex_unlock(&st->lock);
}

/* --- JSON text of one response ------------------------------------------ */

static size_t store_json_string(char *out, const char *s)
{
    size_t n = 0;
    out[n++] = '"';
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\') {
            out[n++] = '\\';
            out[n++] = (char)*p;
        } else if (*p < 0x20) {
            n += (size_t)sprintf(out + n, "\\u%04x", *p);
        } else {
            out[n++] = (char)*p;
        }
    }
    out[n++] = '"';
    return n;
}

/* ":%d" without printf, which showed in profiles of the ingest path. */
static size_t store_json_int(char *out, int v)
{
    char digits[12];
    size_t n = 0, k = 0;
    unsigned u = v < 0 ? 0u - (unsigned)v : (unsigned)v;

    out[n++] = ':';
    if (v < 0)
        out[n++] = '-';
    do {
        digits[k++] = (char)('0' + u % 10);
        u /= 10;
    } while (u);
    while (k)
        out[n++] = digits[--k];
    return n;
}

size_t store_response_json_cap(const struct survey *s)
{
    return (s->n_questions + s->n_attributes) * (2 * STORE_ID_JSON_MAX + 16) + 4;
}

const char *store_path(const struct store *st)
{
    return st->path;
}

long long store_waiting_for_key(struct store *st, const char *key_id)
{
    sqlite3_stmt *s = NULL;
    long long n = -1;

    pthread_mutex_lock(&st->lock);
    if (sqlite3_prepare_v2(st->db, "SELECT COUNT(*) FROM responses WHERE key_id = ?1", -1, &s,
                           NULL) == SQLITE_OK) {
        sqlite3_bind_text(s, 1, key_id, -1, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_ROW)
            n = sqlite3_column_int64(s, 0);
    }
    sqlite3_finalize(s);
    pthread_mutex_unlock(&st->lock);
    return n;
}

/* {"q01":3,...} with unanswered questions left out, in survey order. */
size_t store_answers_json(char *out, const struct survey *s, const struct batch_response *r)
{
    size_t n = 0;
    out[n++] = '{';
    for (size_t q = 0; q < s->n_questions; q++) {
        if (r->values[q] == BATCH_ANSWER_NONE)
            continue;
        if (n > 1)
            out[n++] = ',';
        n += store_json_string(out + n, s->questions[q].id);
        n += store_json_int(out + n, r->values[q]);
    }
    out[n++] = '}';
    out[n] = '\0';
    return n;
}

size_t store_attrs_json(char *out, const struct survey *s, const struct batch_response *r)
{
    size_t n = 0;
    out[n++] = '{';
    for (size_t j = 0; j < s->n_attributes; j++) {
        if (r->options[j] == BATCH_OPTION_NONE)
            continue;
        if (n > 1)
            out[n++] = ',';
        n += store_json_string(out + n, s->attributes[j].id);
        out[n++] = ':';
        n += store_json_string(out + n, s->attributes[j].options[r->options[j]].id);
    }
    out[n++] = '}';
    out[n] = '\0';
    return n;
}

/* --- Batches ------------------------------------------------------------ */

int store_step_reset(sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Looks the batch id up inside the transaction: STORE_OK when new. */
static enum store_err store_batch_known(struct store *st, const struct batch *b, const char *sha,
                                        int *rc)
{
    sqlite3_stmt *s = st->stmt[ST_BATCH_GET];
    enum store_err e = STORE_OK;

    sqlite3_bind_text(s, 1, b->batch_id, -1, SQLITE_STATIC);
    *rc = sqlite3_step(s);
    if (*rc == SQLITE_ROW) {
        const char *old = (const char *)sqlite3_column_text(s, 0);
        e = old && crypto_equal(old, sha) ? STORE_E_DUPLICATE : STORE_E_CONFLICT;
        *rc = SQLITE_OK;
    } else if (*rc == SQLITE_DONE) {
        *rc = SQLITE_OK;
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return e;
}

static int store_batch_row(struct store *st, int64_t kiosk_id, const struct batch *b,
                           const char *sha, const char *now)
{
    sqlite3_stmt *s = st->stmt[ST_BATCH_INS];

    sqlite3_bind_text(s, 1, b->batch_id, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 2, kiosk_id);
    sqlite3_bind_text(s, 3, b->survey_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 4, b->survey_version);
    sqlite3_bind_text(s, 5, sha, -1, SQLITE_STATIC);
    sqlite3_bind_int64(s, 6, (sqlite3_int64)b->n_responses);
    sqlite3_bind_text(s, 7, now, -1, SQLITE_TRANSIENT);
    int rc = store_step_reset(s);
    if (rc != SQLITE_OK)
        return rc;
    s = st->stmt[ST_KIOSK_TOTALS];
    sqlite3_bind_int64(s, 1, (sqlite3_int64)b->n_responses);
    sqlite3_bind_int64(s, 2, kiosk_id);
    return store_step_reset(s);
}

/* One row per response: its sealed text, the key it is sealed for, its
 * batch and fiscal year; nothing in clear. */
static int store_response_rows(struct store *st, const struct store_job *j)
{
    sqlite3_stmt *ins = st->stmt[ST_RESP_INS];

    for (size_t i = 0; i < j->b->n_responses; i++) {
        int fy = 0, rc;
        fiscal_year_of_month(j->b->responses[i].month, &fy);
        sqlite3_bind_text(ins, 1, j->b->batch_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, j->b->survey_id, -1, SQLITE_STATIC);
        sqlite3_bind_int(ins, 3, j->b->survey_version);
        sqlite3_bind_int(ins, 4, fy);
        sqlite3_bind_text(ins, 5, j->key_id[i], -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 6, j->sealed[i], -1, SQLITE_STATIC);
        if ((rc = store_step_reset(ins)) != SQLITE_OK)
            return rc;
    }
    return SQLITE_OK;
}

/* t as received_at is written: "YYYY-MM-DDTHH:MM:SSZ". */
static void store_time_text(time_t t, char out[21])
{
    struct tm tm;

    gmtime_r(&t, &tm);
    strftime(out, 21, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

/* Whether j's kiosk may store j's responses on now's UTC day: those of its
 * batches received that day, this group's among them (the transaction sees
 * them), plus j's stay within the quota. A kiosk's first batch of a day
 * always fits, so that a batch larger than the whole quota (one sealed
 * while the kiosk was offline) is stored rather than refused forever. */
static enum store_err store_quota(struct store *st, const struct store_job *j, time_t now, int *rc)
{
    sqlite3_stmt *s = st->stmt[ST_KIOSK_DAY];
    char from[21], to[21];
    long long used = 0;

    if (st->kiosk_day_quota <= 0)
        return STORE_OK;
    store_time_text(cclock_day_end(now) - CCLOCK_DAY_S, from);
    store_time_text(cclock_day_end(now), to);
    sqlite3_bind_int64(s, 1, j->kiosk_id);
    sqlite3_bind_text(s, 2, from, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 3, to, -1, SQLITE_STATIC);
    if ((*rc = sqlite3_step(s)) == SQLITE_ROW) {
        used = sqlite3_column_int64(s, 0);
        *rc = SQLITE_OK;
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    if (*rc != SQLITE_OK || used == 0 || used + (long long)j->b->n_responses <= st->kiosk_day_quota)
        return STORE_OK;
    return STORE_E_QUOTA;
}

/* The writes of one batch inside the group's transaction; the caller
 * holds the lock. STORE_OK when written (not yet committed). The same
 * clock reading dates the batch and chooses the day of its quota. */
static enum store_err store_batch_write(struct store *st, const struct store_job *j, int *rc)
{
    time_t now = cclock_now();
    char at[21];
    enum store_err e = store_batch_known(st, j->b, j->sha, rc);

    if (*rc != SQLITE_OK || e != STORE_OK)
        return e;
    if ((e = store_quota(st, j, now, rc)) != STORE_OK || *rc != SQLITE_OK)
        return e;
    store_time_text(now, at);
    if ((*rc = store_batch_row(st, j->kiosk_id, j->b, j->sha, at)) != SQLITE_OK ||
        (*rc = store_response_rows(st, j)) != SQLITE_OK)
        return STORE_E_SQL;
    return STORE_OK;
}

/* One batch of the group under its own savepoint, so that a batch that
 * fails leaves the others of the group as they were. Returns false when
 * SQLite rolled the whole transaction back (it may on FULL or IOERR). */
static bool store_job_run(struct store *st, struct store_job *j)
{
    int rc = store_step_reset(st->stmt[ST_SAVEPOINT]);

    if (rc == SQLITE_OK)
        j->result = store_batch_write(st, j, &rc);
    if (rc == SQLITE_OK) {
        store_step_reset(st->stmt[ST_RELEASE]);
        return true;
    }
    j->result = store_fail(st, rc, "batch_insert");
    if (sqlite3_get_autocommit(st->db))
        return false;
    store_step_reset(st->stmt[ST_ROLLBACK_TO]);
    store_step_reset(st->stmt[ST_RELEASE]);
    return true;
}

/* Writes a group of batches in one transaction and one fsync, each under
 * its savepoint. Each job's result says what
 * happened to it; STORE_OK only once COMMIT returned. When the group does
 * not commit, a batch found already stored may have been stored by this
 * very group, so it is not confirmed either, nor is a quota reached with
 * batches of this group: their kiosks retry. */
static void store_group_write(struct store *st, struct store_job *group)
{
    enum store_err e = STORE_OK;
    bool alive = true;
    int rc;

    pthread_mutex_lock(&st->lock);
    rc = store_step_reset(st->stmt[ST_BEGIN]);
    if (rc != SQLITE_OK) {
        e = store_fail(st, rc, "begin");
        for (struct store_job *j = group; j; j = j->next)
            j->result = e;
        goto out;
    }
    for (struct store_job *j = group; j; j = j->next)
        if (!alive)
            j->result = e;
        else if (!(alive = store_job_run(st, j))) /* SQLite rolled the group back: say why */
            e = j->result != STORE_OK ? j->result : STORE_E_UNAVAILABLE;
    if (alive && (rc = store_step_reset(st->stmt[ST_COMMIT])) != SQLITE_OK)
        e = store_fail(st, rc, "commit");
    if (e != STORE_OK)
        for (struct store_job *j = group; j; j = j->next)
            if (j->result == STORE_OK || j->result == STORE_E_DUPLICATE ||
                j->result == STORE_E_QUOTA)
                j->result = e; /* rolled back with the rest */
out:
    store_rollback(st); /* a no-op after COMMIT */
    pthread_mutex_unlock(&st->lock);
}

/* Group commit: a thread whose batch is queued either finds no writer at
 * work and becomes it, taking every queued batch, or waits until a writer
 * has written its batch. While one group waits on fsync the next gathers,
 * so the cost of a commit is shared by the batches that arrived meanwhile. */
static void store_job_submit(struct store *st, struct store_job *j)
{
    pthread_mutex_lock(&st->qlock);
    *(st->qtail ? &st->qtail->next : &st->qhead) = j;
    st->qtail = j;
    while (!j->done) {
        if (st->writing) {
            pthread_cond_wait(&st->qcond, &st->qlock);
            continue;
        }
        struct store_job *group = st->qhead;
        st->qhead = st->qtail = NULL;
        st->writing = true;
        pthread_mutex_unlock(&st->qlock);
        store_group_write(st, group);
        pthread_mutex_lock(&st->qlock);
        for (struct store_job *g = group; g; g = g->next)
            g->done = true;
        st->writing = false;
        pthread_cond_broadcast(&st->qcond);
    }
    pthread_mutex_unlock(&st->qlock);
}

/* The sealed texts of b into j: a batch of format 2 brings its own (the
 * caller opened them to validate); a batch of format 1, from a kiosk not
 * yet upgraded, is sealed here for the collector's current key, so that
 * no response is ever written in clear. */
static enum store_err store_job_seal(struct store *st, struct store_job *j, char ***mine)
{
    const struct batch *b = j->b;
    struct store_sealer sealer = {0};
    char err[KEYS_ERR_LEN], q[KEYS_ERR_LEN + 16];
    enum store_err e = STORE_OK;

    *mine = NULL;
    if (!(j->key_id = calloc(b->n_responses ? b->n_responses : 1, sizeof *j->key_id)))
        return STORE_E_NOMEM;
    if (b->format == BATCH_FORMAT_SEALED && b->n_sealed == b->n_responses) {
        j->sealed = b->sealed;
        for (size_t i = 0; i < b->n_responses; i++)
            seal_text_key_id(b->sealed[i], strlen(b->sealed[i]), j->key_id[i]);
        return STORE_OK;
    }
    if (!(*mine = calloc(b->n_responses ? b->n_responses : 1, sizeof **mine)))
        return STORE_E_NOMEM;
    if (store_sealer_start(&sealer, st->path, err, sizeof err) != 0) {
        log_line("error", "store", "what=seal msg=%s", log_quote(err, q, sizeof q));
        return STORE_E_UNAVAILABLE;
    }
    for (size_t i = 0; i < b->n_responses && e == STORE_OK; i++) {
        char *plain = NULL;
        size_t len = 0;
        e = STORE_E_NOMEM;
        if (batch_encode_response(&b->responses[i], &plain, &len) == BATCH_OK &&
            seal_response(sealer.session, plain, len, &(*mine)[i], &len) == SEAL_OK) {
            memcpy(j->key_id[i], sealer.key_id, sizeof sealer.key_id);
            e = STORE_OK;
        }
        if (plain)
            seal_plain_free(plain, strlen(plain));
    }
    seal_session_free(sealer.session);
    j->sealed = *mine;
    return e;
}

enum store_err store_batch_insert(struct store *st, int64_t kiosk_id, const struct batch *b,
                                  const struct survey *s, const char *content_sha256)
{
    struct store_job j = {.kiosk_id = kiosk_id, .b = b, .s = s, .sha = content_sha256};
    char **mine = NULL;
    enum store_err e = store_job_seal(st, &j, &mine);

    /* Sealed before queueing: the writer's time is for SQLite only. */
    if (e == STORE_OK) {
        store_job_submit(st, &j);
        e = j.result;
    }
    for (size_t i = 0; mine && i < b->n_responses; i++)
        free(mine[i]);
    free(mine);
    free(j.key_id);
    return e;
}

long store_kiosk_day_quota(const struct store *st)
{
    return st->kiosk_day_quota;
}

/* --- Surveys ------------------------------------------------------------ */

/* The stored text of (id, version) into *def (malloc'ed), or NULL. */
static int store_survey_text(struct store *st, const char *id, int version, char **def, size_t *len)
{
    sqlite3_stmt *s = st->stmt[ST_SURVEY_GET];
    int rc;

    *def = NULL;
    sqlite3_bind_text(s, 1, id, -1, SQLITE_STATIC);
    sqlite3_bind_int(s, 2, version);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(s, 0);
        *def = malloc(n + 1);
        if (*def) {
            memcpy(*def, sqlite3_column_blob(s, 0), n);
            (*def)[n] = '\0';
            *len = n;
        }
        rc = *def ? SQLITE_OK : SQLITE_NOMEM;
    } else if (rc == SQLITE_DONE) {
        rc = SQLITE_OK;
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    return rc;
}

static int store_survey_insert(struct store *st, const struct survey *s, const char *sha)
{
    sqlite3_stmt *ins = NULL;
    char now[21];
    int rc = sqlite3_prepare_v2(st->db,
                                "INSERT INTO surveys (survey_id, version, definition, sha256,"
                                " published_at) VALUES (?1,?2,?3,?4,?5)",
                                -1, &ins, NULL);
    if (rc != SQLITE_OK)
        return rc;
    store_now(now);
    sqlite3_bind_text(ins, 1, s->id, -1, SQLITE_STATIC);
    sqlite3_bind_int(ins, 2, s->version);
    sqlite3_bind_text(ins, 3, s->source, (int)s->source_len, SQLITE_STATIC);
    sqlite3_bind_text(ins, 4, sha, -1, SQLITE_STATIC);
    sqlite3_bind_text(ins, 5, now, -1, SQLITE_STATIC);
    rc = sqlite3_step(ins);
    sqlite3_finalize(ins);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int store_survey_activate(struct store *st, const struct survey *s)
{
    sqlite3_stmt *up = NULL;
    int rc = sqlite3_prepare_v2(st->db,
                                "UPDATE surveys SET active = (survey_id = ?1 AND version = ?2),"
                                " closed_at = CASE WHEN survey_id = ?1 AND version = ?2"
                                " THEN NULL ELSE closed_at END" /* publishing reopens */
                                " WHERE active = 1 OR (survey_id = ?1 AND version = ?2)",
                                -1, &up, NULL);
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_bind_text(up, 1, s->id, -1, SQLITE_STATIC);
    sqlite3_bind_int(up, 2, s->version);
    rc = sqlite3_step(up);
    sqlite3_finalize(up);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

enum store_err store_survey_publish(struct store *st, const struct survey *s, bool *was_new)
{
    char sha[CRYPTO_SHA256_HEX], *old = NULL;
    size_t old_len = 0;
    enum store_err e = STORE_OK;
    int rc;

    crypto_sha256_hex(s->source, s->source_len, sha);
    pthread_mutex_lock(&st->lock);
    rc = store_exec(st->db, "BEGIN IMMEDIATE");
    if (rc == SQLITE_OK)
        rc = store_survey_text(st, s->id, s->version, &old, &old_len);
    if (rc == SQLITE_OK && old && (old_len != s->source_len || memcmp(old, s->source, old_len)))
        e = STORE_E_CONFLICT;
    *was_new = !old;
    if (rc == SQLITE_OK && e == STORE_OK && !old)
        rc = store_survey_insert(st, s, sha);
    if (rc == SQLITE_OK && e == STORE_OK && (rc = store_survey_activate(st, s)) == SQLITE_OK)
        rc = store_exec(st->db, "COMMIT");
    if (rc != SQLITE_OK)
        e = store_fail(st, rc, "survey_publish");
    store_rollback(st);
    pthread_mutex_unlock(&st->lock);
    free(old);
    return e;
}

enum store_err store_survey_active(struct store *st, char **json, size_t *len,
                                   char sha256[CRYPTO_SHA256_HEX])
{
    sqlite3_stmt *s = st->stmt[ST_SURVEY_ACTIVE];
    enum store_err e = STORE_E_NOT_FOUND;
    int rc;

    *json = NULL;
    pthread_mutex_lock(&st->lock);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        size_t n = (size_t)sqlite3_column_bytes(s, 0);
        const char *sha = (const char *)sqlite3_column_text(s, 1);
        e = STORE_E_NOMEM;
        if (sha && (*json = malloc(n + 1))) {
            memcpy(*json, sqlite3_column_blob(s, 0), n);
            (*json)[n] = '\0';
            *len = n;
            snprintf(sha256, CRYPTO_SHA256_HEX, "%s", sha);
            e = STORE_OK;
        }
    } else if (rc != SQLITE_DONE) {
        e = store_fail(st, rc, "survey_active");
    }
    sqlite3_reset(s);
    pthread_mutex_unlock(&st->lock);
    return e;
}

enum store_err store_survey_load(struct store *st, const char *id, int version, struct survey **out)
{
    char *def = NULL, err[SURVEY_ERR_LEN];
    size_t len = 0;
    enum store_err e;
    int rc;

    *out = NULL;
    pthread_mutex_lock(&st->lock);
    rc = store_survey_text(st, id, version, &def, &len);
    pthread_mutex_unlock(&st->lock);
    if (rc != SQLITE_OK)
        return store_map(rc);
    if (!def)
        return STORE_E_NOT_FOUND;
    e = survey_load_buffer(def, len, out, err, sizeof err) == SURVEY_OK ? STORE_OK : STORE_E_SQL;
    if (e != STORE_OK)
        log_line("error", "store", "what=survey_load survey=%s version=%d", id, version);
    free(def);
    return e;
}

/* --- Kiosks and tokens -------------------------------------------------- */

/* Runs one write statement with up to three text parameters (NULL: NULL). */
static int store_write3(struct store *st, const char *sql, const char *a, const char *b,
                        const char *c, int *changes)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(st->db, sql, -1, &s, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(s, 1, a, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 2, b, -1, SQLITE_STATIC);
        sqlite3_bind_text(s, 3, c, -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
        rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
    }
    sqlite3_finalize(s);
    if (changes)
        *changes = sqlite3_changes(st->db);
    return rc;
}

enum store_err store_kiosk_add(struct store *st, const char *name, const char *token_sha256)
{
    char now[21];
    enum store_err e = STORE_OK;
    int rc;

    store_now(now);
    pthread_mutex_lock(&st->lock);
    rc = store_write3(st, "INSERT INTO kiosks (name, token_sha256, created_at) VALUES (?1,?2,?3)",
                      name, token_sha256, now, NULL);
    if (rc == SQLITE_CONSTRAINT || (rc & 0xff) == SQLITE_CONSTRAINT)
        e = STORE_E_EXISTS;
    else if (rc != SQLITE_OK)
        e = store_fail(st, rc, "kiosk_add");
    pthread_mutex_unlock(&st->lock);
    return e;
}

static int store_kiosk_exists(struct store *st, const char *name, int *exists)
{
    sqlite3_stmt *s = NULL;
    int rc =
        sqlite3_prepare_v2(st->db, "SELECT count(*) FROM kiosks WHERE name = ?1", -1, &s, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
        *exists = rc == SQLITE_ROW && sqlite3_column_int(s, 0) > 0;
        rc = rc == SQLITE_ROW ? SQLITE_OK : rc;
    }
    sqlite3_finalize(s);
    return rc;
}

enum store_err store_kiosk_revoke(struct store *st, const char *name, bool *was_revoked)
{
    char now[21];
    int rc, changed = 0, exists = 0;
    enum store_err e = STORE_OK;

    store_now(now);
    pthread_mutex_lock(&st->lock);
    rc =
        store_write3(st, "UPDATE kiosks SET revoked_at = ?2 WHERE name = ?1 AND revoked_at IS NULL",
                     name, now, NULL, &changed);
    if (rc == SQLITE_OK && !changed)
        rc = store_kiosk_exists(st, name, &exists);
    if (rc != SQLITE_OK)
        e = store_fail(st, rc, "kiosk_revoke");
    else if (!changed && !exists)
        e = STORE_E_NOT_FOUND;
    *was_revoked = !changed;
    pthread_mutex_unlock(&st->lock);
    return e;
}

enum store_err store_kiosk_rotate(struct store *st, const char *name, const char *token_sha256)
{
    int rc, changed = 0;
    enum store_err e = STORE_OK;

    pthread_mutex_lock(&st->lock);
    rc = store_write3(st, "UPDATE kiosks SET token_sha256 = ?2, revoked_at = NULL WHERE name = ?1",
                      name, token_sha256, NULL, &changed);
    if (rc != SQLITE_OK)
        e = store_fail(st, rc, "kiosk_rotate");
    else if (!changed)
        e = STORE_E_NOT_FOUND;
    pthread_mutex_unlock(&st->lock);
    return e;
}

enum store_err store_kiosk_by_token(struct store *st, const char *token_sha256,
                                    struct store_kiosk *out)
{
    sqlite3_stmt *s = st->stmt[ST_KIOSK_BY_TOKEN];
    enum store_err e = STORE_E_NOT_FOUND;
    int rc;

    /* The index finds the row by the hash; the hash is compared again in
     * constant time so the answer never depends on where two hashes differ. */
    pthread_mutex_lock(&st->lock);
    sqlite3_bind_text(s, 1, token_sha256, -1, SQLITE_STATIC);
    rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
        const char *hash = (const char *)sqlite3_column_text(s, 3);
        if (hash && crypto_equal(hash, token_sha256)) {
            out->kiosk_id = sqlite3_column_int64(s, 0);
            snprintf(out->name, sizeof out->name, "%s", (const char *)sqlite3_column_text(s, 1));
            out->revoked = sqlite3_column_int(s, 2) != 0;
            e = STORE_OK;
        }
    } else if (rc != SQLITE_DONE) {
        e = store_fail(st, rc, "kiosk_by_token");
    }
    sqlite3_reset(s);
    sqlite3_clear_bindings(s);
    pthread_mutex_unlock(&st->lock);
    return e;
}

static const char *store_col(sqlite3_stmt *s, int i)
{
    return (const char *)sqlite3_column_text(s, i);
}

enum store_err store_kiosk_each(struct store *st,
                                void (*fn)(const struct store_kiosk_info *k, void *ctx), void *ctx)
{
    sqlite3_stmt *s = NULL;
    int rc;

    pthread_mutex_lock(&st->lock);
    rc = sqlite3_prepare_v2(st->db,
                            "SELECT name, created_at, revoked_at, last_seen_at, heartbeat,"
                            " clock_skew_s, batches, responses FROM kiosks ORDER BY name",
                            -1, &s, NULL);
    while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        struct store_kiosk_info k = {
            .name = store_col(s, 0),
            .created_at = store_col(s, 1),
            .revoked_at = store_col(s, 2),
            .last_seen_at = store_col(s, 3),
            .heartbeat = store_col(s, 4),
            .has_skew = sqlite3_column_type(s, 5) != SQLITE_NULL,
            .clock_skew_s = sqlite3_column_int64(s, 5),
            .batches = sqlite3_column_int64(s, 6),
            .responses = sqlite3_column_int64(s, 7),
        };
        fn(&k, ctx);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    pthread_mutex_unlock(&st->lock);
    return rc == SQLITE_DONE ? STORE_OK : store_map(rc);
}

enum store_err store_kiosk_heartbeat(struct store *st, int64_t kiosk_id, const char *json,
                                     bool has_skew, long long skew_s)
{
    sqlite3_stmt *s = st->stmt[ST_HEARTBEAT];
    char now[21];
    int rc;

    store_now(now);
    pthread_mutex_lock(&st->lock);
    sqlite3_bind_text(s, 1, json, -1, SQLITE_STATIC);
    sqlite3_bind_text(s, 2, now, -1, SQLITE_STATIC);
    if (has_skew)
        sqlite3_bind_int64(s, 3, skew_s);
    else
        sqlite3_bind_null(s, 3);
    sqlite3_bind_int64(s, 4, kiosk_id);
    rc = store_step_reset(s);
    enum store_err e = rc == SQLITE_OK ? STORE_OK : store_fail(st, rc, "heartbeat");
    pthread_mutex_unlock(&st->lock);
    return e;
}

enum store_err store_admin_set(struct store *st, const char *token_sha256)
{
    char now[21];
    int rc;

    store_now(now);
    pthread_mutex_lock(&st->lock);
    rc = store_write3(st,
                      "INSERT INTO admin_tokens (slot, token_sha256, created_at) VALUES (1,?1,?2)"
                      " ON CONFLICT (slot) DO UPDATE SET token_sha256 = excluded.token_sha256,"
                      " created_at = excluded.created_at",
                      token_sha256, now, NULL, NULL);
    enum store_err e = rc == SQLITE_OK ? STORE_OK : store_fail(st, rc, "admin_set");
    pthread_mutex_unlock(&st->lock);
    return e;
}

bool store_admin_check(struct store *st, const char *token_sha256)
{
    sqlite3_stmt *s = st->stmt[ST_ADMIN_GET];
    bool ok = false;

    pthread_mutex_lock(&st->lock);
    if (sqlite3_step(s) == SQLITE_ROW) {
        const char *hash = store_col(s, 0);
        ok = hash && crypto_equal(hash, token_sha256);
    }
    sqlite3_reset(s);
    pthread_mutex_unlock(&st->lock);
    return ok;
}

/* --- Purging a revoked kiosk's batches ---------------------------------- */

/* The batches a purge removes: kiosk ?1's, received on or after ?2 ("" for
 * all; received_at is "YYYY-MM-DDTHH:MM:SSZ", so a date compares as text).
 * Only their responses that still wait, sealed, can go: a released
 * response has no link to its batch (schema v3) and stays in the figures. */
#define STORE_PURGED "SELECT batch_id FROM batches WHERE kiosk_id = ?1 AND received_at >= ?2"

/* Prepares sql and binds the kiosk (?1) and, when sql has it, since (?2). */
static int store_purge_prepare(struct store *st, const char *sql, int64_t kiosk_id,
                               const char *since, sqlite3_stmt **s)
{
    int rc = sqlite3_prepare_v2(st->db, sql, -1, s, NULL);
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_bind_int64(*s, 1, kiosk_id);
    if (sqlite3_bind_parameter_count(*s) >= 2)
        sqlite3_bind_text(*s, 2, since, -1, SQLITE_STATIC);
    return SQLITE_OK;
}

/* Runs one statement of the purge to its end. */
static int store_purge_exec(struct store *st, const char *sql, int64_t kiosk_id, const char *since)
{
    sqlite3_stmt *s = NULL;
    int rc = store_purge_prepare(st, sql, kiosk_id, since, &s);
    if (rc == SQLITE_OK)
        rc = store_step_reset(s);
    sqlite3_finalize(s);
    return rc;
}

/* The kiosk's id and whether it is revoked; SQLITE_DONE when no kiosk has the name. */
static int store_purge_kiosk(struct store *st, const char *name, int64_t *id, bool *revoked)
{
    sqlite3_stmt *s = NULL;
    int rc = sqlite3_prepare_v2(
        st->db, "SELECT kiosk_id, revoked_at IS NOT NULL FROM kiosks WHERE name = ?1", -1, &s,
        NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(s, 1, name, -1, SQLITE_STATIC);
        rc = sqlite3_step(s);
        if (rc == SQLITE_ROW) {
            *id = sqlite3_column_int64(s, 0);
            *revoked = sqlite3_column_int(s, 1) != 0;
            rc = SQLITE_OK;
        }
    }
    sqlite3_finalize(s);
    return rc;
}

/* What the purge removes: batches, and their responses that wait in all and
 * per fiscal year (a batch whose responses span two years counts in both);
 * the rest of the batches' responses were released and stay. */
static int store_purge_count(struct store *st, int64_t kiosk_id, const char *since,
                             struct store_purge *out)
{
    sqlite3_stmt *s = NULL;
    long long waiting = 0;
    int rc = store_purge_prepare(st,
                                 "SELECT fiscal_year, count(DISTINCT batch_id), count(*) FROM"
                                 " responses WHERE batch_id IN (" STORE_PURGED ")"
                                 " GROUP BY 1 ORDER BY 1",
                                 kiosk_id, since, &s);
    while (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        if (out->n_years < STORE_PURGE_MAX_YEARS)
            out->years[out->n_years++] = (struct store_purge_year){
                sqlite3_column_int(s, 0), sqlite3_column_int64(s, 1), sqlite3_column_int64(s, 2)};
        waiting += sqlite3_column_int64(s, 2);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    s = NULL;
    if (rc != SQLITE_DONE)
        return rc;
    rc = store_purge_prepare(st,
                             "SELECT count(*), coalesce(sum(responses), 0) FROM batches"
                             " WHERE kiosk_id = ?1 AND received_at >= ?2",
                             kiosk_id, since, &s);
    if (rc == SQLITE_OK && (rc = sqlite3_step(s)) == SQLITE_ROW) {
        out->batches = sqlite3_column_int64(s, 0);
        out->responses = waiting;
        out->released = sqlite3_column_int64(s, 1) - waiting;
        rc = SQLITE_OK;
    }
    sqlite3_finalize(s);
    return rc;
}

/* Deletes the purged batches and their waiting responses (secure_delete
 * zeroes them) and sets the kiosk's totals from the batches it keeps. */
static int store_purge_write(struct store *st, int64_t kiosk_id, const char *since)
{
    static const char *const sql[] = {
        "DELETE FROM responses WHERE batch_id IN (" STORE_PURGED ")",
        "DELETE FROM batches WHERE kiosk_id = ?1 AND received_at >= ?2",
        "UPDATE kiosks SET batches = (SELECT count(*) FROM batches WHERE kiosk_id = ?1),"
        " responses = (SELECT coalesce(sum(responses), 0) FROM batches WHERE kiosk_id = ?1)"
        " WHERE kiosk_id = ?1"};
    int rc = SQLITE_OK;

    for (size_t i = 0; i < sizeof sql / sizeof sql[0] && rc == SQLITE_OK; i++)
        rc = store_purge_exec(st, sql[i], kiosk_id, since);
    return rc;
}

enum store_err store_kiosk_purge(struct store *st, const char *name, const char *since,
                                 bool dry_run, struct store_purge *out)
{
    int64_t kiosk_id = 0;
    enum store_err e = STORE_OK;
    int rc;

    memset(out, 0, sizeof *out);
    since = since ? since : "";
    pthread_mutex_lock(&st->lock);
    rc = store_step_reset(st->stmt[ST_BEGIN]);
    if (rc == SQLITE_OK)
        rc = store_purge_kiosk(st, name, &kiosk_id, &out->revoked);
    if (rc == SQLITE_DONE) {
        e = STORE_E_NOT_FOUND;
        goto out;
    }
    if (rc != SQLITE_OK || !out->revoked)
        goto check;
    if ((rc = store_purge_count(st, kiosk_id, since, out)) != SQLITE_OK || dry_run || !out->batches)
        goto check;
    if ((rc = store_purge_write(st, kiosk_id, since)) == SQLITE_OK)
        rc = store_step_reset(st->stmt[ST_COMMIT]);
check:
    if (rc != SQLITE_OK)
        e = store_fail(st, rc, "kiosk_purge");
out:
    store_rollback(st); /* a no-op after COMMIT; ends a dry run */
    pthread_mutex_unlock(&st->lock);
    return e;
}

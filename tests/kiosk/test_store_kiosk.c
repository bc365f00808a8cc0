/* Unit tests of the kiosk's offline store on real SQLite files: one row per
 * submit, the sealing rules, deletion only of delivered batches with nothing
 * left in the file, day-only timestamps, files laid out by random id and not
 * by arrival, corrupt files set aside, disk full, the collector's close of a
 * survey. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <sqlite3.h>

#include "batch.h"
#include "helper_disk.h"
#include "kclock.h"
#include "kiosk_store.h"
#include "seal.h"
#include "survey.h"

#define DAY 86400
/* 1 when the batches table has no rowid, so its rows carry no number. */
#define BATCHES_WITHOUT_ROWID                                                                      \
    "SELECT wr FROM pragma_table_list WHERE schema = 'main' AND name = 'batches'"

struct fixture {
    char path[512];
    struct kiosk_store *st;
    struct survey *survey;
    char pk_text[SEAL_PK_TEXT_LEN]; /* the collector key the store seals for */
    struct seal_keyring *kr;        /* holds its secret key, to open what was sealed */
};

/* Opens the store at f->path and gives it the collector key, as the sync
 * thread does when the survey arrives. */
static int open_keyed(struct fixture *f, bool *set_aside, char *err, size_t errlen)
{
    if (kiosk_store_open(f->path, &f->st, set_aside, err, errlen) != 0)
        return -1;
    return kiosk_store_set_collector_key(f->st, f->pk_text);
}

static void remove_store(const char *path)
{
    char p[600];
    remove(path);
    snprintf(p, sizeof p, "%s-wal", path);
    remove(p);
    snprintf(p, sizeof p, "%s-shm", path);
    remove(p);
}

static int setup(void **state)
{
    static int counter;
    struct fixture *f = calloc(1, sizeof(*f));
    char err[SURVEY_ERR_LEN];
    if (!f)
        return -1;
    snprintf(f->path, sizeof f->path, "%s/test_store_kiosk_%d_%d.db", TEST_OUTPUT_DIR,
             (int)getpid(), counter++);
    remove_store(f->path);
    if (survey_load_file(SURVEYS_DIR "/goshogawara-staff.json", &f->survey, err, sizeof err) !=
        SURVEY_OK) {
        fprintf(stderr, "survey: %s\n", err);
        return -1;
    }
    unsigned char pk[SEAL_KEY_BYTES], sk[SEAL_KEY_BYTES];
    if (seal_keypair_new(pk, sk) != 0 || seal_pk_to_text(pk, f->pk_text) != 0 ||
        !(f->kr = seal_keyring_new()) || seal_keyring_add(f->kr, pk, sk) != 0)
        return -1;
    if (open_keyed(f, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    kiosk_store_close(f->st);
    survey_free(f->survey);
    seal_keyring_free(f->kr);
    remove_store(f->path);
    free(f);
    return 0;
}

/* A complete response whose answers spell out n in base 4 (q01 = lowest digit),
 * so a test can tell responses apart after shuffling. */
static int submit_n(struct fixture *f, int n, char *err)
{
    int values[SURVEY_MAX_QUESTIONS], options[SURVEY_MAX_ATTRIBUTES];
    for (size_t i = 0; i < f->survey->n_questions; i++) {
        values[i] = 1 + n % 4;
        n /= 4;
    }
    for (size_t j = 0; j < f->survey->n_attributes; j++)
        options[j] = j == 0 ? 0 : BATCH_OPTION_NONE;
    return kiosk_store_submit(f->st, f->survey, "2025-02", values, options, err, 256);
}

static int decode_number(const struct batch_response *r)
{
    int n = 0;
    for (size_t i = r->n_answers; i-- > 0;)
        n = n * 4 + (r->answers[i].value - 1);
    return n;
}

/* Runs one SQL query on a separate connection, as an inspector of the file would. */
static long long query_int(const char *path, const char *sql)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    long long v = -1;
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    if (sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(db);
    return v;
}

static long long count(struct fixture *f, const char *table)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", table);
    return query_int(f->path, sql);
}

static struct batch *load_batch(struct fixture *f, const char *id)
{
    char *body = NULL, err[BATCH_ERR_LEN];
    size_t len = 0;
    struct batch *b = NULL;
    assert_int_equal(kiosk_store_batch_body(f->st, id, &body, &len), 0);
    assert_int_equal(batch_decode(body, len, &b, err, sizeof err), BATCH_OK);
    assert_int_equal(b->format, BATCH_FORMAT_SEALED);
    assert_int_equal(batch_open(b, f->kr, err, sizeof err), BATCH_OK);
    assert_int_equal(batch_validate(b, f->survey, err, sizeof err), BATCH_OK);
    free(body);
    return b;
}

/* Whether the bytes of needle occur in the file at path (absent file: no). */
static int file_contains(const char *path, const char *needle)
{
    FILE *fp = fopen(path, "rb");
    size_t n = strlen(needle), cap = 1 << 20, len = 0;
    char *buf;
    int found = 0;
    if (!fp)
        return 0;
    buf = malloc(cap);
    assert_non_null(buf);
    for (;;) {
        size_t got = fread(buf + len, 1, cap - len, fp);
        len += got;
        for (size_t i = 0; i + n <= len; i++)
            if (memcmp(buf + i, needle, n) == 0)
                found = 1;
        if (got == 0 || found || len < n)
            break;
        memmove(buf, buf + len - (n - 1), n - 1); /* keep a tail for matches across reads */
        len = n - 1;
    }
    free(buf);
    fclose(fp);
    return found;
}

static int store_contains(struct fixture *f, const char *needle)
{
    char wal[600];
    snprintf(wal, sizeof wal, "%s-wal", f->path);
    return file_contains(f->path, needle) || file_contains(wal, needle);
}

/* The plaintext of the one waiting row, opened with the collector's key. */
static char *open_only_row(struct fixture *f)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    char *plain = NULL;
    size_t len = 0;
    assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "SELECT sealed FROM sealed_responses", -1, &q, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(q), SQLITE_ROW);
    assert_int_equal(seal_open(f->kr, (const char *)sqlite3_column_text(q, 0),
                               (size_t)sqlite3_column_bytes(q, 0), &plain, &len),
                     SEAL_OK);
    sqlite3_finalize(q);
    sqlite3_close(db);
    return plain;
}

static void test_store_submit_writes_one_row(void **state)
{
    struct fixture *f = *state;
    char err[256] = "";
    assert_int_equal(submit_n(f, 5, err), 0);
    assert_int_equal(count(f, "sealed_responses"), 1);
    assert_int_equal(count(f, "batches"), 0);
    assert_int_equal(query_int(f->path, "SELECT count(*) FROM sealed_responses"
                                        " WHERE survey_id = 'goshogawara-staff'"
                                        " AND survey_version = 1"),
                     1);
    /* The row holds the response sealed: only the collector's key opens it. */
    char *plain = open_only_row(f);
    assert_non_null(strstr(plain, "{\"month\":\"2025-02\",\"answers\":{\"q01\":2,\"q02\":2,"));
    assert_non_null(strstr(plain, "\"attributes\":{\"employment\":\"regular\"}}"));
    seal_plain_free(plain, strlen(plain));
    assert_false(store_contains(f, "2025-02"));
    assert_false(store_contains(f, "\"q01\":"));
    struct kiosk_store_status s;
    kiosk_store_get_status(f->st, &s);
    assert_int_equal(s.unsealed, 1);
    assert_int_equal(s.sealed, 0);
}

static void test_store_submit_rejects_incomplete_response(void **state)
{
    struct fixture *f = *state;
    char err[256] = "";
    int values[SURVEY_MAX_QUESTIONS] = {0}, options[SURVEY_MAX_ATTRIBUTES];
    for (size_t i = 0; i < f->survey->n_questions; i++)
        values[i] = 3;
    options[0] = BATCH_OPTION_NONE;
    values[6] = BATCH_ANSWER_NONE;
    assert_int_equal(kiosk_store_submit(f->st, f->survey, "2025-02", values, options, err, 256),
                     -1);
    assert_non_null(strstr(err, "\"q07\" needs an answer"));
    values[6] = 7;
    assert_int_equal(kiosk_store_submit(f->st, f->survey, "2025-02", values, options, err, 256),
                     -1);
    assert_non_null(strstr(err, "not on the scale"));
    values[6] = 3;
    options[0] = 5;
    assert_int_equal(kiosk_store_submit(f->st, f->survey, "2025-02", values, options, err, 256),
                     -1);
    options[0] = BATCH_OPTION_NONE;
    assert_int_equal(kiosk_store_submit(f->st, f->survey, "2025-13", values, options, err, 256),
                     -1);
    assert_int_equal(count(f, "sealed_responses"), 0);
    /* An unanswered optional attribute is stored as null. */
    assert_int_equal(kiosk_store_submit(f->st, f->survey, "2025-02", values, options, err, 256), 0);
    char *plain = open_only_row(f);
    assert_non_null(strstr(plain, "\"attributes\":{\"employment\":null}"));
    seal_plain_free(plain, strlen(plain));
}

static void test_store_stores_no_time_finer_than_the_day(void **state)
{
    struct fixture *f = *state;
    char err[256] = "";
    for (int i = 0; i < 6; i++) {
        assert_int_equal(submit_n(f, i, err), 0);
        kclock_advance(3671); /* answers an hour and a bit apart */
    }
    /* Every stored time is a midnight in Japan (UTC+9). */
    assert_int_equal(
        query_int(f->path, "SELECT count(*) FROM waiting WHERE (since + 32400) % 86400 != 0"), 0);
    assert_true(kiosk_store_seal(f->st, 5, kclock_now(), err, sizeof err) >= 1);
    assert_int_equal(
        query_int(f->path, "SELECT count(*) FROM batches WHERE (created_at + 32400) % 86400 != 0"),
        0);
    /* The row ids are random, not a sequence that gives the order away. */
    kclock_advance(-6 * 3671);
}

static void test_store_seal_waits_for_min_batch(void **state)
{
    struct fixture *f = *state;
    char err[256] = "";
    time_t now = kclock_now();
    for (int i = 0; i < 4; i++)
        assert_int_equal(submit_n(f, i, err), 0);
    assert_int_equal(kiosk_store_seal(f->st, 5, now, err, sizeof err), 0);
    assert_int_equal(count(f, "sealed_responses"), 4);
    assert_int_equal(submit_n(f, 4, err), 0);
    assert_int_equal(kiosk_store_seal(f->st, 5, now, err, sizeof err), 1);
    assert_int_equal(count(f, "sealed_responses"), 0);
    assert_int_equal(count(f, "batches"), 1);

    char ids[4][37];
    assert_int_equal(kiosk_store_list_sealed(f->st, ids, 4), 1);
    struct batch *b = load_batch(f, ids[0]);
    assert_int_equal(b->n_responses, 5);
    assert_string_equal(b->survey_id, "goshogawara-staff");
    assert_string_equal(b->responses[0].month, "2025-02");
    int seen = 0;
    for (size_t i = 0; i < b->n_responses; i++)
        seen |= 1 << decode_number(&b->responses[i]);
    assert_int_equal(seen, 0x1f); /* each of the five exactly once */
    batch_free(b);
}

static void test_store_seal_after_a_day_even_below_min_batch(void **state)
{
    struct fixture *f = *state;
    char err[256] = "";
    assert_int_equal(submit_n(f, 1, err), 0);
    time_t now = kclock_now();
    time_t created = (time_t)query_int(f->path, "SELECT since FROM waiting");
    assert_true(created <= now && created > now - DAY);
    assert_int_equal(kiosk_store_seal(f->st, 5, now, err, sizeof err), 0);
    assert_int_equal(kiosk_store_seal(f->st, 5, created + DAY - 1, err, sizeof err), 0);
    assert_int_equal(count(f, "sealed_responses"), 1);
    assert_int_equal(kiosk_store_seal(f->st, 5, created + DAY, err, sizeof err), 1);
    struct kiosk_store_status s;
    kiosk_store_get_status(f->st, &s);
    assert_int_equal(s.unsealed, 0);
    assert_int_equal(s.sealed, 1);
    assert_true(s.oldest_unsent > now - DAY && s.oldest_unsent <= now);
}

static void test_store_seal_keeps_survey_versions_apart(void **state)
{
    struct fixture *f = *state;
    char err[256] = "", ids[4][37], *v2_json;
    struct survey *v1 = f->survey, *v2 = NULL;
    /* Version 2 of the same survey: same ids, a new version number. */
    const char *at = strstr(v1->source, "\"version\": 1");
    assert_non_null(at);
    assert_non_null(v2_json = strdup(v1->source));
    v2_json[at - v1->source + strlen("\"version\": ")] = '2';
    assert_int_equal(survey_load_buffer(v2_json, strlen(v2_json), &v2, err, sizeof err), SURVEY_OK);
    assert_int_equal(v2->version, 2);
    for (int i = 0; i < 4; i++)
        assert_int_equal(submit_n(f, i, err), 0);
    f->survey = v2;
    for (int i = 0; i < 6; i++)
        assert_int_equal(submit_n(f, i, err), 0);
    /* Only version 2 has min_batch waiting; version 1's four stay. */
    assert_int_equal(kiosk_store_seal(f->st, 5, kclock_now(), err, sizeof err), 1);
    assert_int_equal(kiosk_store_list_sealed(f->st, ids, 4), 1);
    struct batch *b = load_batch(f, ids[0]);
    assert_int_equal(b->survey_version, 2);
    assert_int_equal(b->n_responses, 6);
    batch_free(b);
    assert_int_equal(
        query_int(f->path, "SELECT count(*) FROM sealed_responses WHERE survey_version = 1"), 4);
    f->survey = v1;
    survey_free(v2);
    free(v2_json);
}

/* The sealed texts of the waiting rows, in the order of their random ids. */
static int texts_by_id(struct fixture *f, char **out, int max)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *q = NULL;
    int n = 0;
    assert_int_equal(sqlite3_open_v2(f->path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(db, "SELECT sealed FROM sealed_responses ORDER BY id", -1, &q, NULL),
        SQLITE_OK);
    while (n < max && sqlite3_step(q) == SQLITE_ROW)
        out[n++] = strdup((const char *)sqlite3_column_text(q, 0));
    sqlite3_finalize(q);
    sqlite3_close(db);
    return n;
}

/* A batch lists its sealed texts in the order of their random row ids: a
 * random order, which the test can check without chance. */
static void test_store_seal_orders_batch_by_random_id(void **state)
{
    struct fixture *f = *state;
    char err[256] = "", ids[8][37], *texts[30], *body = NULL;
    const int n = 30;
    size_t len = 0;
    struct batch *b = NULL;
    for (int i = 0; i < n; i++)
        assert_int_equal(submit_n(f, i, err), 0);
    assert_int_equal(texts_by_id(f, texts, n), n);
    assert_int_equal(kiosk_store_seal(f->st, n, kclock_now(), err, sizeof err), 1);
    assert_int_equal(kiosk_store_list_sealed(f->st, ids, 8), 1);
    assert_int_equal(kiosk_store_batch_body(f->st, ids[0], &body, &len), 0);
    assert_int_equal(batch_decode(body, len, &b, err, sizeof err), BATCH_OK);
    assert_int_equal(b->n_sealed, n);
    for (int i = 0; i < n; i++) {
        assert_string_equal(b->sealed[i], texts[i]);
        free(texts[i]);
    }
    batch_free(b);
    free(body);
}

static long file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long)sb.st_size : -1;
}

/* Whether the file at path is, past its 100-byte header (whose counters
 * count writes to the whole file), what VACUUM builds from its content. */
static bool same_as_rebuilt(const char *path)
{
    char copy[600], sql[700];
    size_t a_len = 0, b_len = 0;
    sqlite3 *db = NULL;
    snprintf(copy, sizeof copy, "%s.rebuilt", path);
    remove(copy);
    snprintf(sql, sizeof sql, "VACUUM INTO '%s'", copy);
    assert_int_equal(sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
    FILE *fa = fopen(path, "rb"), *fb = fopen(copy, "rb");
    unsigned char *a = malloc(DISK_MAX_FILE), *b = malloc(DISK_MAX_FILE);
    assert_true(fa && fb && a && b);
    a_len = fread(a, 1, DISK_MAX_FILE, fa);
    b_len = fread(b, 1, DISK_MAX_FILE, fb);
    bool same = a_len == b_len && a_len > 100 && memcmp(a + 100, b + 100, a_len - 100) == 0;
    fclose(fa);
    fclose(fb);
    free(a);
    free(b);
    remove(copy);
    return same;
}

/* Someone with the disk reads the files raw: every sealed row lies once, in
 * the order of the random ids; the WAL holds nothing; the SHM lists the
 * pages of a rebuild, each once; and the file is what VACUUM makes of its
 * content, so it holds nothing of the order in which the rows came. */
static void test_store_files_lie_in_random_id_order(void **state)
{
    struct fixture *f = *state;
    char err[256] = "", why[256], wal[600], shm[600];
    unsigned char pk[SEAL_KEY_BYTES];
    unsigned pages[DISK_MAX_PAGES];
    struct disk_hit *hits = NULL;
    const int n = 40; /* several pages of rows */
    for (int i = 0; i < n; i++)
        assert_int_equal(submit_n(f, i, err), 0);
    snprintf(wal, sizeof wal, "%s-wal", f->path);
    snprintf(shm, sizeof shm, "%s-shm", f->path);
    assert_int_equal(seal_pk_from_text(f->pk_text, pk), 0);

    int k = disk_find_sealed(f->path, DISK_DATABASE, disk_page_size(f->path), pk, f->kr, &hits);
    assert_int_equal(k, n);
    assert_int_equal(disk_match_ids(f->path, hits, k), n);
    assert_true(hits[0].page < hits[k - 1].page);
    if (!disk_in_id_order(hits, k, why, sizeof why))
        fail_msg("database: %s", why);
    disk_hits_free(hits, k);
    assert_int_equal(file_size(wal), 0);
    int m = disk_shm_pages(shm, pages, DISK_MAX_PAGES);
    assert_true(m > 0);
    for (int i = 1; i < m; i++)
        assert_true(pages[i - 1] < pages[i]);
    assert_true(same_as_rebuilt(f->path));
}

/* A power cut between a submit's commit and its rebuild leaves a row where
 * its page had room: the next open rebuilds the file. */
static void test_store_open_rebuilds_what_a_power_cut_left(void **state)
{
    struct fixture *f = *state;
    char err[256] = "", wal[600];
    sqlite3 *db = NULL;
    for (int i = 0; i < 12; i++)
        assert_int_equal(submit_n(f, i, err), 0);
    kiosk_store_close(f->st);
    f->st = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO sealed_responses(id, survey_id, survey_version,"
                                  " sealed) SELECT 1, survey_id, survey_version, sealed"
                                  " FROM sealed_responses LIMIT 1;"
                                  "PRAGMA wal_checkpoint(TRUNCATE)",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);
    assert_false(same_as_rebuilt(f->path));
    assert_int_equal(open_keyed(f, NULL, err, sizeof err), 0);
    assert_true(same_as_rebuilt(f->path));
    snprintf(wal, sizeof wal, "%s-wal", f->path);
    assert_int_equal(file_size(wal), 0);
}

/* Copies one submitted row many times through a separate connection: a
 * quick way to a large backlog (2,001 fsync'ed submits would take long). */
static void clone_rows(struct fixture *f, int copies)
{
    sqlite3 *db = NULL;
    char sql[512];
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
    snprintf(sql, sizeof sql,
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d)"
             " INSERT INTO sealed_responses(id, survey_id, survey_version, sealed)"
             " SELECT abs(random()), survey_id, survey_version, sealed FROM sealed_responses, n",
             copies);
    assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
    sqlite3_close(db);
}

static void test_store_seal_caps_batches_at_1000(void **state)
{
    struct fixture *f = *state;
    char err[256] = "", ids[8][37];
    assert_int_equal(submit_n(f, 3, err), 0);
    clone_rows(f, 2000);
    assert_int_equal(count(f, "sealed_responses"), 2001);
    assert_int_equal(kiosk_store_seal(f->st, 5, kclock_now(), err, sizeof err), 3);
    assert_int_equal(count(f, "sealed_responses"), 0);
    int n = kiosk_store_list_sealed(f->st, ids, 8);
    assert_int_equal(n, 3);
    size_t total = 0;
    for (int i = 0; i < n; i++) {
        struct batch *b = load_batch(f, ids[i]);
        assert_true(b->n_responses <= BATCH_MAX_RESPONSES);
        assert_true(b->n_responses >= 5);
        total += b->n_responses;
        batch_free(b);
    }
    assert_int_equal(total, 2001);
}

static void test_store_deletes_only_delivered_batch_and_leaves_no_trace(void **state)
{
    struct fixture *f = *state;
    char err[256] = "", ids[4][37];
    for (int i = 0; i < 10; i++)
        assert_int_equal(submit_n(f, i, err), 0);
    assert_int_equal(kiosk_store_seal(f->st, 10, kclock_now(), err, sizeof err), 1);
    assert_int_equal(kiosk_store_list_sealed(f->st, ids, 4), 1);

    /* A refused attempt keeps the batch; quarantine keeps it but out of the queue. */
    assert_int_equal(kiosk_store_batch_attempt(f->st, ids[0], false, 503, "busy"), 0);
    assert_int_equal(count(f, "batches"), 1);
    assert_int_equal(kiosk_store_batch_attempt(f->st, ids[0], true, 422, "bad"), 0);
    assert_int_equal(kiosk_store_list_sealed(f->st, ids + 1, 3), 0);
    struct kiosk_store_status s;
    kiosk_store_get_status(f->st, &s);
    assert_int_equal(s.quarantined, 1);
    assert_int_equal(s.sealed, 0);
    assert_int_equal(kiosk_store_requeue_quarantined(f->st), 1);
    assert_int_equal(kiosk_store_list_sealed(f->st, ids + 1, 3), 1);
    /* Attempts leave no time and no count, and batch rows no number: each
     * would date or order the sealing. */
    assert_int_equal(query_int(f->path, "SELECT count(*) FROM pragma_table_info('batches')"
                                        " WHERE name IN ('last_attempt', 'attempts')"),
                     0);
    assert_int_equal(query_int(f->path, BATCHES_WITHOUT_ROWID), 1);

    /* Delivery deletes it, and secure_delete plus the WAL checkpoint leave
     * neither its id nor its body anywhere in the files. */
    kiosk_store_close(f->st);
    f->st = NULL;
    assert_true(store_contains(f, ids[0]));
    assert_int_equal(open_keyed(f, NULL, err, sizeof err), 0);
    assert_int_equal(kiosk_store_batch_delivered(f->st, ids[0]), 0);
    assert_int_equal(count(f, "batches"), 0);
    assert_false(store_contains(f, ids[0]));
    assert_false(store_contains(f, "\"responses\":[{"));
}

static void test_store_without_collector_key_stores_nothing(void **state)
{
    struct fixture *f = *state;
    char err[256] = "";
    kiosk_store_close(f->st);
    remove_store(f->path);
    assert_int_equal(kiosk_store_open(f->path, &f->st, NULL, err, sizeof err), 0);
    assert_int_equal(submit_n(f, 1, err), -1);
    assert_non_null(strstr(err, "no collector key"));
    assert_int_equal(count(f, "sealed_responses"), 0);
    assert_int_equal(kiosk_store_set_collector_key(f->st, "ssk1:not-a-key"), -1);
    assert_int_equal(kiosk_store_set_collector_key(f->st, f->pk_text), 0);
    assert_int_equal(submit_n(f, 1, err), 0);
    assert_int_equal(count(f, "sealed_responses"), 1);
}

/* A store from before sealing: the clear table as it was, two responses and
 * a batch of format 1. Opening it with a key seals the two and drops the
 * table; the old batch is sent as it is. */
static void test_store_migrates_clear_responses_once_a_key_is_known(void **state)
{
    struct fixture *f = *state;
    char err[256] = "", ids[4][37], *body = NULL;
    size_t len = 0;
    sqlite3 *db = NULL;
    kiosk_store_close(f->st);
    f->st = NULL;
    remove_store(f->path);
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(
            db,
            "PRAGMA journal_mode = WAL;"
            "CREATE TABLE responses(id INTEGER PRIMARY KEY, survey_id TEXT NOT NULL,"
            " survey_version INTEGER NOT NULL, month TEXT NOT NULL, answers TEXT NOT NULL,"
            " attributes TEXT NOT NULL, created_at INTEGER NOT NULL);"
            "INSERT INTO responses VALUES(11, 'goshogawara-staff', 1, '2025-02',"
            " '{\"q01\":1,\"q02\":1,\"q03\":1,\"q04\":1,\"q05\":1,\"q06\":1,\"q07\":1,"
            "\"q08\":1,\"q09\":1,\"q10\":1,\"q11\":1,\"q12\":1}', '{\"employment\":\"kaikei\"}',"
            " 1738940400);"
            "INSERT INTO responses SELECT 12, survey_id, survey_version, month, answers,"
            " attributes, created_at FROM responses;"
            "CREATE TABLE batches(batch_id TEXT PRIMARY KEY, survey_id TEXT NOT NULL,"
            " survey_version INTEGER NOT NULL, n_responses INTEGER NOT NULL, body TEXT NOT NULL,"
            " state TEXT NOT NULL CHECK(state IN ('sealed','quarantined')),"
            " created_at INTEGER NOT NULL, last_attempt INTEGER,"
            " attempts INTEGER NOT NULL DEFAULT 0, last_status INTEGER, last_error TEXT);"
            "INSERT INTO batches(batch_id, survey_id, survey_version, n_responses, body, state,"
            " created_at, last_attempt, attempts) VALUES('0b9f5a2e-8d1c-4c3e-9a7b-1f2e3d4c5b6a',"
            " 'goshogawara-staff', 1, 1, '{\"format\":1,\"old\":true}', 'sealed', 1738940400,"
            " 1738990000, 3);",
            NULL, NULL, NULL),
        SQLITE_OK);
    sqlite3_close(db);

    /* No key yet: the clear rows wait, nothing new is taken. The times of
     * attempts an older version kept, and its batch row numbers, are gone
     * at once. */
    assert_int_equal(kiosk_store_open(f->path, &f->st, NULL, err, sizeof err), 0);
    assert_true(kiosk_store_has_clear(f->st));
    assert_int_equal(query_int(f->path, "SELECT count(*) FROM pragma_table_info('batches')"
                                        " WHERE name IN ('last_attempt', 'attempts')"),
                     0);
    assert_int_equal(query_int(f->path, BATCHES_WITHOUT_ROWID), 1);
    assert_int_equal(count(f, "batches"), 1);
    assert_int_equal(submit_n(f, 1, err), -1);
    /* The key arrives: sealed in one go, the clear table gone. */
    assert_int_equal(kiosk_store_set_collector_key(f->st, f->pk_text), 0);
    assert_false(kiosk_store_has_clear(f->st));
    assert_int_equal(count(f, "sealed_responses"), 2);
    assert_int_equal(query_int(f->path, "SELECT count(*) FROM sqlite_master"
                                        " WHERE name = 'responses'"),
                     0);
    assert_false(store_contains(f, "\"employment\":\"kaikei\""));
    assert_int_equal(kiosk_store_seal(f->st, 2, kclock_now(), err, sizeof err), 1);
    assert_int_equal(kiosk_store_list_sealed(f->st, ids, 4), 2);
    int opened = 0;
    for (int i = 0; i < 2; i++) {
        if (strcmp(ids[i], "0b9f5a2e-8d1c-4c3e-9a7b-1f2e3d4c5b6a") == 0) {
            assert_int_equal(kiosk_store_batch_body(f->st, ids[i], &body, &len), 0);
            assert_string_equal(body, "{\"format\":1,\"old\":true}");
            free(body);
            continue;
        }
        struct batch *b = load_batch(f, ids[i]);
        assert_int_equal(b->n_responses, 2);
        assert_string_equal(b->responses[0].month, "2025-02");
        assert_string_equal(b->responses[0].attrs[0].option_id, "kaikei");
        batch_free(b);
        opened++;
    }
    assert_int_equal(opened, 1);
}

static void test_store_sets_aside_garbage_file(void **state)
{
    struct fixture *f = *state;
    char err[256] = "", aside[700] = "";
    bool set_aside = false;
    kiosk_store_close(f->st);
    f->st = NULL;
    remove_store(f->path);
    FILE *fp = fopen(f->path, "wb");
    assert_non_null(fp);
    for (int i = 0; i < 2000; i++)
        fputs("this is not a database. ", fp);
    fclose(fp);
    assert_int_equal(open_keyed(f, &set_aside, err, sizeof err), 0);
    assert_true(set_aside);
    /* The damaged file is kept for an expert, under PATH.corrupt-<UTC stamp>. */
    char cmd[800];
    snprintf(cmd, sizeof cmd, "ls %s.corrupt-* 2>/dev/null | head -n 1", f->path);
    FILE *ls = popen(cmd, "r");
    assert_non_null(ls);
    assert_non_null(fgets(aside, sizeof aside, ls));
    pclose(ls);
    aside[strcspn(aside, "\n")] = '\0';
    assert_true(file_contains(aside, "this is not a database."));
    remove(aside);
    /* The fresh store works. */
    assert_int_equal(submit_n(f, 1, err), 0);
    assert_int_equal(count(f, "sealed_responses"), 1);
}

static void test_store_sets_aside_truncated_file(void **state)
{
    struct fixture *f = *state;
    char err[256] = "";
    bool set_aside = false;
    struct stat sb;
    /* Enough rows for several pages, then cut the file in the middle. */
    for (int i = 0; i < 3; i++)
        assert_int_equal(submit_n(f, i, err), 0);
    clone_rows(f, 400);
    kiosk_store_close(f->st);
    f->st = NULL;
    assert_int_equal(stat(f->path, &sb), 0);
    assert_true(sb.st_size > 8 * 4096);
    assert_int_equal(truncate(f->path, sb.st_size / 2), 0);
    assert_int_equal(open_keyed(f, &set_aside, err, sizeof err), 0);
    assert_true(set_aside);
    assert_int_equal(count(f, "sealed_responses"), 0);

    /* A sound store is not set aside. */
    kiosk_store_close(f->st);
    f->st = NULL;
    assert_int_equal(open_keyed(f, &set_aside, err, sizeof err), 0);
    assert_false(set_aside);
    char cmd[800];
    snprintf(cmd, sizeof cmd, "rm -f %s.corrupt-*", f->path);
    assert_int_equal(system(cmd), 0);
}

static void test_store_sets_aside_overwritten_file(void **state)
{
    struct fixture *f = *state;
    char err[256] = "", junk[3 * 4096];
    bool set_aside = false;
    for (int i = 0; i < 3; i++)
        assert_int_equal(submit_n(f, i, err), 0);
    clone_rows(f, 400);
    kiosk_store_close(f->st);
    f->st = NULL;
    /* Something wrote over pages 2 to 4 (a bad sector, a stray program). */
    memset(junk, 0xA5, sizeof junk);
    FILE *fp = fopen(f->path, "r+b");
    assert_non_null(fp);
    assert_int_equal(fseek(fp, 4096, SEEK_SET), 0);
    assert_int_equal(fwrite(junk, 1, sizeof junk, fp), sizeof junk);
    assert_int_equal(fclose(fp), 0);
    assert_int_equal(open_keyed(f, &set_aside, err, sizeof err), 0);
    assert_true(set_aside);
    assert_int_equal(count(f, "sealed_responses"), 0);
    assert_int_equal(submit_n(f, 1, err), 0);
    char cmd[800];
    snprintf(cmd, sizeof cmd, "rm -f %s.corrupt-*", f->path);
    assert_int_equal(system(cmd), 0);
}

static void test_store_open_reports_unwritable_path(void **state)
{
    (void)state;
    struct kiosk_store *st = NULL;
    char err[256] = "";
    bool set_aside = true;
    assert_int_equal(
        kiosk_store_open("/nonexistent-dir/kiosk.db", &st, &set_aside, err, sizeof err), -1);
    assert_null(st);
    assert_false(set_aside);
    assert_non_null(strstr(err, "cannot open /nonexistent-dir/kiosk.db"));
}

static void test_store_disk_full_fails_cleanly(void **state)
{
    struct fixture *f = *state;
    char err[256] = "";
    int stored = 0, rc = 0;
    assert_int_equal(submit_n(f, 0, err), 0);
    long pages = (long)query_int(f->path, "PRAGMA page_count");
    assert_int_equal(kiosk_store_set_max_pages(f->st, pages), 0);
    for (int i = 0; i < 2000 && rc == 0; i++) {
        rc = submit_n(f, i, err);
        stored += rc == 0;
    }
    assert_int_equal(rc, -1);
    assert_non_null(strstr(err, "disk is full"));
    /* What was stored before is all there, and a failed submit added nothing. */
    assert_int_equal(count(f, "sealed_responses"), 1 + stored);
    assert_int_equal(submit_n(f, 1, err), -1);
    assert_int_equal(count(f, "sealed_responses"), 1 + stored);
    /* Sealing in a full store fails as one transaction, keeping the responses. */
    if (kiosk_store_seal(f->st, 1, kclock_now(), err, sizeof err) < 0)
        assert_int_equal(count(f, "sealed_responses"), 1 + stored);
    /* Once there is room again, submitting works. */
    assert_int_equal(kiosk_store_set_max_pages(f->st, 1000000), 0);
    assert_int_equal(submit_n(f, 2, err), 0);
}

static void test_store_caches_survey_with_etag(void **state)
{
    struct fixture *f = *state;
    char *json = NULL, *etag = NULL;
    assert_int_equal(kiosk_store_survey(f->st, &json, &etag), 0);
    assert_null(json);
    assert_null(etag);
    const char *src = f->survey->source;
    assert_int_equal(kiosk_store_set_survey(f->st, src, strlen(src), "\"v1\""), 0);
    assert_int_equal(kiosk_store_set_survey(f->st, src, strlen(src), "\"v2\""), 0);
    assert_int_equal(kiosk_store_survey(f->st, &json, &etag), 0);
    assert_string_equal(json, src);
    assert_string_equal(etag, "\"v2\"");
    free(json);
    free(etag);
    assert_int_equal(count(f, "survey_cache"), 1);
}

/* The collector's close is kept for one survey version, survives a
 * restart, leaves the waiting responses alone, and ends when a definition
 * is stored again. */
static void test_store_closed_mark_lasts_until_a_survey_is_stored(void **state)
{
    struct fixture *f = *state;
    char err[KSTORE_ERR_LEN];
    time_t at = 0;
    const char *src = f->survey->source;
    assert_int_equal(kiosk_store_set_survey(f->st, src, strlen(src), "\"v1\""), 0);
    assert_int_equal(submit_n(f, 1, err), 0);
    assert_false(kiosk_store_closed(f->st, "goshogawara-staff", 1, NULL));
    assert_int_equal(kiosk_store_set_closed(f->st, "goshogawara-staff", 1, 1796292000), 0);
    kiosk_store_close(f->st);
    f->st = NULL;
    assert_int_equal(open_keyed(f, NULL, err, sizeof err), 0);
    assert_true(kiosk_store_closed(f->st, "goshogawara-staff", 1, &at));
    assert_int_equal(at, 1796292000);
    assert_false(kiosk_store_closed(f->st, "goshogawara-staff", 2, NULL));
    assert_false(kiosk_store_closed(f->st, "kamaishi-wellbeing", 1, NULL));
    assert_int_equal(count(f, "sealed_responses"), 1);
    assert_int_equal(kiosk_store_seal(f->st, 1, kclock_now(), err, sizeof err), 1);
    assert_int_equal(kiosk_store_set_survey(f->st, src, strlen(src), "\"v1\""), 0);
    assert_false(kiosk_store_closed(f->st, "goshogawara-staff", 1, NULL));
    assert_int_equal(count(f, "survey_closed"), 0);
}

/* The collector's closed_at, "YYYY-MM-DDTHH:MM:SSZ", and nothing else. */
static void test_store_clock_reads_collector_times(void **state)
{
    (void)state;
    assert_int_equal(kclock_parse_utc("2026-12-03T10:00:00Z"), 1796292000);
    assert_int_equal(kclock_parse_utc("1970-01-01T00:00:00Z"), 0);
    const char *bad[] = {NULL,
                         "",
                         "2026-12-03",
                         "2026-12-03T10:00:00",
                         "2026-12-03 10:00:00Z",
                         "2026-02-30T10:00:00Z",
                         "2026-12-03T24:00:00Z",
                         "2026-12-03T1a:00:00Z",
                         "2026-12-03T10:00:00+09:00"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(kclock_parse_utc(bad[i]), 0);
}

static void test_store_status_reports_sync_notes(void **state)
{
    struct fixture *f = *state;
    struct kiosk_store_status s;
    kiosk_store_get_status(f->st, &s);
    assert_int_equal(s.last_sync_ok, 0);
    assert_string_equal(s.last_error, "");
    assert_int_equal(s.oldest_unsent, 0);
    assert_int_equal(kiosk_store_note_sync(f->st, 1700000000, "collector unreachable"), 0);
    kiosk_store_get_status(f->st, &s);
    assert_int_equal(s.last_sync_ok, 1700000000);
    assert_string_equal(s.last_error, "collector unreachable");
    /* Notes written round after round leave no frame behind to count them. */
    char wal[600];
    snprintf(wal, sizeof wal, "%s-wal", f->path);
    for (int i = 1; i <= 3; i++) {
        assert_int_equal(kiosk_store_note_sync(f->st, 1700000000 + 30 * i, NULL), 0);
        assert_int_equal(file_size(wal), 0);
    }
    kiosk_store_get_status(f->st, &s);
    assert_int_equal(s.last_sync_ok, 1700000090);
    /* A message cut inside a character keeps only whole characters. */
    const char cut[] = "接続できません\xe3\x81";
    assert_int_equal(kiosk_store_note_sync(f->st, 0, cut), 0);
    kiosk_store_get_status(f->st, &s);
    assert_string_equal(s.last_error, "接続できません");
    assert_int_equal(kiosk_store_note_sync(f->st, 0, ""), 0);
    kiosk_store_get_status(f->st, &s);
    assert_int_equal(s.last_sync_ok, 1700000090);
    assert_string_equal(s.last_error, "");
}

static void test_store_uses_wal_and_full_sync(void **state)
{
    struct fixture *f = *state;
    sqlite3 *db = NULL;
    sqlite3_stmt *s = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(s, 0), "wal");
    sqlite3_finalize(s);
    sqlite3_close(db);
}

/* The clock the store dates responses by: months and days in Japan (UTC+9). */
static void test_store_clock_months_and_days_are_japanese(void **state)
{
    (void)state;
    char month[8];
    assert_int_equal(kclock_set_date("2025-03-31"), 0); /* 00:00 UTC = 09:00 in Japan */
    kclock_month(month);
    assert_string_equal(month, "2025-03");
    time_t day = kclock_day_start(kclock_now());
    assert_int_equal((day + 9 * 3600) % DAY, 0);
    assert_true(kclock_now() - day >= 9 * 3600 && kclock_now() - day < 9 * 3600 + 60);
    kclock_advance(15 * 3600); /* 15:00 UTC: midnight in Japan, a new month */
    kclock_month(month);
    assert_string_equal(month, "2025-04");
    assert_int_equal(kclock_day_start(kclock_now()), day + DAY);
    const char *bad[] = {"2025-02-30", "2025-2-01", "abcd-ef-gh", "2025-13-01", "", "2025-02-010"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        assert_int_equal(kclock_set_date(bad[i]), -1);
    assert_int_equal(kclock_set_date("2024-02-29"), 0); /* a leap day */
    kclock_advance((long)(time(NULL) - kclock_now()));  /* back to the system's clock */
    assert_true(labs((long)(kclock_now() - time(NULL))) <= 1);
}

#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)

int main(void)
{
    const struct CMUnitTest tests[] = {
        T(test_store_submit_writes_one_row),
        T(test_store_submit_rejects_incomplete_response),
        T(test_store_stores_no_time_finer_than_the_day),
        T(test_store_seal_waits_for_min_batch),
        T(test_store_seal_after_a_day_even_below_min_batch),
        T(test_store_seal_keeps_survey_versions_apart),
        T(test_store_seal_orders_batch_by_random_id),
        T(test_store_files_lie_in_random_id_order),
        T(test_store_open_rebuilds_what_a_power_cut_left),
        T(test_store_seal_caps_batches_at_1000),
        T(test_store_deletes_only_delivered_batch_and_leaves_no_trace),
        T(test_store_without_collector_key_stores_nothing),
        T(test_store_migrates_clear_responses_once_a_key_is_known),
        T(test_store_sets_aside_garbage_file),
        T(test_store_sets_aside_truncated_file),
        T(test_store_sets_aside_overwritten_file),
        T(test_store_open_reports_unwritable_path),
        T(test_store_disk_full_fails_cleanly),
        T(test_store_caches_survey_with_etag),
        T(test_store_closed_mark_lasts_until_a_survey_is_stored),
        T(test_store_status_reports_sync_notes),
        T(test_store_uses_wal_and_full_sync),
        cmocka_unit_test(test_store_clock_months_and_days_are_japanese),
        cmocka_unit_test(test_store_clock_reads_collector_times),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

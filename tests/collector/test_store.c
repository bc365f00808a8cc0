/* The store in-process: migrations by PRAGMA user_version (a version 2
 * database's waiting responses sealed, its released ones unlinked),
 * responses stored sealed and opened only by a release, release figures
 * exactly as schema.h defines them, and group commit: batches written by
 * many threads at once are each stored once, and one that fails takes no
 * other batch of its group down with it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "crypto.h"
#include "schema.h"
#include "store.h"
#include "testutil.h"

static char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32];
static struct store *st;
static struct survey *survey;

static int setup(void **state)
{
    char err[STORE_ERR_LEN];
    bool was_new;
    (void)state;
    if (tu_tempdir("store", dir) != 0)
        return -1;
    snprintf(db, sizeof db, "%s/collector.db", dir);
    if (store_open(db, NULL, &st, err, sizeof err) != STORE_OK ||
        survey_load_file(TU_SURVEY_FILE, &survey, err, sizeof err) != SURVEY_OK ||
        store_survey_publish(st, survey, &was_new) != STORE_OK ||
        store_kiosk_add(st, "k",
                        "0000000000000000000000000000000000000000000000000000000000000001"))
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    store_close(st);
    survey_free(survey);
    tu_rmdir(dir);
    return 0;
}

/* A validated batch from JSON, and its content hash. */
static struct batch *make(const char *json, char sha[CRYPTO_SHA256_HEX])
{
    char err[BATCH_ERR_LEN], *text;
    size_t len;
    struct batch *b = NULL;
    assert_int_equal(batch_decode(json, strlen(json), &b, err, sizeof err), BATCH_OK);
    assert_int_equal(batch_validate(b, survey, err, sizeof err), BATCH_OK);
    assert_int_equal(batch_encode(b, &text, &len), BATCH_OK);
    crypto_sha256_hex(text, len, sha);
    free(text);
    return b;
}

/* Releases every fiscal year from first to last of survey_id (those
 * without responses make nothing). */
static void release_all(const char *survey_id, int first, int last)
{
    struct store_release r;

    for (int fy = first; fy <= last; fy++)
        assert_int_equal(store_release(st, survey_id, fy, 1, "release", &r), STORE_OK);
}

static void test_store_migrates_to_current_version_once(void **state)
{
    char err[STORE_ERR_LEN];
    struct store *again = NULL;
    (void)state;
    assert_int_equal(tu_db_count(db, "PRAGMA user_version"), SCHEMA_VERSION);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM sqlite_master WHERE name IN "
                                     "('responses','released_responses','batches')"),
                     3);
    /* No live aggregate: nothing is counted before a release. */
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM sqlite_master WHERE name IN "
                                     "('answer_counts','respondent_counts','responses_v2')"),
                     0);
    /* Opening again applies nothing and keeps the data. */
    assert_int_equal(store_open(db, NULL, &again, err, sizeof err), STORE_OK);
    store_close(again);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM surveys"), 1);
}

static void test_store_aggregates_per_fiscal_year_and_group(void **state)
{
    /* March 2025 is FY2024, April 2025 is FY2025. */
    const char *json =
        "{\"format\":1,\"batch_id\":\"11111111-1111-4111-8111-111111111111\","
        "\"survey_id\":\"goshogawara-staff\",\"survey_version\":1,\"responses\":["
        "{\"month\":\"2025-03\",\"answers\":{\"q01\":4,\"q02\":1,\"q03\":1,\"q04\":1,\"q05\":1,"
        "\"q06\":1,\"q07\":1,\"q08\":1,\"q09\":1,\"q10\":1,\"q11\":1,\"q12\":1},"
        "\"attributes\":{\"employment\":\"kaikei\"}},"
        "{\"month\":\"2025-03\",\"answers\":{\"q01\":4,\"q02\":2,\"q03\":2,\"q04\":2,\"q05\":2,"
        "\"q06\":2,\"q07\":2,\"q08\":2,\"q09\":2,\"q10\":2,\"q11\":2,\"q12\":2},"
        "\"attributes\":{}},"
        "{\"month\":\"2025-04\",\"answers\":{\"q01\":3,\"q02\":3,\"q03\":3,\"q04\":3,\"q05\":3,"
        "\"q06\":3,\"q07\":3,\"q08\":3,\"q09\":3,\"q10\":3,\"q11\":3,\"q12\":3},"
        "\"attributes\":{\"employment\":\"regular\"}}]}";
    char sha[CRYPTO_SHA256_HEX];
    struct batch *b = make(json, sha);
    (void)state;

    assert_int_equal(store_batch_insert(st, 1, b, survey, sha), STORE_OK);
    assert_int_equal(store_batch_insert(st, 1, b, survey, sha), STORE_E_DUPLICATE);
    assert_int_equal(store_batch_insert(st, 1, b, survey, "x"), STORE_E_CONFLICT);
    batch_free(b);
    /* Stored sealed for the key file beside the database, by the store itself. */
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM responses WHERE length(key_id) = 16"),
                     3);
    /* Quotes and '-' are not in base64, so no sealed text holds these by chance. */
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM responses WHERE instr(sealed,"
                                     " '\"q01\"') OR instr(sealed, '\"kaikei\"') OR"
                                     " instr(sealed, '2025-0')"),
                     0);
    release_all(survey->id, 2024, 2025);

    assert_int_equal(tu_db_count(db,
                                 "SELECT count FROM release_respondent_counts WHERE fiscal_year = "
                                 "2024 AND attribute_id = '' AND option_id = ''"),
                     2);
    assert_int_equal(tu_db_count(db,
                                 "SELECT count FROM release_respondent_counts WHERE fiscal_year = "
                                 "2024 AND attribute_id = 'employment' AND option_id = ''"),
                     1);
    assert_int_equal(tu_db_count(db,
                                 "SELECT count FROM release_respondent_counts WHERE fiscal_year = "
                                 "2024 AND attribute_id = 'employment' AND option_id = "
                                 "'kaikei'"),
                     1);
    assert_int_equal(tu_db_count(db,
                                 "SELECT count FROM release_respondent_counts WHERE fiscal_year = "
                                 "2025 AND attribute_id = 'employment' AND option_id = "
                                 "'regular'"),
                     1);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM release_respondent_counts"), 5);
    /* q01 in FY2024: both answered 4, one of them kaikei, one unanswered employment. */
    assert_int_equal(tu_db_count(db,
                                 "SELECT count FROM release_answer_counts WHERE fiscal_year = 2024 "
                                 "AND attribute_id = '' AND question_id = 'q01' AND value = "
                                 "4"),
                     2);
    assert_int_equal(tu_db_count(db,
                                 "SELECT count FROM release_answer_counts WHERE fiscal_year = 2024 "
                                 "AND attribute_id = 'employment' AND option_id = 'kaikei' "
                                 "AND question_id = 'q02' AND value = 1"),
                     1);
    assert_int_equal(tu_db_count(db,
                                 "SELECT count(*) FROM release_answer_counts WHERE fiscal_year = "
                                 "2025 AND question_id = 'q07' AND value = 3"),
                     2); /* population and employment=regular */
    assert_int_equal(tu_db_count(db, "SELECT sum(count) FROM release_answer_counts"), 3 * 12 * 2);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM released_responses WHERE answers = "
                                     "'{\"q01\":3,\"q02\":3,\"q03\":3,\"q04\":3,\"q05\":3,"
                                     "\"q06\":3,\"q07\":3,\"q08\":3,\"q09\":3,\"q10\":3,\"q11\":3,"
                                     "\"q12\":3}' AND attributes = '{\"employment\":\"regular\"}' "
                                     "AND fiscal_year = 2025 AND release_rev = 1"),
                     1);
}

/* An 11-point scale, two-digit answers, and fiscal years at both ends of
 * the accepted months: the packed keys and the JSON text hold them all. */
static void test_store_aggregates_wide_scale_and_years(void **state)
{
    char points[1024], def[2048], err[SURVEY_ERR_LEN], sha[CRYPTO_SHA256_HEX];
    size_t n = 0;
    struct survey *wide = NULL;
    struct batch *b = NULL;
    bool was_new;
    (void)state;

    for (int v = 1; v <= 11; v++)
        n += (size_t)snprintf(points + n, sizeof points - n, "%s{\"value\":%d,\"label\":\"%d\"}",
                              v > 1 ? "," : "", v, v);
    snprintf(def, sizeof def,
             "{\"id\":\"wide\",\"version\":1,\"title\":\"t\",\"organization\":\"o\","
             "\"intro\":\"i\",\"privacy_note\":\"p\",\"thanks\":\"t\","
             "\"scale\":{\"points\":[%s],\"favorable_min\":8},"
             "\"attributes\":[{\"id\":\"a\",\"text\":\"A\",\"optional\":true,"
             "\"options\":[{\"id\":\"x\",\"label\":\"X\"},{\"id\":\"y\",\"label\":\"Y\"}]}],"
             "\"questions\":[{\"id\":\"q1\",\"text\":\"Q1\"},"
             "{\"id\":\"q2\",\"text\":\"Q2\",\"optional\":true}]}",
             points);
    assert_int_equal(survey_load_buffer(def, strlen(def), &wide, err, sizeof err), SURVEY_OK);
    assert_int_equal(store_survey_publish(st, wide, &was_new), STORE_OK);
    const char *json =
        "{\"format\":1,\"batch_id\":\"22222222-2222-4222-8222-222222222222\","
        "\"survey_id\":\"wide\",\"survey_version\":1,\"responses\":["
        "{\"month\":\"2000-01\",\"answers\":{\"q1\":11,\"q2\":null},\"attributes\":{\"a\":\"y\"}},"
        "{\"month\":\"2099-12\",\"answers\":{\"q1\":1,\"q2\":5},\"attributes\":{}},"
        "{\"month\":\"2050-04\",\"answers\":{\"q1\":10,\"q2\":10},\"attributes\":{\"a\":\"x\"}}]}";
    char *text;
    size_t len;
    assert_int_equal(batch_decode(json, strlen(json), &b, err, sizeof err), BATCH_OK);
    assert_int_equal(batch_validate(b, wide, err, sizeof err), BATCH_OK);
    assert_int_equal(batch_encode(b, &text, &len), BATCH_OK);
    crypto_sha256_hex(text, len, sha);
    free(text);
    assert_int_equal(store_batch_insert(st, 1, b, wide, sha), STORE_OK);
    batch_free(b);
    release_all("wide", 1999, 2099);

    assert_int_equal(tu_db_count(db,
                                 "SELECT count(*) FROM release_respondent_counts WHERE survey_id = "
                                 "'wide'"),
                     6);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM release_answer_counts WHERE survey_id = "
                                     "'wide'"),
                     10);
    assert_int_equal(tu_db_count(db,
                                 "SELECT count FROM release_answer_counts WHERE survey_id = 'wide' "
                                 "AND fiscal_year = 1999 AND attribute_id = 'a' AND "
                                 "option_id = 'y' AND question_id = 'q1' AND value = 11"),
                     1);
    assert_int_equal(tu_db_count(db,
                                 "SELECT count FROM release_answer_counts WHERE survey_id = 'wide' "
                                 "AND fiscal_year = 2099 AND attribute_id = 'a' AND "
                                 "option_id = '' AND question_id = 'q2' AND value = 5"),
                     1);
    assert_int_equal(
        tu_db_count(db, "SELECT count(*) FROM released_responses WHERE survey_id = 'wide' AND "
                        "fiscal_year = 2050 AND answers = '{\"q1\":10,\"q2\":10}' "
                        "AND attributes = '{\"a\":\"x\"}'"),
        1);
    assert_int_equal(
        tu_db_count(db, "SELECT count(*) FROM released_responses WHERE survey_id = 'wide' AND "
                        "fiscal_year = 1999 AND answers = '{\"q1\":11}'"),
        1);
    survey_free(wide);
}

/* Whether the file at path holds text anywhere in its bytes. */
static bool file_has(const char *path, const char *text)
{
    FILE *f = fopen(path, "rb");
    size_t n = 0, cap = 1 << 20, k = strlen(text);
    char *buf = malloc(cap);
    bool found = false;

    if (f) {
        for (size_t got; (got = fread(buf + n, 1, cap - n, f)) > 0;)
            if ((n += got) == cap)
                buf = realloc(buf, cap *= 2);
        fclose(f);
    }
    for (size_t i = 0; i + k <= n && !found; i++)
        found = memcmp(buf + i, text, k) == 0;
    free(buf);
    return found;
}

#define V2_ANSWERS(v)                                                                              \
    "'{\"q01\":" v ",\"q02\":" v ",\"q03\":" v ",\"q04\":" v ",\"q05\":" v ",\"q06\":" v           \
    ",\"q07\":" v ",\"q08\":" v ",\"q09\":" v ",\"q10\":" v ",\"q11\":" v ",\"q12\":" v "}'"

/* A database written by a version 2 collector: one response released,
 * one waiting in clear beside its batch. Migration 3 seals the waiting
 * one with the key file (made for it), moves the released one out of
 * reach of its batch, and leaves no clear trace of the waiting one in the
 * file; the next release opens it. */
static void test_store_migration_3_seals_what_waits(void **state)
{
    char path[TU_PATH_MAX + 32], keys[TU_PATH_MAX + 48], err[STORE_ERR_LEN], *def = NULL;
    struct store *old = NULL;
    struct store_release r;
    sqlite3 *v2 = NULL;
    sqlite3_stmt *q = NULL;
    FILE *f = fopen(TU_SURVEY_FILE, "rb");
    long len;
    (void)state;

    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    len = ftell(f);
    rewind(f);
    def = calloc(1, (size_t)len + 1);
    assert_int_equal(fread(def, 1, (size_t)len, f), (size_t)len);
    fclose(f);
    snprintf(path, sizeof path, "%s/v2.db", dir);
    snprintf(keys, sizeof keys, "%s.keys", path);
    assert_int_equal(sqlite3_open(path, &v2), SQLITE_OK);
    assert_int_equal(
        sqlite3_exec(
            v2,
            "PRAGMA journal_mode = WAL;" SCHEMA_V1_SQL SCHEMA_V2_SQL "PRAGMA user_version = 2;"
            "INSERT INTO kiosks (kiosk_id, name, token_sha256, created_at) VALUES (1, 'k', 'h',"
            " '2025-01-01T00:00:00Z');"
            "INSERT INTO batches VALUES ('b1', 1, 'goshogawara-staff', 1, 'x', 2,"
            " '2025-03-01T12:03:00Z');"
            "INSERT INTO responses (batch_id, survey_id, fiscal_year, month, answers, attributes,"
            " release_rev) VALUES ('b1', 'goshogawara-staff', 2024, '2025-03', " V2_ANSWERS(
                "1") ", '{\"employment\":\"kaikei\"}', 1), ('b1', 'goshogawara-staff', 2024, "
                     "'2025-03', " V2_ANSWERS("3") ", '{\"employment\":\"regular\"}', NULL);"
                                                   "INSERT INTO releases VALUES "
                                                   "('goshogawara-staff', 2024, 1, "
                                                   "'2025-03-02T00:00:00Z', 1,"
                                                   " 'release');",
            NULL, NULL, NULL),
        SQLITE_OK);
    assert_int_equal(sqlite3_prepare_v2(v2,
                                        "INSERT INTO surveys VALUES ('goshogawara-staff', 1, ?1,"
                                        " 'x', '2025-01-01T00:00:00Z', 1, NULL)",
                                        -1, &q, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(q, 1, def, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(q), SQLITE_DONE);
    sqlite3_finalize(q);
    sqlite3_close(v2);
    free(def);
    assert_true(file_has(path, "\"q12\":3"));

    assert_int_equal(store_open(path, NULL, &old, err, sizeof err), STORE_OK);
    store_close(old);
    assert_int_equal(tu_db_count(path, "PRAGMA user_version"), SCHEMA_VERSION);
    assert_int_equal(tu_db_count(keys, "SELECT 1"), 1); /* the key file was made */
    assert_int_equal(tu_db_count(path, "SELECT count(*) FROM responses WHERE batch_id = 'b1'"
                                       " AND fiscal_year = 2024 AND length(key_id) = 16"),
                     1);
    assert_int_equal(tu_db_count(path, "SELECT count(*) FROM released_responses WHERE"
                                       " release_rev = 1 AND answers LIKE '%\"q12\":1%'"),
                     1);
    assert_int_equal(tu_db_count(path, "SELECT count(*) FROM sqlite_master WHERE name ="
                                       " 'responses_v2'"),
                     0);
    assert_false(file_has(path, "\"q12\":3")); /* secure_delete zeroed the clear row */
    assert_false(file_has(path, "\"q11\":3"));

    assert_int_equal(store_open(path, NULL, &old, err, sizeof err), STORE_OK);
    assert_int_equal(store_release(old, "goshogawara-staff", 2024, 1, "release", &r), STORE_OK);
    assert_int_equal(r.revision, 2);
    assert_int_equal(r.added, 1);
    store_close(old);
    assert_int_equal(tu_db_count(path, "SELECT count(*) FROM released_responses WHERE"
                                       " release_rev = 2 AND answers LIKE '%\"q12\":3%' AND"
                                       " attributes = '{\"employment\":\"regular\"}'"),
                     1);
    assert_int_equal(tu_db_count(path, "SELECT count(*) FROM responses"), 0);
}

#define WRITERS 16

struct writer {
    struct batch *b;
    char sha[CRYPTO_SHA256_HEX];
    int64_t kiosk_id;
    enum store_err result;
    pthread_barrier_t *go;
};

static void *write_one(void *arg)
{
    struct writer *w = arg;
    pthread_barrier_wait(w->go);
    w->result = store_batch_insert(st, w->kiosk_id, w->b, survey, w->sha);
    return NULL;
}

static void test_store_group_commit_isolates_failures(void **state)
{
    struct writer w[WRITERS];
    pthread_t t[WRITERS];
    pthread_barrier_t go;
    long long before = tu_db_count(db, "SELECT count(*) FROM responses");
    char same_id[37];
    (void)state;

    pthread_barrier_init(&go, NULL, WRITERS);
    for (int i = 0; i < WRITERS; i++) {
        /* Writers 0-3 send one batch (same id and content) four times;
         * writer 5 names a kiosk that does not exist (a foreign key fails). */
        char *json = tu_batch_json(i < 4 && i > 0 ? same_id : NULL, 20, i < 4 ? 99 : (unsigned)i,
                                   "2024-06", i == 0 ? same_id : NULL);
        w[i] = (struct writer){.kiosk_id = i == 5 ? 999 : 1, .go = &go};
        w[i].b = make(json, w[i].sha);
        free(json);
    }
    for (int i = 0; i < WRITERS; i++)
        pthread_create(&t[i], NULL, write_one, &w[i]);
    int stored = 0, dup = 0;
    for (int i = 0; i < WRITERS; i++) {
        pthread_join(t[i], NULL);
        stored += w[i].result == STORE_OK;
        dup += w[i].result == STORE_E_DUPLICATE;
        batch_free(w[i].b);
    }
    pthread_barrier_destroy(&go);
    assert_int_not_equal(w[5].result, STORE_OK);
    assert_int_equal(dup, 3);
    assert_int_equal(stored, WRITERS - 4);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM responses") - before, stored * 20);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM batches WHERE kiosk_id = 999"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_store_migrates_to_current_version_once),
        cmocka_unit_test(test_store_aggregates_per_fiscal_year_and_group),
        cmocka_unit_test(test_store_aggregates_wide_scale_and_years),
        cmocka_unit_test(test_store_group_commit_isolates_failures),
        cmocka_unit_test(test_store_migration_3_seals_what_waits),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

/* The store in-process: migrations by PRAGMA user_version, aggregates
 * exactly as schema.h defines them, and group commit: batches written by
 * many threads at once are each stored once, and one that fails takes no
 * other batch of its group down with it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
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

static void test_store_migrates_to_current_version_once(void **state)
{
    char err[STORE_ERR_LEN];
    struct store *again = NULL;
    (void)state;
    assert_int_equal(tu_db_count(db, "PRAGMA user_version"), SCHEMA_VERSION);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM sqlite_master WHERE name IN "
                                     "('answer_counts','respondent_counts','batches')"),
                     3);
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

    assert_int_equal(tu_db_count(db, "SELECT count FROM respondent_counts WHERE fiscal_year = "
                                     "2024 AND attribute_id = '' AND option_id = ''"),
                     2);
    assert_int_equal(tu_db_count(db, "SELECT count FROM respondent_counts WHERE fiscal_year = "
                                     "2024 AND attribute_id = 'employment' AND option_id = ''"),
                     1);
    assert_int_equal(tu_db_count(db, "SELECT count FROM respondent_counts WHERE fiscal_year = "
                                     "2024 AND attribute_id = 'employment' AND option_id = "
                                     "'kaikei'"),
                     1);
    assert_int_equal(tu_db_count(db, "SELECT count FROM respondent_counts WHERE fiscal_year = "
                                     "2025 AND attribute_id = 'employment' AND option_id = "
                                     "'regular'"),
                     1);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM respondent_counts"), 5);
    /* q01 in FY2024: both answered 4, one of them kaikei, one unanswered employment. */
    assert_int_equal(tu_db_count(db, "SELECT count FROM answer_counts WHERE fiscal_year = 2024 "
                                     "AND attribute_id = '' AND question_id = 'q01' AND value = "
                                     "4"),
                     2);
    assert_int_equal(tu_db_count(db, "SELECT count FROM answer_counts WHERE fiscal_year = 2024 "
                                     "AND attribute_id = 'employment' AND option_id = 'kaikei' "
                                     "AND question_id = 'q02' AND value = 1"),
                     1);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM answer_counts WHERE fiscal_year = "
                                     "2025 AND question_id = 'q07' AND value = 3"),
                     2); /* population and employment=regular */
    assert_int_equal(tu_db_count(db, "SELECT sum(count) FROM answer_counts"), 3 * 12 * 2);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM responses WHERE answers = "
                                     "'{\"q01\":3,\"q02\":3,\"q03\":3,\"q04\":3,\"q05\":3,"
                                     "\"q06\":3,\"q07\":3,\"q08\":3,\"q09\":3,\"q10\":3,\"q11\":3,"
                                     "\"q12\":3}' AND attributes = '{\"employment\":\"regular\"}' "
                                     "AND fiscal_year = 2025 AND month = '2025-04'"),
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

    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM respondent_counts WHERE survey_id = "
                                     "'wide'"),
                     6);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM answer_counts WHERE survey_id = "
                                     "'wide'"),
                     10);
    assert_int_equal(tu_db_count(db, "SELECT count FROM answer_counts WHERE survey_id = 'wide' "
                                     "AND fiscal_year = 1999 AND attribute_id = 'a' AND "
                                     "option_id = 'y' AND question_id = 'q1' AND value = 11"),
                     1);
    assert_int_equal(tu_db_count(db, "SELECT count FROM answer_counts WHERE survey_id = 'wide' "
                                     "AND fiscal_year = 2099 AND attribute_id = 'a' AND "
                                     "option_id = '' AND question_id = 'q2' AND value = 5"),
                     1);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM responses WHERE survey_id = 'wide' AND "
                                     "fiscal_year = 2050 AND answers = '{\"q1\":10,\"q2\":10}' "
                                     "AND attributes = '{\"a\":\"x\"}'"),
                     1);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM responses WHERE survey_id = 'wide' AND "
                                     "fiscal_year = 1999 AND answers = '{\"q1\":11}'"),
                     1);
    survey_free(wide);
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
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

/* Someone with a copy of the collector's database (threat (c) and (d) of
 * SECURITY.md), through the real daemon and the real release command.
 * Sixty employees answer, each alone in a batch (the worst case: a batch
 * of one is one person at one kiosk at one time), half from kiosks that
 * seal (format 2), half from kiosks not yet upgraded (format 1, sealed by
 * the collector on arrival). Before the release, the database files hold
 * no answer in clear; after it, no released answer can be joined to its
 * batch, kiosk or time: not by a column, not by row order, not by where it
 * sits in the file, and the sealed rows that held the link are gone from
 * the file. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "seal.h"
#include "testutil.h"

#define PEOPLE 60
#define MONTH  "2024-11" /* FY2024 */

struct fx {
    struct tu_server srv;
    char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32], token[TU_TOKEN_MAX];
    unsigned char pk[SEAL_KEY_BYTES];
    char *sealed[PEOPLE]; /* the texts the sealing kiosks sent; NULL for format 1 */
};

/* Person i's answers: q01..q12 are the base-4 digits of i (plus one), so
 * that the answers JSON names the person. */
static void answers_of(int i, char *out, size_t len)
{
    size_t n = (size_t)snprintf(out, len, "{");
    for (int q = 1, x = i; q <= 12; q++, x /= 4)
        n += (size_t)snprintf(out + n, len - n, "%s\"q%02d\":%d", q > 1 ? "," : "", q, 1 + x % 4);
    snprintf(out + n, len - n, "}");
}

static int person_of(const char *answers)
{
    int i = 0, scale = 1;
    for (int q = 1; q <= 12; q++, scale *= 4) {
        char key[16];
        const char *p;
        snprintf(key, sizeof key, "\"q%02d\":", q);
        if (!(p = strstr(answers, key)))
            return -1;
        i += (p[strlen(key)] - '1') * scale;
    }
    return i;
}

static char *batch_of(struct fx *f, int i)
{
    char id[CRYPTO_UUID_LEN], answers[256], response[512], *out = malloc(SEAL_MAX_TEXT + 1024);
    size_t len = 0;

    assert_int_equal(crypto_uuid4(id), 0);
    answers_of(i, answers, sizeof answers);
    snprintf(response, sizeof response,
             "{\"month\":\"" MONTH "\",\"answers\":%s,\"attributes\":{\"employment\":\"%s\"}}",
             answers, i % 3 ? "regular" : "kaikei");
    if (i % 2) { /* a kiosk not yet upgraded */
        snprintf(out, SEAL_MAX_TEXT + 1024,
                 "{\"format\":1,\"batch_id\":\"%s\",\"survey_id\":\"%s\",\"survey_version\":1,"
                 "\"responses\":[%s]}",
                 id, TU_SURVEY_ID, response);
        return out;
    }
    struct seal_session *s = seal_session_new(f->pk);
    assert_non_null(s);
    assert_int_equal(seal_response(s, response, strlen(response), &f->sealed[i], &len), SEAL_OK);
    seal_session_free(s);
    snprintf(out, SEAL_MAX_TEXT + 1024,
             "{\"format\":2,\"batch_id\":\"%s\",\"survey_id\":\"%s\",\"survey_version\":1,"
             "\"responses\":[\"%s\"]}",
             id, TU_SURVEY_ID, f->sealed[i]);
    return out;
}

/* The bytes of a file (empty when it does not exist); *len their count. */
static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    size_t cap = 1 << 20;
    char *buf = malloc(cap);

    *len = 0;
    if (!fp)
        return buf;
    for (size_t got; (got = fread(buf + *len, 1, cap - *len, fp)) > 0;)
        if ((*len += got) == cap)
            buf = realloc(buf, cap *= 2);
    fclose(fp);
    return buf;
}

/* The offset of text in buf[len], or -1. */
static long find(const char *buf, size_t len, const char *text)
{
    size_t k = strlen(text);
    for (size_t i = 0; i + k <= len; i++)
        if (memcmp(buf + i, text, k) == 0)
            return (long)i;
    return -1;
}

/* How many of the database's files (db, -wal, -shm) hold text. */
static int files_holding(const struct fx *f, const char *text)
{
    static const char *const suffix[] = {"", "-wal", "-shm"};
    char path[TU_PATH_MAX + 64];
    int n = 0;

    for (size_t s = 0; s < 3; s++) {
        size_t len;
        snprintf(path, sizeof path, "%s%s", f->db, suffix[s]);
        char *buf = slurp(path, &len);
        n += find(buf, len, text) >= 0;
        free(buf);
    }
    return n;
}

/* Spearman's rank correlation of order[k] (the person at place k) with k:
 * 1 when the places follow the order of arrival. */
static double rank_correlation(const int *order, int n)
{
    double d2 = 0;
    for (int k = 0; k < n; k++)
        d2 += (double)(order[k] - k) * (order[k] - k);
    return 1 - 6 * d2 / ((double)n * ((double)n * n - 1));
}

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);
    char out[TU_OUTPUT_MAX], err[1024];

    if (!f ||
        tu_fixture_start(&f->srv, "sealed-rest", f->dir, f->db, sizeof f->db, f->token, NULL,
                         NULL) != 0 ||
        tu_collector(out, sizeof out, err, sizeof err, "key", "show", "--db", f->db, NULL) != 0 ||
        seal_pk_from_text(tu_chomp(out), f->pk) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    int rc = tu_fixture_stop(&f->srv, f->dir);

    for (int i = 0; i < PEOPLE; i++)
        free(f->sealed[i]);
    free(f);
    return rc;
}

static void upload_everyone(struct fx *f)
{
    for (int i = 0; i < PEOPLE; i++) {
        struct tu_response r = {0};
        char *json = batch_of(f, i);
        assert_int_equal(tu_post_batch(&r, f->srv.url, f->token, json, true), 0);
        assert_int_equal(r.status, 201);
        tu_response_free(&r);
        free(json);
    }
}

static void test_database_before_release_holds_no_answer(void **state)
{
    struct fx *f = *state;
    char answers[256];

    upload_everyone(f);
    /* While the daemon runs (the WAL holds the latest writes) and after it
     * stopped (checkpointed into the file). */
    for (int pass = 0; pass < 2; pass++) {
        if (pass == 1)
            assert_int_equal(tu_server_stop(&f->srv), 0);
        for (int i = 0; i < PEOPLE; i++) {
            answers_of(i, answers, sizeof answers);
            assert_int_equal(files_holding(f, answers + 1), 0); /* "q01":..,...,"q12":.. */
        }
        assert_int_equal(files_holding(f, "\"q01\":"), 0);
        assert_int_equal(files_holding(f, "\"employment\":\""), 0);
        assert_int_equal(files_holding(f, "\"month\":\""), 0);
        assert_int_equal(files_holding(f, MONTH), 0);
    }
    assert_int_equal(tu_db_count(f->db, "SELECT count(*) FROM responses"), PEOPLE);
    /* Nothing counted before a release either. */
    assert_int_equal(tu_db_count(f->db, "SELECT count(*) FROM release_answer_counts"), 0);
    assert_int_equal(tu_db_count(f->db, "SELECT count(*) FROM sqlite_master WHERE name IN"
                                        " ('answer_counts', 'respondent_counts')"),
                     0);
    assert_int_equal(tu_server_start(&f->srv, f->db, NULL), 0);
}

static void test_released_answers_cannot_be_joined_to_batch_kiosk_or_time(void **state)
{
    struct fx *f = *state;
    int by_row[PEOPLE], by_place[PEOPLE], n = 0;
    long at[PEOPLE];
    size_t len;
    char *file;

    upload_everyone(f);
    assert_int_equal(tu_release(f->db, 2024), 1);
    assert_int_equal(tu_server_stop(&f->srv), 0);
    assert_int_equal(tu_db_count(f->db, "SELECT count(*) FROM released_responses"), PEOPLE);
    assert_int_equal(tu_db_count(f->db, "SELECT count(*) FROM responses"), 0);
    assert_int_equal(tu_db_count(f->db, "SELECT count(*) FROM batches"), PEOPLE);

    /* No column to join on: the released rows name only survey, year,
     * revision and the answers. */
    assert_int_equal(tu_db_count(f->db, "SELECT count(*) FROM pragma_table_info("
                                        "'released_responses') WHERE name NOT IN ('response_id',"
                                        " 'survey_id', 'fiscal_year', 'release_rev', 'answers',"
                                        " 'attributes')"),
                     0);

    /* No order to join on: row ids and places in the file are not the
     * order of arrival (batch i arrived i-th, and batches keep that). */
    for (int i = 0; i < PEOPLE; i++)
        by_row[i] = -1;
    {
        sqlite3 *h = NULL;
        sqlite3_stmt *q = NULL;
        assert_int_equal(sqlite3_open_v2(f->db, &h, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_prepare_v2(h,
                                            "SELECT answers FROM released_responses"
                                            " ORDER BY response_id",
                                            -1, &q, NULL),
                         SQLITE_OK);
        while (sqlite3_step(q) == SQLITE_ROW && n < PEOPLE)
            by_row[n++] = person_of((const char *)sqlite3_column_text(q, 0));
        sqlite3_finalize(q);
        sqlite3_close(h);
    }
    assert_int_equal(n, PEOPLE);
    file = slurp(f->db, &len);
    for (int i = 0; i < PEOPLE; i++) {
        char answers[256];
        answers_of(i, answers, sizeof answers);
        assert_true((at[i] = find(file, len, answers)) >= 0);
    }
    for (int k = 0; k < PEOPLE; k++) { /* by_place[k]: the person k-th in the file */
        int first = -1;
        for (int i = 0; i < PEOPLE; i++) {
            bool placed = false;
            for (int j = 0; j < k; j++)
                placed |= by_place[j] == i;
            if (!placed && (first < 0 || at[i] < at[first]))
                first = i;
        }
        by_place[k] = first;
    }
    fprintf(stderr, "rank correlation with arrival: by row id %.2f, by place in the file %.2f\n",
            rank_correlation(by_row, PEOPLE), rank_correlation(by_place, PEOPLE));
    /* A random order of 60 reaches |0.6| once in about 300,000 runs. */
    assert_true(fabs(rank_correlation(by_row, PEOPLE)) < 0.6);
    assert_true(fabs(rank_correlation(by_place, PEOPLE)) < 0.6);

    /* The sealed rows that stood next to their batch are not left in the
     * file's free space: with the key file they would open to the answers. */
    for (int i = 0; i < PEOPLE; i++)
        if (f->sealed[i]) {
            char head[48];
            snprintf(head, sizeof head, "%.40s", f->sealed[i] + 12); /* past the key id */
            assert_int_equal(find(file, len, head), -1);
        }
    free(file);
    assert_int_equal(tu_server_start(&f->srv, f->db, NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_database_before_release_holds_no_answer, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(
            test_released_answers_cannot_be_joined_to_batch_kiosk_or_time, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

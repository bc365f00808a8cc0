/* A property of the release model, on the real store and KPI query with
 * real SQLite files: random sequences of uploads (several kiosks' batches
 * of 1 to 12 responses, two fiscal years), releases and queries; for every
 * pair of outputs an administrator could have obtained (same year, same
 * breakdown), no published figure differs by fewer than MIN_GROUP answers.
 * The same sequences against a weakened rule (min_delta 1) must break it,
 * so the check is shown to catch what it guards against. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "crypto.h"
#include "kpi_query.h"
#include "store.h"
#include "testutil.h"

#define MIN_GROUP  10
#define MAX_OUTPUT 400
#define STEPS      160
#define SEEDS      6
#define GROUPS     4 /* regular, kaikei, unanswered, other */

/* What one output publishes: per population (0 = everyone, 1 + g = group
 * g) and item, the answer count, or -1 where the figure is hidden. */
struct output {
    int year;
    bool grouped;
    long n[1 + GROUPS][TU_QUESTIONS];
};

struct run {
    struct store *st;
    struct survey *s;
    char dir[TU_PATH_MAX];
    char db[TU_PATH_MAX + 16];
    struct output out[MAX_OUTPUT];
    size_t n_out;
};

static void upload(struct run *r, unsigned seed, int n, const char *month)
{
    char *json = tu_batch_json(NULL, n, seed, month, NULL), sha[CRYPTO_SHA256_HEX], *text = NULL;
    char err[BATCH_ERR_LEN];
    struct batch *b = NULL;
    size_t len = 0;

    assert_non_null(json);
    assert_int_equal(batch_decode(json, strlen(json), &b, err, sizeof err), BATCH_OK);
    assert_int_equal(batch_validate(b, r->s, err, sizeof err), BATCH_OK);
    assert_int_equal(batch_encode(b, &text, &len), BATCH_OK);
    crypto_sha256_hex(text, len, sha);
    assert_int_equal(store_batch_insert(r->st, 1, b, r->s, sha), STORE_OK);
    free(text);
    free(json);
    batch_free(b);
}

static void query(struct run *r, int year, bool grouped)
{
    struct kpi_query_params p = {.fiscal_year = year,
                                 .survey_id = TU_SURVEY_ID,
                                 .group_by = grouped ? "employment" : NULL,
                                 .min_group_size = MIN_GROUP};
    struct kpi_result *res = NULL;
    char err[KPI_QUERY_ERR_LEN];
    sqlite3 *db = store_reader_open(r->st);
    struct output *o = &r->out[r->n_out];
    enum kpi_query_err e = kpi_query_run(db, &p, &res, err, sizeof err);

    sqlite3_close(db);
    if (e == KPI_QUERY_E_NOT_RELEASED || e == KPI_QUERY_E_NO_DATA)
        return; /* nothing but participation: counts */
    assert_int_equal(e, KPI_QUERY_OK);
    assert_true(r->n_out < MAX_OUTPUT);
    o->year = year;
    o->grouped = grouped;
    for (size_t i = 0; i < res->n_items; i++) {
        o->n[0][i] = res->items[i].all.suppressed ? -1 : res->items[i].all.sum.n;
        for (size_t g = 0; g < GROUPS; g++)
            o->n[1 + g][i] = -1;
        for (size_t g = 0; grouped && g < res->breakdowns[0].n_groups; g++) {
            const struct kpi_breakdown *bd = &res->breakdowns[0];
            const struct kpi_stat *st = &bd->groups[g].items[i];
            o->n[1 + bd->groups[g].kind +
                 (bd->groups[g].kind == KPI_GROUP_OPTION
                      ? survey_option_index(bd->by, bd->groups[g].option->id)
                      : 1)][i] = st->suppressed ? -1 : st->sum.n;
        }
    }
    r->n_out++;
    kpi_result_free(res);
}

/* The first pair of outputs whose published figures differ by 1..MIN-1
 * answers; false when there is none. */
static bool find_small_difference(const struct run *r, char *what, size_t len)
{
    for (size_t a = 0; a < r->n_out; a++)
        for (size_t b = a + 1; b < r->n_out; b++) {
            const struct output *x = &r->out[a], *y = &r->out[b];
            if (x->year != y->year || x->grouped != y->grouped)
                continue;
            for (size_t p = 0; p < 1 + GROUPS; p++)
                for (size_t i = 0; i < TU_QUESTIONS; i++) {
                    long d = y->n[p][i] - x->n[p][i];
                    if (x->n[p][i] < 0 || y->n[p][i] < 0 || d == 0 || labs(d) >= MIN_GROUP)
                        continue;
                    snprintf(what, len, "outputs %zu and %zu, population %zu, item %zu: %ld", a, b,
                             p, i, d);
                    return true;
                }
        }
    return false;
}

/* One random sequence; returns whether some pair differs by too little. */
static bool run_sequence(unsigned seed, long min_delta, char *what, size_t len)
{
    static const char *const months[] = {"2024-11", "2025-02", "2025-05", "2025-09"};
    struct run *r = calloc(1, sizeof *r);
    char err[STORE_ERR_LEN];
    bool small;

    assert_non_null(r);
    assert_int_equal(tu_tempdir("release-property", r->dir), 0);
    snprintf(r->db, sizeof r->db, "%s/collector.db", r->dir);
    assert_int_equal(tu_setup_db(r->db, NULL, NULL), 0);
    assert_int_equal(store_open(r->db, NULL, &r->st, err, sizeof err), STORE_OK);
    assert_int_equal(store_survey_load(r->st, TU_SURVEY_ID, 1, &r->s), STORE_OK);
    srand(seed);
    for (int step = 0; step < STEPS; step++) {
        int action = rand() % 10, year = rand() % 2 ? 2024 : 2025;
        if (action < 6) {
            upload(r, (unsigned)rand(), 1 + rand() % 12, months[rand() % 4]);
        } else if (action < 8) {
            struct store_release rel;
            assert_int_equal(store_release(r->st, TU_SURVEY_ID, year, min_delta, "release", &rel),
                             STORE_OK);
        } else {
            query(r, year, rand() % 2);
        }
    }
    assert_true(r->n_out >= 10); /* enough released outputs to compare */
    small = find_small_difference(r, what, len);
    survey_free(r->s);
    store_close(r->st);
    tu_rmdir(r->dir);
    free(r);
    return small;
}

static void test_no_pair_of_outputs_differs_by_fewer_than_min(void **state)
{
    char what[256];

    (void)state;
    for (unsigned seed = 1; seed <= SEEDS; seed++) {
        bool small = run_sequence(seed, MIN_GROUP, what, sizeof what);
        if (small)
            fprintf(stderr, "seed %u: %s\n", seed, what);
        assert_false(small);
    }
}

static void test_weakened_rule_is_caught(void **state)
{
    char what[256];
    int caught = 0;

    (void)state;
    for (unsigned seed = 1; seed <= SEEDS; seed++)
        caught += run_sequence(seed, 1, what, sizeof what);
    assert_true(caught > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_pair_of_outputs_differs_by_fewer_than_min),
        cmocka_unit_test(test_weakened_rule_is_caught),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

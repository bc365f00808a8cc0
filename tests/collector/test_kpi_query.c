/* kpi_query on hand-written responses released through the store (no
 * daemon): the cases the ingest path cannot easily produce, such as an item
 * that few people of one group answered, and the errors of the query
 * itself. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "keys.h"
#include "kpi_query.h"
#include "report_csv.h"
#include "report_html.h"
#include "schema.h"
#include "seal.h"
#include "store.h"
#include "testutil.h"

static char *read_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *buf = calloc(1, 1 << 20);
    size_t n;

    assert_non_null(f);
    n = fread(buf, 1, (1 << 20) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void exec(sqlite3 *db, const char *sql)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK)
        fail_msg("%s: %s", sql, err);
}

/* A store in its own folder with the sample survey published and one batch
 * row for the hand-written responses; db writes them, reader reads. */
struct fixture {
    char dir[TU_PATH_MAX], path[TU_PATH_MAX + 32];
    struct store *st;
    sqlite3 *db, *reader;
    struct seal_session *seal; /* for the collector's key, as a kiosk seals */
    char key_id[KEYS_ID_LEN];
};

static struct fixture fx;

/* The sample survey with every question optional, so that hand-written
 * responses may leave any of them unanswered and still open at release. */
static char *optional_survey(void)
{
    char *text = read_file(SURVEYS_DIR "/goshogawara-staff.json"), *out;
    json_t *root = json_loads(text, 0, NULL), *q;
    size_t i;

    assert_non_null(root);
    json_array_foreach(json_object_get(root, "questions"), i, q)
        json_object_set_new(q, "optional", json_true());
    out = json_dumps(root, 0);
    json_decref(root);
    free(text);
    return out;
}

static sqlite3 *db_with_survey(void)
{
    char *def = optional_survey(), err[STORE_ERR_LEN];
    struct survey *s = NULL;
    bool was_new;

    memset(&fx, 0, sizeof fx);
    assert_int_equal(tu_tempdir("kpi-query", fx.dir), 0);
    snprintf(fx.path, sizeof fx.path, "%s/collector.db", fx.dir);
    if (store_open(fx.path, NULL, &fx.st, err, sizeof err) != STORE_OK)
        fail_msg("store_open: %s", err);
    {
        char kerr[KEYS_ERR_LEN];
        struct keys *k = NULL;
        struct keys_public cur;
        unsigned char pk[SEAL_KEY_BYTES];
        if (keys_open(fx.path, true, &k, NULL, kerr, sizeof kerr) != KEYS_OK)
            fail_msg("keys_open: %s", kerr);
        keys_current(k, &cur);
        keys_close(k);
        assert_int_equal(seal_pk_from_text(cur.text, pk), 0);
        assert_non_null(fx.seal = seal_session_new(pk));
        memcpy(fx.key_id, cur.id, sizeof fx.key_id);
    }
    assert_int_equal(survey_load_buffer(def, strlen(def), &s, NULL, 0), SURVEY_OK);
    assert_int_equal(store_survey_publish(fx.st, s, &was_new), STORE_OK);
    assert_int_equal(store_kiosk_add(fx.st, "kiosk-1", "00"), STORE_OK);
    survey_free(s);
    free(def);
    assert_int_equal(sqlite3_open(fx.path, &fx.db), SQLITE_OK);
    sqlite3_busy_timeout(fx.db, 5000);
    exec(fx.db, "INSERT INTO batches SELECT 'b1', kiosk_id, 'goshogawara-staff', 1, 'x', 0,"
                " '2025-01-01T00:00:00Z' FROM kiosks");
    assert_non_null(fx.reader = store_reader_open(fx.st));
    return fx.reader;
}

static void db_done(sqlite3 *db)
{
    assert_ptr_equal(db, fx.reader);
    sqlite3_close(fx.reader);
    sqlite3_close(fx.db);
    store_close(fx.st);
    seal_session_free(fx.seal);
    tu_rmdir(fx.dir);
}

/* n responses of month ("YYYY-MM"), with answers and attributes as a
 * kiosk gives them ({"q01":3,...}, {"employment":"regular"}; unanswered
 * left out), each sealed for the collector's key and stored as the store
 * stores one. */
static void respond(const char *month, int fiscal_year, const char *answers, const char *attributes,
                    int n)
{
    char plain[1024], sql[2048], *sealed = NULL;
    size_t len = 0;

    snprintf(plain, sizeof plain, "{\"month\":\"%s\",\"answers\":%s,\"attributes\":%s}", month,
             answers, attributes);
    for (int i = 0; i < n; i++) {
        assert_int_equal(seal_response(fx.seal, plain, strlen(plain), &sealed, &len), SEAL_OK);
        snprintf(sql, sizeof sql,
                 "INSERT INTO responses (batch_id, survey_id, survey_version, fiscal_year,"
                 " key_id, sealed) VALUES ('b1', 'goshogawara-staff', 1, %d, '%s', '%s')",
                 fiscal_year, fx.key_id, sealed);
        free(sealed);
        exec(fx.db, sql);
    }
}

/* Answers q01 = v1 (0: unanswered) and q02..q12 = rest. */
static const char *answers(int v1, int rest)
{
    static char buf[256];
    size_t used = 0;

    used += (size_t)snprintf(buf, sizeof buf, "{");
    for (int i = 1; i <= 12; i++) {
        int v = i == 1 ? v1 : rest;
        if (v)
            used += (size_t)snprintf(buf + used, sizeof buf - used, "%s\"q%02d\":%d",
                                     used > 1 ? "," : "", i, v);
    }
    snprintf(buf + used, sizeof buf - used, "}");
    return buf;
}

/* Releases FY2024 as `collector release` does. */
static void release_2024(void)
{
    struct store_release out;

    assert_int_equal(store_release(fx.st, "goshogawara-staff", 2024, 10, "release", &out),
                     STORE_OK);
    assert_int_equal(out.revision, 1);
}

#define REGULAR "{\"employment\":\"regular\"}"
#define KAIKEI  "{\"employment\":\"kaikei\"}"

/* 30 regular and 12 kaikei in FY2024; each group answered q02..q12 half
 * with 3 and half with 2 (never all one value). q01: regular 15 x 4 and
 * 15 x 3; only 5 kaikei answered it (with 1). */
static sqlite3 *db_sparse_item(void)
{
    sqlite3 *db = db_with_survey();

    respond("2025-02", 2024, answers(4, 3), REGULAR, 15);
    respond("2025-02", 2024, answers(3, 2), REGULAR, 15);
    respond("2025-02", 2024, answers(1, 3), KAIKEI, 5);
    respond("2025-02", 2024, answers(0, 3), KAIKEI, 1);
    respond("2025-02", 2024, answers(0, 2), KAIKEI, 6);
    release_2024();
    return db;
}

static struct kpi_result *run(sqlite3 *db, const char *group_by)
{
    struct kpi_query_params p = {.fiscal_year = 2024, .group_by = group_by};
    struct kpi_result *r = NULL;
    char err[KPI_QUERY_ERR_LEN];

    if (kpi_query_run(db, &p, &r, err, sizeof err) != KPI_QUERY_OK)
        fail_msg("kpi_query_run: %s", err);
    return r;
}

static void test_kpi_query_item_answered_by_few_hides_the_other_group_too(void **state)
{
    sqlite3 *db = db_sparse_item();
    struct kpi_result *r = run(db, "employment");
    const struct kpi_group *regular = &r->groups[0], *kaikei = &r->groups[1];

    (void)state;
    assert_string_equal(regular->option->id, "regular");
    assert_int_equal(regular->kind, KPI_GROUP_OPTION);
    assert_int_equal(regular->respondents, 30);
    assert_int_equal(kaikei->respondents, 12);
    assert_false(regular->suppressed);
    assert_false(kaikei->suppressed);
    /* q01: total 35 answers, kaikei 5 of them. Publishing regular's 30
     * would give kaikei's 5 back as total minus regular. */
    assert_int_equal(r->items[0].all.sum.n, 35);
    assert_false(r->items[0].all.suppressed);
    assert_true(kaikei->items[0].suppressed);
    assert_true(regular->items[0].suppressed);
    assert_false(regular->homogeneous[0]); /* hidden by the complement alone */
    /* Other items are answered by 12 kaikei: published for both. */
    assert_false(kaikei->items[1].suppressed);
    assert_false(regular->items[1].suppressed);
    assert_false(kaikei->homogeneous[1]);
    assert_false(regular->homogeneous[1]);
    /* The category holding q01 would leak it through its mean. */
    assert_string_equal(r->categories[0].name, "人材の育成");
    assert_true(regular->categories[0].suppressed);
    assert_true(kaikei->categories[0].suppressed);
    assert_false(regular->categories[1].suppressed);
    assert_false(r->categories[0].suppressed);
    kpi_result_free(r);
    db_done(db);
}

static void test_kpi_query_overall_item_below_min_hides_its_category(void **state)
{
    sqlite3 *db = db_with_survey();
    struct kpi_result *r;
    char *csv = NULL, *html, err[REPORT_CSV_ERR_LEN];
    size_t len;

    (void)state;
    /* 40 respondents: q02 answered by all (3), q01 by 6 (2), no other item. */
    respond("2025-02", 2024, "{\"q01\":2,\"q02\":3}", "{}", 6);
    respond("2025-02", 2024, "{\"q02\":3}", "{}", 34);
    release_2024();
    r = run(db, NULL);
    assert_int_equal(r->respondents, 40);
    assert_int_equal(r->release, 1);
    assert_int_equal(r->items[0].all.sum.n, 6);
    assert_true(r->items[0].all.suppressed);
    assert_int_equal(r->items[0].achieved, -1);
    assert_false(r->items[1].all.suppressed);
    assert_true(r->categories[0].suppressed);
    /* The downloads say so instead of printing the mean. */
    assert_int_equal(report_csv(r, REPORT_CSV_UTF8, &csv, &len, err, sizeof err), REPORT_CSV_OK);
    assert_non_null(strstr(csv, "人材の育成,6,非公表,非公表"));
    html = report_html(r, &len);
    assert_non_null(strstr(html, "回答者が10人未満のため、個人が特定されないよう平均と分布を"));
    free(csv);
    free(html);
    kpi_result_free(r);
    db_done(db);
}

static void test_kpi_query_errors_name_what_is_wrong(void **state)
{
    sqlite3 *db = NULL;
    struct kpi_result *r = NULL;
    struct kpi_query_params p = {.fiscal_year = 2024};
    char err[KPI_QUERY_ERR_LEN];
    enum kpi_query_err e;

    (void)state;
    assert_int_equal(sqlite3_open(":memory:", &db), SQLITE_OK);
    e = kpi_query_run(db, &p, &r, err, sizeof err);
    assert_int_equal(e, KPI_QUERY_E_DB);
    assert_int_equal(kpi_query_status(e), 503);
    exec(db, SCHEMA_V1_SQL);
    e = kpi_query_run(db, &p, &r, err, sizeof err);
    assert_int_equal(e, KPI_QUERY_E_NO_SURVEY);
    assert_int_equal(kpi_query_status(e), 404);
    assert_non_null(strstr(err, "collector survey publish"));
    assert_null(r);
    sqlite3_close(db);
    db = db_with_survey();
    p.survey_id = "other";
    assert_int_equal(kpi_query_run(db, &p, &r, err, sizeof err), KPI_QUERY_E_UNKNOWN_SURVEY);
    assert_non_null(strstr(err, "surveys held: goshogawara-staff"));
    p.survey_id = NULL;
    /* FY2025 holds responses but no release: its figures wait. */
    respond("2025-06", 2025, answers(3, 2), REGULAR, 12);
    p.fiscal_year = 2025;
    e = kpi_query_run(db, &p, &r, err, sizeof err);
    assert_int_equal(e, KPI_QUERY_E_NOT_RELEASED);
    assert_int_equal(kpi_query_status(e), 404);
    assert_non_null(strstr(err, "令和7年度"));
    assert_non_null(strstr(err, "collector release"));
    assert_null(r);
    /* FY2024 holds nothing at all. */
    p.fiscal_year = 2024;
    assert_int_equal(kpi_query_run(db, &p, &r, err, sizeof err), KPI_QUERY_E_NO_DATA);
    assert_non_null(strstr(err, "令和6年度"));
    p.fiscal_year = 123;
    assert_int_equal(kpi_query_run(db, &p, &r, err, sizeof err), KPI_QUERY_E_BAD_YEAR);
    db_done(db);
}

static void test_kpi_query_parse_year(void **state)
{
    int y = 0;

    (void)state;
    assert_true(kpi_query_parse_year("2024", &y));
    assert_int_equal(y, 2024);
    assert_false(kpi_query_parse_year("", &y));
    assert_false(kpi_query_parse_year("-2024", &y));
    assert_false(kpi_query_parse_year("2024a", &y));
    assert_false(kpi_query_parse_year(" 2024", &y));
    assert_false(kpi_query_parse_year("99999999999999999999", &y));
    assert_false(kpi_query_parse_year("1800", &y));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kpi_query_item_answered_by_few_hides_the_other_group_too),
        cmocka_unit_test(test_kpi_query_overall_item_below_min_hides_its_category),
        cmocka_unit_test(test_kpi_query_errors_name_what_is_wrong),
        cmocka_unit_test(test_kpi_query_parse_year),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

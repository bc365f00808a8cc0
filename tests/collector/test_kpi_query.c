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

#include "cclock.h"
#include "keys.h"
#include "kpi_query.h"
#include "report_csv.h"
#include "report_html.h"
#include "report_html_parts.h"
#include "report_json.h"
#include "report_words.h"
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
    const char *survey_id;
    struct store *st;
    sqlite3 *db, *reader;
    struct seal_session *seal; /* for the collector's key, as a kiosk seals */
    char key_id[KEYS_ID_LEN];
};

static struct fixture fx;

/* A sample survey with every question optional, so that hand-written
 * responses may leave any of them unanswered and still open at release. */
static char *optional_survey(const char *file)
{
    char *text = read_file(file), *out;
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

static sqlite3 *db_with(const char *file, const char *survey_id)
{
    char *def = optional_survey(file), err[STORE_ERR_LEN], sql[256];
    struct survey *s = NULL;
    bool was_new;

    memset(&fx, 0, sizeof fx);
    fx.survey_id = survey_id;
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
    snprintf(sql, sizeof sql,
             "INSERT INTO batches SELECT 'b1', kiosk_id, '%s', 1, 'x', 0,"
             " '2025-01-01T00:00:00Z' FROM kiosks",
             survey_id);
    exec(fx.db, sql);
    assert_non_null(fx.reader = store_reader_open(fx.st));
    return fx.reader;
}

static sqlite3 *db_with_survey(void)
{
    return db_with(SURVEYS_DIR "/goshogawara-staff.json", "goshogawara-staff");
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
                 " key_id, sealed) VALUES ('b1', '%s', 1, %d, '%s', '%s')",
                 fx.survey_id, fiscal_year, fx.key_id, sealed);
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

    assert_int_equal(store_release(fx.st, fx.survey_id, 2024, 10, "release", &out), STORE_OK);
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

static struct kpi_result *run_query(sqlite3 *db, int fiscal_year, const char *group_by)
{
    struct kpi_query_params p = {.fiscal_year = fiscal_year, .group_by = group_by};
    struct kpi_result *r = NULL;
    char err[KPI_QUERY_ERR_LEN];

    if (kpi_query_run(db, &p, &r, err, sizeof err) != KPI_QUERY_OK)
        fail_msg("kpi_query_run: %s", err);
    return r;
}

static struct kpi_result *run(sqlite3 *db, const char *group_by)
{
    return run_query(db, 2024, group_by);
}

static struct kpi_result *run_year(sqlite3 *db, int fiscal_year)
{
    return run_query(db, fiscal_year, NULL);
}

static void test_kpi_query_item_answered_by_few_hides_the_other_group_too(void **state)
{
    sqlite3 *db = db_sparse_item();
    struct kpi_result *r = run(db, "employment");
    const struct kpi_group *regular = &r->breakdowns[0].groups[0],
                           *kaikei = &r->breakdowns[0].groups[1];

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

static void release_year(int fiscal_year)
{
    struct store_release out;

    assert_int_equal(store_release(fx.st, fx.survey_id, fiscal_year, 10, "release", &out),
                     STORE_OK);
    assert_true(out.added > 0);
}

/* Three years of the plan (令和7〜11年度), 40 respondents each; FY2025 is
 * stored but never released. Worked by hand:
 *   q01  FY2026 10 x 4, 30 x 3 (3.25)  FY2027 20 x 3, 20 x 2 (2.50)
 *   q02  FY2026 10 x 3, 30 x 2 (2.25)  FY2027 18 x 3, 22 x 2 (2.45)
 *   q03  FY2027 18 x 4, 2 x 3, 20 x 2 (2.95; sd 0.98579, interval
 *        2.95 +- 2.023 x 0.98579 / sqrt 40 = 2.6347 .. 3.2653)
 * FY2027 against FY2026, Welch: q01 -0.75, se 0.105915, df 76.4 -> 76,
 * t 1.9917: -0.9610 .. -0.5390; q02 +0.20, se 0.105612: -0.0103 .. 0.4103,
 * inside the noise. q01 against its published baseline 2.88: 2.50 +- 2.023
 * x 0.50637 / sqrt 40 - 2.88 = -0.5420 .. -0.2180. */
static sqlite3 *db_three_years(void)
{
    sqlite3 *db = db_with_survey();

    respond("2025-06", 2025, "{\"q01\":4,\"q02\":3}", "{}", 40);
    respond("2026-06", 2026, "{\"q01\":4,\"q02\":3}", "{}", 10);
    respond("2026-06", 2026, "{\"q01\":3,\"q02\":2}", "{}", 30);
    respond("2027-06", 2027, "{\"q01\":3,\"q02\":3,\"q03\":4}", "{}", 18);
    respond("2027-06", 2027, "{\"q01\":3,\"q02\":2,\"q03\":3}", "{}", 2);
    respond("2027-06", 2027, "{\"q01\":2,\"q02\":2,\"q03\":2}", "{}", 20);
    release_year(2026);
    release_year(2027);
    return db;
}

static void test_kpi_query_changes_with_welch_intervals(void **state)
{
    sqlite3 *db = db_three_years();
    struct kpi_result *r = run_year(db, 2027);
    const struct kpi_item *q01 = &r->items[0], *q02 = &r->items[1], *q03 = &r->items[2];

    (void)state;
    assert_true(q01->has_previous);
    assert_true(q01->vs_previous.known);
    assert_true(fabs(q01->vs_previous.diff + 0.75) < 1e-9);
    assert_true(fabs(q01->vs_previous.ci_low + 0.9610) < 1e-3);
    assert_true(fabs(q01->vs_previous.ci_high + 0.5390) < 1e-3);
    assert_true(kpi_change_significant(&q01->vs_previous));
    assert_true(fabs(q02->vs_previous.diff - 0.20) < 1e-9);
    assert_true(fabs(q02->vs_previous.ci_low + 0.0103) < 1e-3);
    assert_true(fabs(q02->vs_previous.ci_high - 0.4103) < 1e-3);
    assert_false(kpi_change_significant(&q02->vs_previous));
    /* Against the plan's published baseline, a fixed figure. */
    assert_true(fabs(q01->vs_baseline.diff + 0.38) < 1e-9);
    assert_true(fabs(q01->vs_baseline.ci_low + 0.5420) < 1e-3);
    assert_true(fabs(q01->vs_baseline.ci_high + 0.2180) < 1e-3);
    /* q03 misses its target 3.00 by the two-decimal rule, within the margin. */
    assert_int_equal(q03->achieved, 0);
    assert_int_equal(q03->target_within_ci, 1);
    assert_int_equal(q03->baseline_within_ci, 1); /* 2.77 */
    assert_int_equal(q01->target_within_ci, 0);
    assert_false(q03->has_previous); /* nobody answered it in FY2026 */
    assert_false(q03->vs_previous.known);
    kpi_result_free(r);
    db_done(db);
}

static void test_kpi_query_series_over_the_plan(void **state)
{
    sqlite3 *db = db_three_years();
    struct kpi_result *r = run_year(db, 2027), *r26;
    char *json;
    size_t len;

    (void)state;
    assert_int_equal(r->n_years, 5);
    assert_int_equal(r->years[0].fiscal_year, 2025);
    assert_int_equal(r->years[0].status, KPI_YEAR_NONE); /* stored, never released */
    assert_int_equal(r->years[1].status, KPI_YEAR_RELEASED);
    assert_int_equal(r->years[1].respondents, 40);
    assert_int_equal(r->years[2].status, KPI_YEAR_RELEASED);
    assert_int_equal(r->years[3].status, KPI_YEAR_AFTER);
    assert_int_equal(r->years[4].fiscal_year, 2029);
    assert_true(fabs(r->items[0].series[1].sum.mean - 3.25) < 1e-12);
    assert_true(fabs(r->items[0].series[2].sum.mean - 2.50) < 1e-12);
    assert_true(fabs(r->items[1].series[1].sum.mean - 2.25) < 1e-12);
    assert_int_equal(r->items[2].series[1].sum.n, 0);
    json = report_json(r, &len);
    assert_non_null(strstr(json, "\"plan\":{\"name\":\"五所川原市人材育成・確保基本方針\","
                                 "\"from_fiscal_year\":2025,\"to_fiscal_year\":2029,"));
    assert_non_null(strstr(json, "\"series\":[{\"fiscal_year\":2025,\"status\":\"none\",\"n\":0,"
                                 "\"mean\":null,\"suppressed\":false},{\"fiscal_year\":2026,"
                                 "\"status\":\"released\",\"n\":40,\"mean\":3.25,"));
    assert_non_null(strstr(json, "\"change_previous\":{\"diff\":-0.75,\"ci95\":[-0.96,-0.54],"
                                 "\"significant\":true}"));
    assert_non_null(strstr(json, "\"change_previous\":{\"diff\":0.2,\"ci95\":[-0.01,0.41],"
                                 "\"significant\":false}"));
    free(json);
    /* A report of FY2026 never reads FY2027, released or not. */
    r26 = run_year(db, 2026);
    assert_int_equal(r26->years[2].status, KPI_YEAR_AFTER);
    assert_int_equal(r26->items[0].series[2].sum.n, 0);
    kpi_result_free(r26);
    kpi_result_free(r);
    db_done(db);
}

/* The HTML report of FY2027 says which changes are beyond the noise, what
 * each column is, and shows the plan from baseline to target. */
static void test_kpi_query_html_honest_changes_and_plan_table(void **state)
{
    sqlite3 *db = db_three_years();
    struct kpi_result *r = run_year(db, 2027);
    size_t len;
    char *html = report_html(r, &len);

    (void)state;
    assert_non_null(strstr(html, "<th>平均（4段階）<br><small>令和9年度</small></th>"
                                 "<th>前年度比</th><th>基準値比</th>"));
    /* q01: -0.75 is beyond the noise, against the previous year and the baseline. */
    assert_non_null(strstr(html, "<b>2.50</b></td><td class=\"chg\"><span class=\"down\">▼ "
                                 "−0.75</span></td><td class=\"chg\"><span class=\"down\">▼ "
                                 "−0.38</span></td>"));
    /* q02: +0.20 is not, and is neither signed nor coloured. */
    assert_non_null(strstr(html, "<b>2.45</b></td><td class=\"chg\"><span class=\"same\">"
                                 "変化なし<small>（誤差の範囲）</small></span></td>"));
    assert_non_null(strstr(html, "平均と目標値（3.00）の差は誤差の範囲内です。"
                                 "平均と基準値（2.77）の差は誤差の範囲内です。"));
    /* The plan's table: baseline, each year, target, achieved. */
    assert_non_null(strstr(html, "<th>基準値</th><th>令和7年度</th><th>令和8年度</th>"
                                 "<th class=\"now\">令和9年度</th><th>令和10年度</th>"
                                 "<th>令和11年度</th><th>目標値</th>"));
    assert_non_null(strstr(html, "<td class=\"num\">2.88</td><td class=\"num\"><span "
                                 "class=\"nodata\">公表なし</span></td><td class=\"num\">3.25"
                                 "</td><td class=\"num now\">2.50</td><td class=\"num\"><span "
                                 "class=\"nodata\">今後</span></td>"));
    assert_non_null(strstr(html, "<svg class=\"trend\""));
    free(html);
    kpi_result_free(r);
    db_done(db);
}

/* CIE L* of an sRGB colour "#rrggbb". */
static double lightness(const char *hex)
{
    double lin[3], y;

    for (int c = 0; c < 3; c++) {
        unsigned v;
        sscanf(hex + 1 + 2 * c, "%2x", &v);
        double u = v / 255.0;
        lin[c] = u <= 0.04045 ? u / 12.92 : pow((u + 0.055) / 1.055, 2.4);
    }
    y = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2];
    return y > 0.008856 ? 116 * cbrt(y) - 16 : 903.3 * y;
}

/* Any two points of a scale differ in print: by the hatch, or by at least
 * 25 L*; and the lightness each swatch claims is its colour's. */
static void test_kpi_query_distribution_reads_in_grayscale(void **state)
{
    static const char *const files[] = {SURVEYS_DIR "/goshogawara-staff.json",
                                        SURVEYS_DIR "/kamaishi-wellbeing.json"};

    (void)state;
    for (size_t f = 0; f < 2; f++) {
        struct survey *s = NULL;
        assert_int_equal(survey_load_file(files[f], &s, NULL, 0), SURVEY_OK);
        for (size_t i = 0; i < s->n_points; i++) {
            struct report_swatch a = report_html_point_swatch(s, i);
            assert_true(fabs(lightness(a.fill) - a.lightness) < 1.5);
            for (size_t j = i + 1; j < s->n_points; j++) {
                struct report_swatch b = report_html_point_swatch(s, j);
                if (a.hatched == b.hatched && abs(a.lightness - b.lightness) < 25)
                    fail_msg("%s: points %d and %d look alike in grayscale", s->id,
                             s->points[i].value, s->points[j].value);
            }
        }
        survey_free(s);
    }
}

/* Page numbers, a last page on the method, and 速報 while the year runs. */
static void test_kpi_query_html_prints_as_a_council_document(void **state)
{
    sqlite3 *db = db_three_years();
    struct kpi_result *r = run_year(db, 2027);
    size_t len;
    char *html;

    (void)state;
    assert_int_equal(cclock_set_date("2028-03-31"), 0); /* the last day of FY2027 */
    html = report_html(r, &len);
    assert_non_null(strstr(html, "@bottom-center{content:counter(page) \" / \" counter(pages)"));
    assert_non_null(strstr(html, "<section class=\"method\"><h2>集計の方法と匿名性の保護</h2>"));
    assert_non_null(strstr(html, ".method{break-before:page}"));
    assert_non_null(strstr(html, "回答者が10人未満の集団（全体を含む）"));
    assert_non_null(strstr(html, "<span class=\"interim\">速報（年度途中）</span>令和9年度"));
    free(html);
    assert_int_equal(cclock_set_date("2028-04-01"), 0);
    html = report_html(r, &len);
    assert_null(strstr(html, "速報"));
    free(html);
    kpi_result_free(r);
    db_done(db);
}

/* Kamaishi FY2024, 37 respondents (5-point scale), hand-worked:
 *   somu    12  q01 6 x 5, 6 x 4 (4.50)  q02 12 x 3 (all one value)   30s  regular
 *   shimin  15  q01 5 x 5, 5 x 4, 5 x 3 (4.00)  q02 8 x 4, 7 x 2 (3.07)  30s  regular
 *   fukushi  4  q01 4 x 2  q02 4 x 3                                    50up regular
 *   kyoiku   6  q01 6 x 3  q02 3 x 4, 3 x 2                             50up kaikei
 * department: fukushi and kyoiku are small (4 + 6 = 10 hidden, no
 * complement needed); somu's q02 is homogeneous, and with the small groups'
 * q02 (4 x 3, 3 x 4, 3 x 2) the hidden set holds more than one value, so
 * shimin's q02 stays. age: 30s q01 114 / 27 = 4.22, q02 82 / 27 = 3.04; 50up
 * q01 26 / 10 = 2.60, q02 30 / 10 = 3.00. employment: kaikei 6 is small and
 * regular (31) is hidden with it, else 37 - 31 would give kaikei back. */
static sqlite3 *db_three_attributes(void)
{
    sqlite3 *db = db_with(SURVEYS_DIR "/kamaishi-wellbeing.json", "kamaishi-wellbeing");
#define KA(d, a, e) "{\"department\":\"" d "\",\"age\":\"" a "\",\"employment\":\"" e "\"}"

    respond("2025-02", 2024, "{\"q01\":5,\"q02\":3}", KA("somu", "30s", "regular"), 6);
    respond("2025-02", 2024, "{\"q01\":4,\"q02\":3}", KA("somu", "30s", "regular"), 6);
    respond("2025-02", 2024, "{\"q01\":5,\"q02\":4}", KA("shimin", "30s", "regular"), 5);
    respond("2025-02", 2024, "{\"q01\":4,\"q02\":4}", KA("shimin", "30s", "regular"), 3);
    respond("2025-02", 2024, "{\"q01\":4,\"q02\":2}", KA("shimin", "30s", "regular"), 2);
    respond("2025-02", 2024, "{\"q01\":3,\"q02\":2}", KA("shimin", "30s", "regular"), 5);
    respond("2025-02", 2024, "{\"q01\":2,\"q02\":3}", KA("fukushi", "50up", "regular"), 4);
    respond("2025-02", 2024, "{\"q01\":3,\"q02\":4}", KA("kyoiku", "50up", "kaikei"), 3);
    respond("2025-02", 2024, "{\"q01\":3,\"q02\":2}", KA("kyoiku", "50up", "kaikei"), 3);
#undef KA
    release_2024();
    return db;
}

static const char *cell(const struct kpi_result *r, size_t b, size_t g, size_t i)
{
    return report_cell_reason(r, &r->breakdowns[b].groups[g], i);
}

static void test_kpi_query_heatmap_over_three_attributes(void **state)
{
    sqlite3 *db = db_three_attributes();
    struct kpi_result *r = run(db, "department,age,employment");
    const struct kpi_breakdown *dep = &r->breakdowns[0], *age = &r->breakdowns[1];
    size_t len;
    char *html, *json;

    (void)state;
    assert_int_equal(r->n_breakdowns, 3);
    assert_string_equal(dep->by->id, "department");
    assert_int_equal(dep->n_groups, 8); /* seven departments and the unanswered */
    assert_int_equal(dep->groups[0].respondents, 12);
    assert_null(cell(r, 0, 0, 0));
    assert_true(fabs(dep->groups[0].items[0].sum.mean - 4.5) < 1e-12);
    assert_string_equal(cell(r, 0, 0, 1), "全員同じ回答");
    assert_null(cell(r, 0, 1, 1));
    assert_true(fabs(dep->groups[1].items[1].sum.mean - 46.0 / 15) < 1e-12);
    assert_string_equal(cell(r, 0, 2, 0), "少人数");   /* fukushi, 4 */
    assert_string_equal(cell(r, 0, 3, 0), "回答なし"); /* sangyo, nobody */
    assert_string_equal(cell(r, 0, 5, 1), "少人数");   /* kyoiku, 6 */
    assert_string_equal(cell(r, 0, 7, 0), "回答なし"); /* unanswered */
    assert_true(fabs(age->groups[1].items[0].sum.mean - 114.0 / 27) < 1e-12);
    assert_true(fabs(age->groups[1].items[1].sum.mean - 82.0 / 27) < 1e-12);
    assert_true(fabs(age->groups[3].items[0].sum.mean - 2.6) < 1e-12);
    assert_true(fabs(age->groups[3].items[1].sum.mean - 3.0) < 1e-12);
    assert_string_equal(cell(r, 2, 1, 0), "少人数");       /* kaikei, 6 */
    assert_string_equal(cell(r, 2, 0, 0), "差し引き防止"); /* regular, 31 */
    html = report_html(r, &len);
    assert_non_null(strstr(html, "<section class=\"keep\" id=\"by-age\"><h2>属性別の平均（age）"));
    assert_non_null(strstr(html, "color:#fff\">4.50</td><td class=\"h\""));
    assert_non_null(strstr(html, "<td class=\"x\">非公表<br>（全員同じ回答）</td>"));
    assert_non_null(strstr(html, "\">4.22</td>"));
    assert_non_null(strstr(html, "\">2.60</td>"));
    assert_non_null(strstr(html, "<td class=\"x\">非公表<br>（差し引き防止）</td>"));
    json = report_json(r, &len);
    assert_non_null(strstr(json, "{\"attribute\":\"age\",\"option\":\"50up\",\"kind\":"
                                 "\"option\",\"label\":\"50歳以上\",\"respondents\":10,"));
    free(json);
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
        cmocka_unit_test(test_kpi_query_changes_with_welch_intervals),
        cmocka_unit_test(test_kpi_query_series_over_the_plan),
        cmocka_unit_test(test_kpi_query_html_honest_changes_and_plan_table),
        cmocka_unit_test(test_kpi_query_distribution_reads_in_grayscale),
        cmocka_unit_test(test_kpi_query_html_prints_as_a_council_document),
        cmocka_unit_test(test_kpi_query_heatmap_over_three_attributes),
        cmocka_unit_test(test_kpi_query_errors_name_what_is_wrong),
        cmocka_unit_test(test_kpi_query_parse_year),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

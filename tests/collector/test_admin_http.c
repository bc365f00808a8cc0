/* The admin pages through the real daemon: every admin route asks for the
 * admin token (Bearer, or Basic with the token as password so a browser can
 * open the reports) and a 401 says how; the index lists the fiscal years
 * with their release and downloads (or, before a release, the rounded
 * participation only), the active survey and the kiosks' health. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <time.h>

#include "test_kpi_fixture.h"

static struct kf_env env;

static const char *const admin_paths[] = {"/", "/api/v1/kpi?fiscal_year=2024", "/reports/2024.csv",
                                          "/reports/2024.html"};
#define N_PATHS (sizeof admin_paths / sizeof admin_paths[0])

static void base64(const char *in, char *out)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t n = strlen(in), o = 0;

    for (size_t i = 0; i < n; i += 3) {
        unsigned v = (unsigned char)in[i] << 16;
        if (i + 1 < n)
            v |= (unsigned char)in[i + 1] << 8;
        if (i + 2 < n)
            v |= (unsigned char)in[i + 2];
        out[o++] = tab[(v >> 18) & 63];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = i + 1 < n ? tab[(v >> 6) & 63] : '=';
        out[o++] = i + 2 < n ? tab[v & 63] : '=';
    }
    out[o] = '\0';
}

static int post_heartbeat(void)
{
    char body[512], url[256], now[32];
    struct tu_response resp = {0};
    const char *hdr[] = {"Content-Type: application/json", NULL};
    time_t t = time(NULL);
    struct tm tm;
    int rc;

    gmtime_r(&t, &tm);
    strftime(now, sizeof now, "%Y-%m-%dT%H:%M:%SZ", &tm);
    snprintf(body, sizeof body,
             "{\"app_version\":\"0.1.0\",\"survey_id\":\"%s\",\"survey_version\":1,"
             "\"sealed_batches\":3,\"quarantined_batches\":1,\"oldest_unsent_days\":2,"
             "\"clock\":\"%s\"}",
             TU_SURVEY_ID, now);
    snprintf(url, sizeof url, "%s/api/v1/heartbeat", env.srv.url);
    char auth[TU_TOKEN_MAX + 16];
    snprintf(auth, sizeof auth, "Bearer %s", env.kiosk);
    rc = tu_http(&resp, "POST", url, auth, hdr, body, strlen(body));
    rc = rc == 0 && resp.status >= 200 && resp.status < 300 ? 0 : -1;
    if (rc)
        fprintf(stderr, "heartbeat: %ld %s\n", resp.status, resp.body ? resp.body : "");
    tu_response_free(&resp);
    return rc;
}

/* FY2024 and FY2023 hold 6 respondents each and are released; FY2022
 * holds 7 and is not, so the index shows only its participation. */
static int group_setup(void **state)
{
    struct kf_response r[12], late[7];
    char out[256], err[512];

    (void)state;
    if (kf_start(&env, "admin-http") != 0)
        return -1;
    for (int i = 0; i < 12; i++)
        r[i] = kf_all(i < 6 ? "2025-02" : "2024-02", 3, "regular");
    for (int i = 0; i < 6; i++)
        r[i].a[0] = 4;
    /* kiosk-2 never reports: the index must point it out. */
    if (tu_collector(out, sizeof out, err, sizeof err, "kiosk", "add", "kiosk-2", "--db", env.db,
                     NULL) != 0)
        return -1;
    if (kf_post(&env, TU_SURVEY_ID, r, 12) != 12)
        return -1;
    for (int i = 0; i < 7; i++)
        late[i] = kf_all("2022-06", 1 + i % 4, "regular");
    if (kf_post(&env, TU_SURVEY_ID, late, 7) != 7)
        return -1;
    if (tu_release(env.db, 2024) != 1 || tu_release(env.db, 2023) != 1)
        return -1;
    return post_heartbeat();
}

static int group_teardown(void **state)
{
    (void)state;
    return kf_stop(&env);
}

static long get_status(const char *path, const char *auth, struct tu_response *keep)
{
    char url[512];
    struct tu_response resp = {0};
    long status;

    snprintf(url, sizeof url, "%s%s", env.srv.url, path);
    assert_int_equal(tu_http(&resp, "GET", url, auth, NULL, NULL, 0), 0);
    status = resp.status;
    if (keep)
        *keep = resp;
    else
        tu_response_free(&resp);
    return status;
}

static void test_admin_without_token_is_401_with_challenge(void **state)
{
    char value[256];

    (void)state;
    for (size_t i = 0; i < N_PATHS; i++) {
        struct tu_response resp;
        assert_int_equal(get_status(admin_paths[i], NULL, &resp), 401);
        if (!tu_header(&resp, "WWW-Authenticate", value, sizeof value))
            fail_msg("%s: 401 without WWW-Authenticate", admin_paths[i]);
        assert_non_null(strstr(value, "Basic"));
        tu_response_free(&resp);
    }
}

static void test_admin_refuses_wrong_and_kiosk_tokens(void **state)
{
    char auth[TU_TOKEN_MAX + 16];

    (void)state;
    snprintf(auth, sizeof auth, "Bearer %s", env.kiosk);
    for (size_t i = 0; i < N_PATHS; i++) {
        long s = get_status(admin_paths[i], auth, NULL);
        assert_true(s == 401 || s == 403);
        assert_int_equal(get_status(admin_paths[i], "Bearer wrong-token", NULL), 401);
    }
}

static void test_admin_bearer_and_basic_both_open_every_page(void **state)
{
    char userpass[TU_TOKEN_MAX + 16], b64[2 * TU_TOKEN_MAX + 32], basic[2 * TU_TOKEN_MAX + 48];

    (void)state;
    snprintf(userpass, sizeof userpass, "jinji:%s", env.admin);
    base64(userpass, b64);
    snprintf(basic, sizeof basic, "Basic %s", b64);
    for (size_t i = 0; i < N_PATHS; i++) {
        assert_int_equal(get_status(admin_paths[i], env.bearer, NULL), 200);
        assert_int_equal(get_status(admin_paths[i], basic, NULL), 200);
    }
}

static char *index_page(void)
{
    struct tu_response resp;
    char type[128];
    char *body;

    assert_int_equal(get_status("/", env.bearer, &resp), 200);
    assert_non_null(tu_header(&resp, "Content-Type", type, sizeof type));
    assert_string_equal(type, "text/html; charset=utf-8");
    body = resp.body;
    resp.body = NULL;
    tu_response_free(&resp);
    return body;
}

static void test_admin_index_lists_years_with_downloads(void **state)
{
    char *html = index_page();

    (void)state;
    assert_non_null(strstr(html, "令和6年度（2024年度）"));
    assert_non_null(strstr(html, "令和5年度（2023年度）"));
    assert_non_null(strstr(html, "href=\"/reports/2024.html\""));
    assert_non_null(strstr(html, "href=\"/reports/2024.csv\""));
    assert_non_null(strstr(html, "href=\"/reports/2024.csv?encoding=cp932\""));
    assert_non_null(strstr(html, "href=\"/api/v1/kpi?fiscal_year=2024\""));
    assert_non_null(strstr(html, "href=\"/reports/2023.html\""));
    /* Every breakdown is linked. */
    assert_non_null(strstr(html, "属性別：<a href=\"/reports/2024.html?group_by=employment\">"));
    /* Newest year first. */
    assert_true(strstr(html, "/reports/2024.html") < strstr(html, "/reports/2023.html"));
    /* A released year names its release and how many it holds. */
    assert_non_null(strstr(html, "<td>第1版（"));
    assert_non_null(strstr(html, " 公開）<br>回答者 6 人"));
    /* FY2022 is not released: no figures, no downloads, its 7 respondents
     * shown rounded down to 5 only. */
    assert_non_null(strstr(html, "令和4年度（2022年度）"));
    assert_non_null(strstr(html, "未公開<br>これまでの回答者 約5 人（"));
    assert_null(strstr(html, "/reports/2022."));
    assert_null(strstr(html, "fiscal_year=2022"));
    assert_null(strstr(html, "約7 人"));
    free(html);
}

static void test_admin_index_shows_active_survey(void **state)
{
    char *html = index_page();

    (void)state;
    assert_non_null(strstr(html, "<td>goshogawara-staff</td><td class=\"num\">1</td>"));
    assert_non_null(strstr(html, "五所川原市 職員アンケート"));
    free(html);
}

static void test_admin_index_shows_kiosk_health(void **state)
{
    char *html = index_page();
    char *k1 = strstr(html, "<td>kiosk-1</td>"), *k2 = strstr(html, "<td>kiosk-2</td>");
    char *end1, last[32], today[16];
    time_t t = time(NULL);
    struct tm tm;

    (void)state;
    assert_non_null(k1);
    assert_non_null(k2);
    end1 = strstr(k1, "</tr>");
    /* kiosk-1: sealed 3, quarantined 1, oldest 2 days, survey version 1, a skew in
     * seconds, and the day its last batch came last; no warning. It shows no
     * count of responses, which would date the answers. */
    assert_non_null(strstr(k1, "<td class=\"num\">3</td><td class=\"num\">1</td>"
                               "<td class=\"num\">2</td><td class=\"num\">1</td>"));
    assert_true(strstr(k1, " 秒</td>") < end1);
    gmtime_r(&t, &tm);
    strftime(today, sizeof today, "%Y-%m-%d", &tm);
    snprintf(last, sizeof last, "<td>%s</td></tr>", today);
    assert_true(strstr(k1, last) + strlen(last) - strlen("</tr>") == end1);
    assert_non_null(strstr(html, "<th>最後の受信日</th>"));
    assert_null(strstr(html, "受信回答"));
    assert_true(!strstr(k1, "<td class=\"num\">19</td>") ||
                strstr(k1, "<td class=\"num\">19</td>") > end1);
    assert_true(!strstr(k1, "1日以上連絡なし") || strstr(k1, "1日以上連絡なし") > end1);
    /* kiosk-2 never reported: highlighted. */
    assert_non_null(strstr(html, "<tr class=\"silent\"><td>kiosk-2</td>"));
    /* and it never sent a batch. */
    assert_non_null(strstr(k2, "<td>―</td></tr>"));
    free(html);
}

static void test_admin_unknown_report_path_is_404(void **state)
{
    (void)state;
    assert_int_equal(get_status("/reports/latest.html", env.bearer, NULL), 404);
    assert_int_equal(get_status("/reports/2024.html/x", env.bearer, NULL), 404);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_admin_without_token_is_401_with_challenge),
        cmocka_unit_test(test_admin_refuses_wrong_and_kiosk_tokens),
        cmocka_unit_test(test_admin_bearer_and_basic_both_open_every_page),
        cmocka_unit_test(test_admin_index_lists_years_with_downloads),
        cmocka_unit_test(test_admin_index_shows_active_survey),
        cmocka_unit_test(test_admin_index_shows_kiosk_health),
        cmocka_unit_test(test_admin_unknown_report_path_is_404),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/* GET /reports/YYYY.html end to end with the Goshogawara sample and two
 * fiscal years of realistic answers: the page is self-contained (no script,
 * no outside URL), escapes what it prints, and is rendered by headless
 * Chromium to PNG and PDF in the test output folder for a person to look at. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "report_buf.h"
#include "report_html.h"
#include "test_kpi_fixture.h"

#define CHROMIUM_TIME_S 90
#define N_FY2023        156
#define N_FY2024        184

static struct kf_env env;

/* Published baselines of q01..q12 (the plan's table). */
static const double baselines[KF_ITEMS] = {2.88, 2.62, 2.77, 2.92, 3.40, 2.94,
                                           3.09, 3.16, 2.95, 3.23, 3.13, 2.94};
/* How each item moved from FY2023 to FY2024 in the sample. */
static const double moves[KF_ITEMS] = {0.10, 0.22,  0.05, 0.12, 0.02, -0.08,
                                       0.03, -0.06, 0.15, 0.04, 0.09, 0.18};

/* An answer near mean m: a rounded, clamped sum of uniforms from seed. */
static int answer_near(double m, unsigned *seed)
{
    double x = m;
    int v;

    for (int k = 0; k < 3; k++)
        x += ((double)rand_r(seed) / RAND_MAX - 0.5) * 1.25;
    v = (int)lround(x);
    return v < 1 ? 1 : v > 4 ? 4 : v;
}

static int post_year(const char *month, int n, double shift, unsigned seed)
{
    struct kf_response *r = calloc((size_t)n, sizeof *r);
    long stored;

    for (int i = 0; i < n; i++) {
        unsigned e = (unsigned)rand_r(&seed) % 100;
        r[i].month = month;
        r[i].employment = e < 70 ? "regular" : e < 92 ? "kaikei" : NULL;
        for (int q = 0; q < KF_ITEMS; q++)
            r[i].a[q] = answer_near(baselines[q] + shift * moves[q] / 0.1 * 0.1, &seed);
    }
    stored = kf_post(&env, TU_SURVEY_ID, r, (size_t)n);
    free(r);
    return stored == n ? 0 : -1;
}

static int group_setup(void **state)
{
    (void)state;
    if (kf_start(&env, "report-html") != 0)
        return -1;
    if (post_year("2024-02", N_FY2023, 0, 2023) || post_year("2025-02", N_FY2024, 1, 2024))
        return -1;
    /* Reports come only from a release, of each year once it is all in. */
    return tu_release(env.db, 2023) == 1 && tu_release(env.db, 2024) == 1 ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    return kf_stop(&env);
}

static size_t count(const char *hay, const char *needle)
{
    size_t n = 0;

    for (const char *p = strstr(hay, needle); p; p = strstr(p + 1, needle))
        n++;
    return n;
}

static char *get_html(const char *path)
{
    struct tu_response resp;
    char type[128];
    char *body;

    assert_int_equal(kf_get(&env, path, &resp), 0);
    assert_int_equal(resp.status, 200);
    assert_non_null(tu_header(&resp, "Content-Type", type, sizeof type));
    assert_string_equal(type, "text/html; charset=utf-8");
    body = resp.body;
    resp.body = NULL;
    tu_response_free(&resp);
    return body;
}

static void test_report_html_is_titled_and_complete(void **state)
{
    char *html = get_html("/reports/2024.html");

    (void)state;
    assert_non_null(strstr(html, "<html lang=\"ja\">"));
    assert_non_null(strstr(html, "<title>五所川原市 令和6年度 職員アンケート"));
    assert_non_null(strstr(html, "@page{size:A4"));
    assert_int_equal(count(html, "<section class=\"item\">"), KF_ITEMS);
    /* Each item: the mean chart and the distribution; plus the category bars. */
    assert_true(count(html, "<svg viewBox=\"0 0 440 62\"") == KF_ITEMS);
    assert_true(count(html, "<svg viewBox=\"0 0 440 24\"") == KF_ITEMS);
    assert_non_null(strstr(html, "区分別の平均"));
    assert_non_null(strstr(html, "現状維持"));
    assert_non_null(strstr(html, "回答者 184人"));
    /* It names the release its figures come from. */
    assert_non_null(strstr(html, "<span>第1版（"));
    assert_non_null(strstr(html, "匿名性の保護"));
    /* Last year is there: the ring, the change column. */
    assert_true(count(html, "fill=\"#fff\" stroke=\"#56606c\"") >= KF_ITEMS);
    free(html);
}

static void test_report_html_makes_no_outside_request(void **state)
{
    char *html = get_html("/reports/2024.html");
    static const char *const banned[] = {"<script", "http:", "https:",  "src=",    "url(",
                                         "@import", "<link", "<iframe", "<object", "onload="};

    (void)state;
    for (size_t i = 0; i < sizeof banned / sizeof banned[0]; i++)
        if (strstr(html, banned[i]) && strcmp(banned[i], "url("))
            fail_msg("the report holds \"%s\"", banned[i]);
    /* url( only for a pattern of the page itself (#...) and the
     * collector's own fonts. */
    for (const char *p = html; (p = strstr(p, "url(")); p += 4)
        if (p[4] != '#' && strncmp(p, "url(/fonts/BIZUDGothic-", 23) != 0)
            fail_msg("the report holds \"%.40s\"", p);
    free(html);
}

/* The fonts the page names are served by the collector, to the admin
 * only, byte for byte; no other file is reachable under /fonts/. */
static void test_report_html_fonts_served_by_the_collector(void **state)
{
    char *html = get_html("/reports/2024.html"), type[64], url[128];
    struct tu_response resp;
    struct stat sb;

    (void)state;
    assert_non_null(strstr(html,
                           "@font-face{font-family:\"BIZ UDGothic\";font-weight:400;"
                           "src:local(\"BIZ UDGothic\"),url(/fonts/BIZUDGothic-Regular.ttf)"));
    free(html);
    assert_int_equal(kf_get(&env, "/fonts/BIZUDGothic-Regular.ttf", &resp), 0);
    assert_int_equal(resp.status, 200);
    assert_non_null(tu_header(&resp, "Content-Type", type, sizeof type));
    assert_string_equal(type, "font/ttf");
    assert_int_equal(stat(FONTS_DIR "/BIZUDGothic-Regular.ttf", &sb), 0);
    assert_int_equal(resp.body_len, (size_t)sb.st_size);
    assert_memory_equal(resp.body, "\0\1\0\0", 4); /* a TrueType file */
    tu_response_free(&resp);
    assert_int_equal(kf_get(&env, "/fonts/../collector.db", &resp), 0);
    assert_int_equal(resp.status, 404);
    tu_response_free(&resp);
    assert_int_equal(kf_get(&env, "/fonts/OFL.txt", &resp), 0);
    assert_int_equal(resp.status, 404);
    tu_response_free(&resp);
    snprintf(url, sizeof url, "%s/fonts/BIZUDGothic-Bold.ttf", env.srv.url);
    memset(&resp, 0, sizeof resp);
    assert_int_equal(tu_http(&resp, "GET", url, NULL, NULL, NULL, 0), 0);
    assert_int_equal(resp.status, 401);
    tu_response_free(&resp);
}

static void test_report_html_escapes_text(void **state)
{
    struct report_buf b;
    char *text;

    (void)state;
    report_buf_init(&b);
    report_html_escape(&b, "<b>\"A&B\"</b> 'x'");
    text = report_buf_take(&b, NULL);
    assert_string_equal(text, "&lt;b&gt;&quot;A&amp;B&quot;&lt;/b&gt; &#39;x&#39;");
    free(text);
}

static void test_report_html_group_breakdown(void **state)
{
    char *html = get_html("/reports/2024.html?group_by=employment");

    (void)state;
    assert_non_null(strstr(html, "あなたの任用形態を教えてください。"));
    assert_non_null(strstr(html, "会計年度任用職員"));
    assert_non_null(strstr(html, "未回答"));
    assert_non_null(strstr(html, "<table class=\"heat\">"));
    free(html);
}

/* Runs argv with stdout and stderr to /dev/null, killed after limit_s.
 * Returns the exit status or -1. */
static int run_bounded(char *const argv[], int limit_s)
{
    pid_t pid = fork();
    int status = 0;
    time_t end = time(NULL) + limit_s;

    if (pid == 0) {
        freopen("/dev/null", "w", stdout);
        freopen("/dev/null", "w", stderr);
        execvp(argv[0], argv);
        _exit(127);
    }
    if (pid < 0)
        return -1;
    while (waitpid(pid, &status, WNOHANG) == 0) {
        if (time(NULL) > end) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        usleep(100 * 1000);
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static bool chromium_present(void)
{
    return access("/usr/bin/chromium", X_OK) == 0;
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* Runs headless Chromium on the file with the given output flags. */
static void chromium(const char *html_path, const char *const *flags)
{
    char profile[TU_PATH_MAX], userdir[TU_PATH_MAX + 32], url[TU_PATH_MAX + 16];
    const char *argv[24] = {"chromium",
                            "--headless",
                            "--no-sandbox",
                            "--disable-gpu",
                            "--disable-quic",
                            "--no-first-run",
                            "--disable-background-networking",
                            "--disable-component-update",
                            "--disable-sync",
                            "--hide-scrollbars",
                            userdir};
    size_t n = 11;

    assert_int_equal(tu_tempdir("chromium-profile", profile), 0);
    snprintf(userdir, sizeof userdir, "--user-data-dir=%s", profile);
    snprintf(url, sizeof url, "file://%s", html_path);
    for (; *flags && n < 22; flags++)
        argv[n++] = *flags;
    argv[n++] = url;
    argv[n] = NULL;
    assert_int_equal(run_bounded((char *const *)argv, CHROMIUM_TIME_S), 0);
    run_bounded((char *const[]){"rm", "-rf", profile, NULL}, 30);
}

static void test_report_html_renders_in_chromium(void **state)
{
    char *html = get_html("/reports/2024.html");
    const char *html_path = TEST_OUTPUT_DIR "/report-2024.html";
    const char *png = TEST_OUTPUT_DIR "/report-2024.png";
    const char *pdf = TEST_OUTPUT_DIR "/report-2024.pdf";
    FILE *f = fopen(html_path, "w");

    (void)state;
    assert_non_null(f);
    fputs(html, f);
    fclose(f);
    free(html);
    if (!chromium_present()) {
        print_message("chromium is not installed: the report was written to %s but not rendered\n",
                      html_path);
        skip();
    }
    unlink(png);
    unlink(pdf);
    /* The first A4 page at 150 dpi: 210 mm = 794 CSS px, scaled to 1240 px. */
    chromium(html_path, (const char *const[]){"--screenshot=" TEST_OUTPUT_DIR "/report-2024.png",
                                              "--window-size=794,1123",
                                              "--force-device-scale-factor=1.5625", NULL});
    chromium(html_path, (const char *const[]){"--print-to-pdf=" TEST_OUTPUT_DIR "/report-2024.pdf",
                                              "--no-pdf-header-footer", NULL});
    assert_true(file_size(png) > 50000);
    assert_true(file_size(pdf) > 20000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_html_is_titled_and_complete),
        cmocka_unit_test(test_report_html_makes_no_outside_request),
        cmocka_unit_test(test_report_html_fonts_served_by_the_collector),
        cmocka_unit_test(test_report_html_escapes_text),
        cmocka_unit_test(test_report_html_group_breakdown),
        cmocka_unit_test(test_report_html_renders_in_chromium),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

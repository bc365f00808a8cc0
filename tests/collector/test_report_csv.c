/* GET /reports/YYYY.csv end to end: the CSV is read back the way Excel
 * reads it (BOM, CRLF, RFC 4180 quoting, Japanese headers) in UTF-8 and in
 * CP932; formula cells are neutralised; text that CP932 cannot hold is
 * refused with a message instead of written as mojibake. The workbook
 * (/reports/YYYY.xlsx) is read back with a real reader, openpyxl. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <iconv.h>
#include <math.h>

#include "test_kpi_fixture.h"

#define CSV_MAX_ROWS  64
#define CSV_MAX_CELLS 32

static struct kf_env gosho, custom;

/* A survey whose labels try every trick: formulas, quotes and commas, a
 * character CP932 lacks, and a KPI without a baseline. */
static const char custom_survey[] =
    "{\"id\":\"csv-tricks\",\"version\":1,\"title\":\"テスト調査\",\"organization\":\"=試験市\","
    "\"scale\":{\"points\":[{\"value\":4,\"label\":\"そう思う\"},{\"value\":3,\"label\":\"まあ"
    "そう思う\"},{\"value\":2,\"label\":\"あまりそう思わない\"},{\"value\":1,\"label\":\"そう思わ"
    "ない\"}],\"favorable_min\":3},"
    "\"questions\":["
    "{\"id\":\"q01\",\"category\":\"-区分\",\"text\":\"設問一\",\"kpi\":{\"label\":"
    "\"=HYPERLINK(\\\"http://example.com\\\",\\\"x\\\")\",\"target\":3.0}},"
    "{\"id\":\"q02\",\"text\":\"設問二\",\"kpi\":{\"label\":\"+1, \\\"引用\\\" と改行なし\","
    "\"baseline\":2.5,\"target\":\"maintain\"}},"
    "{\"id\":\"q03\",\"text\":\"設問三\",\"kpi\":{\"label\":\"@SUM(A1) 𠮷田さんの職場\","
    "\"baseline\":2.0,\"target\":3.0}}]}";

struct csv {
    char *cells[CSV_MAX_ROWS][CSV_MAX_CELLS];
    int n_cells[CSV_MAX_ROWS];
    int n_rows;
    bool bare_lf; /* a line ended in LF without CR */
};

/* RFC 4180 as Excel reads it: quoted cells may hold commas, quotes ("")
 * and line breaks; records end in CRLF. */
static void csv_parse(const char *s, size_t len, struct csv *c)
{
    size_t i = 0;
    char cell[4096];
    size_t n = 0;
    bool quoted = false;

    memset(c, 0, sizeof *c);
    while (i <= len && c->n_rows < CSV_MAX_ROWS) {
        char ch = i < len ? s[i] : '\n';
        if (quoted) {
            if (ch == '"' && i + 1 < len && s[i + 1] == '"') {
                cell[n++] = '"';
                i += 2;
                continue;
            }
            if (ch == '"')
                quoted = false;
            else if (n + 1 < sizeof cell)
                cell[n++] = ch;
            i++;
            continue;
        }
        if (ch == '"' && n == 0) {
            quoted = true;
        } else if (ch == ',' || ch == '\r' || ch == '\n') {
            if (ch == '\n' && (i == 0 || s[i - 1] != '\r') && i < len)
                c->bare_lf = true;
            if (ch == ',' || ch == '\r' || i < len || n > 0 || c->n_cells[c->n_rows] > 0) {
                cell[n] = '\0';
                if (ch != '\n' || s[i - 1] != '\r')
                    c->cells[c->n_rows][c->n_cells[c->n_rows]++] = strdup(cell);
            }
            n = 0;
            if (ch == '\r' && i + 1 < len && s[i + 1] == '\n')
                i++;
            if (ch != ',' && c->n_cells[c->n_rows] > 0)
                c->n_rows++;
        } else if (n + 1 < sizeof cell) {
            cell[n++] = ch;
        }
        i++;
    }
}

static void csv_free(struct csv *c)
{
    for (int r = 0; r < CSV_MAX_ROWS; r++)
        for (int k = 0; k < c->n_cells[r]; k++)
            free(c->cells[r][k]);
}

static int post_gosho(void)
{
    static const int q01[12] = {4, 4, 4, 3, 3, 3, 3, 2, 2, 2, 1, 3};
    struct kf_response r[22];

    for (int i = 0; i < 12; i++) {
        r[i] = kf_all("2025-02", 3, "regular");
        r[i].a[0] = q01[i];
        r[i].a[4] = i < 10 ? 4 : 3;
    }
    for (int i = 12; i < 22; i++) {
        r[i] = kf_all("2024-02", 3, "regular");
        r[i].a[0] = 2;
    }
    if (kf_post(&gosho, TU_SURVEY_ID, r, 22) != 22)
        return -1;
    /* Figures come only from a release. */
    return tu_release(gosho.db, 2024) == 1 && tu_release(gosho.db, 2023) == 1 ? 0 : -1;
}

/* `collector VERB ARGS... --survey csv-tricks --fiscal-year YEAR --db`;
 * returns its exit status, stderr into err. */
static int custom_cli(const char *verb, const char *sub, const char *year, char *err, size_t errlen)
{
    char out[1024];

    return sub ? tu_collector(out, sizeof out, err, errlen, verb, sub, "--survey", "csv-tricks",
                              "--fiscal-year", year, "--db", custom.db, NULL)
               : tu_collector(out, sizeof out, err, errlen, verb, "--survey", "csv-tricks",
                              "--fiscal-year", year, "--db", custom.db, NULL);
}

/* csv-tricks: FY2023 10 answers (q01 mean 2.5), FY2024 10 answers. */
static int setup_custom(void)
{
    char path[TU_PATH_MAX + 32], out[256], err[1024];
    struct kf_response r[20];
    FILE *f;

    if (kf_start(&custom, "report-csv-tricks") != 0)
        return -1;
    snprintf(path, sizeof path, "%s/tricks.json", custom.dir);
    if (!(f = fopen(path, "w")) || fputs(custom_survey, f) < 0 || fclose(f) != 0)
        return -1;
    if (tu_collector(out, sizeof out, err, sizeof err, "survey", "publish", path, "--db", custom.db,
                     "--date", TU_PUBLISHED_ON, NULL) != 0) {
        fprintf(stderr, "publish: %s\n", err);
        return -1;
    }
    memset(r, 0, sizeof r);
    for (int i = 0; i < 20; i++) {
        r[i].month = i < 10 ? "2024-02" : "2025-02";
        r[i].a[0] = i < 10 ? (i < 5 ? 3 : 2) : 4;
        r[i].a[1] = 3;
        r[i].a[2] = 2;
    }
    if (kf_post(&custom, "csv-tricks", r, 20) != 20)
        return -1;
    if (custom_cli("release", NULL, "2023", err, sizeof err) != 0 ||
        custom_cli("release", NULL, "2024", err, sizeof err) != 0) {
        fprintf(stderr, "release: %s\n", err);
        return -1;
    }
    return 0;
}

static int group_setup(void **state)
{
    (void)state;
    if (kf_start(&gosho, "report-csv") != 0 || post_gosho() != 0)
        return -1;
    return setup_custom();
}

static int group_teardown(void **state)
{
    (void)state;
    return kf_stop(&gosho) | kf_stop(&custom);
}

static const char *const want_header[] = {"成果指標",
                                          "区分",
                                          "回答数",
                                          "平均（4段階）",
                                          "標準偏差",
                                          "95%信頼区間 下限",
                                          "95%信頼区間 上限",
                                          "肯定的回答率(%)",
                                          "基準値",
                                          "基準値の根拠",
                                          "目標値",
                                          "目標の種類",
                                          "達成",
                                          "前年度平均",
                                          "前年度比",
                                          "前年度比 95%信頼区間 下限",
                                          "前年度比 95%信頼区間 上限",
                                          "前年度比の判定",
                                          "基準値比",
                                          "基準値比 95%信頼区間 下限",
                                          "基準値比 95%信頼区間 上限",
                                          "基準値比の判定",
                                          "そう思う(4)",
                                          "まあそう思う(3)",
                                          "あまりそう思わない(2)",
                                          "そう思わない(1)"};
#define N_COLS ((int)(sizeof want_header / sizeof want_header[0]))

static void test_report_csv_utf8_reads_as_excel_does(void **state)
{
    struct tu_response resp;
    struct csv c;
    char value[256];

    (void)state;
    assert_int_equal(kf_get(&gosho, "/reports/2024.csv", &resp), 0);
    assert_int_equal(resp.status, 200);
    assert_non_null(tu_header(&resp, "Content-Type", value, sizeof value));
    assert_string_equal(value, "text/csv; charset=utf-8");
    assert_non_null(tu_header(&resp, "Content-Disposition", value, sizeof value));
    assert_string_equal(value, "attachment; filename=\"goshogawara-staff-kpi-2024-utf8.csv\"");
    assert_memory_equal(resp.body, "\xEF\xBB\xBF", 3);
    assert_int_equal(resp.body[resp.body_len - 2], '\r');
    assert_int_equal(resp.body[resp.body_len - 1], '\n');
    csv_parse(resp.body + 3, resp.body_len - 3, &c);
    assert_false(c.bare_lf);
    assert_int_equal(c.n_rows, 13);
    for (int k = 0; k < N_COLS; k++)
        assert_string_equal(c.cells[0][k], want_header[k]);
    for (int r = 0; r < c.n_rows; r++)
        assert_int_equal(c.n_cells[r], N_COLS);
    tu_response_free(&resp);
    csv_free(&c);
}

static void test_report_csv_rows_hold_the_figures(void **state)
{
    static const char *const q01[] = {
        "必要な知識等を習得するため、自主的に勉強やリスキリングに取り組んでいる職員の割合",
        "人材の育成", "12", "2.83", "0.94", "2.24", "3.43", "66.7", "2.88", "計画値", "3.00",
        "数値", "未達成", "2.00",
        /* Against FY2023 (ten 2s, no spread), Welch: se = 0.9374 / sqrt 12
         * = 0.2706 on 11 df, t 2.201: 0.83 +- 0.60, beyond the noise. */
        "0.83", "0.24", "1.43", "上昇",
        /* Against the published 2.88: the mean's own interval 2.24..3.43
         * shifted, which holds 0. A negative figure stays a number. */
        "-0.05", "-0.64", "0.55", "変化なし（誤差の範囲）", "3", "5", "3", "1"};
    struct tu_response resp;
    struct csv c;

    (void)state;
    assert_int_equal(kf_get(&gosho, "/reports/2024.csv", &resp), 0);
    csv_parse(resp.body + 3, resp.body_len - 3, &c);
    for (int k = 0; k < N_COLS; k++)
        assert_string_equal(c.cells[1][k], q01[k]);
    /* q05: 3.83 against 現状維持 of the baseline 3.40. */
    assert_string_equal(c.cells[5][3], "3.83");
    assert_string_equal(c.cells[5][8], "3.40");
    assert_string_equal(c.cells[5][10], "");
    assert_string_equal(c.cells[5][11], "現状維持");
    assert_string_equal(c.cells[5][12], "達成");
    tu_response_free(&resp);
    csv_free(&c);
}

static char *from_cp932(const char *in, size_t len)
{
    iconv_t cd = iconv_open("UTF-8", "CP932");
    size_t cap = len * 3 + 1, left = cap;
    char *out = calloc(1, cap), *o = out, *i = (char *)in;

    assert_true(cd != (iconv_t)-1);
    assert_int_not_equal(iconv(cd, &i, &len, &o, &left), (size_t)-1);
    iconv_close(cd);
    return out;
}

static void test_report_csv_cp932_matches_utf8(void **state)
{
    struct tu_response u8, sj;
    char value[256], *decoded;

    (void)state;
    assert_int_equal(kf_get(&gosho, "/reports/2024.csv", &u8), 0);
    assert_int_equal(kf_get(&gosho, "/reports/2024.csv?encoding=cp932", &sj), 0);
    assert_int_equal(sj.status, 200);
    assert_non_null(tu_header(&sj, "Content-Type", value, sizeof value));
    assert_string_equal(value, "text/csv; charset=Shift_JIS");
    assert_non_null(tu_header(&sj, "Content-Disposition", value, sizeof value));
    assert_string_equal(value, "attachment; filename=\"goshogawara-staff-kpi-2024-sjis.csv\"");
    assert_true(memcmp(sj.body, "\xEF\xBB\xBF", 3) != 0);
    /* 成果指標 in CP932 starts the file. */
    assert_memory_equal(sj.body, "\x90\xAC\x89\xCA\x8E\x77\x95\x57", 8);
    decoded = from_cp932(sj.body, sj.body_len);
    assert_string_equal(decoded, u8.body + 3);
    free(decoded);
    tu_response_free(&u8);
    tu_response_free(&sj);
}

static void test_report_csv_neutralises_formulas_and_quotes(void **state)
{
    struct tu_response resp;
    struct csv c;

    (void)state;
    assert_int_equal(kf_get(&custom, "/reports/2024.csv", &resp), 0);
    assert_int_equal(resp.status, 200);
    csv_parse(resp.body + 3, resp.body_len - 3, &c);
    assert_int_equal(c.n_rows, 4);
    assert_string_equal(c.cells[1][0], "'=HYPERLINK(\"http://example.com\",\"x\")");
    assert_string_equal(c.cells[1][1], "'-区分");
    assert_string_equal(c.cells[2][0], "'+1, \"引用\" と改行なし");
    assert_string_equal(c.cells[3][0], "'@SUM(A1) 𠮷田さんの職場");
    /* The raw text never starts a cell with a formula character. */
    assert_null(strstr(resp.body, ",=HYPERLINK"));
    assert_null(strstr(resp.body, "\n=HYPERLINK"));
    tu_response_free(&resp);
    csv_free(&c);
}

/* q01 of csv-tricks has no published baseline. None is inferred from the
 * first year: it has none until an administrator runs `baseline set`, which
 * fixes FY2023's released mean (5 x 3 + 5 x 2) / 10 = 2.50. */
/* With group_by, the CSV is the breakdown, one row per group and item: the
 * 12 FY2024 respondents are all 正職員 (q01 2.83, 66.7% as above); nobody
 * is 会計年度任用職員, so its cells say why they are empty. */
static void test_report_csv_breakdown_rows(void **state)
{
    struct tu_response resp;
    struct csv c;
    char value[256];

    (void)state;
    assert_int_equal(kf_get(&gosho, "/reports/2024.csv?group_by=employment", &resp), 0);
    assert_int_equal(resp.status, 200);
    assert_non_null(tu_header(&resp, "Content-Disposition", value, sizeof value));
    assert_string_equal(value,
                        "attachment; filename=\"goshogawara-staff-breakdown-2024-utf8.csv\"");
    csv_parse(resp.body + 3, resp.body_len - 3, &c);
    assert_string_equal(c.cells[0][0], "属性");
    assert_string_equal(c.cells[0][6], "平均（4段階）");
    assert_string_equal(c.cells[0][8], "非公表の理由");
    assert_int_equal(c.n_rows, 1 + 3 * 12); /* regular, kaikei, the unanswered; no other */
    assert_string_equal(c.cells[1][0], "employment");
    assert_string_equal(c.cells[1][1], "正職員");
    assert_string_equal(c.cells[1][2], "12");
    assert_string_equal(c.cells[1][3], "1");
    assert_string_equal(c.cells[1][5], "12");
    assert_string_equal(c.cells[1][6], "2.83");
    assert_string_equal(c.cells[1][7], "66.7");
    assert_string_equal(c.cells[1][8], "");
    assert_string_equal(c.cells[13][1], "会計年度任用職員");
    assert_string_equal(c.cells[13][2], "0");
    assert_string_equal(c.cells[13][6], "");
    assert_string_equal(c.cells[13][8], "回答なし");
    tu_response_free(&resp);
    csv_free(&c);
}

/* Reads the workbook at path with openpyxl: per sheet, the frozen cell and
 * each cell's value and number format, as JSON. */
static json_t *xlsx_read(const char *path)
{
    static const char script[] =
        "import json, sys, openpyxl\n"
        "wb = openpyxl.load_workbook(sys.argv[1])\n"
        "out = {}\n"
        "for ws in wb.worksheets:\n"
        "    out[ws.title] = {'freeze': ws.freeze_panes, 'rows': [[[c.value, c.number_format]"
        " for c in row] for row in ws.iter_rows()], 'width_b': ws.column_dimensions['B'].width}\n"
        "print(json.dumps(out, ensure_ascii=False))\n";
    char cmd[TU_PATH_MAX + 256], *text = calloc(1, 1 << 20);
    size_t n;
    FILE *p;
    json_t *j;

    snprintf(cmd, sizeof cmd, "/usr/bin/python3 -c \"$XLSX_SCRIPT\" '%s'", path);
    setenv("XLSX_SCRIPT", script, 1);
    assert_non_null(p = popen(cmd, "r"));
    n = fread(text, 1, (1 << 20) - 1, p);
    assert_int_equal(pclose(p), 0);
    text[n] = '\0';
    j = json_loads(text, 0, NULL);
    free(text);
    assert_non_null(j);
    return j;
}

/* The cell (row, col) of a sheet read by xlsx_read: [value, format]. */
static json_t *xl_cell(json_t *book, const char *sheet, size_t row, size_t col)
{
    return json_array_get(
        json_array_get(json_object_get(json_object_get(book, sheet), "rows"), row), col);
}

static void assert_xl(json_t *book, const char *sheet, size_t row, size_t col, double value,
                      const char *format)
{
    json_t *c = xl_cell(book, sheet, row, col);

    if (!json_is_number(json_array_get(c, 0)) ||
        fabs(json_number_value(json_array_get(c, 0)) - value) > 1e-9 ||
        strcmp(json_string_value(json_array_get(c, 1)), format))
        fail_msg("%s (%zu, %zu): wanted %g as %s", sheet, row, col, value, format);
}

static const char *xl_text(json_t *book, const char *sheet, size_t row, size_t col)
{
    json_t *v = json_array_get(xl_cell(book, sheet, row, col), 0);
    return json_is_string(v) ? json_string_value(v) : json_is_null(v) ? "(blank)" : "(number)";
}

/* The same figures as the CSV above, as numbers with their formats. */
static void test_report_xlsx_reads_back_in_openpyxl(void **state)
{
    struct tu_response resp;
    char value[256], path[TU_PATH_MAX + 32];
    json_t *book;
    FILE *f;

    (void)state;
    assert_int_equal(kf_get(&gosho, "/reports/2024.xlsx?group_by=employment", &resp), 0);
    assert_int_equal(resp.status, 200);
    assert_non_null(tu_header(&resp, "Content-Disposition", value, sizeof value));
    assert_string_equal(value, "attachment; filename=\"goshogawara-staff-breakdown-2024.xlsx\"");
    snprintf(path, sizeof path, "%s/kpi.xlsx", gosho.dir);
    assert_non_null(f = fopen(path, "wb"));
    assert_int_equal(fwrite(resp.body, 1, resp.body_len, f), resp.body_len);
    fclose(f);
    tu_response_free(&resp);
    book = xlsx_read(path);
    assert_string_equal(
        json_string_value(json_object_get(json_object_get(book, "成果指標"), "freeze")), "A2");
    assert_string_equal(xl_text(book, "成果指標", 0, 4), "平均（4段階）");
    assert_xl(book, "成果指標", 1, 3, 12, "0");
    assert_xl(book, "成果指標", 1, 4, 2.83, "0.00");
    assert_xl(book, "成果指標", 1, 5, 2.24, "0.00");
    assert_xl(book, "成果指標", 1, 7, 66.7, "0.0");
    assert_xl(book, "成果指標", 1, 8, 2.88, "0.00");
    assert_xl(book, "成果指標", 1, 9, 3.0, "0.00"); /* 3.00, not 3 */
    assert_string_equal(xl_text(book, "成果指標", 1, 10), "数値");
    assert_xl(book, "成果指標", 1, 13, 0.83, "0.00");
    assert_string_equal(xl_text(book, "成果指標", 1, 14), "上昇");
    assert_xl(book, "成果指標", 1, 15, -0.05, "0.00");
    assert_string_equal(xl_text(book, "成果指標", 1, 16), "変化なし（誤差の範囲）");
    /* q05: 現状維持 in its own column, the target cell blank, not text. */
    assert_string_equal(xl_text(book, "成果指標", 5, 9), "(blank)");
    assert_string_equal(xl_text(book, "成果指標", 5, 10), "現状維持");
    assert_true(json_number_value(json_object_get(json_object_get(book, "成果指標"), "width_b")) >=
                60);
    /* The plan sheet: baseline, 令和7年度 onwards after the report's year. */
    assert_string_equal(xl_text(book, "計画期間", 0, 3), "令和7年度");
    assert_xl(book, "計画期間", 1, 2, 2.88, "0.00");
    assert_string_equal(xl_text(book, "計画期間", 1, 3), "今後");
    /* Rates: no headcount recorded. */
    assert_string_equal(xl_text(book, "回答率", 1, 1), "全体");
    assert_xl(book, "回答率", 1, 2, 12, "0");
    assert_string_equal(xl_text(book, "回答率", 1, 5), "職員数の登録なし");
    /* Columns as wide as their content: 会計年度任用職員 is 16 wide. */
    assert_true(json_number_value(json_object_get(json_object_get(book, "回答率"), "width_b")) >=
                16);
    assert_true(json_number_value(json_object_get(json_object_get(book, "回答率"), "width_b")) <=
                20);
    /* The breakdown: 12 正職員 (row 1 holds the groups' sizes), nobody else. */
    assert_xl(book, "属性別_employment", 1, 2, 12, "0");
    assert_xl(book, "属性別_employment", 2, 2, 2.83, "0.00");
    assert_string_equal(xl_text(book, "属性別_employment", 2, 3), "非公表（回答なし）");
    assert_string_equal(xl_text(book, "集計方法", 2, 0), "匿名性の保護");
    json_decref(book);
}

static void test_report_csv_baseline_is_set_from_a_released_year(void **state)
{
    struct tu_response resp;
    struct csv c;
    long status;
    json_t *j, *it;
    char err[1024];

    (void)state;
    j = kf_get_json(&custom, "/api/v1/kpi?fiscal_year=2024", &status);
    assert_int_equal(status, 200);
    it = kf_item(json_object_get(j, "items"), "q01");
    assert_true(json_is_null(json_object_get(it, "baseline")));
    assert_true(json_is_null(json_object_get(it, "baseline_year")));
    json_decref(j);
    assert_int_equal(kf_get(&custom, "/reports/2024.csv", &resp), 0);
    csv_parse(resp.body + 3, resp.body_len - 3, &c);
    assert_string_equal(c.cells[1][8], "");
    tu_response_free(&resp);
    csv_free(&c);

    if (custom_cli("baseline", "set", "2023", err, sizeof err) != 0)
        fail_msg("collector baseline set: %s", err);
    assert_int_equal(kf_get(&custom, "/reports/2024.csv", &resp), 0);
    csv_parse(resp.body + 3, resp.body_len - 3, &c);
    assert_string_equal(c.cells[1][8], "2.50");
    assert_string_equal(c.cells[1][9], "令和5年度実績（設定）");
    assert_string_equal(c.cells[1][12], "達成");
    /* A set baseline is a sample of its year: FY2024's ten 4s against
     * FY2023's five 3s and five 2s (sd 0.527), Welch on 9 df (t 2.262):
     * 1.50 +- 2.262 x 0.527 / sqrt 10 = 1.12 .. 1.88. */
    assert_string_equal(c.cells[1][18], "1.50");
    assert_string_equal(c.cells[1][19], "1.12");
    assert_string_equal(c.cells[1][20], "1.88");
    assert_string_equal(c.cells[1][21], "上昇");
    j = kf_get_json(&custom, "/api/v1/kpi?fiscal_year=2024", &status);
    assert_int_equal(status, 200);
    it = kf_item(json_object_get(j, "items"), "q01");
    assert_true(fabs(json_number_value(json_object_get(it, "baseline")) - 2.5) < 1e-9);
    assert_string_equal(json_string_value(json_object_get(it, "baseline_source")), "set");
    assert_int_equal(json_integer_value(json_object_get(it, "baseline_year")), 2023);
    json_decref(j);
    /* In the year it was set from, the baseline is that year's own mean. */
    j = kf_get_json(&custom, "/api/v1/kpi?fiscal_year=2023", &status);
    it = kf_item(json_object_get(j, "items"), "q01");
    assert_int_equal(json_integer_value(json_object_get(it, "baseline_year")), 2023);
    assert_true(fabs(json_number_value(json_object_get(it, "baseline")) - 2.5) < 1e-9);
    json_decref(j);
    tu_response_free(&resp);
    csv_free(&c);
}

static void test_report_csv_cp932_refuses_what_it_cannot_write(void **state)
{
    long status;
    json_t *j;
    const char *msg;

    (void)state;
    j = kf_get_json(&custom, "/reports/2024.csv?encoding=cp932", &status);
    assert_int_equal(status, 422);
    msg = json_string_value(json_object_get(j, "message"));
    assert_non_null(msg);
    assert_non_null(strstr(msg, "@SUM(A1) 𠮷田さんの職場"));
    assert_non_null(strstr(msg, "\"𠮷\""));
    assert_non_null(strstr(msg, "UTF-8"));
    json_decref(j);
}

static void test_report_csv_bad_path_and_encoding(void **state)
{
    long status;
    json_t *j;

    (void)state;
    j = kf_get_json(&gosho, "/reports/2024.csv?encoding=latin1", &status);
    assert_int_equal(status, 400);
    assert_non_null(strstr(json_string_value(json_object_get(j, "message")), "cp932"));
    json_decref(j);
    j = kf_get_json(&gosho, "/reports/24.csv", &status);
    assert_int_equal(status, 404);
    json_decref(j);
    j = kf_get_json(&gosho, "/reports/2024.ods", &status);
    assert_int_equal(status, 404);
    json_decref(j);
    j = kf_get_json(&gosho, "/reports/2019.csv", &status);
    assert_int_equal(status, 404);
    assert_string_equal(json_string_value(json_object_get(j, "error")), "no_data");
    json_decref(j);
}

static void test_report_csv_command_line_matches_http(void **state)
{
    static char out[TU_OUTPUT_MAX];
    char err[1024];
    struct tu_response resp;

    (void)state;
    assert_int_equal(tu_collector(out, sizeof out, err, sizeof err, "report", "--db", gosho.db,
                                  "--fiscal-year", "2024", "--format", "csv", NULL),
                     0);
    assert_int_equal(kf_get(&gosho, "/reports/2024.csv", &resp), 0);
    assert_string_equal(out, resp.body);
    tu_response_free(&resp);
    assert_int_equal(tu_collector(out, sizeof out, err, sizeof err, "report", "--db", gosho.db,
                                  "--fiscal-year", "2019", "--format", "csv", NULL),
                     1);
    assert_non_null(strstr(err, "no responses in fiscal year 2019"));
    /* One line on stderr. */
    assert_true(strchr(err, '\n') == NULL || strchr(err, '\n') == err + strlen(err) - 1);
    assert_int_not_equal(tu_collector(out, sizeof out, err, sizeof err, "report", "--db", gosho.db,
                                      "--fiscal-year", "2024", "--format", "pdf", NULL),
                         0);
    assert_non_null(strstr(err, "--format"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_csv_utf8_reads_as_excel_does),
        cmocka_unit_test(test_report_csv_rows_hold_the_figures),
        cmocka_unit_test(test_report_csv_cp932_matches_utf8),
        cmocka_unit_test(test_report_csv_neutralises_formulas_and_quotes),
        cmocka_unit_test(test_report_csv_breakdown_rows),
        cmocka_unit_test(test_report_xlsx_reads_back_in_openpyxl),
        cmocka_unit_test(test_report_csv_baseline_is_set_from_a_released_year),
        cmocka_unit_test(test_report_csv_cp932_refuses_what_it_cannot_write),
        cmocka_unit_test(test_report_csv_bad_path_and_encoding),
        cmocka_unit_test(test_report_csv_command_line_matches_http),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}

/* Excel rendering with libxlsxwriter. The library writes to a file, so the
 * workbook goes to a private temporary file that is read back and removed.
 * Every figure is a number cell with a format (0.00, 0.0); a hidden figure
 * is the text 非公表 or the reason, never a number. */
#include "report_xlsx.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xlsxwriter.h>

#include "fiscal.h"
#include "report_buf.h"
#include "report_html_parts.h"
#include "report_json.h"
#include "report_words.h"

#define XL_LABEL_W  60 /* the indicator column, wrapped */
#define XL_MAX_W    40 /* no other column is wider */
#define XL_NUM_W    8  /* a figure */
#define XL_MAX_COLS (2 + SURVEY_MAX_OPTIONS + 2)

/* The workbook being written and the sheet being filled: each column's
 * width grows with what is written in it and is set when the sheet ends. */
struct xl {
    lxw_workbook *wb;
    lxw_format *head, *text, *wrap, *num2, *num1, *count;
    const struct kpi_result *r;
    lxw_worksheet *ws;
    double width[XL_MAX_COLS];
    size_t n_cols;
};

/* Display width of UTF-8 text: a character of more than one byte counts
 * two, as CJK characters take two columns in Excel. */
static double xl_text_width(const char *text)
{
    double w = 0;

    for (const unsigned char *p = (const unsigned char *)text; *p; p++)
        if (*p < 0x80)
            w += 1;
        else if ((*p & 0xC0) == 0xC0)
            w += 2;
    return w;
}

static void xl_widen(struct xl *x, lxw_col_t col, double w)
{
    if (col < XL_MAX_COLS && x->width[col] < w)
        x->width[col] = w > XL_MAX_W ? XL_MAX_W : w;
}

/* Writes text; a wrapped cell (the indicator) keeps its column's width. */
static void xl_str(struct xl *x, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, const char *text,
                   lxw_format *f)
{
    worksheet_write_string(ws, row, col, text, f);
    if (f != x->wrap)
        xl_widen(x, col, xl_text_width(text) + 2);
}

static void xl_end_sheet(struct xl *x)
{
    for (size_t c = 0; x->ws && c < x->n_cols; c++)
        worksheet_set_column(x->ws, (lxw_col_t)c, (lxw_col_t)c, x->width[c], NULL);
    x->ws = NULL;
}

static void xl_formats(struct xl *x)
{
    lxw_format **all[] = {&x->head, &x->text, &x->wrap, &x->num2, &x->num1, &x->count};

    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++) {
        *all[i] = workbook_add_format(x->wb);
        format_set_font_name(*all[i], "BIZ UDGothic");
        format_set_border(*all[i], LXW_BORDER_THIN);
        format_set_align(*all[i], LXW_ALIGN_VERTICAL_CENTER);
    }
    format_set_bold(x->head);
    format_set_bg_color(x->head, 0xEDF1F5);
    format_set_text_wrap(x->head);
    format_set_align(x->head, LXW_ALIGN_CENTER);
    format_set_text_wrap(x->wrap);
    format_set_num_format(x->num2, "0.00");
    format_set_num_format(x->num1, "0.0");
    format_set_num_format(x->count, "0");
}

/* A new sheet with its header row, frozen; column label_col (or none, -1)
 * holds the indicators, wrapped in XL_LABEL_W. Headers wrap, so they
 * widen their column only up to half their length. */
static lxw_worksheet *xl_sheet(struct xl *x, const char *name, const char *const *heads, size_t n,
                               int label_col)
{
    lxw_worksheet *ws = workbook_add_worksheet(x->wb, name);

    xl_end_sheet(x);
    x->ws = ws;
    x->n_cols = n < XL_MAX_COLS ? n : XL_MAX_COLS;
    for (size_t c = 0; c < x->n_cols; c++) {
        worksheet_write_string(ws, 0, (lxw_col_t)c, heads[c], x->head);
        x->width[c] = (int)c == label_col ? XL_LABEL_W : fmax(6, xl_text_width(heads[c]) / 2 + 3);
    }
    worksheet_set_row(ws, 0, 32, NULL);
    worksheet_freeze_panes(ws, 1, 0);
    /* Printed on A4 landscape, one page wide, the header on every page. */
    worksheet_set_paper(ws, 9);
    worksheet_set_landscape(ws);
    worksheet_fit_to_pages(ws, 1, 0);
    worksheet_repeat_rows(ws, 0, 0);
    return ws;
}

/* A row tall enough for text wrapped in a column width characters wide
 * (a character of more than one UTF-8 byte counts two). */
static void xl_fit_row(lxw_worksheet *ws, lxw_row_t row, const char *text, double width)
{
    int lines = (int)ceil(xl_text_width(text) / (width - 2));

    worksheet_set_row(ws, row, 15.0 * (lines > 1 ? lines : 1) + 3, NULL);
}

/* A figure, or text when there is none (NAN). */
static void xl_num(struct xl *x, lxw_worksheet *ws, lxw_row_t row, lxw_col_t col, double v,
                   lxw_format *f, const char *none)
{
    /* The cell holds the figure as shown, so a sum in Excel adds what it reads. */
    if (!isnan(v)) {
        worksheet_write_number(ws, row, col, report_round(v, f == x->num1 ? 1 : 2), f);
        xl_widen(x, col, XL_NUM_W);
    } else if (*none) {
        xl_str(x, ws, row, col, none, x->text);
    } else {
        worksheet_write_blank(ws, row, col, x->text);
    }
}

static void xl_kpi_row(struct xl *x, lxw_worksheet *ws, lxw_row_t row, size_t i)
{
    const struct kpi_item *it = &x->r->items[i];
    const struct survey_kpi *k = &it->q->kpi;
    bool show = !it->all.suppressed && it->all.sum.n > 0;

    worksheet_write_number(ws, row, 0, (double)(i + 1), x->count);
    xl_str(x, ws, row, 1, report_html_item_label(it), x->wrap);
    xl_fit_row(ws, row, report_html_item_label(it), XL_LABEL_W);
    xl_str(x, ws, row, 2, it->q->category ? it->q->category : "", x->text);
    worksheet_write_number(ws, row, 3, (double)it->all.sum.n, x->count);
    xl_num(x, ws, row, 4, show ? it->all.sum.mean : NAN, x->num2, "非公表");
    xl_num(x, ws, row, 5, show ? it->all.sum.ci_low : NAN, x->num2, show ? "―" : "非公表");
    xl_num(x, ws, row, 6, show ? it->all.sum.ci_high : NAN, x->num2, show ? "―" : "非公表");
    xl_num(x, ws, row, 7, show ? it->all.sum.favorable_pct : NAN, x->num1, "非公表");
    xl_num(x, ws, row, 8, it->baseline_source == KPI_BASELINE_NONE ? NAN : it->baseline, x->num2,
           "―");
    xl_num(x, ws, row, 9, k->target_kind == SURVEY_TARGET_VALUE ? k->target : NAN, x->num2, "");
    xl_str(x, ws, row, 10, report_target_kind_text(k->target_kind), x->text);
    xl_str(x, ws, row, 11,
           it->achieved == 1   ? "達成"
           : it->achieved == 0 ? "未達成"
                               : REPORT_WORD_UNKNOWN,
           x->text);
    xl_num(x, ws, row, 12, it->has_previous ? it->previous_mean : NAN, x->num2, "―");
    xl_num(x, ws, row, 13, it->vs_previous.known ? it->vs_previous.diff : NAN, x->num2, "―");
    xl_str(x, ws, row, 14, report_change_text(&it->vs_previous), x->text);
    xl_num(x, ws, row, 15, it->vs_baseline.known ? it->vs_baseline.diff : NAN, x->num2, "―");
    xl_str(x, ws, row, 16, report_change_text(&it->vs_baseline), x->text);
}

static void xl_kpi(struct xl *x)
{
    char mean[32];
    const char *heads[] = {"番号",
                           "成果指標",
                           "区分",
                           "回答数",
                           mean,
                           "95%信頼区間 下限",
                           "95%信頼区間 上限",
                           "肯定的回答率(%)",
                           "基準値",
                           "目標値",
                           "目標の種類",
                           "達成",
                           "前年度平均",
                           "前年度比",
                           "前年度比の判定",
                           "基準値比",
                           "基準値比の判定"};
    lxw_worksheet *ws;

    snprintf(mean, sizeof mean, "平均（%zu段階）", x->r->survey->n_points);
    ws = xl_sheet(x, "成果指標", heads, sizeof heads / sizeof heads[0], 1);
    for (size_t i = 0; i < x->r->n_items; i++)
        xl_kpi_row(x, ws, (lxw_row_t)(i + 1), i);
}

static void xl_plan(struct xl *x)
{
    const char *heads[4 + SURVEY_MAX_PLAN_YEARS + 3];
    char labels[SURVEY_MAX_PLAN_YEARS][FISCAL_LABEL_LEN];
    size_t n = 0, ny = x->r->n_years;
    lxw_worksheet *ws;

    if (!x->r->survey->has_plan)
        return;
    heads[n++] = "番号";
    heads[n++] = "成果指標";
    heads[n++] = "基準値";
    for (size_t y = 0; y < ny; y++)
        heads[n++] = fiscal_label(x->r->years[y].fiscal_year, labels[y], sizeof labels[y]);
    heads[n++] = "目標値";
    heads[n++] = "目標の種類";
    heads[n++] = "達成状況";
    ws = xl_sheet(x, "計画期間", heads, n, 1);
    for (size_t i = 0; i < x->r->n_items; i++) {
        const struct kpi_item *it = &x->r->items[i];
        lxw_row_t row = (lxw_row_t)(i + 1);
        worksheet_write_number(ws, row, 0, (double)(i + 1), x->count);
        xl_str(x, ws, row, 1, report_html_item_label(it), x->wrap);
        xl_fit_row(ws, row, report_html_item_label(it), XL_LABEL_W);
        xl_num(x, ws, row, 2, it->baseline_source == KPI_BASELINE_NONE ? NAN : it->baseline,
               x->num2, "―");
        for (size_t y = 0; y < ny; y++) {
            const struct kpi_stat *st = &it->series[y];
            enum kpi_year_status s = x->r->years[y].status;
            xl_num(x, ws, row, (lxw_col_t)(3 + y),
                   s == KPI_YEAR_RELEASED && !st->suppressed && st->sum.n > 0 ? st->sum.mean : NAN,
                   x->num2,
                   s == KPI_YEAR_AFTER  ? "今後"
                   : s == KPI_YEAR_NONE ? "公表なし"
                                        : "非公表");
        }
        xl_num(x, ws, row, (lxw_col_t)(3 + ny),
               it->q->kpi.target_kind == SURVEY_TARGET_VALUE ? it->q->kpi.target : NAN, x->num2,
               "");
        xl_str(x, ws, row, (lxw_col_t)(4 + ny), report_target_kind_text(it->q->kpi.target_kind),
               x->text);
        xl_str(x, ws, row, (lxw_col_t)(5 + ny),
               it->achieved == 1   ? "達成"
               : it->achieved == 0 ? "未達成"
                                   : REPORT_WORD_UNKNOWN,
               x->text);
    }
}

static void xl_rates(struct xl *x)
{
    const char *heads[] = {"属性", "区分", "回答者数", "職員数", "回答率(%)", "注意"};
    lxw_worksheet *ws = xl_sheet(x, "回答率", heads, 6, -1);
    lxw_row_t row = 1;

    for (size_t i = 0; i < x->r->n_rates; i++) {
        const struct kpi_rate *rt = &x->r->rates[i];
        if (rt->attribute && !rt->option && rt->respondents == 0)
            continue;
        xl_str(x, ws, row, 0, rt->attribute ? rt->attribute->id : "", x->text);
        xl_str(x, ws, row, 1, report_rate_label(rt), x->text);
        worksheet_write_number(ws, row, 2, (double)rt->respondents, x->count);
        if (rt->headcount > 0) {
            worksheet_write_number(ws, row, 3, (double)rt->headcount, x->count);
            worksheet_write_number(ws, row, 4, kpi_rate_pct(rt), x->num1);
            xl_str(x, ws, row, 5, kpi_rate_note(rt), x->text);
        } else {
            xl_str(x, ws, row, 3, "―", x->text);
            xl_str(x, ws, row, 4, "―", x->text);
            xl_str(x, ws, row, 5, "職員数の登録なし", x->text);
        }
        row++;
    }
}

/* One sheet per breakdown: items x groups, a hidden cell gives its reason. */
static void xl_breakdown(struct xl *x, const struct kpi_breakdown *bd)
{
    const char *heads[2 + SURVEY_MAX_OPTIONS + 2];
    char name[32], why[64];
    size_t n = 0;
    lxw_worksheet *ws;

    heads[n++] = "番号";
    heads[n++] = "成果指標";
    for (size_t g = 0; g < bd->n_groups; g++)
        heads[n++] = kpi_group_label(&bd->groups[g]);
    /* Sheet names are at most 31 characters and unique: the attribute id. */
    snprintf(name, sizeof name, "属性別_%.20s", bd->by->id);
    ws = xl_sheet(x, name, heads, n, 1);
    xl_str(x, ws, 1, 1, "回答者数", x->text);
    for (size_t g = 0; g < bd->n_groups; g++)
        worksheet_write_number(ws, 1, (lxw_col_t)(2 + g), (double)bd->groups[g].respondents,
                               x->count);
    for (size_t i = 0; i < x->r->n_items; i++) {
        lxw_row_t row = (lxw_row_t)(i + 2);
        worksheet_write_number(ws, row, 0, (double)(i + 1), x->count);
        xl_str(x, ws, row, 1, report_html_item_label(&x->r->items[i]), x->wrap);
        xl_fit_row(ws, row, report_html_item_label(&x->r->items[i]), XL_LABEL_W);
        for (size_t g = 0; g < bd->n_groups; g++) {
            const char *reason = report_cell_reason(x->r, &bd->groups[g], i);
            snprintf(why, sizeof why, "非公表（%s）", reason ? reason : "");
            xl_num(x, ws, row, (lxw_col_t)(2 + g), reason ? NAN : bd->groups[g].items[i].sum.mean,
                   x->num2, why);
        }
    }
}

static void xl_method(struct xl *x)
{
    const char *heads[] = {"項目", "説明"};
    lxw_worksheet *ws = xl_sheet(x, "集計方法", heads, 2, 1);
    char rel[256], anon[512];
    const char *rows[][2] = {
        {"この表の数値", rel},
        {"匿名性の保護", anon},
        {"平均", "各設問の回答を尺度の値で数値にした平均。成果指標の名称は計画の表記（…職員の割合）"
                 "のままだが、値は割合ではなくこの平均。95%信頼区間は t 分布による。"},
        {"前年度比・基準値比", "平均の差。前年度比は両年度の回答から Welch の方法で95%信頼区間を"
                               "求める。基準値比は計画の基準値を定数とみなす（設定した基準値は"
                               "その年度の回答から同じ方法）。区間が0を含む差は「変化なし（誤差の"
                               "範囲）」。"},
        {"達成の判定", "平均を小数第2位に四捨五入した値が目標値以上のとき達成（計画の定め）。"
                       "目標値が「現状維持」の指標は基準値以上のとき達成。"},
        {"回答率", "この版の回答者数 ÷ 人事担当課が登録した職員数（会計年度任用職員を含む）。"
                   "60%未満の集団に注意を付す。人数のみから求めるため少人数の集団にも示す。"},
    };

    snprintf(rel, sizeof rel,
             "%sの回答を「版」として固定して集計したもの（第%d版、%.10s 作成）。版の後に届いた"
             "回答は次の版に加わる。",
             x->r->label, x->r->release, x->r->released_at);
    snprintf(anon, sizeof anon,
             "回答者が%ld人未満の集団（全体を含む）は平均や分布を示さず人数のみ示す。伏せた集団が"
             "差し引きで求められないよう他の集団も伏せ、全員が同じ回答をした設問も伏せる。",
             x->r->min_group_size);
    for (size_t i = 0; i < sizeof rows / sizeof rows[0]; i++) {
        xl_str(x, ws, (lxw_row_t)(i + 1), 0, rows[i][0], x->text);
        xl_str(x, ws, (lxw_row_t)(i + 1), 1, rows[i][1], x->wrap);
        xl_fit_row(ws, (lxw_row_t)(i + 1), rows[i][1], XL_LABEL_W);
    }
}

int report_xlsx(const struct kpi_result *r, char **out, size_t *len, char *err, size_t errlen)
{
    const char *dir = getenv("TMPDIR");
    char path[4096];
    struct xl x = {.r = r};
    lxw_error e;
    int fd;

    snprintf(path, sizeof path, "%s/collector-xlsx-XXXXXX", dir && *dir ? dir : "/tmp");
    if ((fd = mkstemp(path)) < 0) {
        snprintf(err, errlen, "cannot make a temporary file for the workbook; retry later");
        return -1;
    }
    close(fd);
    if (!(x.wb = workbook_new(path))) {
        unlink(path);
        snprintf(err, errlen, "cannot start the workbook; retry later");
        return -1;
    }
    xl_formats(&x);
    xl_kpi(&x);
    xl_plan(&x);
    xl_rates(&x);
    for (size_t b = 0; b < r->n_breakdowns; b++)
        xl_breakdown(&x, &r->breakdowns[b]);
    xl_method(&x);
    xl_end_sheet(&x);
    e = workbook_close(x.wb);
    if (e != LXW_NO_ERROR || !(*out = report_file_read(path, REPORT_XLSX_MAX, len))) {
        snprintf(err, errlen, "cannot write the workbook (%s); retry later",
                 e != LXW_NO_ERROR ? lxw_strerror(e) : "reading it back failed");
        unlink(path);
        return -1;
    }
    unlink(path);
    return 0;
}

/* Text rendering for a terminal: an aligned table with Japanese headers and
 * achieved marks. Columns are padded by display width (CJK characters take
 * two cells), and the long indicator wording comes last so that a narrow
 * terminal wraps only that. */
#include "report_text.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "report_buf.h"
#include "report_json.h"
#include "report_words.h"
#include "utf8.h"

#define TEXT_CELL 32 /* longest cell written before padding */

/* Cells a code point takes in an East Asian terminal: wide and fullwidth
 * forms take two (Unicode UAX #11, the ranges this report can contain). */
static int text_cp_width(int32_t cp)
{
    if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
        (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
        (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
        (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x20000 && cp <= 0x3FFFD))
        return 2;
    return 1;
}

static int text_width(const char *s)
{
    size_t pos = 0, len = strlen(s);
    int w = 0;
    while (pos < len) {
        int32_t cp = utf8_next(s, len, &pos);
        w += cp < 0 ? 1 : text_cp_width(cp);
    }
    return w;
}

/* Writes s padded with spaces to width cells, on the left when right-aligned. */
static void text_cell(struct report_buf *b, const char *s, int width, bool right)
{
    int pad = width - text_width(s);
    if (right && pad > 0)
        report_buf_printf(b, "%*s", pad, "");
    report_buf_puts(b, s);
    if (!right && pad > 0)
        report_buf_printf(b, "%*s", pad, "");
}

static void text_number(struct report_buf *b, double x, int width, bool sign)
{
    char cell[TEXT_CELL];
    if (isnan(x))
        snprintf(cell, sizeof cell, "—");
    else
        snprintf(cell, sizeof cell, sign ? "%+.2f" : "%.2f", report_round(x, 2));
    text_cell(b, cell, width, true);
}

static const char *text_mark(int achieved)
{
    return achieved == 1 ? "達成" : achieved == 0 ? "未達成" : "—";
}

/* A change beyond the margin of error as a signed figure, else 変化なし. */
static void text_change(struct report_buf *b, const struct kpi_change *c)
{
    if (c->known && !kpi_change_significant(c))
        text_cell(b, "変化なし", 10, true);
    else
        text_number(b, c->known ? c->diff : NAN, 10, true);
}

static void text_header(struct report_buf *b)
{
    static const struct {
        const char *name;
        int width;
        bool right;
    } cols[] = {{"番号", 5, false},     {"回答数", 6, true},    {"平均", 6, true},
                {"基準値", 8, true},    {"目標値", 9, true},    {"前年度", 7, true},
                {"前年度比", 10, true}, {"基準値比", 10, true}, {"", 2, false},
                {"達成", 8, false}};
    for (size_t i = 0; i < sizeof cols / sizeof cols[0]; i++)
        text_cell(b, cols[i].name, cols[i].width, cols[i].right);
    report_buf_puts(b, "成果指標\n");
}

static void text_item(struct report_buf *b, const struct kpi_item *it)
{
    bool show = !it->all.suppressed && it->all.sum.n > 0;
    const struct survey_kpi *k = &it->q->kpi;
    char cell[TEXT_CELL];

    text_cell(b, it->q->id, 5, false);
    snprintf(cell, sizeof cell, "%ld", it->all.sum.n);
    text_cell(b, cell, 6, true);
    text_number(b, show ? it->all.sum.mean : NAN, 6, false);
    if (it->baseline_source == KPI_BASELINE_NONE)
        text_cell(b, "—", 8, true);
    else {
        snprintf(cell, sizeof cell, "%.2f%s", report_round(it->baseline, 2),
                 it->baseline_source == KPI_BASELINE_SET ? "*" : "");
        text_cell(b, cell, 8, true);
    }
    if (k->target_kind == SURVEY_TARGET_VALUE)
        text_number(b, k->target, 9, false);
    else
        text_cell(b, k->target_kind == SURVEY_TARGET_MAINTAIN ? "現状維持" : "—", 9, true);
    text_number(b, it->has_previous ? it->previous_mean : NAN, 7, false);
    text_change(b, &it->vs_previous);
    text_change(b, &it->vs_baseline);
    text_cell(b, "", 2, false);
    text_cell(b, show ? text_mark(it->achieved) : "—", 8, false);
    report_buf_printf(b, "%s%s\n", k->label ? k->label : it->q->text,
                      show ? "" : "（少人数のため非公表）");
}

static void text_categories(struct report_buf *b, const struct kpi_result *r)
{
    int width = 0;
    for (size_t c = 0; c < r->n_categories; c++) {
        int w = text_width(r->categories[c].name);
        width = w > width ? w : width;
    }
    report_buf_puts(b, "\n区分別の平均\n");
    for (size_t c = 0; c < r->n_categories; c++) {
        report_buf_puts(b, "  ");
        text_cell(b, r->categories[c].name, width + 2, false);
        text_number(b, r->categories[c].suppressed ? NAN : r->categories[c].mean, 5, false);
        report_buf_printf(b, "  （延べ %ld 回答）\n", r->categories[c].n);
    }
}

static void text_rates(struct report_buf *b, const struct kpi_result *r)
{
    const struct survey_attribute *shown = NULL;

    report_buf_puts(b, "\n回答率（回答者数 / 職員数）\n");
    for (size_t i = 0; i < r->n_rates; i++) {
        const struct kpi_rate *rt = &r->rates[i];
        if (rt->attribute && !rt->option && rt->respondents == 0)
            continue;
        if (rt->attribute && rt->attribute != shown) {
            report_buf_printf(b, "  %s\n", rt->attribute->text);
            shown = rt->attribute;
        }
        report_buf_printf(b, "  %s%s  %ld", rt->attribute ? "  " : "", report_rate_label(rt),
                          rt->respondents);
        if (rt->headcount > 0)
            report_buf_printf(b, " / %ld  %.1f%%%s%s\n", rt->headcount, kpi_rate_pct(rt),
                              *kpi_rate_note(rt) ? "  " : "", kpi_rate_note(rt));
        else
            report_buf_puts(b, "  （職員数の登録なし）\n");
    }
}

static void text_notes(struct report_buf *b, const struct kpi_result *r)
{
    int set_year = 0;
    for (size_t i = 0; i < r->n_items; i++) {
        if (r->items[i].baseline_source == KPI_BASELINE_SET)
            set_year = r->items[i].baseline_year;
    }
    report_buf_printf(
        b, "\n平均: 各設問の回答（%zu段階）の平均。指標名は計画の表記（…職員の割合）のまま。\n",
        r->survey->n_points);
    report_buf_puts(b, "前年度比・基準値比: 平均の差。95%信頼区間が0を含む差は「変化なし」"
                       "（誤差の範囲）。\n");
    report_buf_puts(b, "達成: 平均を小数第2位に丸めて目標値以上（現状維持は基準値以上）。\n");
    if (set_year) {
        char label[FISCAL_LABEL_LEN];
        report_buf_printf(
            b, "基準値の * は、計画に基準値がないため管理者が設定した年度（%s）の実績。\n",
            fiscal_label(set_year, label, sizeof label));
    }
    report_buf_printf(b, "回答者が %ld 人未満の集団は、人数のみ示し平均と分布を示しません。\n",
                      r->min_group_size);
}

char *report_text(const struct kpi_result *r, size_t *len)
{
    struct report_buf b;

    report_buf_init(&b);
    report_buf_printf(&b, "%s %s %s（%d年4月〜%d年3月）  回答者 %ld 人\n", r->survey->organization,
                      r->survey->title, r->label, r->fiscal_year, r->fiscal_year + 1,
                      r->respondents);
    report_buf_printf(&b, "第%d版（%.10s 公開）%s\n\n", r->release, r->released_at,
                      r->waiting_known && r->later_data_waits
                          ? "  公開後に届いた回答は次の版を待っています"
                          : "");
    text_header(&b);
    for (size_t i = 0; i < r->n_items; i++)
        text_item(&b, &r->items[i]);
    if (r->n_categories)
        text_categories(&b, r);
    text_rates(&b, r);
    text_notes(&b, r);
    return report_buf_take(&b, len);
}

/* The plan period in the HTML report: a table of each KPI from its
 * baseline through every fiscal year of the plan to its target, and a
 * trend chart per item. A year after the report's is never read (kpi_query)
 * and shows as 今後; a year without a release as 公表なし. Shapes, not only
 * colours, tell the marks apart, so the charts read in grayscale print. */
#include <math.h>
#include <stdio.h>

#include "fiscal.h"
#include "report_html.h"
#include "report_html_parts.h"
#include "report_json.h"

#define TR_W   440 /* chart width in SVG user units */
#define TR_H   96
#define TR_X0  56 /* first column's centre */
#define TR_X1  410
#define TR_Y0  14   /* top of the plot */
#define TR_Y1  70   /* bottom of the plot */
#define TR_PAD 0.15 /* scale units above and below the figures shown */

static bool year_shown(const struct kpi_result *r, const struct kpi_item *it, size_t y)
{
    const struct kpi_stat *st = &it->series[y];

    return r->years[y].status == KPI_YEAR_RELEASED && !st->suppressed && st->sum.n > 0;
}

static void year_cell(struct report_buf *b, const struct kpi_result *r, const struct kpi_item *it,
                      size_t y)
{
    bool now = r->years[y].fiscal_year == r->fiscal_year;

    report_buf_printf(b, "<td class=\"num%s\">", now ? " now" : "");
    if (r->years[y].status == KPI_YEAR_AFTER)
        report_buf_puts(b, "<span class=\"nodata\">今後</span>");
    else if (r->years[y].status == KPI_YEAR_NONE)
        report_buf_puts(b, "<span class=\"nodata\">公表なし</span>");
    else if (!year_shown(r, it, y))
        report_buf_puts(b, "非公表");
    else
        report_html_num2(b, it->series[y].sum.mean);
    report_buf_puts(b, "</td>");
}

static void plan_head(struct report_buf *b, const struct kpi_result *r)
{
    char label[FISCAL_LABEL_LEN];

    report_buf_puts(b, "<section><h2>計画期間の推移</h2><p class=\"legend\">");
    report_html_escape(b, r->survey->plan.name);
    report_buf_printf(b, "（%s〜",
                      fiscal_label(r->survey->plan.from_fiscal_year, label, sizeof label));
    report_buf_printf(b,
                      "%s）の成果指標を、基準値から各年度の平均（%zu段階）、目標値まで"
                      "並べています。</p><table class=\"plan\"><colgroup>"
                      "<col style=\"width:9mm\"><col><col style=\"width:13mm\">",
                      fiscal_label(r->survey->plan.to_fiscal_year, label, sizeof label),
                      r->survey->n_points);
    for (size_t y = 0; y < r->n_years; y++)
        report_buf_puts(b, "<col style=\"width:15mm\">");
    report_buf_puts(b, "<col style=\"width:14mm\"><col style=\"width:16mm\"></colgroup><thead>"
                       "<tr><th>番号</th><th>成果指標</th><th>基準値</th>");
    for (size_t y = 0; y < r->n_years; y++)
        report_buf_printf(b, "<th%s>%s</th>",
                          r->years[y].fiscal_year == r->fiscal_year ? " class=\"now\"" : "",
                          fiscal_label(r->years[y].fiscal_year, label, sizeof label));
    report_buf_printf(
        b, "<th>目標値</th><th>達成状況<br><small>%s</small></th></tr></thead><tbody>", r->label);
}

void report_html_plan_table(struct report_buf *b, const struct kpi_result *r)
{
    if (!r->survey->has_plan)
        return;
    plan_head(b, r);
    for (size_t i = 0; i < r->n_items; i++) {
        const struct kpi_item *it = &r->items[i];
        report_buf_printf(b, "<tr><td class=\"c\">%zu</td><td>", i + 1);
        report_html_escape(b, report_html_item_label(it));
        report_buf_puts(b, "</td><td class=\"num\">");
        report_html_num2(b, it->baseline_source == KPI_BASELINE_NONE ? NAN : it->baseline);
        report_buf_puts(b, "</td>");
        for (size_t y = 0; y < r->n_years; y++)
            year_cell(b, r, it, y);
        report_buf_puts(b, "<td class=\"num\">");
        report_html_target(b, it);
        report_buf_puts(b, "</td><td class=\"c\">");
        report_html_badge(b, it);
        report_buf_puts(b, "</td></tr>");
    }
    report_buf_puts(b,
                    "</tbody></table><p class=\"legend\">「今後」はこの報告の年度より後の"
                    "年度、「公表なし」は集計結果が公表されていない年度（調査なし、または"
                    "公表前）、「非公表」は回答者が少なく平均を示さない年度です。</p></section>");
}

/* The range the chart's y axis spans: the figures it shows, padded, within
 * the scale. */
static void trend_range(const struct kpi_result *r, const struct kpi_item *it, double *lo,
                        double *hi)
{
    const struct survey_kpi *k = &it->q->kpi;
    double a = INFINITY, z = -INFINITY;

    for (size_t y = 0; y < r->n_years; y++)
        if (year_shown(r, it, y)) {
            a = fmin(a, it->series[y].sum.mean);
            z = fmax(z, it->series[y].sum.mean);
        }
    if (it->baseline_source != KPI_BASELINE_NONE) {
        a = fmin(a, it->baseline);
        z = fmax(z, it->baseline);
    }
    if (k->target_kind == SURVEY_TARGET_VALUE) {
        a = fmin(a, k->target);
        z = fmax(z, k->target);
    }
    if (isinf(a)) {
        a = r->survey->scale_min;
        z = r->survey->scale_max;
    }
    *lo = fmax(r->survey->scale_min, a - TR_PAD);
    *hi = fmin(r->survey->scale_max, z + TR_PAD);
    if (*hi - *lo < 0.5) {
        double mid = (*hi + *lo) / 2;
        *lo = fmax(r->survey->scale_min, mid - 0.25);
        *hi = fmin(r->survey->scale_max, mid + 0.25);
    }
}

static double trend_y(double v, double lo, double hi)
{
    return TR_Y1 - (v - lo) / (hi - lo) * (TR_Y1 - TR_Y0);
}

/* x of column c: column 0 is the baseline, 1..n_years the plan's years. */
static double trend_x(const struct kpi_result *r, size_t c)
{
    return TR_X0 + (double)c * (TR_X1 - TR_X0) / (double)r->n_years;
}

static void trend_axes(struct report_buf *b, const struct kpi_result *r, double lo, double hi)
{
    char label[FISCAL_LABEL_LEN];

    report_buf_printf(b,
                      "<line x1=\"30\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#9aa4ae\"/>"
                      "<text x=\"26\" y=\"%.1f\" font-size=\"10\" fill=\"#56606c\" "
                      "text-anchor=\"end\">%.2f</text><text x=\"26\" y=\"%.1f\" font-size=\"10\" "
                      "fill=\"#56606c\" text-anchor=\"end\">%.2f</text>",
                      TR_Y1 + 4, TR_W - 6, TR_Y1 + 4, TR_Y0 + 4.0, hi, TR_Y1 + 2.0, lo);
    report_buf_printf(b,
                      "<text x=\"%.1f\" y=\"90\" font-size=\"10\" fill=\"#56606c\" "
                      "text-anchor=\"middle\">基準値</text>",
                      trend_x(r, 0));
    for (size_t y = 0; y < r->n_years; y++) {
        fiscal_label(r->years[y].fiscal_year, label, sizeof label);
        report_buf_printf(b,
                          "<text x=\"%.1f\" y=\"90\" font-size=\"10\" fill=\"#56606c\" "
                          "text-anchor=\"middle\"%s>%.*s</text>",
                          trend_x(r, y + 1),
                          r->years[y].fiscal_year == r->fiscal_year ? " font-weight=\"bold\"" : "",
                          (int)(sizeof label - 1), label);
        if (r->years[y].status != KPI_YEAR_RELEASED)
            report_buf_printf(b,
                              "<text x=\"%.1f\" y=\"%d\" font-size=\"9\" fill=\"#7a8490\" "
                              "text-anchor=\"middle\">%s</text>",
                              trend_x(r, y + 1), TR_Y1,
                              r->years[y].status == KPI_YEAR_AFTER ? "今後" : "公表なし");
    }
}

/* The target as a dashed line across the plot; the baseline as an open
 * square in its own column; each shown year as a filled circle on its 95%
 * interval, joined by a line. */
static void trend_marks(struct report_buf *b, const struct kpi_result *r, const struct kpi_item *it,
                        double lo, double hi)
{
    const struct survey_kpi *k = &it->q->kpi;
    bool first = true;

    if (k->target_kind == SURVEY_TARGET_VALUE)
        report_buf_printf(
            b,
            "<line x1=\"30\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#b03a2e\" "
            "stroke-width=\"1.5\" stroke-dasharray=\"5 3\"/><text x=\"%d\" y=\"%.1f\" "
            "font-size=\"10\" fill=\"#b03a2e\" text-anchor=\"end\">目標 %.2f</text>",
            trend_y(k->target, lo, hi), TR_W - 6, trend_y(k->target, lo, hi), TR_W - 6,
            trend_y(k->target, lo, hi) - 3, kpi_round2(k->target));
    if (it->baseline_source != KPI_BASELINE_NONE)
        report_buf_printf(b,
                          "<rect x=\"%.1f\" y=\"%.1f\" width=\"9\" height=\"9\" fill=\"#fff\" "
                          "stroke=\"#56606c\" stroke-width=\"2\"/>",
                          trend_x(r, 0) - 4.5, trend_y(it->baseline, lo, hi) - 4.5);
    report_buf_puts(b, "<polyline fill=\"none\" stroke=\"#1f4e8c\" stroke-width=\"1.5\" points=\"");
    for (size_t y = 0; y < r->n_years; y++)
        if (year_shown(r, it, y)) {
            report_buf_printf(b, "%s%.1f,%.1f", first ? "" : " ", trend_x(r, y + 1),
                              trend_y(it->series[y].sum.mean, lo, hi));
            first = false;
        }
    report_buf_puts(b, "\"/>");
    for (size_t y = 0; y < r->n_years; y++) {
        const struct kpi_summary *m = &it->series[y].sum;
        double x = trend_x(r, y + 1);
        if (!year_shown(r, it, y))
            continue;
        if (!isnan(m->ci_low))
            report_buf_printf(b,
                              "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" "
                              "stroke=\"#7a8ea8\" stroke-width=\"3\"/>",
                              x, trend_y(fmin(m->ci_high, hi), lo, hi), x,
                              trend_y(fmax(m->ci_low, lo), lo, hi));
        report_buf_printf(b,
                          "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\" fill=\"#1f4e8c\" "
                          "stroke=\"#fff\" stroke-width=\"1\"/><text x=\"%.1f\" y=\"%.1f\" "
                          "font-size=\"10\" fill=\"#1d2733\" text-anchor=\"start\">%.2f</text>",
                          x, trend_y(m->mean, lo, hi), x + 6, trend_y(m->mean, lo, hi) + 3.5,
                          kpi_round2(m->mean));
    }
}

void report_html_trend_chart(struct report_buf *b, const struct kpi_result *r,
                             const struct kpi_item *it)
{
    double lo, hi;

    if (!r->survey->has_plan || !it->series)
        return;
    trend_range(r, it, &lo, &hi);
    report_buf_printf(b,
                      "<svg class=\"trend\" viewBox=\"0 0 %d %d\" role=\"img\" aria-label=\"計画"
                      "期間の推移と目標値\">",
                      TR_W, TR_H);
    trend_axes(b, r, lo, hi);
    trend_marks(b, r, it, lo, hi);
    report_buf_puts(b, "</svg>");
}

/* Breakdowns in the HTML report: for each attribute of group_by, a heatmap
 * of items x groups. A cell's shade steps with the mean (darker is higher),
 * and the figure is printed in it, so the map reads in grayscale too; a
 * suppressed cell says why instead (report_cell_reason). */
#include <math.h>

#include "report_html.h"
#include "report_html_parts.h"
#include "report_words.h"

/* The shade of a mean: light to dark blue over the upper two thirds of the
 * scale, where staff survey means fall; white text on the darker half. */
static void heat_cell(struct report_buf *b, const struct survey *s, double mean)
{
    static const unsigned char lo[3] = {0xf4, 0xf7, 0xfb}, hi[3] = {0x1f, 0x4e, 0x8c};
    double t = (mean - s->scale_min) / (double)(s->scale_max - s->scale_min);
    unsigned char c[3];

    t = fmin(1, fmax(0, (t - 1.0 / 3) * 1.5));
    for (int k = 0; k < 3; k++)
        c[k] = (unsigned char)lround(lo[k] + (hi[k] - lo[k]) * t);
    report_buf_printf(b, "<td class=\"h\" style=\"background:#%02x%02x%02x;color:%s\">%.2f</td>",
                      c[0], c[1], c[2], t > 0.7 ? "#fff" : "#1d2733", kpi_round2(mean));
}

static void heat_header(struct report_buf *b, const struct kpi_breakdown *bd)
{
    report_buf_printf(b, "<section class=\"keep\" id=\"by-%s\"><h2>属性別の平均（", bd->by->id);
    report_html_escape(b, bd->by->id);
    report_buf_puts(b, "）</h2><p class=\"legend\">設問「");
    report_html_escape(b, bd->by->text);
    report_buf_puts(b, "」への回答別。色が濃いほど平均が高い。</p><table class=\"heat\">"
                       "<colgroup><col style=\"width:9mm\"><col>");
    /* The groups share what the indicator column (at least 55 mm of the
     * 184 mm line) leaves, 11 to 19 mm each. */
    double w = fmax(11, fmin(19, 120.0 / (double)bd->n_groups));
    for (size_t g = 0; g < bd->n_groups; g++)
        report_buf_printf(b, "<col style=\"width:%.1fmm\">", w);
    report_buf_puts(b, "</colgroup><thead><tr><th>番号</th><th>成果指標</th>");
    for (size_t g = 0; g < bd->n_groups; g++) {
        report_buf_puts(b, "<th>");
        report_html_escape(b, kpi_group_label(&bd->groups[g]));
        report_buf_printf(b, "<br><small>%ld人</small></th>", bd->groups[g].respondents);
    }
    report_buf_puts(b, "</tr></thead><tbody>");
}

static void heatmap(struct report_buf *b, const struct kpi_result *r,
                    const struct kpi_breakdown *bd)
{
    heat_header(b, bd);
    for (size_t i = 0; i < r->n_items; i++) {
        report_buf_printf(b, "<tr><td class=\"c\">%zu</td><td>", i + 1);
        report_html_escape(b, report_html_item_label(&r->items[i]));
        report_buf_puts(b, "</td>");
        for (size_t g = 0; g < bd->n_groups; g++) {
            const char *why = report_cell_reason(r, &bd->groups[g], i);
            if (why)
                report_buf_printf(b, "<td class=\"x\">非公表<br>（%s）</td>", why);
            else
                heat_cell(b, r->survey, bd->groups[g].items[i].sum.mean);
        }
        report_buf_puts(b, "</tr>");
    }
    report_buf_printf(b,
                      "</tbody></table><p class=\"legend\">非公表の理由：少人数＝回答者が%ld人"
                      "未満、全員同じ回答＝各人の回答が分かるため、差し引き防止＝全体から他の"
                      "集団を差し引いて伏せた数値が求められないようにするため。</p></section>",
                      r->min_group_size);
}

void report_html_heatmaps(struct report_buf *b, const struct kpi_result *r)
{
    for (size_t k = 0; k < r->n_breakdowns; k++)
        heatmap(b, r, &r->breakdowns[k]);
}

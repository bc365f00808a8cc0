/* Response rates in the HTML report: everyone, then each attribute's
 * options, against the headcount an administrator recorded. A rate is a
 * count, so it is shown for groups of any size; a rate under
 * KPI_RATE_LOW_PCT is flagged in words, not only in colour. */
#include <math.h>

#include "report_html.h"
#include "report_html_parts.h"
#include "report_json.h"
#include "report_words.h"

static void rate_row(struct report_buf *b, const struct kpi_rate *rt)
{
    report_buf_puts(b, rt->attribute ? "<tr><td class=\"ind\">" : "<tr class=\"all\"><td>");
    report_html_escape(b, report_rate_label(rt));
    report_buf_printf(b, "</td><td class=\"num\">%ld</td>", rt->respondents);
    if (rt->headcount <= 0) {
        report_buf_puts(b, "<td class=\"num\">―</td><td class=\"c\" colspan=\"2\"><span "
                           "class=\"nodata\">職員数の登録なし</span></td></tr>");
        return;
    }
    report_buf_printf(b, "<td class=\"num\">%ld</td><td class=\"num\"><b>%.1f%%</b></td>",
                      rt->headcount, kpi_rate_pct(rt));
    if (*kpi_rate_note(rt)) {
        report_buf_puts(b, "<td class=\"c\"><span class=\"badge ng\">");
        report_html_escape(b, kpi_rate_note(rt));
        report_buf_puts(b, "</span></td></tr>");
    } else {
        report_buf_puts(b, "<td class=\"c\"></td></tr>");
    }
}

void report_html_rates(struct report_buf *b, const struct kpi_result *r)
{
    const struct survey_attribute *shown = NULL;

    report_buf_puts(b, "<section class=\"keep\"><h2>回答率</h2><table class=\"rates\"><colgroup>"
                       "<col><col style=\"width:24mm\"><col style=\"width:24mm\">"
                       "<col style=\"width:22mm\"><col style=\"width:24mm\"></colgroup><thead>"
                       "<tr><th>区分</th><th>回答者数</th><th>職員数</th><th>回答率</th>"
                       "<th>注意</th></tr></thead><tbody>");
    for (size_t i = 0; i < r->n_rates; i++) {
        const struct kpi_rate *rt = &r->rates[i];
        if (rt->attribute && !rt->option && rt->respondents == 0)
            continue;
        if (rt->attribute && rt->attribute != shown) {
            report_buf_puts(b, "<tr><th colspan=\"5\" class=\"attr\">");
            report_html_escape(b, rt->attribute->text);
            report_buf_puts(b, "</th></tr>");
            shown = rt->attribute;
        }
        rate_row(b, rt);
    }
    report_buf_printf(b,
                      "</tbody></table><p class=\"legend\">回答率は、この版の回答者数を人事担当課が"
                      "登録した職員数（会計年度任用職員を含む）で割ったものです。%.0f%%未満の"
                      "集団には「60%%未満」と示しています。回答率は人数であり回答の内容を"
                      "含まないため、少人数の集団でも示します。</p></section>",
                      KPI_RATE_LOW_PCT);
}

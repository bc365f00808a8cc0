/* Text rendering: ASCII column figures with the Japanese label at the end
 * of the line, since terminals disagree on the width of CJK characters. */
#include "report_text.h"

#include <math.h>
#include <stdio.h>

#include "report_buf.h"
#include "report_json.h"

static void text_number(struct report_buf *b, double x, int width)
{
    if (isnan(x))
        report_buf_printf(b, "%*s", width, "-");
    else
        report_buf_printf(b, "%*.2f", width, report_round(x, 2));
}

static void text_item(struct report_buf *b, const struct kpi_item *it)
{
    bool show = !it->all.suppressed && it->all.sum.n > 0;
    const struct survey_kpi *k = &it->q->kpi;

    report_buf_printf(b, "%-6.6s %6ld ", it->q->id, it->all.sum.n);
    text_number(b, show ? it->all.sum.mean : NAN, 6);
    text_number(b, it->baseline_source == KPI_BASELINE_NONE ? NAN : it->baseline, 7);
    if (k->target_kind == SURVEY_TARGET_VALUE)
        text_number(b, k->target, 7);
    else
        report_buf_printf(b, "%7s", k->target_kind == SURVEY_TARGET_MAINTAIN ? "maint." : "-");
    text_number(b, it->has_previous ? it->previous_mean : NAN, 7);
    report_buf_printf(b, "  %-4s  %s%s\n",
                      it->achieved == 1   ? "yes"
                      : it->achieved == 0 ? "no"
                                          : "-",
                      k->label ? k->label : it->q->text, show ? "" : "（少人数のため非公表）");
}

char *report_text(const struct kpi_result *r, size_t *len)
{
    struct report_buf b;

    report_buf_init(&b);
    report_buf_printf(&b, "%s %s %s (FY%d)  回答者 %ld 人\n", r->survey->organization,
                      r->survey->title, r->label, r->fiscal_year, r->respondents);
    report_buf_printf(&b, "%-6s %6s %6s %7s %7s %7s  %-4s  %s\n", "item", "n", "mean", "base",
                      "target", "prev", "met", "成果指標");
    for (size_t i = 0; i < r->n_items; i++)
        text_item(&b, &r->items[i]);
    if (r->n_categories)
        report_buf_puts(&b, "\n区分平均\n");
    for (size_t c = 0; c < r->n_categories; c++) {
        report_buf_printf(&b, "  %s: ", r->categories[c].name);
        text_number(&b, r->categories[c].suppressed ? NAN : r->categories[c].mean, 4);
        report_buf_printf(&b, " (n=%ld)\n", r->categories[c].n);
    }
    if (r->suppressed)
        report_buf_printf(&b, "\n回答者が %ld 人未満のため、平均と分布は表示していません。\n",
                          r->min_group_size);
    return report_buf_take(&b, len);
}

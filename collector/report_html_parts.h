/* Pieces of the HTML report that its sections share (report_html.c writes
 * the page, report_html_plan.c the plan-period table and trend charts).
 * Each appends to b; nothing here allocates beyond b. */
#ifndef COLLECTOR_REPORT_HTML_PARTS_H
#define COLLECTOR_REPORT_HTML_PARTS_H

#include "kpi_query.h"
#include "report_buf.h"

/* The indicator's published wording, or the question's text. */
const char *report_html_item_label(const struct kpi_item *it);
/* A two-decimal figure, or a dash for NAN. */
void report_html_num2(struct report_buf *b, double x);
/* The target: its figure, 現状維持 or a dash. */
void report_html_target(struct report_buf *b, const struct kpi_item *it);
/* 達成, 未達成 or 判定なし as a badge. */
void report_html_badge(struct report_buf *b, const struct kpi_item *it);

/* How scale point k of s is drawn: its fill, the text colour readable on
 * it, whether it is hatched, and its CIE L* (lightness) for print. */
struct report_swatch {
    const char *fill, *ink;
    bool hatched;
    int lightness;
};
struct report_swatch report_html_point_swatch(const struct survey *s, size_t k);

/* Whether the report's fiscal year has not ended yet by the collector's
 * clock: the figures are then interim (速報). */
bool report_html_interim(const struct kpi_result *r);
/* The last page: how the figures were made and the anonymity rules, in
 * plain Japanese. */
void report_html_method(struct report_buf *b, const struct kpi_result *r);

/* The progress table over the plan: 基準値 | each fiscal year | 目標値 | 達成状況.
 * Nothing without a plan. */
void report_html_plan_table(struct report_buf *b, const struct kpi_result *r);
/* One item's means over the plan as a small line chart with the target line
 * and the baseline; nothing without a plan. */
void report_html_trend_chart(struct report_buf *b, const struct kpi_result *r,
                             const struct kpi_item *it);

/* The response rates: everyone and each attribute's options. */
void report_html_rates(struct report_buf *b, const struct kpi_result *r);

/* One heatmap per breakdown: items x the attribute's groups, suppressed
 * cells with their reason. Nothing without group_by. */
void report_html_heatmaps(struct report_buf *b, const struct kpi_result *r);

#endif

/* The Japanese words every report format uses for the same thing, in one
 * place, so that the CSV, the text table, the HTML page and the workbook
 * never name one verdict two ways. */
#ifndef COLLECTOR_REPORT_WORDS_H
#define COLLECTOR_REPORT_WORDS_H

#include "kpi.h"
#include "kpi_query.h"
#include "survey.h"

#define REPORT_WORD_SAME    "変化なし（誤差の範囲）" /* the interval of a change holds 0 */
#define REPORT_WORD_UNKNOWN "―"                      /* U+2015: no figure; written in CP932 too */

/* 上昇, 低下, 変化なし（誤差の範囲）, or ― when the change is unknown. */
const char *report_change_text(const struct kpi_change *c);

/* 数値, 現状維持 or なし: what kind of target an indicator has. */
const char *report_target_kind_text(enum survey_target_kind k);

/* The population of a rate row: 全体, the option's label, or 未回答. */
const char *report_rate_label(const struct kpi_rate *rt);

/* Why item i of group g shows no mean: 少人数 (the group or its answers are
 * fewer than min_group_size), 全員同じ回答 (homogeneous), 差し引き防止 (hidden
 * so that another hidden cell cannot be recovered by subtraction), 回答なし;
 * NULL when the mean is published. */
const char *report_cell_reason(const struct kpi_result *r, const struct kpi_group *g, size_t i);

#endif

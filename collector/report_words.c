/* Words shared by the report formats (report_words.h). */
#include "report_words.h"

const char *report_change_text(const struct kpi_change *c)
{
    if (!c->known)
        return REPORT_WORD_UNKNOWN;
    if (!kpi_change_significant(c))
        return REPORT_WORD_SAME;
    return c->diff > 0 ? "上昇" : "低下";
}

const char *report_target_kind_text(enum survey_target_kind k)
{
    return k == SURVEY_TARGET_VALUE ? "数値" : k == SURVEY_TARGET_MAINTAIN ? "現状維持" : "なし";
}

const char *report_rate_label(const struct kpi_rate *rt)
{
    if (!rt->attribute)
        return "全体";
    return rt->option ? rt->option->label : "未回答";
}

const char *report_cell_reason(const struct kpi_result *r, const struct kpi_group *g, size_t i)
{
    const struct kpi_stat *st = &g->items[i];

    if (g->respondents == 0)
        return "回答なし";
    if (g->respondents < r->min_group_size || r->suppressed)
        return "少人数";
    if (g->suppressed)
        return "差し引き防止";
    if (st->sum.n == 0)
        return "回答なし";
    if (st->sum.n < r->min_group_size)
        return "少人数";
    if (g->homogeneous[i])
        return "全員同じ回答";
    return st->suppressed ? "差し引き防止" : NULL;
}

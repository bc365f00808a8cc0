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

/* JSON rendering of a struct kpi_result with jansson. Numbers are rounded
 * here, once, to the decimals DESIGN.md shows (mean 4, sd and interval 2,
 * favourable % 1), and printed with enough precision to show exactly those. */
#include "report_json.h"

#include <jansson.h>
#include <math.h>
#include <string.h>

#include "report_words.h"

#define REPORT_JSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(12))

double report_round(double x, int decimals)
{
    double scale = 1;

    if (decimals == 2)
        return kpi_round2(x);
    for (int d = 0; d < decimals; d++)
        scale *= 10;
    /* A nudge of a few ulps so that 0.05 written in binary rounds up as a
     * person would round the decimal figure. */
    return round(x * scale * (1 + 4 * 2.220446049250313e-16)) / scale;
}

static json_t *real_or_null(double x, int decimals)
{
    return isnan(x) ? json_null() : json_real(report_round(x, decimals));
}

static json_t *str_or_null(const char *s)
{
    return s ? json_string(s) : json_null();
}

static json_t *counts_json(const struct survey *s, const struct kpi_stat *st)
{
    json_t *o = json_object();

    /* Ascending scale values, whatever the display order of the points. */
    for (int v = s->scale_min; v <= s->scale_max; v++) {
        int k = survey_point_index(s, v);
        char key[16];
        if (k < 0)
            continue;
        snprintf(key, sizeof key, "%d", v);
        json_object_set_new(o, key, json_integer(st->counts[k]));
    }
    return o;
}

/* mean, sd, ci95, counts and favorable_pct of st, or nulls when suppressed. */
static void stat_json(json_t *o, const struct survey *s, const struct kpi_stat *st, bool full)
{
    bool show = !st->suppressed && st->sum.n > 0;

    json_object_set_new(o, "n", json_integer(st->sum.n));
    json_object_set_new(o, "suppressed", json_boolean(st->suppressed));
    json_object_set_new(o, "mean", show ? real_or_null(st->sum.mean, 4) : json_null());
    if (full) {
        json_object_set_new(o, "sd", show ? real_or_null(st->sum.sd, 2) : json_null());
        if (show && !isnan(st->sum.ci_low))
            json_object_set_new(o, "ci95",
                                json_pack("[o, o]", real_or_null(st->sum.ci_low, 2),
                                          real_or_null(st->sum.ci_high, 2)));
        else
            json_object_set_new(o, "ci95", json_null());
        json_object_set_new(o, "counts", show ? counts_json(s, st) : json_null());
    }
    json_object_set_new(o, "favorable_pct",
                        show ? real_or_null(st->sum.favorable_pct, 1) : json_null());
}

static const char *target_kind_name(enum survey_target_kind k)
{
    return k == SURVEY_TARGET_VALUE ? "value" : k == SURVEY_TARGET_MAINTAIN ? "maintain" : "none";
}

static const char *baseline_source_name(enum kpi_baseline_source b)
{
    return b == KPI_BASELINE_PUBLISHED ? "published" : b == KPI_BASELINE_SET ? "set" : NULL;
}

static void baseline_json(json_t *o, const struct kpi_item *it)
{
    const struct survey_kpi *k = &it->q->kpi;
    bool has = it->baseline_source != KPI_BASELINE_NONE;

    json_object_set_new(o, "baseline", has ? json_real(kpi_round2(it->baseline)) : json_null());
    json_object_set_new(o, "baseline_source",
                        str_or_null(baseline_source_name(it->baseline_source)));
    json_object_set_new(o, "baseline_year",
                        it->baseline_source == KPI_BASELINE_SET ? json_integer(it->baseline_year)
                                                                : json_null());
    if (k->target_kind == SURVEY_TARGET_VALUE)
        json_object_set_new(o, "target", json_real(kpi_round2(k->target)));
    else if (k->target_kind == SURVEY_TARGET_MAINTAIN)
        json_object_set_new(o, "target", json_string("maintain"));
    else
        json_object_set_new(o, "target", json_null());
    json_object_set_new(o, "target_kind", json_string(target_kind_name(k->target_kind)));
    json_object_set_new(o, "achieved",
                        it->achieved < 0 ? json_null() : json_boolean(it->achieved == 1));
}

static json_t *change_json(const struct kpi_change *c)
{
    if (!c->known)
        return json_null();
    return json_pack("{s:o, s:[o, o], s:b}", "diff", real_or_null(c->diff, 2), "ci95",
                     real_or_null(c->ci_low, 2), real_or_null(c->ci_high, 2), "significant",
                     kpi_change_significant(c));
}

static json_t *tri_json(int v)
{
    return v < 0 ? json_null() : json_boolean(v);
}

static const char *year_status_name(enum kpi_year_status s)
{
    return s == KPI_YEAR_RELEASED ? "released" : s == KPI_YEAR_NONE ? "none" : "after";
}

/* The item over the plan's years: a figure only where that year's report
 * publishes one. */
static json_t *series_json(const struct kpi_result *r, const struct kpi_item *it)
{
    json_t *a = json_array();

    for (size_t y = 0; y < r->n_years; y++) {
        const struct kpi_stat *st = &it->series[y];
        bool show = r->years[y].status == KPI_YEAR_RELEASED && !st->suppressed && st->sum.n > 0;
        json_array_append_new(
            a, json_pack("{s:i, s:s, s:I, s:o, s:b}", "fiscal_year", r->years[y].fiscal_year,
                         "status", year_status_name(r->years[y].status), "n", (json_int_t)st->sum.n,
                         "mean", show ? real_or_null(st->sum.mean, 4) : json_null(), "suppressed",
                         r->years[y].status == KPI_YEAR_RELEASED && st->suppressed));
    }
    return a;
}

static json_t *plan_json(const struct kpi_result *r)
{
    const struct survey_plan *pl = &r->survey->plan;
    json_t *years = json_array();
    char label[FISCAL_LABEL_LEN];

    if (!r->survey->has_plan)
        return json_null();
    for (size_t y = 0; y < r->n_years; y++) {
        const struct kpi_year *yr = &r->years[y];
        json_array_append_new(
            years, json_pack("{s:i, s:s, s:s, s:o, s:o}", "fiscal_year", yr->fiscal_year, "label",
                             fiscal_label(yr->fiscal_year, label, sizeof label), "status",
                             year_status_name(yr->status), "release",
                             yr->release ? json_integer(yr->release) : json_null(), "respondents",
                             yr->status == KPI_YEAR_RELEASED ? json_integer(yr->respondents)
                                                             : json_null()));
    }
    return json_pack("{s:s, s:i, s:i, s:o}", "name", pl->name, "from_fiscal_year",
                     pl->from_fiscal_year, "to_fiscal_year", pl->to_fiscal_year, "years", years);
}

static json_t *rates_json(const struct kpi_result *r)
{
    json_t *a = json_array();

    for (size_t i = 0; i < r->n_rates; i++) {
        const struct kpi_rate *rt = &r->rates[i];
        bool known = rt->headcount > 0;
        if (rt->attribute && !rt->option && rt->respondents == 0)
            continue; /* nobody left the attribute unanswered */
        json_array_append_new(
            a, json_pack("{s:o, s:o, s:s, s:I, s:o, s:o, s:o, s:o}", "attribute",
                         rt->attribute ? json_string(rt->attribute->id) : json_null(), "option",
                         rt->option ? json_string(rt->option->id) : json_null(), "label",
                         report_rate_label(rt), "respondents", (json_int_t)rt->respondents,
                         "headcount", known ? json_integer(rt->headcount) : json_null(), "pct",
                         real_or_null(kpi_rate_pct(rt), 1), "low",
                         known ? json_boolean(kpi_rate_low(rt)) : json_null(), "over_headcount",
                         known ? json_boolean(kpi_rate_over(rt)) : json_null()));
    }
    return a;
}

static json_t *item_json(const struct kpi_result *r, const struct kpi_item *it)
{
    json_t *o = json_object();

    json_object_set_new(o, "id", json_string(it->q->id));
    json_object_set_new(o, "label", json_string(it->q->kpi.label ? it->q->kpi.label : it->q->text));
    json_object_set_new(o, "category", str_or_null(it->q->category));
    stat_json(o, r->survey, &it->all, true);
    baseline_json(o, it);
    json_object_set_new(o, "previous_mean",
                        it->has_previous ? json_real(report_round(it->previous_mean, 4))
                                         : json_null());
    json_object_set_new(o, "change_previous", change_json(&it->vs_previous));
    json_object_set_new(o, "change_baseline", change_json(&it->vs_baseline));
    json_object_set_new(o, "baseline_within_ci", tri_json(it->baseline_within_ci));
    json_object_set_new(o, "target_within_ci", tri_json(it->target_within_ci));
    if (r->survey->has_plan)
        json_object_set_new(o, "series", series_json(r, it));
    return o;
}

static json_t *categories_json(const struct kpi_result *r, const struct kpi_category *cats)
{
    json_t *a = json_array();

    for (size_t c = 0; c < r->n_categories; c++)
        json_array_append_new(
            a,
            json_pack("{s:s, s:I, s:o, s:b}", "category", cats[c].name, "n", (json_int_t)cats[c].n,
                      "mean", cats[c].suppressed ? json_null() : real_or_null(cats[c].mean, 2),
                      "suppressed", cats[c].suppressed));
    return a;
}

static json_t *group_json(const struct kpi_result *r, const struct kpi_breakdown *bd,
                          const struct kpi_group *g)
{
    json_t *o = json_object(), *items;

    json_object_set_new(o, "attribute", json_string(bd->by->id));
    json_object_set_new(o, "option", g->option ? json_string(g->option->id) : json_null());
    json_object_set_new(o, "kind",
                        json_string(g->kind == KPI_GROUP_OPTION       ? "option"
                                    : g->kind == KPI_GROUP_UNANSWERED ? "unanswered"
                                                                      : "other"));
    json_object_set_new(o, "label", json_string(kpi_group_label(g)));
    json_object_set_new(o, "respondents", json_integer(g->respondents));
    json_object_set_new(o, "suppressed", json_boolean(g->suppressed));
    if (g->suppressed)
        return o;
    items = json_array();
    for (size_t i = 0; i < r->n_items; i++) {
        json_t *it = json_object();
        json_object_set_new(it, "id", json_string(r->items[i].q->id));
        stat_json(it, r->survey, &g->items[i], false);
        json_object_set_new(it, "homogeneous", json_boolean(g->homogeneous[i]));
        json_array_append_new(items, it);
    }
    json_object_set_new(o, "items", items);
    json_object_set_new(o, "categories", categories_json(r, g->categories));
    return o;
}

static json_t *result_json(const struct kpi_result *r)
{
    json_t *o = json_object(), *items = json_array();

    json_object_set_new(o, "survey_id", json_string(r->survey->id));
    json_object_set_new(o, "survey_version", json_integer(r->survey->version));
    json_object_set_new(o, "fiscal_year", json_integer(r->fiscal_year));
    json_object_set_new(o, "release",
                        json_pack("{s:i, s:s, s:s}", "revision", r->release, "made_at",
                                  r->released_at, "reason", r->release_reason));
    if (r->waiting_known)
        json_object_set_new(o, "later_data",
                            json_pack("{s:b, s:s}", "waiting", r->later_data_waits, "counted_on",
                                      r->waiting_counted_on));
    json_object_set_new(o, "label", json_string(r->label));
    json_object_set_new(o, "plan", plan_json(r));
    json_object_set_new(o, "respondents", json_integer(r->respondents));
    json_object_set_new(o, "response_rates", rates_json(r));
    json_object_set_new(o, "min_group_size", json_integer(r->min_group_size));
    json_object_set_new(o, "suppressed", json_boolean(r->suppressed));
    for (size_t i = 0; i < r->n_items; i++)
        json_array_append_new(items, item_json(r, &r->items[i]));
    json_object_set_new(o, "items", items);
    json_object_set_new(o, "categories", categories_json(r, r->categories));
    if (r->n_breakdowns) {
        json_t *groups = json_array();
        for (size_t b = 0; b < r->n_breakdowns; b++)
            for (size_t g = 0; g < r->breakdowns[b].n_groups; g++)
                json_array_append_new(
                    groups, group_json(r, &r->breakdowns[b], &r->breakdowns[b].groups[g]));
        json_object_set_new(o, "groups", groups);
    }
    return o;
}

char *report_json(const struct kpi_result *r, size_t *len)
{
    json_t *o = result_json(r);
    char *text = o ? json_dumps(o, REPORT_JSON_FLAGS) : NULL;

    json_decref(o);
    if (text && len)
        *len = strlen(text);
    return text;
}

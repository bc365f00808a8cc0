/* Response rates of a KPI result: one row for everyone and for each option
 * (and the unanswered) of every attribute, respondents from the release,
 * headcounts from what an administrator recorded (store_headcounts). */
#include "kpi_rate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"

struct kpi_rate *kpi_rate_find(struct kpi_result *r, const char *attr, const char *opt)
{
    for (size_t i = 0; i < r->n_rates; i++) {
        struct kpi_rate *rt = &r->rates[i];
        const char *a = rt->attribute ? rt->attribute->id : "";
        const char *o = rt->option ? rt->option->id : "";
        if (!strcmp(a, attr) && !strcmp(o, opt))
            return rt;
    }
    return NULL;
}

static void headcount_row(const char *attr, const char *opt, long count, void *ctx)
{
    struct kpi_rate *rt = *opt || !*attr ? kpi_rate_find(ctx, attr, opt) : NULL;

    if (rt)
        rt->headcount = count;
}

double kpi_rate_pct(const struct kpi_rate *rt)
{
    long long tenths;

    if (rt->headcount <= 0)
        return NAN;
    /* Tenths of a percent rounded half up in whole numbers, so that 22.65
     * is never 22.6 for a binary fraction's sake. */
    tenths = (2000LL * rt->respondents + rt->headcount) / (2LL * rt->headcount);
    return (double)tenths / 10.0;
}

bool kpi_rate_low(const struct kpi_rate *rt)
{
    double pct = kpi_rate_pct(rt);

    return !isnan(pct) && pct < KPI_RATE_LOW_PCT;
}

bool kpi_rate_over(const struct kpi_rate *rt)
{
    return rt->headcount > 0 && rt->respondents > rt->headcount;
}

const char *kpi_rate_note(const struct kpi_rate *rt)
{
    if (kpi_rate_over(rt))
        return "職員数より多い（要確認）";
    return kpi_rate_low(rt) ? "60%未満" : "";
}

enum kpi_query_err kpi_rates_alloc(struct kpi_result *r)
{
    size_t n = 1;

    for (size_t a = 0; a < r->survey->n_attributes; a++)
        n += r->survey->attributes[a].n_options + 1;
    if (!(r->rates = calloc(n, sizeof *r->rates)))
        return KPI_QUERY_E_NOMEM;
    r->n_rates = 1;
    for (size_t a = 0; a < r->survey->n_attributes; a++) {
        const struct survey_attribute *at = &r->survey->attributes[a];
        for (size_t o = 0; o <= at->n_options; o++) {
            r->rates[r->n_rates].attribute = at;
            r->rates[r->n_rates++].option = o < at->n_options ? &at->options[o] : NULL;
        }
    }
    return KPI_QUERY_OK;
}

int kpi_rates_load_headcounts(sqlite3 *db, struct kpi_result *r)
{
    return store_headcounts(db, r->survey->id, r->fiscal_year, headcount_row, r);
}

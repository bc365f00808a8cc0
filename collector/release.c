/* Release policy. Assumption: the store's rule keeps every pair of
 * revisions apart by at least min_group respondents in every cell; this
 * module only says when to try and tells the officer what happened. */
#include "release.h"

#include <string.h>

#include "cclock.h"
#include "fiscal.h"
#include "kpi_query.h"
#include "log.h"

void release_describe(const struct store_release *r, int fiscal_year, FILE *out)
{
    char label[FISCAL_LABEL_LEN];

    fiscal_label(fiscal_year, label, sizeof label);
    if (r->added)
        fprintf(out, "FY%d (%s): release %d made with %lld respondents (%lld added)", fiscal_year,
                label, r->revision, r->respondents, r->added);
    else if (r->revision)
        fprintf(out, "FY%d (%s): nothing new released; release %d (%.10s) stays, %lld respondents",
                fiscal_year, label, r->revision, r->made_at, r->respondents);
    else
        fprintf(out, "FY%d (%s): nothing to release yet", fiscal_year, label);
    if (r->waiting && r->held_back[0])
        fprintf(out, "; %s", r->held_back);
    else if (r->waiting)
        fprintf(out, "; %lld respondents wait", r->waiting);
    fputc('\n', out);
}

int release_years(struct store *st, const char *survey_id, long min_group, const char *reason,
                  FILE *out, FILE *err)
{
    int years[RELEASE_MAX_YEARS];
    int n = store_response_years(st, survey_id, years, RELEASE_MAX_YEARS);

    if (n < 0) {
        fprintf(err, "cannot read the fiscal years of %s: %s\n", survey_id,
                store_strerror(STORE_E_UNAVAILABLE));
        return -1;
    }
    if (n == 0 && out)
        fprintf(out, "no responses are stored for %s: nothing to release\n", survey_id);
    for (int i = 0; i < n; i++) {
        struct store_release r;
        enum store_err e = store_release(st, survey_id, years[i], min_group, reason, &r);
        if (e != STORE_OK) {
            fprintf(err, "FY%d: the release failed (%s); nothing of it changed\n", years[i],
                    e == STORE_E_SEALED ? r.error : store_strerror(e));
            return -1;
        }
        if (out)
            release_describe(&r, years[i], out);
        else /* the daemon: the log is where an officer looks */
            log_line("info", "release",
                     "survey=%s fiscal_year=%d revision=%d added=%lld waiting=%lld", survey_id,
                     years[i], r.revision, r.added, r.waiting);
    }
    return 0;
}

/* Whether (id, version)'s definition has a period that ended before today. */
static bool release_period_over(struct store *st, const struct store_survey_ref *ref,
                                const char *today)
{
    struct survey *s = NULL;
    bool over;

    if (store_survey_load(st, ref->survey_id, ref->version, &s) != STORE_OK)
        return false;
    over = s->has_period && strcmp(s->period_to, today) < 0;
    survey_free(s);
    return over;
}

int release_due(struct store *st, long min_group)
{
    struct store_survey_ref open[64];
    char today[11], closed_at[21];
    int n = store_surveys_open(st, open, 64), closed = 0;

    if (n < 0)
        return -1;
    cclock_today(today);
    for (int i = 0; i < n; i++) {
        bool was = false, all_over = true;
        for (int j = 0; j < n && all_over; j++)
            if (strcmp(open[j].survey_id, open[i].survey_id) == 0)
                all_over = j < i ? false : release_period_over(st, &open[j], today);
        if (!all_over)
            continue; /* another version still collects, or this id was done above */
        if (store_survey_close(st, open[i].survey_id, &was, closed_at) != STORE_OK)
            return -1;
        if (was)
            continue; /* another request closed it first and released it */
        log_line("info", "release", "survey=%s period ended; collection closed", open[i].survey_id);
        if (release_years(st, open[i].survey_id, min_group, "period_end", NULL, stderr) != 0)
            return -1;
        closed++;
    }
    return closed;
}

/* Fixes the baselines of r's KPIs that have none published; how many. */
static int baseline_put_all(struct store *st, const struct kpi_result *r, FILE *out, FILE *err)
{
    int set = 0;

    for (size_t i = 0; i < r->n_items; i++) {
        const struct kpi_item *it = &r->items[i];
        double b = kpi_round2(it->all.sum.mean);
        if (it->baseline_source == KPI_BASELINE_PUBLISHED)
            continue;
        if (it->all.suppressed) {
            fprintf(out, "%s: no publishable mean in FY%d (%ld answers); no baseline set\n",
                    it->q->id, r->fiscal_year, it->all.sum.n);
            continue;
        }
        if (store_baseline_put(st, r->survey->id, it->q->id, r->fiscal_year, r->release, b) !=
            STORE_OK) {
            fprintf(err, "%s: the baseline could not be stored; run the command again\n",
                    it->q->id);
            return -1;
        }
        fprintf(out, "%s: baseline %.2f (FY%d, release %d)\n", it->q->id, b, r->fiscal_year,
                r->release);
        set++;
    }
    return set;
}

int baseline_set(struct store *st, const char *survey_id, int fiscal_year, long min_group,
                 FILE *out, FILE *err)
{
    struct kpi_query_params p = {
        .fiscal_year = fiscal_year, .survey_id = survey_id, .min_group_size = min_group};
    struct kpi_result *r = NULL;
    char msg[KPI_QUERY_ERR_LEN];
    sqlite3 *db = store_reader_open(st);
    int set;

    if (!db) {
        fprintf(err, "collector baseline set: cannot read the database\n");
        return 1;
    }
    if (kpi_query_run(db, &p, &r, msg, sizeof msg) != KPI_QUERY_OK) {
        fprintf(err, "collector baseline set: %s\n", msg);
        sqlite3_close(db);
        return 1;
    }
    set = baseline_put_all(st, r, out, err);
    if (set == 0)
        fprintf(out,
                "no KPI of %s needed a baseline from FY%d (the plan publishes them, or no mean"
                " could be published)\n",
                survey_id, fiscal_year);
    kpi_result_free(r);
    sqlite3_close(db);
    return set < 0 ? 1 : 0;
}

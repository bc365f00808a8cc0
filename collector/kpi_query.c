/* Yearly KPI from the store's release tables (collector/schema.h): the
 * counts a release froze; no response, sealed or released, is read. */
#include "kpi_query.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kpi_rate.h"
#include "store.h"

struct kpi_query_err_info {
    int status;
    const char *name;
};

static const struct kpi_query_err_info kpi_query_err_table[] = {
#define KPI_QUERY_INFO(code, status, name) {status, name},
    KPI_QUERY_ERRORS(KPI_QUERY_INFO)
#undef KPI_QUERY_INFO
};

int kpi_query_status(enum kpi_query_err err)
{
    return kpi_query_err_table[err].status;
}

const char *kpi_query_errname(enum kpi_query_err err)
{
    return kpi_query_err_table[err].name;
}

static enum kpi_query_err fail(enum kpi_query_err e, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static enum kpi_query_err fail(enum kpi_query_err e, char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;

    if (err && errlen) {
        va_start(ap, fmt);
        vsnprintf(err, errlen, fmt, ap);
        va_end(ap);
    }
    return e;
}

static enum kpi_query_err fail_db(sqlite3 *db, char *err, size_t errlen)
{
    return fail(KPI_QUERY_E_DB, err, errlen, "the database cannot be read (%s); retry later",
                sqlite3_errmsg(db));
}

bool kpi_query_parse_year(const char *text, int *year)
{
    char *end;
    long v;

    if (!text || *text < '0' || *text > '9')
        return false;
    errno = 0;
    v = strtol(text, &end, 10);
    if (errno || *end || v < KPI_QUERY_MIN_YEAR || v > KPI_QUERY_MAX_YEAR)
        return false;
    *year = (int)v;
    return true;
}

int kpi_query_years(sqlite3 *db, const char *survey_id, int *years, int max)
{
    return store_release_years(db, survey_id, years, max);
}

/* Lists the survey ids held, for a message that tells the user what exists. */
static void list_survey_ids(sqlite3 *db, char *buf, size_t len)
{
    sqlite3_stmt *st = NULL;
    const char *ids = NULL;

    snprintf(buf, len, "(none)");
    if (sqlite3_prepare_v2(db, "SELECT group_concat(DISTINCT survey_id) FROM surveys", -1, &st,
                           NULL) != SQLITE_OK)
        return;
    if (sqlite3_step(st) == SQLITE_ROW)
        ids = (const char *)sqlite3_column_text(st, 0);
    if (ids)
        snprintf(buf, len, "%s", ids);
    sqlite3_finalize(st);
}

static enum kpi_query_err survey_not_found(sqlite3 *db, const char *survey_id, char *err,
                                           size_t errlen)
{
    char ids[256];

    if (!survey_id)
        return fail(KPI_QUERY_E_NO_SURVEY, err, errlen,
                    "no survey has been published yet; publish one with"
                    " `collector survey publish FILE --db PATH`");
    list_survey_ids(db, ids, sizeof ids);
    return fail(KPI_QUERY_E_UNKNOWN_SURVEY, err, errlen,
                "survey \"%.64s\" is not held by this collector (surveys held: %s); leave out"
                " survey= for the active survey",
                survey_id, ids);
}

enum kpi_query_err kpi_query_survey(sqlite3 *db, const char *survey_id, struct survey **out,
                                    char *published_at, size_t published_len, char *err,
                                    size_t errlen)
{
    static const char sql_active[] = "SELECT definition, published_at FROM surveys"
                                     " WHERE active = 1 ORDER BY version DESC LIMIT 1";
    static const char sql_id[] = "SELECT definition, published_at FROM surveys"
                                 " WHERE survey_id = ?1 ORDER BY active DESC, version DESC LIMIT 1";
    sqlite3_stmt *st = NULL;
    enum kpi_query_err e = KPI_QUERY_OK;
    char serr[SURVEY_ERR_LEN];
    int rc;

    *out = NULL;
    if (sqlite3_prepare_v2(db, survey_id ? sql_id : sql_active, -1, &st, NULL) != SQLITE_OK)
        return fail_db(db, err, errlen);
    if (survey_id)
        sqlite3_bind_text(st, 1, survey_id, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) {
        e = survey_not_found(db, survey_id, err, errlen);
        goto done;
    }
    if (rc != SQLITE_ROW) {
        e = fail_db(db, err, errlen);
        goto done;
    }
    if (published_at)
        snprintf(published_at, published_len, "%s", (const char *)sqlite3_column_text(st, 1));
    if (survey_load_buffer((const char *)sqlite3_column_text(st, 0),
                           (size_t)sqlite3_column_bytes(st, 0), out, serr,
                           sizeof serr) != SURVEY_OK)
        e = fail(KPI_QUERY_E_BAD_DEFINITION, err, errlen,
                 "the stored survey definition cannot be read (%s); publish it again", serr);
done:
    sqlite3_finalize(st);
    return e;
}

const char *kpi_group_label(const struct kpi_group *g)
{
    if (g->kind == KPI_GROUP_OPTION)
        return g->option->label;
    return g->kind == KPI_GROUP_UNANSWERED ? "未回答" : "その他（旧版の選択肢）";
}

bool kpi_query_active_id(sqlite3 *db, char *out, size_t len)
{
    struct survey *s = NULL;

    if (kpi_query_survey(db, NULL, &s, NULL, 0, NULL, 0) != KPI_QUERY_OK)
        return false;
    snprintf(out, len, "%s", s->id);
    survey_free(s);
    return true;
}

/* ---- building the result ---- */

static int item_of_question(const struct kpi_result *r, const char *qid)
{
    for (size_t i = 0; i < r->n_items; i++)
        if (strcmp(r->items[i].q->id, qid) == 0)
            return (int)i;
    return -1;
}

static void stat_finish(const struct survey *s, struct kpi_stat *st, long min_group,
                        bool force_suppress)
{
    int values[SURVEY_MAX_POINTS];

    for (size_t k = 0; k < s->n_points; k++)
        values[k] = s->points[k].value;
    kpi_summarize(values, st->counts, s->n_points, s->favorable_min, &st->sum);
    st->suppressed = force_suppress || st->sum.n < min_group;
}

static int category_index(const struct kpi_result *r, const char *name)
{
    for (size_t c = 0; c < r->n_categories; c++)
        if (strcmp(r->categories[c].name, name) == 0)
            return (int)c;
    return -1;
}

/* The groups of one breakdown: each option, the unanswered, "other". */
static enum kpi_query_err breakdown_alloc(const struct kpi_result *r, struct kpi_breakdown *bd,
                                          const struct survey_attribute *by)
{
    bd->by = by;
    if (!(bd->groups = calloc(by->n_options + 2, sizeof *bd->groups)))
        return KPI_QUERY_E_NOMEM;
    bd->n_groups = by->n_options + 2; /* only now: kpi_result_free() walks the groups */
    for (size_t g = 0; g < bd->n_groups; g++) {
        struct kpi_group *gr = &bd->groups[g];
        gr->kind = g < by->n_options    ? KPI_GROUP_OPTION
                   : g == by->n_options ? KPI_GROUP_UNANSWERED
                                        : KPI_GROUP_OTHER;
        gr->option = g < by->n_options ? &by->options[g] : NULL;
        gr->items = calloc(r->n_items ? r->n_items : 1, sizeof *gr->items);
        gr->homogeneous = calloc(r->n_items ? r->n_items : 1, sizeof *gr->homogeneous);
        gr->categories = calloc(r->n_categories ? r->n_categories : 1, sizeof *gr->categories);
        if (!gr->items || !gr->homogeneous || !gr->categories)
            return KPI_QUERY_E_NOMEM;
    }
    return KPI_QUERY_OK;
}

static enum kpi_query_err result_alloc(struct kpi_result *r,
                                       const struct survey_attribute *const *by, size_t n_by)
{
    size_t nq = r->survey->n_questions;

    r->items = calloc(nq ? nq : 1, sizeof *r->items);
    r->categories = calloc(nq ? nq : 1, sizeof *r->categories);
    if (!r->items || !r->categories)
        return KPI_QUERY_E_NOMEM;
    for (size_t i = 0; i < nq; i++) {
        const struct survey_question *q = &r->survey->questions[i];
        if (!q->is_kpi)
            continue;
        r->items[r->n_items].q = q;
        if (q->kpi.has_baseline) {
            r->items[r->n_items].baseline_source = KPI_BASELINE_PUBLISHED;
            r->items[r->n_items].baseline = q->kpi.baseline;
        }
        r->n_items++;
        if (q->category && category_index(r, q->category) < 0)
            r->categories[r->n_categories++].name = q->category;
    }
    if (kpi_rates_alloc(r) != KPI_QUERY_OK)
        return KPI_QUERY_E_NOMEM;
    if (r->survey->has_plan) {
        const struct survey_plan *pl = &r->survey->plan;
        r->years =
            calloc((size_t)(pl->to_fiscal_year - pl->from_fiscal_year + 1), sizeof *r->years);
        if (!r->years)
            return KPI_QUERY_E_NOMEM;
        r->n_years = (size_t)(pl->to_fiscal_year - pl->from_fiscal_year + 1);
        for (size_t y = 0; y < r->n_years; y++)
            r->years[y].fiscal_year = pl->from_fiscal_year + (int)y;
        for (size_t i = 0; i < r->n_items; i++)
            if (!(r->items[i].series = calloc(r->n_years, sizeof *r->items[i].series)))
                return KPI_QUERY_E_NOMEM;
    }
    if (!n_by)
        return KPI_QUERY_OK;
    if (!(r->breakdowns = calloc(n_by, sizeof *r->breakdowns)))
        return KPI_QUERY_E_NOMEM;
    for (size_t b = 0; b < n_by; b++) {
        enum kpi_query_err e = breakdown_alloc(r, &r->breakdowns[r->n_breakdowns++], by[b]);
        if (e != KPI_QUERY_OK)
            return e;
    }
    return KPI_QUERY_OK;
}

void kpi_result_free(struct kpi_result *r)
{
    if (!r)
        return;
    for (size_t b = 0; b < r->n_breakdowns; b++) {
        struct kpi_breakdown *bd = &r->breakdowns[b];
        for (size_t g = 0; g < bd->n_groups; g++) {
            free(bd->groups[g].items);
            free(bd->groups[g].homogeneous);
            free(bd->groups[g].categories);
        }
        free(bd->groups);
    }
    free(r->breakdowns);
    for (size_t i = 0; r->items && i < r->n_items; i++)
        free(r->items[i].series);
    free(r->years);
    free(r->rates);
    free(r->items);
    free(r->categories);
    survey_free(r->survey);
    free(r);
}

/* The group of a value of the breakdown's attribute as the respondent
 * answered it: its option, "unanswered" for "" (also when the version they
 * answered did not ask), and "other" for an id the report's version does
 * not know, so that the groups always partition the total. */
static int group_of(const struct kpi_breakdown *bd, const char *opt)
{
    int o;

    if (!*opt)
        return (int)bd->by->n_options;
    o = survey_option_index(bd->by, opt);
    return o >= 0 ? o : (int)bd->by->n_options + 1;
}

static void respondents_row(const char *attr, const char *opt, long long n, void *ctx)
{
    struct kpi_result *r = ctx;
    struct kpi_rate *rt = kpi_rate_find(r, attr, opt);

    if (rt)
        rt->respondents += (long)n;
    if (!*attr && !*opt)
        r->respondents = (long)n;
    for (size_t b = 0; *attr && b < r->n_breakdowns; b++) {
        struct kpi_breakdown *bd = &r->breakdowns[b];
        if (strcmp(attr, bd->by->id) == 0)
            bd->groups[group_of(bd, opt)].respondents += (long)n;
    }
}

/* Counts of one population's answers, by item and scale point. */
struct counts_ctx {
    struct kpi_result *r;
    long (*counts)[SURVEY_MAX_POINTS]; /* n_items rows; NULL for the breakdown's groups */
    struct kpi_breakdown *bd;          /* the breakdown when counts is NULL */
};

static void answers_row(const char *opt, const char *qid, int value, long long n, void *ctx)
{
    struct counts_ctx *c = ctx;
    int i = item_of_question(c->r, qid), k = survey_point_index(c->r->survey, value);

    if (i < 0 || k < 0)
        return; /* not a KPI of this version, or a point it does not have */
    if (c->counts)
        c->counts[i][k] += (long)n;
    else
        c->bd->groups[group_of(c->bd, opt)].items[i].counts[k] += (long)n;
}

static void baseline_row(const char *qid, int fiscal_year, double value, void *ctx)
{
    struct kpi_result *r = ctx;
    int i = item_of_question(r, qid);

    if (i < 0 || r->items[i].baseline_source == KPI_BASELINE_PUBLISHED)
        return; /* the plan's own figure always wins */
    r->items[i].baseline_source = KPI_BASELINE_SET;
    r->items[i].baseline = value;
    r->items[i].baseline_year = fiscal_year;
}

/* The whole population's figures of one fiscal year from its latest
 * release into stats[] (n_items, like r->items), suppressed as that year's
 * own report would show them; *rel is the release, revision 0 without one. */
static enum kpi_query_err load_year(sqlite3 *db, const struct kpi_result *r, int fiscal_year,
                                    struct kpi_stat *stats, struct store_release_info *rel)
{
    long(*counts)[SURVEY_MAX_POINTS] = NULL;
    struct counts_ctx c = {(struct kpi_result *)r, NULL, NULL};

    memset(stats, 0, r->n_items * sizeof *stats);
    if (store_release_latest(db, r->survey->id, fiscal_year, rel) != 0)
        return KPI_QUERY_E_DB;
    if (rel->revision == 0)
        return KPI_QUERY_OK;
    if (!(counts = calloc(r->n_items ? r->n_items : 1, sizeof *counts)))
        return KPI_QUERY_E_NOMEM;
    c.counts = counts;
    if (store_release_answers(db, r->survey->id, fiscal_year, rel->revision, "", answers_row, &c) !=
        0) {
        free(counts);
        return KPI_QUERY_E_DB;
    }
    for (size_t i = 0; i < r->n_items; i++) {
        memcpy(stats[i].counts, counts[i], sizeof stats[i].counts);
        stat_finish(r->survey, &stats[i], r->min_group_size,
                    (long)rel->respondents < r->min_group_size);
    }
    free(counts);
    return KPI_QUERY_OK;
}

/* The previous fiscal year's publishable means, from its latest release. */
static enum kpi_query_err load_previous(sqlite3 *db, struct kpi_result *r)
{
    struct store_release_info prev;
    struct kpi_stat *stats = calloc(r->n_items ? r->n_items : 1, sizeof *stats);
    enum kpi_query_err e;

    if (!stats)
        return KPI_QUERY_E_NOMEM;
    e = load_year(db, r, r->fiscal_year - 1, stats, &prev);
    for (size_t i = 0; e == KPI_QUERY_OK && prev.revision && i < r->n_items; i++) {
        if (!stats[i].suppressed && stats[i].sum.n > 0) {
            r->items[i].has_previous = true;
            r->items[i].previous_mean = stats[i].sum.mean;
            r->items[i].previous = stats[i].sum;
        }
    }
    free(stats);
    return e;
}

/* Each item's figures over the plan's fiscal years up to the report's. */
static enum kpi_query_err load_series(sqlite3 *db, struct kpi_result *r)
{
    struct kpi_stat *stats;
    enum kpi_query_err e = KPI_QUERY_OK;

    if (!r->n_years)
        return KPI_QUERY_OK;
    if (!(stats = calloc(r->n_items ? r->n_items : 1, sizeof *stats)))
        return KPI_QUERY_E_NOMEM;
    for (size_t y = 0; y < r->n_years && e == KPI_QUERY_OK; y++) {
        struct kpi_year *yr = &r->years[y];
        struct store_release_info rel = {0};

        if (yr->fiscal_year > r->fiscal_year) {
            yr->status = KPI_YEAR_AFTER;
            continue;
        }
        if (yr->fiscal_year == r->fiscal_year) {
            for (size_t i = 0; i < r->n_items; i++)
                stats[i] = r->items[i].all;
            rel.revision = r->release;
            rel.respondents = r->respondents;
        } else if ((e = load_year(db, r, yr->fiscal_year, stats, &rel)) != KPI_QUERY_OK) {
            break;
        }
        yr->status = rel.revision ? KPI_YEAR_RELEASED : KPI_YEAR_NONE;
        yr->release = rel.revision;
        yr->respondents = (long)rel.respondents;
        for (size_t i = 0; i < r->n_items; i++)
            r->items[i].series[y] = stats[i];
    }
    free(stats);
    return e;
}

/* 1 when x lies in the 95% interval of st's mean, 0 when not, -1 unknown. */
static int within_ci(const struct kpi_stat *st, bool has, double x)
{
    if (!has || st->suppressed || isnan(st->sum.ci_low) || isnan(x))
        return -1;
    return st->sum.ci_low <= x && x <= st->sum.ci_high;
}

/* The change against the baseline: a baseline set from a released year is
 * that year's sample, so its own spread counts (Welch); a published figure
 * is taken as fixed. */
static enum kpi_query_err changes_finish(sqlite3 *db, struct kpi_result *r)
{
    int year = 0;
    struct kpi_stat *base = calloc(r->n_items ? r->n_items : 1, sizeof *base);
    struct store_release_info rel = {0};
    enum kpi_query_err e = KPI_QUERY_OK;

    if (!base)
        return KPI_QUERY_E_NOMEM;
    for (size_t i = 0; i < r->n_items; i++)
        if (r->items[i].baseline_source == KPI_BASELINE_SET)
            year = r->items[i].baseline_year;
    if (year && year != r->fiscal_year)
        e = load_year(db, r, year, base, &rel);
    for (size_t i = 0; e == KPI_QUERY_OK && i < r->n_items; i++) {
        struct kpi_item *it = &r->items[i];
        bool shown = !it->all.suppressed && it->all.sum.n > 0;
        bool has_b = it->baseline_source != KPI_BASELINE_NONE;
        const struct survey_kpi *k = &it->q->kpi;

        memset(&it->vs_previous, 0, sizeof it->vs_previous);
        memset(&it->vs_baseline, 0, sizeof it->vs_baseline);
        if (shown && it->has_previous)
            kpi_change_welch(&it->all.sum, &it->previous, &it->vs_previous);
        if (shown && it->baseline_source == KPI_BASELINE_SET && rel.revision &&
            it->baseline_year == year && !base[i].suppressed)
            kpi_change_welch(&it->all.sum, &base[i].sum, &it->vs_baseline);
        else if (shown && has_b)
            kpi_change_fixed(&it->all.sum, it->baseline, &it->vs_baseline);
        it->baseline_within_ci = within_ci(&it->all, has_b, it->baseline);
        it->target_within_ci =
            within_ci(&it->all, k->target_kind == SURVEY_TARGET_VALUE, k->target);
    }
    free(base);
    return e;
}

/* The released figures of the whole population, the previous year's means
 * and the baselines an administrator set. */
static enum kpi_query_err load_release(sqlite3 *db, struct kpi_result *r)
{
    long(*counts)[SURVEY_MAX_POINTS] = calloc(r->n_items ? r->n_items : 1, sizeof *counts);
    struct counts_ctx c = {r, counts, NULL};
    enum kpi_query_err e = KPI_QUERY_E_DB;

    if (!counts)
        return KPI_QUERY_E_NOMEM;
    if (store_release_answers(db, r->survey->id, r->fiscal_year, r->release, "", answers_row, &c) ==
            0 &&
        store_baselines(db, r->survey->id, baseline_row, r) == 0)
        e = load_previous(db, r);
    for (size_t i = 0; i < r->n_items; i++)
        memcpy(r->items[i].all.counts, counts[i], sizeof counts[i]);
    free(counts);
    return e;
}

/* The stat of item i in a population: the whole one when g is NULL. */
static const struct kpi_stat *pop_stat(const struct kpi_result *r, const struct kpi_group *g,
                                       size_t i)
{
    return g ? &g->items[i] : &r->items[i].all;
}

/* Means per category of population g (see pop_stat). */
static void categories_finish(const struct kpi_result *r, const struct kpi_group *g,
                              struct kpi_category *cats, bool population_suppressed)
{
    for (size_t c = 0; c < r->n_categories; c++) {
        double sum = 0;
        long n = 0;
        bool hidden = population_suppressed;

        for (size_t i = 0; i < r->n_items; i++) {
            const struct survey_question *q = r->items[i].q;
            const struct kpi_stat *st = pop_stat(r, g, i);
            if (!q->category || strcmp(q->category, r->categories[c].name) != 0)
                continue;
            n += st->sum.n;
            if (st->sum.n > 0) {
                sum += st->sum.mean * (double)st->sum.n;
                hidden = hidden || st->suppressed;
            }
        }
        cats[c].name = r->categories[c].name;
        cats[c].n = n;
        cats[c].mean = n ? sum / (double)n : NAN;
        cats[c].suppressed = hidden || n == 0;
    }
}

static void items_finish(struct kpi_result *r)
{
    for (size_t i = 0; i < r->n_items; i++) {
        struct kpi_item *it = &r->items[i];
        const struct survey_kpi *k = &it->q->kpi;

        stat_finish(r->survey, &it->all, r->min_group_size, r->suppressed);
        it->achieved = it->all.suppressed
                           ? -1
                           : kpi_achieved(it->all.sum.mean, k->target_kind, k->target,
                                          it->baseline_source != KPI_BASELINE_NONE, it->baseline);
    }
    categories_finish(r, NULL, r->categories, r->suppressed);
}

/* Whether counts[] holds answers and all of them on one point: publishing
 * it tells everyone in the population what each member answered. */
static bool one_value(const long *counts, size_t n_points)
{
    size_t used = 0;

    for (size_t k = 0; k < n_points; k++)
        used += counts[k] > 0;
    return used == 1;
}

/* Completes a suppression pattern for one item: the hidden groups that
 * hold answers are given back, together, by the total minus the published
 * groups. While they hold fewer than min answers, or all on one value, the
 * smallest published group with answers is hidden too. */
static void suppress_complete(const struct kpi_result *r, const struct kpi_breakdown *bd,
                              size_t item, long min, bool *sup)
{
    for (;;) {
        long hidden = 0, joint[SURVEY_MAX_POINTS] = {0};
        int smallest = -1;

        for (size_t g = 0; g < bd->n_groups; g++) {
            const struct kpi_stat *st = &bd->groups[g].items[item];
            if (sup[g]) {
                hidden += st->sum.n;
                for (size_t k = 0; k < r->survey->n_points; k++)
                    joint[k] += st->counts[k];
            } else if (st->sum.n > 0 &&
                       (smallest < 0 || st->sum.n < bd->groups[smallest].items[item].sum.n)) {
                smallest = (int)g;
            }
        }
        if (hidden == 0 || smallest < 0 ||
            (hidden >= min && !one_value(joint, r->survey->n_points)))
            return;
        sup[smallest] = true;
    }
}

static enum kpi_query_err load_group_counts(sqlite3 *db, struct kpi_result *r,
                                            struct kpi_breakdown *bd)
{
    struct counts_ctx c = {r, NULL, bd};

    return store_release_answers(db, r->survey->id, r->fiscal_year, r->release, bd->by->id,
                                 answers_row, &c) == 0
               ? KPI_QUERY_OK
               : KPI_QUERY_E_DB;
}

/* Group-level suppression by kpi_suppress, then per item: a group's item
 * figures are hidden when the group is small, its answers are few, or all
 * of them are one value (SECURITY.md, "Homogeneous groups"); and what is
 * hidden must not come back as the total item minus the published groups. */
static enum kpi_query_err groups_finish(sqlite3 *db, struct kpi_result *r, struct kpi_breakdown *bd)
{
    long n[SURVEY_MAX_OPTIONS + 2];
    bool sup[SURVEY_MAX_OPTIONS + 2];
    enum kpi_query_err e = load_group_counts(db, r, bd);

    if (e != KPI_QUERY_OK)
        return e;
    for (size_t g = 0; g < bd->n_groups; g++)
        n[g] = bd->groups[g].respondents;
    if (kpi_suppress(n, bd->n_groups, r->min_group_size, sup))
        for (size_t g = 0; g < bd->n_groups; g++)
            sup[g] = true;
    for (size_t g = 0; g < bd->n_groups; g++)
        bd->groups[g].suppressed = sup[g] || r->suppressed;
    for (size_t i = 0; i < r->n_items; i++) {
        for (size_t g = 0; g < bd->n_groups; g++) {
            struct kpi_group *gr = &bd->groups[g];
            struct kpi_stat *st = &gr->items[i];
            stat_finish(r->survey, st, r->min_group_size, gr->suppressed);
            gr->homogeneous[i] = !st->suppressed && one_value(st->counts, r->survey->n_points);
            sup[g] = (st->suppressed || gr->homogeneous[i]) && st->sum.n > 0;
        }
        suppress_complete(r, bd, i, r->min_group_size, sup);
        for (size_t g = 0; g < bd->n_groups; g++)
            bd->groups[g].items[i].suppressed = bd->groups[g].items[i].suppressed || sup[g];
    }
    for (size_t g = 0; g < bd->n_groups; g++)
        categories_finish(r, &bd->groups[g], bd->groups[g].categories, bd->groups[g].suppressed);
    return KPI_QUERY_OK;
}

/* Drops the "other" group when no respondent is in it. */
static void groups_trim(struct kpi_breakdown *bd)
{
    struct kpi_group *last = &bd->groups[bd->n_groups - 1];

    if (last->kind != KPI_GROUP_OTHER || last->respondents > 0)
        return;
    free(last->items);
    free(last->homogeneous);
    free(last->categories);
    bd->n_groups--;
}

/* The attributes of group_by, "a" or "a,b,c", into by[]; each once. */
static enum kpi_query_err parse_group_by(const struct kpi_result *r, const char *group_by,
                                         const struct survey_attribute **by, size_t *n_by,
                                         char *err, size_t errlen)
{
    char ids[256] = "";
    size_t used = 0;

    *n_by = 0;
    for (const char *p = group_by; p && *p;) {
        size_t len = strcspn(p, ",");
        const struct survey_attribute *a = NULL;
        for (size_t i = 0; i < r->survey->n_attributes; i++)
            if (strlen(r->survey->attributes[i].id) == len &&
                !strncmp(r->survey->attributes[i].id, p, len))
                a = &r->survey->attributes[i];
        for (size_t b = 0; a && b < *n_by; b++)
            if (by[b] == a)
                return fail(KPI_QUERY_E_UNKNOWN_ATTRIBUTE, err, errlen,
                            "group_by names \"%s\" twice", a->id);
        if (!a) {
            for (size_t i = 0; i < r->survey->n_attributes && used + 70 < sizeof ids; i++)
                used += (size_t)snprintf(ids + used, sizeof ids - used, "%s%s", i ? ", " : "",
                                         r->survey->attributes[i].id);
            return fail(KPI_QUERY_E_UNKNOWN_ATTRIBUTE, err, errlen,
                        "group_by \"%.*s\" is not an attribute of survey \"%s\" (attributes: %s)",
                        (int)(len > 64 ? 64 : len), p, r->survey->id, used ? ids : "none");
        }
        by[(*n_by)++] = a;
        p += len + (p[len] == ',');
    }
    return KPI_QUERY_OK;
}

static enum kpi_query_err no_release(sqlite3 *db, const struct kpi_result *r, char *err,
                                     size_t errlen)
{
    int years[KPI_QUERY_MAX_YEARS];
    char list[512] = "";
    size_t used = 0;
    int n = kpi_query_years(db, r->survey->id, years, KPI_QUERY_MAX_YEARS);

    for (int i = 0; i < n && used + 8 < sizeof list; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%d", i ? ", " : "", years[i]);
    if (store_year_respondents(db, r->survey->id, r->fiscal_year) == 0)
        return fail(KPI_QUERY_E_NO_DATA, err, errlen,
                    "survey \"%s\" has no responses in fiscal year %d (%s); fiscal years"
                    " released: %s",
                    r->survey->id, r->fiscal_year, r->label, n > 0 ? list : "none yet");
    return fail(KPI_QUERY_E_NOT_RELEASED, err, errlen,
                "survey \"%s\" has no released figures for fiscal year %d (%s): figures appear"
                " when collection closes (collector survey close) or a release is made"
                " (collector release); fiscal years released: %s",
                r->survey->id, r->fiscal_year, r->label, n > 0 ? list : "none yet");
}

static enum kpi_query_err query_fill(sqlite3 *db, const struct kpi_query_params *p,
                                     struct kpi_result *r, char *err, size_t errlen)
{
    const struct survey_attribute *by[SURVEY_MAX_ATTRIBUTES];
    size_t n_by;
    struct store_release_info rel;
    enum kpi_query_err e;

    if ((e = parse_group_by(r, p->group_by, by, &n_by, err, errlen)) != KPI_QUERY_OK)
        return e;
    if ((e = result_alloc(r, by, n_by)) != KPI_QUERY_OK)
        return fail(e, err, errlen, "out of memory while computing the KPI; retry later");
    if (store_release_latest(db, r->survey->id, r->fiscal_year, &rel) != 0)
        return fail_db(db, err, errlen);
    if (rel.revision == 0)
        return no_release(db, r, err, errlen);
    r->release = rel.revision;
    snprintf(r->released_at, sizeof r->released_at, "%s", rel.made_at);
    snprintf(r->release_reason, sizeof r->release_reason, "%s", rel.reason);
    if (store_release_respondents(db, r->survey->id, r->fiscal_year, r->release, respondents_row,
                                  r) != 0)
        return fail_db(db, err, errlen);
    if (kpi_rates_load_headcounts(db, r) != 0)
        return fail_db(db, err, errlen);
    r->suppressed = r->respondents < r->min_group_size;
    if ((e = load_release(db, r)) != KPI_QUERY_OK)
        return e == KPI_QUERY_E_NOMEM ? fail(e, err, errlen, "out of memory; retry later")
                                      : fail_db(db, err, errlen);
    items_finish(r);
    if ((e = changes_finish(db, r)) == KPI_QUERY_OK)
        e = load_series(db, r);
    if (e != KPI_QUERY_OK)
        return e == KPI_QUERY_E_NOMEM ? fail(e, err, errlen, "out of memory; retry later")
                                      : fail_db(db, err, errlen);
    for (size_t b = 0; b < r->n_breakdowns; b++) {
        if (groups_finish(db, r, &r->breakdowns[b]) != KPI_QUERY_OK)
            return fail_db(db, err, errlen);
        groups_trim(&r->breakdowns[b]);
    }
    return KPI_QUERY_OK;
}

enum kpi_query_err kpi_query_run(sqlite3 *db, const struct kpi_query_params *p,
                                 struct kpi_result **out, char *err, size_t errlen)
{
    struct kpi_result *r;
    enum kpi_query_err e;

    *out = NULL;
    if (p->fiscal_year < KPI_QUERY_MIN_YEAR || p->fiscal_year > KPI_QUERY_MAX_YEAR)
        return fail(KPI_QUERY_E_BAD_YEAR, err, errlen,
                    "fiscal_year %d is out of range; give the year in which the fiscal year"
                    " starts, e.g. 2024 for 令和6年度",
                    p->fiscal_year);
    r = calloc(1, sizeof *r);
    if (!r)
        return fail(KPI_QUERY_E_NOMEM, err, errlen, "out of memory; retry later");
    r->fiscal_year = p->fiscal_year;
    r->min_group_size = p->min_group_size > 0 ? p->min_group_size : KPI_DEFAULT_MIN_GROUP;
    fiscal_label(r->fiscal_year, r->label, sizeof r->label);
    e = kpi_query_survey(db, p->survey_id, &r->survey, r->published_at, sizeof r->published_at, err,
                         errlen);
    if (e == KPI_QUERY_OK)
        e = query_fill(db, p, r, err, errlen);
    if (e != KPI_QUERY_OK) {
        kpi_result_free(r);
        return e;
    }
    *out = r;
    return KPI_QUERY_OK;
}

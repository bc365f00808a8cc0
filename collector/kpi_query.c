/* Yearly KPI from the store's aggregates. Assumes the ingest keeps
 * answer_counts and respondent_counts in step with the raw responses (same
 * transaction), keyed as collector/schema.h says; raw rows are never read. */
#include "kpi_query.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
    static const char sql[] = "SELECT fiscal_year FROM respondent_counts WHERE survey_id = ?1"
                              " AND attribute_id = '' AND option_id = '' AND count > 0"
                              " ORDER BY fiscal_year";
    sqlite3_stmt *st = NULL;
    int n = 0, rc;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return -1;
    sqlite3_bind_text(st, 1, survey_id, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW && n < max)
        years[n++] = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    return (rc == SQLITE_ROW || rc == SQLITE_DONE) ? n : -1;
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

static enum kpi_query_err result_alloc(struct kpi_result *r, const struct survey_attribute *by)
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
    if (!by)
        return KPI_QUERY_OK;
    r->group_by = by;
    r->groups = calloc(by->n_options + 1, sizeof *r->groups);
    if (!r->groups)
        return KPI_QUERY_E_NOMEM;
    r->n_groups = by->n_options + 1; /* only now: kpi_result_free() walks the groups */
    for (size_t g = 0; g < r->n_groups; g++) {
        r->groups[g].option = g < by->n_options ? &by->options[g] : NULL;
        r->groups[g].items = calloc(r->n_items ? r->n_items : 1, sizeof *r->groups[g].items);
        r->groups[g].categories =
            calloc(r->n_categories ? r->n_categories : 1, sizeof *r->groups[g].categories);
        if (!r->groups[g].items || !r->groups[g].categories)
            return KPI_QUERY_E_NOMEM;
    }
    return KPI_QUERY_OK;
}

void kpi_result_free(struct kpi_result *r)
{
    if (!r)
        return;
    for (size_t g = 0; g < r->n_groups; g++) {
        free(r->groups[g].items);
        free(r->groups[g].categories);
    }
    free(r->groups);
    free(r->items);
    free(r->categories);
    survey_free(r->survey);
    free(r);
}

/* Respondents of the whole population and, with a breakdown, of each group.
 * "Unanswered" is the complement of the options, so that the groups always
 * partition the total as complementary suppression requires. */
static enum kpi_query_err load_respondents(sqlite3 *db, struct kpi_result *r)
{
    static const char sql[] = "SELECT attribute_id, option_id, count FROM respondent_counts"
                              " WHERE survey_id = ?1 AND fiscal_year = ?2";
    sqlite3_stmt *st = NULL;
    long options_total = 0;
    int rc;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return KPI_QUERY_E_DB;
    sqlite3_bind_text(st, 1, r->survey->id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, r->fiscal_year);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *attr = (const char *)sqlite3_column_text(st, 0);
        const char *opt = (const char *)sqlite3_column_text(st, 1);
        long count = (long)sqlite3_column_int64(st, 2);
        int o;

        if (!*attr && !*opt)
            r->respondents = count;
        else if (r->group_by && strcmp(attr, r->group_by->id) == 0 && *opt &&
                 (o = survey_option_index(r->group_by, opt)) >= 0) {
            r->groups[o].respondents = count;
            options_total += count;
        }
    }
    sqlite3_finalize(st);
    if (rc != SQLITE_DONE)
        return KPI_QUERY_E_DB;
    if (r->group_by)
        r->groups[r->n_groups - 1].respondents =
            r->respondents > options_total ? r->respondents - options_total : 0;
    return KPI_QUERY_OK;
}

/* Closes one fiscal year of the whole population's history: the requested
 * year's counts, the previous year's mean, and a first-year baseline for a
 * KPI that has none, taken from the first year whose mean may be published. */
static void close_year(struct kpi_result *r, int year, long (*counts)[SURVEY_MAX_POINTS])
{
    for (size_t i = 0; i < r->n_items; i++) {
        struct kpi_item *it = &r->items[i];
        struct kpi_stat st;

        memcpy(st.counts, counts[i], sizeof st.counts);
        memset(counts[i], 0, sizeof counts[i]);
        if (year == r->fiscal_year)
            memcpy(it->all.counts, st.counts, sizeof st.counts);
        stat_finish(r->survey, &st, r->min_group_size, false);
        if (st.suppressed)
            continue;
        if (year == r->fiscal_year - 1) {
            it->has_previous = true;
            it->previous_mean = st.sum.mean;
        }
        if (it->baseline_source == KPI_BASELINE_NONE) {
            it->baseline_source = KPI_BASELINE_FIRST_YEAR;
            it->baseline = kpi_round2(st.sum.mean);
            it->baseline_year = year;
        }
    }
}

static enum kpi_query_err load_history(sqlite3 *db, struct kpi_result *r)
{
    static const char sql[] = "SELECT fiscal_year, question_id, value, count FROM answer_counts"
                              " WHERE survey_id = ?1 AND fiscal_year <= ?2"
                              " AND attribute_id = '' AND option_id = ''"
                              " ORDER BY fiscal_year, question_id";
    long(*counts)[SURVEY_MAX_POINTS] = calloc(r->n_items ? r->n_items : 1, sizeof *counts);
    sqlite3_stmt *st = NULL;
    enum kpi_query_err e = KPI_QUERY_E_DB;
    char qid[SURVEY_MAX_ID_BYTES + 1] = ""; /* ids are never empty: the first row differs */
    int year = 0, item = -1, rc;

    if (!counts)
        return KPI_QUERY_E_NOMEM;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        goto done;
    sqlite3_bind_text(st, 1, r->survey->id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, r->fiscal_year);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        int y = sqlite3_column_int(st, 0);
        const char *q = (const char *)sqlite3_column_text(st, 1);
        int k = survey_point_index(r->survey, sqlite3_column_int(st, 2));

        if (year && y != year)
            close_year(r, year, counts);
        year = y;
        /* Rows come sorted by question: look the item up once per question. */
        if (strcmp(q, qid) != 0) {
            snprintf(qid, sizeof qid, "%s", q);
            item = item_of_question(r, qid);
        }
        if (item >= 0 && k >= 0)
            counts[item][k] += (long)sqlite3_column_int64(st, 3);
    }
    if (rc != SQLITE_DONE)
        goto done;
    if (year)
        close_year(r, year, counts);
    e = KPI_QUERY_OK;
done:
    sqlite3_finalize(st);
    free(counts);
    return e;
}

/* The stat of item i in population g: the whole population when g < 0. */
static const struct kpi_stat *pop_stat(const struct kpi_result *r, int g, size_t i)
{
    return g < 0 ? &r->items[i].all : &r->groups[g].items[i];
}

/* Means per category of population g (see pop_stat). */
static void categories_finish(const struct kpi_result *r, int g, struct kpi_category *cats,
                              bool population_suppressed)
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
    categories_finish(r, -1, r->categories, r->suppressed);
}

/* Completes a suppression pattern: while the suppressed groups that hold
 * answers hold fewer than min of them together, the published figures would
 * give them back by subtraction from the total, so the smallest published
 * group with answers is suppressed too. */
static void suppress_complete(const long *n, size_t k, long min, bool *sup)
{
    for (;;) {
        long hidden = 0;
        int smallest = -1;

        for (size_t g = 0; g < k; g++) {
            if (sup[g])
                hidden += n[g];
            else if (n[g] > 0 && (smallest < 0 || n[g] < n[smallest]))
                smallest = (int)g;
        }
        if (hidden == 0 || hidden >= min || smallest < 0)
            return;
        sup[smallest] = true;
    }
}

static enum kpi_query_err load_group_counts(sqlite3 *db, struct kpi_result *r)
{
    static const char sql[] = "SELECT option_id, question_id, value, count FROM answer_counts"
                              " WHERE survey_id = ?1 AND fiscal_year = ?2 AND attribute_id = ?3";
    sqlite3_stmt *st = NULL;
    int rc;

    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return KPI_QUERY_E_DB;
    sqlite3_bind_text(st, 1, r->survey->id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, r->fiscal_year);
    sqlite3_bind_text(st, 3, r->group_by->id, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *opt = (const char *)sqlite3_column_text(st, 0);
        int g = *opt ? survey_option_index(r->group_by, opt) : (int)r->n_groups - 1;
        int i = item_of_question(r, (const char *)sqlite3_column_text(st, 1));
        int k = survey_point_index(r->survey, sqlite3_column_int(st, 2));

        if (g >= 0 && i >= 0 && k >= 0)
            r->groups[g].items[i].counts[k] += (long)sqlite3_column_int64(st, 3);
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? KPI_QUERY_OK : KPI_QUERY_E_DB;
}

/* Group-level suppression by kpi_suppress, then per item: a group whose
 * item figures are hidden (small group or few answers) must not be
 * recoverable from the total item minus the published groups either. */
static enum kpi_query_err groups_finish(sqlite3 *db, struct kpi_result *r)
{
    long n[SURVEY_MAX_OPTIONS + 1];
    bool sup[SURVEY_MAX_OPTIONS + 1];
    enum kpi_query_err e = load_group_counts(db, r);

    if (e != KPI_QUERY_OK)
        return e;
    for (size_t g = 0; g < r->n_groups; g++)
        n[g] = r->groups[g].respondents;
    if (kpi_suppress(n, r->n_groups, r->min_group_size, sup))
        for (size_t g = 0; g < r->n_groups; g++)
            sup[g] = true;
    for (size_t g = 0; g < r->n_groups; g++)
        r->groups[g].suppressed = sup[g] || r->suppressed;
    for (size_t i = 0; i < r->n_items; i++) {
        for (size_t g = 0; g < r->n_groups; g++) {
            struct kpi_stat *st = &r->groups[g].items[i];
            stat_finish(r->survey, st, r->min_group_size, r->groups[g].suppressed);
            n[g] = st->sum.n;
            sup[g] = st->suppressed && st->sum.n > 0;
        }
        suppress_complete(n, r->n_groups, r->min_group_size, sup);
        for (size_t g = 0; g < r->n_groups; g++)
            r->groups[g].items[i].suppressed = r->groups[g].items[i].suppressed || sup[g];
    }
    for (size_t g = 0; g < r->n_groups; g++)
        categories_finish(r, (int)g, r->groups[g].categories, r->groups[g].suppressed);
    return KPI_QUERY_OK;
}

static enum kpi_query_err no_data(sqlite3 *db, const struct kpi_result *r, char *err, size_t errlen)
{
    int years[KPI_QUERY_MAX_YEARS];
    char list[512] = "";
    size_t used = 0;
    int n = kpi_query_years(db, r->survey->id, years, KPI_QUERY_MAX_YEARS);

    for (int i = 0; i < n && used + 8 < sizeof list; i++)
        used += (size_t)snprintf(list + used, sizeof list - used, "%s%d", i ? ", " : "", years[i]);
    return fail(KPI_QUERY_E_NO_DATA, err, errlen,
                "survey \"%s\" has no responses in fiscal year %d (%s); fiscal years held: %s",
                r->survey->id, r->fiscal_year, r->label, n > 0 ? list : "none yet");
}

static enum kpi_query_err query_fill(sqlite3 *db, const struct kpi_query_params *p,
                                     struct kpi_result *r, char *err, size_t errlen)
{
    const struct survey_attribute *by = NULL;
    enum kpi_query_err e;

    if (p->group_by && !(by = survey_find_attribute(r->survey, p->group_by))) {
        char ids[256] = "";
        size_t used = 0;
        for (size_t a = 0; a < r->survey->n_attributes && used + 70 < sizeof ids; a++)
            used += (size_t)snprintf(ids + used, sizeof ids - used, "%s%s", a ? ", " : "",
                                     r->survey->attributes[a].id);
        return fail(KPI_QUERY_E_UNKNOWN_ATTRIBUTE, err, errlen,
                    "group_by \"%.64s\" is not an attribute of survey \"%s\" (attributes: %s)",
                    p->group_by, r->survey->id, used ? ids : "none");
    }
    if ((e = result_alloc(r, by)) != KPI_QUERY_OK)
        return fail(e, err, errlen, "out of memory while computing the KPI; retry later");
    if (load_respondents(db, r) != KPI_QUERY_OK)
        return fail_db(db, err, errlen);
    if (r->respondents <= 0)
        return no_data(db, r, err, errlen);
    r->suppressed = r->respondents < r->min_group_size;
    if (load_history(db, r) != KPI_QUERY_OK)
        return fail_db(db, err, errlen);
    items_finish(r);
    if (by && groups_finish(db, r) != KPI_QUERY_OK)
        return fail_db(db, err, errlen);
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

/* Releases, participation and baselines in the store. Assumption: a
 * release reads the raw responses of one fiscal year that wait (at most a
 * few million) under the writer lock, in one transaction; the cells it
 * counts (populations x questions x scale values) are few. */
#include "store.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cclock.h"
#include "release_rule.h"
#include "store_internal.h"

#define REL_MAX_ATTRS     64   /* attribute ids across every version of a survey */
#define REL_MAX_QUESTIONS 1024 /* question ids across every version */
#define REL_MAX_VALUES    64   /* scale values across every version */
#define REL_MAX_POPS      4096 /* populations: everyone, and each value of each attribute */
#define REL_MAX_CELLS     (1L << 24)

/* The ids of every version of one survey: releases count responses of any
 * version, keyed by the ids the respondents answered. */
struct rel_universe {
    char *attrs[REL_MAX_ATTRS];
    size_t n_attrs;
    char *questions[REL_MAX_QUESTIONS];
    size_t n_questions;
    int values[REL_MAX_VALUES];
    size_t n_values;
    int pop_attr[REL_MAX_POPS]; /* -1 for population 0, everyone */
    char *pop_opt[REL_MAX_POPS];
    size_t n_pops;
};

/* The waiting responses, parsed once. */
struct rel_waiting {
    size_t n, cap;
    int64_t *id;
    uint16_t *pop;     /* n * n_attrs */
    uint32_t *ans_off; /* n + 1 */
    uint16_t *ans_q, *ans_v;
    size_t n_ans, cap_ans;
};

/* Prepares sql and binds its first parameters in the order every query
 * here takes them: ?1 the survey id, ?2 the fiscal year, ?3 the revision
 * (those the statement has). NULL when it cannot be prepared. */
static sqlite3_stmt *rel_query(sqlite3 *db, const char *sql, const char *survey_id, int fy,
                               int revision)
{
    sqlite3_stmt *q = NULL;
    int params;

    if (sqlite3_prepare_v2(db, sql, -1, &q, NULL) != SQLITE_OK) {
        sqlite3_finalize(q);
        return NULL;
    }
    params = sqlite3_bind_parameter_count(q);
    sqlite3_bind_text(q, 1, survey_id, -1, SQLITE_STATIC);
    if (params >= 2)
        sqlite3_bind_int(q, 2, fy);
    if (params >= 3)
        sqlite3_bind_int(q, 3, revision);
    return q;
}

static int rel_find(char *const *list, size_t n, const char *id)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(list[i], id) == 0)
            return (int)i;
    return -1;
}

/* Adds id to list unless there; -1 when full or out of memory. */
static int rel_add(char **list, size_t *n, size_t max, const char *id)
{
    int i = rel_find(list, *n, id);
    if (i >= 0)
        return i;
    if (*n == max || !(list[*n] = strdup(id)))
        return -1;
    return (int)(*n)++;
}

static void rel_universe_free(struct rel_universe *u)
{
    for (size_t i = 0; i < u->n_attrs; i++)
        free(u->attrs[i]);
    for (size_t i = 0; i < u->n_questions; i++)
        free(u->questions[i]);
    for (size_t i = 1; i < u->n_pops; i++)
        free(u->pop_opt[i]);
}

static int rel_universe_add(struct rel_universe *u, const struct survey *s)
{
    for (size_t a = 0; a < s->n_attributes; a++)
        if (rel_add(u->attrs, &u->n_attrs, REL_MAX_ATTRS, s->attributes[a].id) < 0)
            return -1;
    for (size_t q = 0; q < s->n_questions; q++)
        if (rel_add(u->questions, &u->n_questions, REL_MAX_QUESTIONS, s->questions[q].id) < 0)
            return -1;
    for (size_t k = 0; k < s->n_points; k++) {
        size_t v = 0;
        while (v < u->n_values && u->values[v] != s->points[k].value)
            v++;
        if (v == u->n_values && u->n_values == REL_MAX_VALUES)
            return -1;
        if (v == u->n_values)
            u->values[u->n_values++] = s->points[k].value;
    }
    return 0;
}

static int rel_universe_load(sqlite3 *db, const char *survey_id, struct rel_universe *u)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "SELECT definition FROM surveys WHERE survey_id = ?1", -1, &st,
                                NULL);

    memset(u, 0, sizeof *u);
    u->pop_attr[0] = -1;
    u->pop_opt[0] = "";
    u->n_pops = 1;
    if (rc != SQLITE_OK)
        return rc;
    sqlite3_bind_text(st, 1, survey_id, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        struct survey *s = NULL;
        if (survey_load_buffer((const char *)sqlite3_column_text(st, 0),
                               (size_t)sqlite3_column_bytes(st, 0), &s, NULL, 0) != SURVEY_OK)
            continue; /* publish validated it; an unreadable one adds no ids */
        rc = rel_universe_add(u, s);
        survey_free(s);
        if (rc != 0) {
            rc = SQLITE_NOMEM;
            break;
        }
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* The population of attribute a with value opt ("" unanswered). */
static int rel_pop(struct rel_universe *u, int a, const char *opt)
{
    for (size_t p = 1; p < u->n_pops; p++)
        if (u->pop_attr[p] == a && strcmp(u->pop_opt[p], opt) == 0)
            return (int)p;
    if (u->n_pops == REL_MAX_POPS || !(u->pop_opt[u->n_pops] = strdup(opt)))
        return -1;
    u->pop_attr[u->n_pops] = a;
    return (int)u->n_pops++;
}

static int rel_value(const struct rel_universe *u, long v)
{
    for (size_t i = 0; i < u->n_values; i++)
        if (u->values[i] == v)
            return (int)i;
    return -1;
}

static void rel_waiting_free(struct rel_waiting *w)
{
    free(w->id);
    free(w->pop);
    free(w->ans_off);
    free(w->ans_q);
    free(w->ans_v);
}

static int rel_grow(void **p, size_t n, size_t size)
{
    void *q = realloc(*p, n * size);
    if (!q)
        return -1;
    *p = q;
    return 0;
}

/* Room for one more response and for n_more answers. */
static int rel_reserve(struct rel_waiting *w, size_t n_attrs, size_t n_more)
{
    if (w->n + 1 >= w->cap) {
        size_t cap = w->cap ? w->cap * 2 : 1024;
        if (rel_grow((void **)&w->id, cap, sizeof *w->id) ||
            rel_grow((void **)&w->pop, cap * (n_attrs ? n_attrs : 1), sizeof *w->pop) ||
            rel_grow((void **)&w->ans_off, cap + 1, sizeof *w->ans_off))
            return -1;
        w->cap = cap;
    }
    if (w->n_ans + n_more > w->cap_ans) {
        size_t cap = w->cap_ans ? w->cap_ans * 2 : 16384;
        while (cap < w->n_ans + n_more)
            cap *= 2;
        if (rel_grow((void **)&w->ans_q, cap, sizeof *w->ans_q) ||
            rel_grow((void **)&w->ans_v, cap, sizeof *w->ans_v))
            return -1;
        w->cap_ans = cap;
    }
    return 0;
}

/* One stored response (its answers and attributes JSON) into w. */
static int rel_parse(struct rel_universe *u, struct rel_waiting *w, int64_t id, const char *answers,
                     const char *attributes)
{
    json_t *ans = json_loads(answers, 0, NULL), *att = json_loads(attributes, 0, NULL);
    const char *key;
    json_t *val;
    int rc = -1;

    if (!json_is_object(ans) || !json_is_object(att) ||
        rel_reserve(w, u->n_attrs, json_object_size(ans)) != 0)
        goto done;
    if (w->n == 0)
        w->ans_off[0] = 0;
    w->id[w->n] = id;
    for (size_t a = 0; a < u->n_attrs; a++) {
        json_t *o = json_object_get(att, u->attrs[a]);
        int p = rel_pop(u, (int)a, json_is_string(o) ? json_string_value(o) : "");
        if (p < 0)
            goto done;
        w->pop[w->n * u->n_attrs + a] = (uint16_t)p;
    }
    json_object_foreach(ans, key, val)
    {
        int q = rel_find(u->questions, u->n_questions, key);
        int v = json_is_integer(val) ? rel_value(u, (long)json_integer_value(val)) : -1;
        if (q < 0 || v < 0)
            continue; /* validated at ingest; nothing else can be here */
        w->ans_q[w->n_ans] = (uint16_t)q;
        w->ans_v[w->n_ans++] = (uint16_t)v;
    }
    w->ans_off[++w->n] = (uint32_t)w->n_ans;
    rc = 0;
done:
    json_decref(ans);
    json_decref(att);
    return rc;
}

static int rel_load_waiting(sqlite3 *db, const char *survey_id, int fy, struct rel_universe *u,
                            struct rel_waiting *w)
{
    static const char sql[] = "SELECT response_id, answers, attributes FROM responses"
                              " WHERE survey_id = ?1 AND fiscal_year = ?2 AND release_rev IS NULL";
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);

    if (rc != SQLITE_OK)
        return rc;
    sqlite3_bind_text(st, 1, survey_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, fy);
    while ((rc = sqlite3_step(st)) == SQLITE_ROW)
        if (rel_parse(u, w, sqlite3_column_int64(st, 0), (const char *)sqlite3_column_text(st, 1),
                      (const char *)sqlite3_column_text(st, 2)) != 0) {
            rc = SQLITE_NOMEM;
            break;
        }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int rel_int_query(sqlite3 *db, const char *sql, const char *survey_id, int fy,
                         long long *out)
{
    sqlite3_stmt *st = rel_query(db, sql, survey_id, fy, 0);
    int rc;

    *out = 0;
    if (!st)
        return sqlite3_errcode(db);
    if ((rc = sqlite3_step(st)) == SQLITE_ROW) {
        *out = sqlite3_column_int64(st, 0);
        rc = SQLITE_DONE;
    }
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

/* Copies revision prev's cumulative rows as revision prev + 1. */
static int rel_copy(sqlite3 *db, const char *survey_id, int fy, int prev)
{
    static const char *const sql[] = {
        "INSERT INTO release_respondent_counts SELECT survey_id, fiscal_year, ?3, attribute_id,"
        " option_id, count FROM release_respondent_counts"
        " WHERE survey_id = ?1 AND fiscal_year = ?2 AND revision = ?4",
        "INSERT INTO release_answer_counts SELECT survey_id, fiscal_year, ?3, attribute_id,"
        " option_id, question_id, value, count FROM release_answer_counts"
        " WHERE survey_id = ?1 AND fiscal_year = ?2 AND revision = ?4",
    };
    int rc = SQLITE_OK;

    for (size_t i = 0; i < 2 && rc == SQLITE_OK; i++) {
        sqlite3_stmt *st = NULL;
        if ((rc = sqlite3_prepare_v2(db, sql[i], -1, &st, NULL)) != SQLITE_OK)
            break;
        sqlite3_bind_text(st, 1, survey_id, -1, SQLITE_STATIC);
        sqlite3_bind_int(st, 2, fy);
        sqlite3_bind_int(st, 3, prev + 1);
        sqlite3_bind_int(st, 4, prev);
        rc = store_step_reset(st);
        sqlite3_finalize(st);
    }
    return rc;
}

/* The counts of the selected responses, per population and per
 * (population, question, value). */
struct rel_delta {
    long long *resp;
    long long *ans;
    size_t n_q, n_v;
};

static int rel_delta_count(const struct rel_universe *u, const struct rel_waiting *w,
                           const bool *sel, struct rel_delta *d)
{
    d->n_q = u->n_questions ? u->n_questions : 1;
    d->n_v = u->n_values ? u->n_values : 1;
    if ((long)(u->n_pops * d->n_q * d->n_v) > REL_MAX_CELLS)
        return -1;
    d->resp = calloc(u->n_pops, sizeof *d->resp);
    d->ans = calloc(u->n_pops * d->n_q * d->n_v, sizeof *d->ans);
    if (!d->resp || !d->ans)
        return -1;
    for (size_t i = 0; i < w->n; i++) {
        if (!sel[i])
            continue;
        for (size_t a = 0; a <= u->n_attrs; a++) {
            size_t p = a == 0 ? 0 : w->pop[i * u->n_attrs + a - 1];
            d->resp[p]++;
            for (uint32_t k = w->ans_off[i]; k < w->ans_off[i + 1]; k++)
                d->ans[(p * d->n_q + w->ans_q[k]) * d->n_v + w->ans_v[k]]++;
        }
    }
    return 0;
}

static int rel_write_delta(sqlite3 *db, const char *survey_id, int fy, int rev,
                           const struct rel_universe *u, const struct rel_delta *d)
{
    sqlite3_stmt *r = NULL, *a = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "INSERT INTO release_respondent_counts VALUES (?1,?2,?3,?4,?5,?6)"
                                " ON CONFLICT DO UPDATE SET count = count + excluded.count",
                                -1, &r, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db,
                                "INSERT INTO release_answer_counts VALUES (?1,?2,?3,?4,?5,?6,?7,?8)"
                                " ON CONFLICT DO UPDATE SET count = count + excluded.count",
                                -1, &a, NULL);
    for (size_t p = 0; rc == SQLITE_OK && p < u->n_pops; p++) {
        const char *attr = p ? u->attrs[u->pop_attr[p]] : "";
        if (!d->resp[p])
            continue;
        sqlite3_bind_text(r, 1, survey_id, -1, SQLITE_STATIC);
        sqlite3_bind_int(r, 2, fy);
        sqlite3_bind_int(r, 3, rev);
        sqlite3_bind_text(r, 4, attr, -1, SQLITE_STATIC);
        sqlite3_bind_text(r, 5, u->pop_opt[p], -1, SQLITE_STATIC);
        sqlite3_bind_int64(r, 6, d->resp[p]);
        rc = store_step_reset(r);
        for (size_t q = 0; rc == SQLITE_OK && q < u->n_questions; q++)
            for (size_t v = 0; rc == SQLITE_OK && v < u->n_values; v++) {
                long long n = d->ans[(p * d->n_q + q) * d->n_v + v];
                if (!n)
                    continue;
                sqlite3_bind_text(a, 1, survey_id, -1, SQLITE_STATIC);
                sqlite3_bind_int(a, 2, fy);
                sqlite3_bind_int(a, 3, rev);
                sqlite3_bind_text(a, 4, attr, -1, SQLITE_STATIC);
                sqlite3_bind_text(a, 5, u->pop_opt[p], -1, SQLITE_STATIC);
                sqlite3_bind_text(a, 6, u->questions[q], -1, SQLITE_STATIC);
                sqlite3_bind_int(a, 7, u->values[v]);
                sqlite3_bind_int64(a, 8, n);
                rc = store_step_reset(a);
            }
    }
    sqlite3_finalize(r);
    sqlite3_finalize(a);
    return rc;
}

static int rel_mark(sqlite3 *db, const struct rel_waiting *w, const bool *sel, int rev)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, "UPDATE responses SET release_rev = ?1 WHERE response_id = ?2",
                                -1, &st, NULL);

    for (size_t i = 0; rc == SQLITE_OK && i < w->n; i++) {
        if (!sel[i])
            continue;
        sqlite3_bind_int(st, 1, rev);
        sqlite3_bind_int64(st, 2, w->id[i]);
        rc = store_step_reset(st);
    }
    sqlite3_finalize(st);
    return rc;
}

static int rel_insert(sqlite3 *db, const char *survey_id, int fy, const char *reason,
                      struct store_release *out)
{
    sqlite3_stmt *st = NULL;
    int rc =
        sqlite3_prepare_v2(db, "INSERT INTO releases VALUES (?1,?2,?3,?4,?5,?6)", -1, &st, NULL);

    if (rc != SQLITE_OK)
        return rc;
    store_now(out->made_at);
    sqlite3_bind_text(st, 1, survey_id, -1, SQLITE_STATIC);
    sqlite3_bind_int(st, 2, fy);
    sqlite3_bind_int(st, 3, out->revision);
    sqlite3_bind_text(st, 4, out->made_at, -1, SQLITE_STATIC);
    sqlite3_bind_int64(st, 5, out->respondents);
    sqlite3_bind_text(st, 6, reason, -1, SQLITE_STATIC);
    rc = store_step_reset(st);
    sqlite3_finalize(st);
    return rc;
}

/* Says why waiting responses stay out, for the officer who asked. */
static void rel_explain(const struct rel_universe *u, const struct release_rule_block *why,
                        long long waiting, long long held, long min, struct store_release *out)
{
    const char *attr, *opt;

    if (waiting < min) {
        out->needed = min - waiting;
        snprintf(out->held_back, sizeof out->held_back,
                 "%lld respondent%s wait; a new revision needs at least %ld new respondents, so"
                 " %lld more must arrive first",
                 waiting, waiting == 1 ? "" : "s", min, out->needed);
        return;
    }
    if (why->pop < 0)
        return;
    attr = why->pop ? u->attrs[u->pop_attr[why->pop]] : "";
    opt = why->pop ? u->pop_opt[why->pop] : "";
    snprintf(out->held_back, sizeof out->held_back,
             "%lld waiting respondent%s stay out: %s%s%s%s%s%s would change by %ld (fewer than"
             " %ld); they join once more respondents of that group arrive",
             held, held == 1 ? "" : "s", why->pop ? "the group " : "everyone", attr,
             why->pop ? "=" : "", why->pop ? (*opt ? opt : "(unanswered)") : "",
             why->question >= 0 ? ", question " : "",
             why->question >= 0 ? u->questions[why->question] : "", why->count, min);
}

/* Chooses, counts and writes the next revision; rc SQLite's. */
static int rel_run(sqlite3 *db, const char *survey_id, int fy, long min, const char *reason,
                   struct rel_universe *u, struct rel_waiting *w, struct store_release *out)
{
    struct release_rule_input in = {0};
    struct release_rule_block why = {.pop = -1, .question = -1};
    struct rel_delta d = {0};
    long long prev_resp = 0, prev_rev = 0;
    bool *sel = NULL;
    long kept;
    int rc;

    if ((rc = rel_universe_load(db, survey_id, u)) != SQLITE_OK ||
        (rc = rel_int_query(db,
                            "SELECT COALESCE(MAX(revision), 0) FROM releases"
                            " WHERE survey_id = ?1 AND fiscal_year = ?2",
                            survey_id, fy, &prev_rev)) != SQLITE_OK ||
        (rc = rel_int_query(db,
                            "SELECT COALESCE(MAX(respondents), 0) FROM releases"
                            " WHERE survey_id = ?1 AND fiscal_year = ?2",
                            survey_id, fy, &prev_resp)) != SQLITE_OK ||
        (rc = rel_load_waiting(db, survey_id, fy, u, w)) != SQLITE_OK)
        return rc;
    out->revision = (int)prev_rev;
    out->respondents = prev_resp;
    out->waiting = (long long)w->n;
    if (w->n == 0)
        return SQLITE_OK;
    if (!(sel = malloc(w->n * sizeof *sel)))
        return SQLITE_NOMEM;
    for (size_t i = 0; i < w->n; i++)
        sel[i] = true;
    kept = (long)w->n;
    if (prev_rev > 0) {
        in = (struct release_rule_input){w->n,   u->n_attrs, u->n_pops, u->n_questions,
                                         w->pop, w->ans_off, w->ans_q};
        kept = release_rule_select(&in, min, sel, &why);
    }
    if (kept < 0) {
        rc = SQLITE_NOMEM;
        goto done;
    }
    if (kept < (long)w->n)
        rel_explain(u, &why, (long long)w->n, (long long)w->n - kept, min, out);
    if (kept == 0)
        goto done;
    out->revision = (int)prev_rev + 1;
    out->added = kept;
    out->respondents = prev_resp + kept;
    out->waiting = (long long)w->n - kept;
    if (rel_delta_count(u, w, sel, &d) != 0) {
        rc = SQLITE_NOMEM;
        goto done;
    }
    if ((prev_rev == 0 || (rc = rel_copy(db, survey_id, fy, (int)prev_rev)) == SQLITE_OK) &&
        (rc = rel_write_delta(db, survey_id, fy, out->revision, u, &d)) == SQLITE_OK &&
        (rc = rel_mark(db, w, sel, out->revision)) == SQLITE_OK)
        rc = rel_insert(db, survey_id, fy, reason, out);
done:
    free(d.resp);
    free(d.ans);
    free(sel);
    return rc;
}

static void rel_latest_info(sqlite3 *db, const char *survey_id, int fy, struct store_release *out)
{
    struct store_release_info info;

    if (store_release_latest(db, survey_id, fy, &info) == 0 && info.revision > 0) {
        out->revision = info.revision;
        snprintf(out->made_at, sizeof out->made_at, "%s", info.made_at);
        out->respondents = info.respondents;
    }
}

enum store_err store_release(struct store *st, const char *survey_id, int fiscal_year,
                             long min_delta, const char *reason, struct store_release *out)
{
    struct rel_universe u;
    struct rel_waiting w = {0};
    enum store_err e = STORE_OK;
    sqlite3 *db = store_writer_lock(st);
    int rc = store_exec(db, "BEGIN IMMEDIATE");

    memset(out, 0, sizeof *out);
    memset(&u, 0, sizeof u);
    if (rc == SQLITE_OK)
        rc =
            rel_run(db, survey_id, fiscal_year, min_delta < 1 ? 1 : min_delta, reason, &u, &w, out);
    if (rc == SQLITE_OK && !out->added)
        rel_latest_info(db, survey_id, fiscal_year, out);
    if (rc == SQLITE_OK)
        rc = store_exec(db, "COMMIT");
    if (rc != SQLITE_OK) {
        e = store_fail(st, rc, "release");
        out->added = 0;
    }
    store_rollback(st);
    store_writer_unlock(st);
    rel_universe_free(&u);
    rel_waiting_free(&w);
    return e;
}

/* --- Surveys: close and state -------------------------------------------- */

enum store_err store_survey_close(struct store *st, const char *survey_id, bool *was_closed,
                                  char closed_at[21])
{
    sqlite3 *db = store_writer_lock(st);
    sqlite3_stmt *q = NULL, *up = NULL;
    enum store_err e = STORE_OK;
    long long open = 0, total = 0;
    int rc = store_exec(db, "BEGIN IMMEDIATE");

    *was_closed = false;
    closed_at[0] = '\0';
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db,
                                "SELECT COUNT(*), COUNT(*) FILTER (WHERE closed_at IS NULL),"
                                " COALESCE(MIN(closed_at), '') FROM surveys WHERE survey_id = ?1",
                                -1, &q, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(q, 1, survey_id, -1, SQLITE_STATIC);
        if ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            total = sqlite3_column_int64(q, 0);
            open = sqlite3_column_int64(q, 1);
            snprintf(closed_at, 21, "%s", (const char *)sqlite3_column_text(q, 2));
            rc = SQLITE_OK;
        }
    }
    if (rc == SQLITE_OK && total == 0)
        e = STORE_E_NOT_FOUND;
    *was_closed = rc == SQLITE_OK && total > 0 && open == 0;
    if (rc == SQLITE_OK && open > 0) {
        store_now(closed_at);
        rc = sqlite3_prepare_v2(db,
                                "UPDATE surveys SET closed_at = ?2 WHERE survey_id = ?1"
                                " AND closed_at IS NULL",
                                -1, &up, NULL);
        if (rc == SQLITE_OK) {
            sqlite3_bind_text(up, 1, survey_id, -1, SQLITE_STATIC);
            sqlite3_bind_text(up, 2, closed_at, -1, SQLITE_STATIC);
            rc = store_step_reset(up);
        }
        if (rc == SQLITE_OK)
            rc = store_exec(db, "COMMIT");
    }
    sqlite3_finalize(q);
    sqlite3_finalize(up);
    if (rc != SQLITE_OK)
        e = store_fail(st, rc, "survey_close");
    store_rollback(st);
    store_writer_unlock(st);
    return e;
}

int store_response_years(struct store *st, const char *survey_id, int *years, int max)
{
    static const char sql[] = "SELECT fiscal_year FROM respondent_counts WHERE survey_id = ?1"
                              " AND attribute_id = '' AND option_id = '' AND count > 0"
                              " ORDER BY fiscal_year";
    sqlite3 *db = store_writer_lock(st);
    sqlite3_stmt *q = NULL;
    int n = 0, rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);

    if (rc == SQLITE_OK) {
        sqlite3_bind_text(q, 1, survey_id, -1, SQLITE_STATIC);
        while ((rc = sqlite3_step(q)) == SQLITE_ROW && n < max)
            years[n++] = sqlite3_column_int(q, 0);
    }
    sqlite3_finalize(q);
    store_writer_unlock(st);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? n : -1;
}

enum store_err store_survey_state(struct store *st, const char *id, int version,
                                  struct store_survey_state *out)
{
    sqlite3 *db = store_writer_lock(st);
    sqlite3_stmt *q = NULL;
    enum store_err e = STORE_E_NOT_FOUND;
    int rc = sqlite3_prepare_v2(db,
                                id ? "SELECT survey_id, version, published_at,"
                                     " COALESCE(closed_at, '') FROM surveys"
                                     " WHERE survey_id = ?1 AND version = ?2"
                                   : "SELECT survey_id, version, published_at,"
                                     " COALESCE(closed_at, '') FROM surveys WHERE active = 1",
                                -1, &q, NULL);

    memset(out, 0, sizeof *out);
    if (rc == SQLITE_OK && id) {
        sqlite3_bind_text(q, 1, id, -1, SQLITE_STATIC);
        sqlite3_bind_int(q, 2, version);
    }
    if (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        snprintf(out->survey_id, sizeof out->survey_id, "%s",
                 (const char *)sqlite3_column_text(q, 0));
        out->version = sqlite3_column_int(q, 1);
        snprintf(out->published_at, sizeof out->published_at, "%s",
                 (const char *)sqlite3_column_text(q, 2));
        snprintf(out->closed_at, sizeof out->closed_at, "%s",
                 (const char *)sqlite3_column_text(q, 3));
        e = STORE_OK;
    } else if (rc != SQLITE_DONE) {
        e = store_fail(st, rc, "survey_state");
    }
    sqlite3_finalize(q);
    store_writer_unlock(st);
    return e;
}

int store_surveys_open(struct store *st, struct store_survey_ref *out, int max)
{
    sqlite3 *db = store_writer_lock(st);
    sqlite3_stmt *q = NULL;
    int n = 0,
        rc = sqlite3_prepare_v2(
            db, "SELECT survey_id, version FROM surveys WHERE closed_at IS NULL", -1, &q, NULL);

    while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW && n < max) {
        snprintf(out[n].survey_id, sizeof out[n].survey_id, "%s",
                 (const char *)sqlite3_column_text(q, 0));
        out[n++].version = sqlite3_column_int(q, 1);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(q);
    store_writer_unlock(st);
    return rc == SQLITE_OK || rc == SQLITE_ROW || rc == SQLITE_DONE ? n : -1;
}

/* --- Participation ------------------------------------------------------- */

static int part_read(sqlite3 *db, const char *survey_id, int fy, struct store_participation *p)
{
    sqlite3_stmt *q = rel_query(db,
                                "SELECT counted_on, respondents, released FROM participation"
                                " WHERE survey_id = ?1 AND fiscal_year = ?2",
                                survey_id, fy, 0);
    int rc;

    memset(p, 0, sizeof *p);
    if (!q)
        return sqlite3_errcode(db);
    if ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        snprintf(p->counted_on, sizeof p->counted_on, "%s",
                 (const char *)sqlite3_column_text(q, 0));
        p->respondents = sqlite3_column_int64(q, 1);
        p->released = sqlite3_column_int64(q, 2);
        rc = SQLITE_DONE;
    }
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? SQLITE_OK : rc;
}

static int part_count(sqlite3 *db, const char *survey_id, int fy, struct store_participation *p)
{
    sqlite3_stmt *q = NULL;
    int rc = rel_int_query(db,
                           "SELECT COALESCE(SUM(count), 0) FROM respondent_counts"
                           " WHERE survey_id = ?1 AND fiscal_year = ?2 AND attribute_id = ''"
                           " AND option_id = ''",
                           survey_id, fy, &p->respondents);
    if (rc == SQLITE_OK)
        rc = rel_int_query(db,
                           "SELECT COALESCE(MAX(respondents), 0) FROM releases"
                           " WHERE survey_id = ?1 AND fiscal_year = ?2",
                           survey_id, fy, &p->released);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO participation VALUES (?1,?2,?3,?4,?5)",
                                -1, &q, NULL);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(q, 1, survey_id, -1, SQLITE_STATIC);
        sqlite3_bind_int(q, 2, fy);
        sqlite3_bind_text(q, 3, p->counted_on, -1, SQLITE_STATIC);
        sqlite3_bind_int64(q, 4, p->respondents);
        sqlite3_bind_int64(q, 5, p->released);
        rc = store_step_reset(q);
    }
    sqlite3_finalize(q);
    return rc;
}

enum store_err store_participation(struct store *st, const char *survey_id, int fiscal_year,
                                   struct store_participation *out)
{
    char today[11];
    sqlite3 *db = store_writer_lock(st);
    enum store_err e = STORE_OK;
    int rc = store_exec(db, "BEGIN IMMEDIATE");

    cclock_today(today);
    if (rc == SQLITE_OK)
        rc = part_read(db, survey_id, fiscal_year, out);
    if (rc == SQLITE_OK && strcmp(out->counted_on, today) != 0) {
        snprintf(out->counted_on, sizeof out->counted_on, "%s", today);
        rc = part_count(db, survey_id, fiscal_year, out);
    }
    if (rc == SQLITE_OK)
        rc = store_exec(db, "COMMIT");
    if (rc != SQLITE_OK)
        e = store_fail(st, rc, "participation");
    store_rollback(st);
    store_writer_unlock(st);
    return e;
}

/* --- Readers --------------------------------------------------------------- */

int store_release_latest(sqlite3 *db, const char *survey_id, int fiscal_year,
                         struct store_release_info *out)
{
    sqlite3_stmt *q = rel_query(db,
                                "SELECT revision, made_at, respondents, reason FROM releases"
                                " WHERE survey_id = ?1 AND fiscal_year = ?2"
                                " ORDER BY revision DESC LIMIT 1",
                                survey_id, fiscal_year, 0);
    int rc;

    memset(out, 0, sizeof *out);
    if (!q)
        return -1;
    if ((rc = sqlite3_step(q)) == SQLITE_ROW) {
        out->revision = sqlite3_column_int(q, 0);
        snprintf(out->made_at, sizeof out->made_at, "%s", (const char *)sqlite3_column_text(q, 1));
        out->respondents = sqlite3_column_int64(q, 2);
        snprintf(out->reason, sizeof out->reason, "%s", (const char *)sqlite3_column_text(q, 3));
        rc = SQLITE_DONE;
    }
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? 0 : -1;
}

int store_release_respondents(sqlite3 *db, const char *survey_id, int fiscal_year, int revision,
                              void (*fn)(const char *attr, const char *opt, long long n, void *ctx),
                              void *ctx)
{
    sqlite3_stmt *q =
        rel_query(db,
                  "SELECT attribute_id, option_id, count FROM release_respondent_counts"
                  " WHERE survey_id = ?1 AND fiscal_year = ?2 AND revision = ?3",
                  survey_id, fiscal_year, revision);
    int rc;

    if (!q)
        return -1;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        fn((const char *)sqlite3_column_text(q, 0), (const char *)sqlite3_column_text(q, 1),
           sqlite3_column_int64(q, 2), ctx);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? 0 : -1;
}

int store_release_answers(
    sqlite3 *db, const char *survey_id, int fiscal_year, int revision, const char *attr,
    void (*fn)(const char *opt, const char *qid, int value, long long n, void *ctx), void *ctx)
{
    sqlite3_stmt *q = rel_query(db,
                                "SELECT option_id, question_id, value, count"
                                " FROM release_answer_counts WHERE survey_id = ?1"
                                " AND fiscal_year = ?2 AND revision = ?3 AND attribute_id = ?4",
                                survey_id, fiscal_year, revision);
    int rc;

    if (!q)
        return -1;
    sqlite3_bind_text(q, 4, attr, -1, SQLITE_STATIC);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        fn((const char *)sqlite3_column_text(q, 0), (const char *)sqlite3_column_text(q, 1),
           sqlite3_column_int(q, 2), sqlite3_column_int64(q, 3), ctx);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? 0 : -1;
}

long long store_year_respondents(sqlite3 *db, const char *survey_id, int fiscal_year)
{
    long long n = 0;

    /* The raw rows, through the index on (survey_id, fiscal_year): asked only
     * when a year has no release, so the count's cost does not matter. */
    return rel_int_query(db,
                         "SELECT COUNT(*) FROM responses WHERE survey_id = ?1 AND fiscal_year = ?2",
                         survey_id, fiscal_year, &n) == SQLITE_OK
               ? n
               : -1;
}

int store_release_years(sqlite3 *db, const char *survey_id, int *years, int max)
{
    sqlite3_stmt *q = rel_query(db,
                                "SELECT DISTINCT fiscal_year FROM releases"
                                " WHERE survey_id = ?1 ORDER BY fiscal_year",
                                survey_id, 0, 0);
    int n = 0, rc;

    if (!q)
        return -1;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW && n < max)
        years[n++] = sqlite3_column_int(q, 0);
    sqlite3_finalize(q);
    return rc == SQLITE_ROW || rc == SQLITE_DONE ? n : -1;
}

int store_baselines(sqlite3 *db, const char *survey_id,
                    void (*fn)(const char *qid, int fiscal_year, double value, void *ctx),
                    void *ctx)
{
    sqlite3_stmt *q = rel_query(db,
                                "SELECT question_id, fiscal_year, value FROM baselines"
                                " WHERE survey_id = ?1",
                                survey_id, 0, 0);
    int rc;

    if (!q)
        return -1;
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        fn((const char *)sqlite3_column_text(q, 0), sqlite3_column_int(q, 1),
           sqlite3_column_double(q, 2), ctx);
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? 0 : -1;
}

enum store_err store_baseline_put(struct store *st, const char *survey_id, const char *qid,
                                  int fiscal_year, int revision, double value)
{
    char now[21];
    sqlite3 *db = store_writer_lock(st);
    sqlite3_stmt *q = NULL;
    enum store_err e = STORE_OK;
    int rc = sqlite3_prepare_v2(db, "INSERT OR REPLACE INTO baselines VALUES (?1,?2,?3,?4,?5,?6)",
                                -1, &q, NULL);

    store_now(now);
    if (rc == SQLITE_OK) {
        sqlite3_bind_text(q, 1, survey_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(q, 2, qid, -1, SQLITE_STATIC);
        sqlite3_bind_int(q, 3, fiscal_year);
        sqlite3_bind_int(q, 4, revision);
        sqlite3_bind_double(q, 5, value);
        sqlite3_bind_text(q, 6, now, -1, SQLITE_STATIC);
        rc = store_step_reset(q);
    }
    sqlite3_finalize(q);
    if (rc != SQLITE_OK)
        e = store_fail(st, rc, "baseline_put");
    store_writer_unlock(st);
    return e;
}

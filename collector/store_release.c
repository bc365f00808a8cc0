/* Releases, participation and baselines in the store. Assumption: a
 * release opens the sealed responses of one fiscal year that wait (at most
 * a few million) under the writer lock, in one transaction, with the key
 * file beside the database; the cells it counts (populations x questions x
 * scale values) are few. */
#include "store.h"

#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "cclock.h"
#include "keys.h"
#include "log.h"
#include "release_rule.h"
#include "store_internal.h"

#define REL_MAX_ATTRS     64   /* attribute ids across every version of a survey */
#define REL_MAX_QUESTIONS 1024 /* question ids across every version */
#define REL_MAX_VALUES    64   /* scale values across every version */
#define REL_MAX_POPS      4096 /* populations: everyone, and each value of each attribute */
#define REL_MAX_CELLS     (1L << 24)
#define REL_CACHE_KIB     "524288"            /* 512 MiB of page cache while a release runs */
#define REL_MAX_VERSIONS  256                 /* survey versions one release opens */
#define REL_CHUNK         BATCH_MAX_RESPONSES /* sealed responses opened at a time */

/* Respondents stored for (?1 survey, ?2 fiscal year): those waiting,
 * sealed, and those of the latest release. */
#define REL_STORED_SQL                                                                             \
    "SELECT (SELECT COUNT(*) FROM responses WHERE survey_id = ?1 AND fiscal_year = ?2)"            \
    " + (SELECT COALESCE(MAX(respondents), 0) FROM releases"                                       \
    " WHERE survey_id = ?1 AND fiscal_year = ?2)"

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

/* The waiting responses, opened and parsed once; ans_json and att_json
 * are each one's row of released_responses should it be taken. */
struct rel_waiting {
    size_t n, cap;
    int64_t *id;
    char **ans_json, **att_json;
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
    for (size_t i = 0; i < w->n; i++) {
        free(w->ans_json[i]);
        free(w->att_json[i]);
    }
    free(w->ans_json);
    free(w->att_json);
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
            rel_grow((void **)&w->ans_json, cap, sizeof *w->ans_json) ||
            rel_grow((void **)&w->att_json, cap, sizeof *w->att_json) ||
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

/* Where the ids of one survey version sit in the universe: qmap[q] is
 * question q's index there, vmap[k] scale point k's, popmap[j][o] the
 * population of option o of attribute j (o = n_options: unanswered), and
 * absent[a] the population "unanswered" of universe attribute a, for the
 * attributes this version does not ask. */
struct rel_map {
    int qmap[SURVEY_MAX_QUESTIONS];
    int vmap[SURVEY_MAX_POINTS];
    uint16_t popmap[SURVEY_MAX_ATTRIBUTES][SURVEY_MAX_OPTIONS + 1];
    int amap[SURVEY_MAX_ATTRIBUTES]; /* universe attribute of survey attribute j */
    uint16_t absent[REL_MAX_ATTRS];
};

static int rel_map_build(struct rel_universe *u, const struct survey *s, struct rel_map *m)
{
    for (size_t a = 0; a < u->n_attrs; a++) {
        int p = rel_pop(u, (int)a, "");
        if (p < 0)
            return -1;
        m->absent[a] = (uint16_t)p;
    }
    for (size_t q = 0; q < s->n_questions; q++)
        if ((m->qmap[q] = rel_find(u->questions, u->n_questions, s->questions[q].id)) < 0)
            return -1;
    for (size_t k = 0; k < s->n_points; k++)
        if ((m->vmap[k] = rel_value(u, s->points[k].value)) < 0)
            return -1;
    for (size_t j = 0; j < s->n_attributes; j++) {
        const struct survey_attribute *at = &s->attributes[j];
        if ((m->amap[j] = rel_find(u->attrs, u->n_attrs, at->id)) < 0)
            return -1;
        for (size_t o = 0; o <= at->n_options; o++) {
            int p = rel_pop(u, m->amap[j], o < at->n_options ? at->options[o].id : "");
            if (p < 0)
                return -1;
            m->popmap[j][o] = (uint16_t)p;
        }
    }
    return 0;
}

/* The scale point index of value v in s, or -1. */
static int rel_point(const struct survey *s, int v)
{
    for (size_t k = 0; k < s->n_points; k++)
        if (s->points[k].value == v)
            return (int)k;
    return -1;
}

/* One opened response r of survey s into w, with the JSON of its
 * released row. */
static int rel_take(struct rel_universe *u, struct rel_waiting *w, const struct rel_map *m,
                    const struct survey *s, int64_t id, const struct batch_response *r,
                    const char *answers, const char *attributes)
{
    uint16_t *pop;

    if (rel_reserve(w, u->n_attrs, s->n_questions) != 0)
        return -1;
    if (w->n == 0)
        w->ans_off[0] = 0;
    w->id[w->n] = id;
    if (!(w->ans_json[w->n] = strdup(answers)))
        return -1;
    if (!(w->att_json[w->n] = strdup(attributes))) {
        free(w->ans_json[w->n]);
        return -1;
    }
    pop = &w->pop[w->n * u->n_attrs];
    for (size_t a = 0; a < u->n_attrs; a++)
        pop[a] = m->absent[a];
    for (size_t j = 0; j < s->n_attributes; j++) {
        int o = r->options[j];
        pop[m->amap[j]] =
            m->popmap[j][o == BATCH_OPTION_NONE ? s->attributes[j].n_options : (size_t)o];
    }
    for (size_t q = 0; q < s->n_questions; q++) {
        int k = r->values[q] == BATCH_ANSWER_NONE ? -1 : rel_point(s, r->values[q]);
        if (k < 0)
            continue;
        w->ans_q[w->n_ans] = (uint16_t)m->qmap[q];
        w->ans_v[w->n_ans++] = (uint16_t)m->vmap[k];
    }
    w->ans_off[++w->n] = (uint32_t)w->n_ans;
    return 0;
}

/* Sealed responses of one survey version being opened together. */
struct rel_chunk {
    int version;
    struct batch *b; /* format 2: sealed[] as stored; NULL when empty */
    int64_t ids[REL_CHUNK];
    struct survey *s; /* the definition of the version, loaded once */
    struct rel_map map;
};

/* One chunk per survey version met, so that rows come in any order. */
struct rel_chunks {
    struct rel_chunk *c[REL_MAX_VERSIONS];
    size_t n;
};

static int rel_chunk_survey(sqlite3 *db, const char *survey_id, struct rel_universe *u,
                            struct rel_chunk *c)
{
    sqlite3_stmt *q = rel_query(db,
                                "SELECT definition FROM surveys WHERE survey_id = ?1 AND"
                                " version = ?2",
                                survey_id, c->version, 0);
    int rc;

    if (!q)
        return sqlite3_errcode(db);
    if ((rc = sqlite3_step(q)) == SQLITE_ROW)
        rc = survey_load_buffer((const char *)sqlite3_column_text(q, 0),
                                (size_t)sqlite3_column_bytes(q, 0), &c->s, NULL, 0) == SURVEY_OK
                 ? SQLITE_OK
                 : SQLITE_CORRUPT;
    else if (rc == SQLITE_DONE)
        rc = SQLITE_CORRUPT; /* responses of a version never published */
    sqlite3_finalize(q);
    /* The universe holds every version's ids; only room can lack. */
    if (rc == SQLITE_OK && rel_map_build(u, c->s, &c->map) != 0)
        rc = SQLITE_NOMEM;
    return rc;
}

/* Opens the chunk with kr, checks it as at upload, and adds each response
 * to w. SQLITE_AUTH with why set when a response does not open (its key
 * is not in the key file any more). */
static int rel_chunk_flush(struct seal_keyring *kr, struct rel_chunk *c, struct rel_universe *u,
                           struct rel_waiting *w, char *why, size_t whylen)
{
    struct batch *b = c->b;
    char err[BATCH_ERR_LEN], *ans = NULL, *att = NULL;
    size_t cap = store_response_json_cap(c->s);
    int rc;

    if (!b || !b->n_sealed)
        return SQLITE_OK;
    if (batch_open(b, kr, err, sizeof err) != BATCH_OK) {
        snprintf(why, whylen, "a waiting response cannot be opened: %s", err);
        return SQLITE_AUTH;
    }
    if (batch_validate(b, c->s, err, sizeof err) != BATCH_OK) {
        snprintf(why, whylen, "a waiting response is not valid for its survey: %s", err);
        return SQLITE_CORRUPT;
    }
    ans = malloc(cap);
    att = malloc(cap);
    rc = ans && att ? SQLITE_OK : SQLITE_NOMEM;
    for (size_t i = 0; rc == SQLITE_OK && i < b->n_responses; i++) {
        store_answers_json(ans, c->s, &b->responses[i]);
        store_attrs_json(att, c->s, &b->responses[i]);
        if (rel_take(u, w, &c->map, c->s, c->ids[i], &b->responses[i], ans, att) != 0)
            rc = SQLITE_NOMEM;
    }
    free(ans);
    free(att);
    batch_free(b);
    c->b = NULL;
    return rc;
}

/* The chunk of version, made (its definition loaded) the first time. */
static int rel_chunk_of(sqlite3 *db, const char *survey_id, struct rel_universe *u,
                        struct rel_chunks *cs, int version, struct rel_chunk **out)
{
    struct rel_chunk *c;
    int rc;

    for (size_t i = 0; i < cs->n; i++)
        if (cs->c[i]->version == version) {
            *out = cs->c[i];
            return SQLITE_OK;
        }
    if (cs->n == REL_MAX_VERSIONS || !(c = calloc(1, sizeof *c)))
        return SQLITE_NOMEM;
    cs->c[cs->n++] = c;
    c->version = version;
    if ((rc = rel_chunk_survey(db, survey_id, u, c)) != SQLITE_OK)
        return rc;
    *out = c;
    return SQLITE_OK;
}

/* Appends one stored row (id, survey version, sealed text) to its
 * version's chunk, opening the chunk first when it is full. */
static int rel_chunk_add(sqlite3 *db, struct seal_keyring *kr, struct rel_chunks *cs,
                         const char *survey_id, sqlite3_stmt *row, struct rel_universe *u,
                         struct rel_waiting *w, char *why, size_t whylen)
{
    const char *sealed = (const char *)sqlite3_column_text(row, 2);
    struct rel_chunk *c = NULL;
    int rc = rel_chunk_of(db, survey_id, u, cs, sqlite3_column_int(row, 1), &c);

    if (rc == SQLITE_OK && c->b && c->b->n_sealed == REL_CHUNK)
        rc = rel_chunk_flush(kr, c, u, w, why, whylen);
    if (rc != SQLITE_OK)
        return rc;
    if (!c->b) {
        if (!(c->b = batch_new(survey_id, c->version)) ||
            !(c->b->sealed = calloc(REL_CHUNK, sizeof *c->b->sealed)))
            return SQLITE_NOMEM;
        c->b->format = BATCH_FORMAT_SEALED;
    }
    if (!sealed || !(c->b->sealed[c->b->n_sealed] = strdup(sealed)))
        return SQLITE_NOMEM;
    c->ids[c->b->n_sealed++] = sqlite3_column_int64(row, 0);
    return SQLITE_OK;
}

/* The waiting responses of (survey_id, fy), opened with kr into w: read in
 * the order of the index on (survey, year), no sort. */
static int rel_load_waiting(sqlite3 *db, struct seal_keyring *kr, const char *survey_id, int fy,
                            struct rel_universe *u, struct rel_waiting *w, char *why, size_t whylen)
{
    sqlite3_stmt *q = rel_query(db,
                                "SELECT response_id, survey_version, sealed FROM responses"
                                " WHERE survey_id = ?1 AND fiscal_year = ?2",
                                survey_id, fy, 0);
    struct rel_chunks cs = {0};
    int rc;

    if (!q)
        return sqlite3_errcode(db);
    while ((rc = sqlite3_step(q)) == SQLITE_ROW)
        if ((rc = rel_chunk_add(db, kr, &cs, survey_id, q, u, w, why, whylen)) != SQLITE_OK)
            break;
    for (size_t i = 0; rc == SQLITE_DONE && i < cs.n; i++)
        if ((rc = rel_chunk_flush(kr, cs.c[i], u, w, why, whylen)) == SQLITE_OK)
            rc = SQLITE_DONE;
    sqlite3_finalize(q);
    for (size_t i = 0; i < cs.n; i++) {
        batch_free(cs.c[i]->b);
        survey_free(cs.c[i]->s);
        free(cs.c[i]);
    }
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

static int rel_by_id(const void *a, const void *b)
{
    int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;
    return x < y ? -1 : x > y;
}

/* Moves the selected responses into released_responses, in an order
 * drawn at random, with nothing of their batch, kiosk, month or arrival,
 * then deletes their sealed rows in the order of their ids (so that the
 * pages are visited once each, not at random). */
static int rel_move(sqlite3 *db, const char *survey_id, int fy, const struct rel_waiting *w,
                    const bool *sel, int rev)
{
    sqlite3_stmt *ins = NULL, *del = NULL;
    size_t n = 0, *order = malloc((w->n ? w->n : 1) * sizeof *order);
    int64_t *ids = malloc((w->n ? w->n : 1) * sizeof *ids);
    int rc = order && ids ? SQLITE_OK : SQLITE_NOMEM;

    for (size_t i = 0; rc == SQLITE_OK && i < w->n; i++)
        if (sel[i]) {
            ids[n] = w->id[i];
            order[n++] = i;
        }
    for (size_t i = n; i > 1; i--) { /* Fisher-Yates */
        size_t k = randombytes_uniform((uint32_t)i), t = order[i - 1];
        order[i - 1] = order[k];
        order[k] = t;
    }
    if (rc == SQLITE_OK)
        qsort(ids, n, sizeof *ids, rel_by_id);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db,
                                "INSERT INTO released_responses (survey_id, fiscal_year,"
                                " release_rev, answers, attributes) VALUES (?1,?2,?3,?4,?5)",
                                -1, &ins, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_prepare_v2(db, "DELETE FROM responses WHERE response_id = ?1", -1, &del, NULL);
    for (size_t k = 0; rc == SQLITE_OK && k < n; k++) {
        sqlite3_bind_text(ins, 1, survey_id, -1, SQLITE_STATIC);
        sqlite3_bind_int(ins, 2, fy);
        sqlite3_bind_int(ins, 3, rev);
        sqlite3_bind_text(ins, 4, w->ans_json[order[k]], -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 5, w->att_json[order[k]], -1, SQLITE_STATIC);
        rc = store_step_reset(ins);
    }
    for (size_t k = 0; rc == SQLITE_OK && k < n; k++) {
        sqlite3_bind_int64(del, 1, ids[k]);
        rc = store_step_reset(del);
    }
    sqlite3_finalize(ins);
    sqlite3_finalize(del);
    free(order);
    free(ids);
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
static int rel_run(sqlite3 *db, struct seal_keyring *kr, const char *survey_id, int fy, long min,
                   const char *reason, struct rel_universe *u, struct rel_waiting *w,
                   struct store_release *out)
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
        (rc = rel_load_waiting(db, kr, survey_id, fy, u, w, out->error, sizeof out->error)) !=
            SQLITE_OK)
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
        (rc = rel_move(db, survey_id, fy, w, sel, out->revision)) == SQLITE_OK)
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

/* The keyring of the key file beside the database, when responses of
 * (survey_id, fy) wait to be opened; *kr stays NULL when none wait.
 * SQLITE_AUTH with out->error set when the file cannot be read. */
static int rel_keyring(struct store *st, sqlite3 *db, const char *survey_id, int fy,
                       struct seal_keyring **kr, struct store_release *out)
{
    long long waiting = 0;
    struct keys *k = NULL;
    char err[KEYS_ERR_LEN];
    int rc = rel_int_query(db,
                           "SELECT COUNT(*) FROM responses WHERE survey_id = ?1 AND"
                           " fiscal_year = ?2",
                           survey_id, fy, &waiting);

    *kr = NULL;
    if (rc != SQLITE_OK || waiting == 0)
        return rc;
    if (keys_open(store_path(st), false, &k, NULL, err, sizeof err) != KEYS_OK) {
        snprintf(out->error, sizeof out->error, "%lld sealed response%s cannot be opened: %s",
                 waiting, waiting == 1 ? "" : "s", err);
        return SQLITE_AUTH;
    }
    *kr = keys_keyring(k);
    keys_close(k);
    return *kr ? SQLITE_OK : SQLITE_NOMEM;
}

enum store_err store_release(struct store *st, const char *survey_id, int fiscal_year,
                             long min_delta, const char *reason, struct store_release *out)
{
    struct rel_universe u;
    struct rel_waiting w = {0};
    struct seal_keyring *kr = NULL;
    enum store_err e = STORE_OK;
    sqlite3 *db = store_writer_lock(st);
    int rc = store_exec(db, "BEGIN IMMEDIATE");

    memset(out, 0, sizeof *out);
    memset(&u, 0, sizeof u);
    /* A year's release reads and rewrites a large share of the file: a
     * page cache to match, for this transaction only. */
    store_exec(db, "PRAGMA cache_size = -" REL_CACHE_KIB);
    if (rc == SQLITE_OK)
        rc = rel_keyring(st, db, survey_id, fiscal_year, &kr, out);
    if (rc == SQLITE_OK)
        rc = rel_run(db, kr, survey_id, fiscal_year, min_delta < 1 ? 1 : min_delta, reason, &u, &w,
                     out);
    if (rc == SQLITE_OK && !out->added)
        rel_latest_info(db, survey_id, fiscal_year, out);
    if (rc == SQLITE_OK)
        rc = store_exec(db, "COMMIT");
    if (rc != SQLITE_OK && out->error[0]) {
        char q[2 * STORE_RELEASE_ERR_LEN];
        e = rc == SQLITE_AUTH ? STORE_E_SEALED : STORE_E_SQL;
        log_line("error", "store", "what=release survey=%s fiscal_year=%d msg=%s", survey_id,
                 fiscal_year, log_quote(out->error, q, sizeof q));
    } else if (rc != SQLITE_OK) {
        e = store_fail(st, rc, "release");
    }
    if (rc != SQLITE_OK)
        out->added = 0;
    store_rollback(st);
    store_exec(db, "PRAGMA cache_size = -2000"); /* SQLite's default again */
    store_writer_unlock(st);
    seal_keyring_free(kr);
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
    static const char sql[] = "SELECT fiscal_year FROM responses WHERE survey_id = ?1 UNION"
                              " SELECT fiscal_year FROM releases WHERE survey_id = ?1"
                              " ORDER BY 1";
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
    int rc = rel_int_query(db, REL_STORED_SQL, survey_id, fy, &p->respondents);
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

int store_stored_years(sqlite3 *db, void (*fn)(const char *survey_id, int fiscal_year, void *ctx),
                       void *ctx)
{
    sqlite3_stmt *q = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT survey_id, fiscal_year FROM responses UNION"
                                " SELECT survey_id, fiscal_year FROM releases"
                                " ORDER BY 1, 2 DESC",
                                -1, &q, NULL);

    while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
        fn((const char *)sqlite3_column_text(q, 0), sqlite3_column_int(q, 1), ctx);
        rc = SQLITE_OK;
    }
    sqlite3_finalize(q);
    return rc == SQLITE_DONE ? 0 : -1;
}

long long store_year_respondents(sqlite3 *db, const char *survey_id, int fiscal_year)
{
    long long n = 0;

    /* The sealed rows, through the index on (survey_id, fiscal_year): asked
     * only when a year has no release, so the count's cost does not matter. */
    return rel_int_query(db, REL_STORED_SQL, survey_id, fiscal_year, &n) == SQLITE_OK ? n : -1;
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

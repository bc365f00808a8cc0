/* Canonical encoding of a batch, written straight into one buffer: the
 * collector hashes this text for every batch it receives, so it avoids
 * building a JSON tree first. The bytes are those jansson's compact dump
 * gives for the same members in the same order (keys sorted within answers
 * and attributes), and never more than BATCH_MAX_JSON_BYTES. */
#include "batch.h"
#include "utf8.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct enc {
    char *p;
    size_t len, cap;
    enum batch_err err; /* the first failure; BATCH_OK while all is well */
};

static void enc_reserve(struct enc *e, size_t n)
{
    if (e->err != BATCH_OK || e->len + n + 1 <= e->cap)
        return;
    if (e->len + n + 1 > BATCH_MAX_JSON_BYTES) {
        e->err = BATCH_E_TOO_LARGE;
        return;
    }
    size_t cap = e->cap ? e->cap : 4096;
    while (cap < e->len + n + 1)
        cap *= 2;
    char *p = realloc(e->p, cap);
    if (p == NULL) {
        e->err = BATCH_E_NOMEM;
        return;
    }
    e->p = p;
    e->cap = cap;
}

static void enc_raw(struct enc *e, const char *s, size_t n)
{
    enc_reserve(e, n);
    if (e->err != BATCH_OK)
        return;
    memcpy(e->p + e->len, s, n);
    e->len += n;
}

static void enc_lit(struct enc *e, const char *s)
{
    enc_raw(e, s, strlen(s));
}

/* Decimal digits by hand: this runs once per answer, thousands of times a
 * batch, where snprintf's format parsing was most of the encoder's time. */
static void enc_int(struct enc *e, long long v)
{
    char num[24];
    size_t i = sizeof num;
    unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

    do
        num[--i] = (char)('0' + u % 10);
    while ((u /= 10) != 0);
    if (v < 0)
        num[--i] = '-';
    enc_raw(e, num + i, sizeof num - i);
}

/* A JSON string. Strings in a batch are UTF-8 (decoded JSON or ids the
 * kiosk wrote); anything else is refused rather than written. */
static void enc_str(struct enc *e, const char *s)
{
    size_t n = strlen(s), run = 0;
    if (!utf8_valid(s, n, NULL)) {
        e->err = e->err != BATCH_OK ? e->err : BATCH_E_SHAPE;
        return;
    }
    enc_raw(e, "\"", 1);
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        const char *esc = c == '"'    ? "\\\""
                          : c == '\\' ? "\\\\"
                          : c == '\b' ? "\\b"
                          : c == '\f' ? "\\f"
                          : c == '\n' ? "\\n"
                          : c == '\r' ? "\\r"
                          : c == '\t' ? "\\t"
                                      : NULL;
        if (esc == NULL && c >= 0x20)
            continue;
        enc_raw(e, s + run, i - run);
        run = i + 1;
        if (esc) {
            enc_lit(e, esc);
        } else {
            char u[8];
            snprintf(u, sizeof u, "\\u%04X", c);
            enc_lit(e, u);
        }
    }
    enc_raw(e, s + run, n - run);
    enc_raw(e, "\"", 1);
}

static int answer_cmp(const void *a, const void *b)
{
    return strcmp((*(const struct batch_answer *const *)a)->question_id,
                  (*(const struct batch_answer *const *)b)->question_id);
}

static int attr_cmp(const void *a, const void *b)
{
    return strcmp((*(const struct batch_attr *const *)a)->attribute_id,
                  (*(const struct batch_attr *const *)b)->attribute_id);
}

/* One response; sorted[] has room for its answers and attributes. No
 * attributes and an empty attributes object mean the same, so only the
 * first is written: equal content gives equal bytes. */
static void enc_response(struct enc *e, const struct batch_response *r, const void **sorted)
{
    enc_lit(e, "{\"month\":");
    enc_str(e, r->month);
    enc_lit(e, ",\"answers\":{");
    for (size_t i = 0; i < r->n_answers; i++)
        sorted[i] = &r->answers[i];
    qsort(sorted, r->n_answers, sizeof *sorted, answer_cmp);
    for (size_t i = 0; i < r->n_answers; i++) {
        const struct batch_answer *a = sorted[i];
        enc_lit(e, i ? "," : "");
        enc_str(e, a->question_id);
        enc_raw(e, ":", 1);
        if (a->is_null)
            enc_lit(e, "null");
        else
            enc_int(e, a->value);
    }
    enc_raw(e, "}", 1);
    if (r->n_attrs > 0) {
        enc_lit(e, ",\"attributes\":{");
        for (size_t i = 0; i < r->n_attrs; i++)
            sorted[i] = &r->attrs[i];
        qsort(sorted, r->n_attrs, sizeof *sorted, attr_cmp);
        for (size_t i = 0; i < r->n_attrs; i++) {
            const struct batch_attr *t = sorted[i];
            enc_lit(e, i ? "," : "");
            enc_str(e, t->attribute_id);
            enc_raw(e, ":", 1);
            if (t->option_id)
                enc_str(e, t->option_id);
            else
                enc_lit(e, "null");
        }
        enc_raw(e, "}", 1);
    }
    enc_raw(e, "}", 1);
}

/* Hands e's text to the caller, NUL-terminated, or frees it on an error. */
static enum batch_err enc_finish(struct enc *e, char **out, size_t *len)
{
    if (e->err != BATCH_OK) {
        free(e->p);
        return e->err;
    }
    e->p[e->len] = '\0';
    *out = e->p;
    if (len)
        *len = e->len;
    return BATCH_OK;
}

enum batch_err batch_encode(const struct batch *b, char **out, size_t *len)
{
    struct enc e = {NULL, 0, 0, BATCH_OK};
    size_t most = 1;
    const void **sorted;

    *out = NULL;
    for (size_t i = 0; i < b->n_responses; i++) {
        const struct batch_response *r = &b->responses[i];
        most = r->n_answers > most ? r->n_answers : most;
        most = r->n_attrs > most ? r->n_attrs : most;
    }
    if ((sorted = malloc(most * sizeof *sorted)) == NULL)
        return BATCH_E_NOMEM;
    enc_lit(&e, "{\"format\":");
    enc_int(&e, b->format);
    enc_lit(&e, ",\"batch_id\":");
    enc_str(&e, b->batch_id);
    enc_lit(&e, ",\"survey_id\":");
    enc_str(&e, b->survey_id);
    enc_lit(&e, ",\"survey_version\":");
    enc_int(&e, b->survey_version);
    enc_lit(&e, ",\"responses\":[");
    for (size_t i = 0; b->format == BATCH_FORMAT_SEALED && i < b->n_sealed; i++) {
        enc_lit(&e, i ? "," : "");
        enc_str(&e, b->sealed[i]);
    }
    for (size_t i = 0; b->format != BATCH_FORMAT_SEALED && i < b->n_responses; i++) {
        enc_lit(&e, i ? "," : "");
        enc_response(&e, &b->responses[i], sorted);
    }
    enc_lit(&e, "]}");
    free(sorted);
    return enc_finish(&e, out, len);
}

enum batch_err batch_encode_response(const struct batch_response *r, char **out, size_t *len)
{
    struct enc e = {NULL, 0, 0, BATCH_OK};
    size_t most = r->n_answers > r->n_attrs ? r->n_answers : r->n_attrs;
    const void **sorted = malloc((most ? most : 1) * sizeof *sorted);

    *out = NULL;
    if (sorted == NULL)
        return BATCH_E_NOMEM;
    enc_response(&e, r, sorted);
    free(sorted);
    return enc_finish(&e, out, len);
}

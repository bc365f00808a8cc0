/* The batch a kiosk uploads: JSON decode (shape only), canonical encode,
 * and the struct's lifecycle. A batch holds at most BATCH_MAX_RESPONSES
 * responses and is decoded whole in memory, one per request. Validation
 * against a survey is in batch_validate.c, zlib in batch_zlib.c. */
#include "batch.h"
#include "batch_json.h"
#include "crypto.h"
#include "jsonmem.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const batch_err_text[] = {
#define BATCH_TEXT(code, text) text,
    BATCH_ERRORS(BATCH_TEXT)
#undef BATCH_TEXT
};

const char *batch_strerror(enum batch_err err)
{
    if ((size_t)err >= sizeof batch_err_text / sizeof batch_err_text[0])
        return "unknown error";
    return batch_err_text[err];
}

enum batch_err batch_fail(char *err, size_t errlen, enum batch_err code, const char *fmt, ...)
{
    char msg[BATCH_ERR_LEN];
    va_list ap;

    if (err == NULL || errlen == 0)
        return code;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(err, errlen, "batch: %s", msg);
    return code;
}

bool batch_month_valid(const char *month)
{
    if (month == NULL || strlen(month) != 7 || month[4] != '-')
        return false;
    for (int i = 0; i < 7; i++)
        if (i != 4 && !isdigit((unsigned char)month[i]))
            return false;
    if (month[0] != '2' || month[1] != '0')
        return false;
    int m = (month[5] - '0') * 10 + (month[6] - '0');
    return m >= 1 && m <= 12;
}

static void batch_response_release(struct batch_response *r)
{
    for (size_t i = 0; i < r->n_answers; i++)
        free(r->answers[i].question_id);
    free(r->answers);
    for (size_t i = 0; i < r->n_attrs; i++) {
        free(r->attrs[i].attribute_id);
        free(r->attrs[i].option_id);
    }
    free(r->attrs);
    free(r->values);
    free(r->options);
}

void batch_free(struct batch *b)
{
    if (b == NULL)
        return;
    for (size_t i = 0; i < b->n_responses; i++)
        batch_response_release(&b->responses[i]);
    free(b->responses);
    free(b->survey_id);
    free(b);
}

struct batch *batch_new(const char *survey_id, int survey_version)
{
    struct batch *b = calloc(1, sizeof *b);

    if (b == NULL)
        return NULL;
    b->format = BATCH_FORMAT;
    b->survey_version = survey_version;
    b->survey_id = strdup(survey_id);
    if (b->survey_id == NULL || crypto_uuid4(b->batch_id) != 0) {
        batch_free(b);
        return NULL;
    }
    return b;
}

static int batch_answer_cmp(const void *a, const void *b)
{
    return strcmp(((const struct batch_answer *)a)->question_id,
                  ((const struct batch_answer *)b)->question_id);
}

static int batch_attr_cmp(const void *a, const void *b)
{
    return strcmp(((const struct batch_attr *)a)->attribute_id,
                  ((const struct batch_attr *)b)->attribute_id);
}

/* Builds one response's object with its members in canonical order. */
static json_t *batch_encode_response(const struct batch_response *r)
{
    json_t *o = json_object(), *answers = json_object(), *attrs = NULL;
    struct batch_answer *sa = NULL;
    struct batch_attr *st = NULL;

    if (o == NULL || answers == NULL)
        goto fail;
    sa = malloc((r->n_answers ? r->n_answers : 1) * sizeof *sa);
    st = malloc((r->n_attrs ? r->n_attrs : 1) * sizeof *st);
    if (sa == NULL || st == NULL)
        goto fail;
    if (r->n_answers > 0)
        memcpy(sa, r->answers, r->n_answers * sizeof *sa);
    if (r->n_attrs > 0)
        memcpy(st, r->attrs, r->n_attrs * sizeof *st);
    qsort(sa, r->n_answers, sizeof *sa, batch_answer_cmp);
    qsort(st, r->n_attrs, sizeof *st, batch_attr_cmp);
    for (size_t i = 0; i < r->n_answers; i++)
        if (json_object_set_new(answers, sa[i].question_id,
                                sa[i].is_null ? json_null() : json_integer(sa[i].value)) != 0)
            goto fail;
    if (json_object_set_new(o, "month", json_string(r->month)) != 0 ||
        json_object_set(o, "answers", answers) != 0)
        goto fail;
    /* No attributes and an empty attributes object mean the same; only the
     * first has a text, so equal content gives equal bytes. */
    if (r->n_attrs > 0) {
        if ((attrs = json_object()) == NULL)
            goto fail;
        for (size_t i = 0; i < r->n_attrs; i++)
            if (json_object_set_new(attrs, st[i].attribute_id,
                                    st[i].option_id ? json_string(st[i].option_id) : json_null()) !=
                0)
                goto fail;
        if (json_object_set_new(o, "attributes", attrs) != 0) {
            attrs = NULL; /* set_new took the reference even on failure */
            goto fail;
        }
    }
    json_decref(answers);
    free(sa);
    free(st);
    return o;
fail:
    json_decref(attrs);
    json_decref(answers);
    json_decref(o);
    free(sa);
    free(st);
    return NULL;
}

enum batch_err batch_encode(const struct batch *b, char **out, size_t *len)
{
    enum batch_err rc = BATCH_E_NOMEM;
    json_t *root = json_object(), *responses = json_array();

    *out = NULL;
    if (root == NULL || responses == NULL)
        goto out;
    if (json_object_set_new(root, "format", json_integer(b->format)) != 0 ||
        json_object_set_new(root, "batch_id", json_string(b->batch_id)) != 0 ||
        json_object_set_new(root, "survey_id", json_string(b->survey_id)) != 0 ||
        json_object_set_new(root, "survey_version", json_integer(b->survey_version)) != 0 ||
        json_object_set(root, "responses", responses) != 0)
        goto out;
    for (size_t i = 0; i < b->n_responses; i++) {
        json_t *r = batch_encode_response(&b->responses[i]);
        if (r == NULL || json_array_append_new(responses, r) != 0)
            goto out;
    }
    *out = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    if (*out == NULL)
        goto out;
    if (len)
        *len = strlen(*out);
    rc = BATCH_OK;
out:
    json_decref(responses);
    json_decref(root);
    return rc;
}

enum batch_err batch_decode(const char *json, size_t len, struct batch **out, char *err,
                            size_t errlen)
{
    json_error_t jerr;
    json_t *root;
    bool oom;
    struct batch *b;
    enum batch_err rc;

    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    if (len > BATCH_MAX_JSON_BYTES)
        return batch_fail(err, errlen, BATCH_E_TOO_LARGE,
                          "the JSON is %zu bytes, over the %u byte limit", len,
                          BATCH_MAX_JSON_BYTES);
    root = jsonmem_load(json, len, &jerr, &oom);
    if (oom)
        return batch_fail(err, errlen, BATCH_E_NOMEM, "out of memory while parsing");
    if (root == NULL)
        return batch_fail(err, errlen, BATCH_E_JSON, "not valid JSON at line %d column %d: %s",
                          jerr.line, jerr.column, jerr.text);
    b = calloc(1, sizeof *b);
    if (b == NULL) {
        rc = batch_fail(err, errlen, BATCH_E_NOMEM, "out of memory");
        goto out;
    }
    rc = batch_json_read(root, b, err, errlen);
    if (rc != BATCH_OK) {
        batch_free(b);
        goto out;
    }
    *out = b;
out:
    json_decref(root);
    return rc;
}

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
    for (size_t i = 0; i < b->n_sealed; i++)
        free(b->sealed[i]);
    free(b->sealed);
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

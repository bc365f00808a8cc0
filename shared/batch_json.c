/* The shape check of a batch document: types, required members, UUID and
 * month syntax, and counts under the caps. Members outside DESIGN.md are a
 * shape error, so a kiosk bug cannot smuggle data past the collector. */
#include "batch_json.h"
#include "seal.h"
#include "crypto.h"

#include <ctype.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BATCH_MAX_KEY_BYTES SURVEY_MAX_ID_BYTES /* longer ids cannot match a survey */
#define BATCH_MAX_ANSWERS   SURVEY_MAX_QUESTIONS
#define BATCH_MAX_ATTRS     SURVEY_MAX_ATTRIBUTES
#define BATCH_DESCRIBE_LEN  48

/* A short picture of a JSON value for messages: "x", 2.5, true, an object. */
static const char *batch_describe(json_t *v, char *buf, size_t len)
{
    double x;

    switch (json_typeof(v)) {
    case JSON_STRING:
        snprintf(buf, len, "\"%.24s\"%s", json_string_value(v),
                 json_string_length(v) > 24 ? "..." : "");
        break;
    case JSON_INTEGER:
        snprintf(buf, len, "%lld", (long long)json_integer_value(v));
        break;
    case JSON_REAL:
        /* 3.0 must not read as 3 in a message that says "expected an integer". */
        x = json_real_value(v);
        snprintf(buf, len, fabs(x) < 1e15 && x == floor(x) ? "%.1f" : "%g", x);
        break;
    case JSON_TRUE:
        return "true";
    case JSON_FALSE:
        return "false";
    case JSON_NULL:
        return "null";
    case JSON_OBJECT:
        return "an object";
    case JSON_ARRAY:
    default:
        return "an array";
    }
    return buf;
}

static bool batch_key_ok(const char *key)
{
    size_t n = strlen(key);
    return n >= 1 && n <= BATCH_MAX_KEY_BYTES;
}

static enum batch_err batch_read_answers(json_t *obj, size_t ri, struct batch_response *r,
                                         char *err, size_t errlen)
{
    char d[BATCH_DESCRIBE_LEN];
    const char *key;
    json_t *v;

    if (obj == NULL)
        return batch_fail(err, errlen, BATCH_E_SHAPE, "responses[%zu].answers is missing", ri);
    if (!json_is_object(obj))
        return batch_fail(err, errlen, BATCH_E_SHAPE,
                          "responses[%zu].answers is %s, expected an object", ri,
                          batch_describe(obj, d, sizeof d));
    if (json_object_size(obj) > BATCH_MAX_ANSWERS)
        return batch_fail(err, errlen, BATCH_E_SHAPE,
                          "responses[%zu].answers has %zu entries, more than %d", ri,
                          json_object_size(obj), BATCH_MAX_ANSWERS);
    r->answers = calloc(json_object_size(obj) + 1, sizeof *r->answers);
    if (r->answers == NULL)
        return batch_fail(err, errlen, BATCH_E_NOMEM, "out of memory");
    json_object_foreach(obj, key, v)
    {
        struct batch_answer *a = &r->answers[r->n_answers];
        if (!batch_key_ok(key))
            return batch_fail(err, errlen, BATCH_E_SHAPE,
                              "responses[%zu].answers has a question id of %zu bytes, expected "
                              "1 to %d",
                              ri, strlen(key), BATCH_MAX_KEY_BYTES);
        if (!json_is_null(v) && (!json_is_integer(v) || json_integer_value(v) < INT_MIN ||
                                 json_integer_value(v) > INT_MAX))
            return batch_fail(err, errlen, BATCH_E_SHAPE,
                              "responses[%zu].answers.%s is %s, expected an integer or null", ri,
                              key, batch_describe(v, d, sizeof d));
        if ((a->question_id = strdup(key)) == NULL)
            return batch_fail(err, errlen, BATCH_E_NOMEM, "out of memory");
        a->is_null = json_is_null(v);
        a->value = a->is_null ? BATCH_ANSWER_NONE : (int)json_integer_value(v);
        r->n_answers++;
    }
    return BATCH_OK;
}

static enum batch_err batch_read_attrs(json_t *obj, size_t ri, struct batch_response *r, char *err,
                                       size_t errlen)
{
    char d[BATCH_DESCRIBE_LEN];
    const char *key;
    json_t *v;

    if (obj == NULL)
        return BATCH_OK;
    if (!json_is_object(obj))
        return batch_fail(err, errlen, BATCH_E_SHAPE,
                          "responses[%zu].attributes is %s, expected an object", ri,
                          batch_describe(obj, d, sizeof d));
    if (json_object_size(obj) > BATCH_MAX_ATTRS)
        return batch_fail(err, errlen, BATCH_E_SHAPE,
                          "responses[%zu].attributes has %zu entries, more than %d", ri,
                          json_object_size(obj), BATCH_MAX_ATTRS);
    r->attrs = calloc(json_object_size(obj) + 1, sizeof *r->attrs);
    if (r->attrs == NULL)
        return batch_fail(err, errlen, BATCH_E_NOMEM, "out of memory");
    json_object_foreach(obj, key, v)
    {
        struct batch_attr *a = &r->attrs[r->n_attrs];
        if (!batch_key_ok(key))
            return batch_fail(err, errlen, BATCH_E_SHAPE,
                              "responses[%zu].attributes has an id of %zu bytes, expected 1 to %d",
                              ri, strlen(key), BATCH_MAX_KEY_BYTES);
        if (!json_is_null(v) &&
            (!json_is_string(v) || json_string_length(v) < 1 ||
             json_string_length(v) > BATCH_MAX_KEY_BYTES || strlen(json_string_value(v)) == 0))
            return batch_fail(err, errlen, BATCH_E_SHAPE,
                              "responses[%zu].attributes.%s is %s, expected an option id or null",
                              ri, key, batch_describe(v, d, sizeof d));
        if ((a->attribute_id = strdup(key)) == NULL)
            return batch_fail(err, errlen, BATCH_E_NOMEM, "out of memory");
        r->n_attrs++;
        if (!json_is_null(v) && (a->option_id = strdup(json_string_value(v))) == NULL)
            return batch_fail(err, errlen, BATCH_E_NOMEM, "out of memory");
    }
    return BATCH_OK;
}

enum batch_err batch_json_read_response(json_t *o, size_t ri, struct batch_response *r, char *err,
                                        size_t errlen)
{
    char d[BATCH_DESCRIBE_LEN];
    const char *key;
    json_t *v, *month;
    enum batch_err rc;

    if (!json_is_object(o))
        return batch_fail(err, errlen, BATCH_E_SHAPE, "responses[%zu] is %s, expected an object",
                          ri, batch_describe(o, d, sizeof d));
    json_object_foreach(o, key, v)
    {
        if (strcmp(key, "month") != 0 && strcmp(key, "answers") != 0 &&
            strcmp(key, "attributes") != 0)
            return batch_fail(err, errlen, BATCH_E_SHAPE,
                              "responses[%zu] has an unknown member \"%.32s\"; a response holds "
                              "month, answers and attributes only",
                              ri, key);
    }
    month = json_object_get(o, "month");
    if (month == NULL)
        return batch_fail(err, errlen, BATCH_E_SHAPE, "responses[%zu].month is missing", ri);
    if (!json_is_string(month) || !batch_month_valid(json_string_value(month)))
        return batch_fail(err, errlen, BATCH_E_SHAPE,
                          "responses[%zu].month is %s, expected \"YYYY-MM\" from 2000-01 to "
                          "2099-12",
                          ri, batch_describe(month, d, sizeof d));
    memcpy(r->month, json_string_value(month), 8);
    rc = batch_read_answers(json_object_get(o, "answers"), ri, r, err, errlen);
    if (rc != BATCH_OK)
        return rc;
    return batch_read_attrs(json_object_get(o, "attributes"), ri, r, err, errlen);
}

/* Format 2: each response is a sealed text, kept as it came. */
static enum batch_err batch_read_sealed(json_t *arr, size_t n, struct batch *b, char *err,
                                        size_t errlen)
{
    char d[BATCH_DESCRIBE_LEN];

    b->sealed = calloc(n, sizeof *b->sealed);
    if (b->sealed == NULL)
        return batch_fail(err, errlen, BATCH_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(arr, i);
        if (!json_is_string(v) || json_string_length(v) == 0 ||
            json_string_length(v) > SEAL_MAX_TEXT)
            return batch_fail(err, errlen, BATCH_E_SHAPE,
                              "responses[%zu] is %s, expected a sealed response (text of at most "
                              "%u bytes)",
                              i, batch_describe(v, d, sizeof d), SEAL_MAX_TEXT);
        if ((b->sealed[i] = strdup(json_string_value(v))) == NULL)
            return batch_fail(err, errlen, BATCH_E_NOMEM, "out of memory");
        b->n_sealed = i + 1;
    }
    return BATCH_OK;
}

static enum batch_err batch_read_responses(json_t *arr, struct batch *b, char *err, size_t errlen)
{
    char d[BATCH_DESCRIBE_LEN];
    size_t n;
    enum batch_err rc;

    if (arr == NULL)
        return batch_fail(err, errlen, BATCH_E_SHAPE, "responses is missing");
    if (!json_is_array(arr))
        return batch_fail(err, errlen, BATCH_E_SHAPE, "responses is %s, expected an array",
                          batch_describe(arr, d, sizeof d));
    n = json_array_size(arr);
    if (n == 0)
        return batch_fail(err, errlen, BATCH_E_SHAPE, "responses is empty; send at least one");
    if (n > BATCH_MAX_RESPONSES)
        return batch_fail(err, errlen, BATCH_E_TOO_LARGE,
                          "responses has %zu entries, more than %d; split the batch", n,
                          BATCH_MAX_RESPONSES);
    if (b->format == BATCH_FORMAT_SEALED)
        return batch_read_sealed(arr, n, b, err, errlen);
    b->responses = calloc(n, sizeof *b->responses);
    if (b->responses == NULL)
        return batch_fail(err, errlen, BATCH_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++) {
        b->n_responses = i + 1; /* so batch_free() releases what was read */
        rc = batch_json_read_response(json_array_get(arr, i), i, &b->responses[i], err, errlen);
        if (rc != BATCH_OK)
            return rc;
    }
    return BATCH_OK;
}

static enum batch_err batch_read_header(json_t *root, struct batch *b, char *err, size_t errlen)
{
    char d[BATCH_DESCRIBE_LEN];
    json_t *format = json_object_get(root, "format"), *id = json_object_get(root, "batch_id");
    json_t *sid = json_object_get(root, "survey_id"),
           *ver = json_object_get(root, "survey_version");

    if (format == NULL || !json_is_integer(format) ||
        (json_integer_value(format) != BATCH_FORMAT &&
         json_integer_value(format) != BATCH_FORMAT_SEALED))
        return batch_fail(err, errlen, BATCH_E_SHAPE, "format is %s, expected %d or %d",
                          format ? batch_describe(format, d, sizeof d) : "missing", BATCH_FORMAT,
                          BATCH_FORMAT_SEALED);
    if (id == NULL || !json_is_string(id) || !crypto_uuid_valid(json_string_value(id)))
        return batch_fail(err, errlen, BATCH_E_SHAPE, "batch_id is %s, expected a UUID",
                          id ? batch_describe(id, d, sizeof d) : "missing");
    if (sid == NULL || !json_is_string(sid) || json_string_length(sid) < 1 ||
        json_string_length(sid) > SURVEY_MAX_ID_BYTES || strlen(json_string_value(sid)) == 0)
        return batch_fail(err, errlen, BATCH_E_SHAPE, "survey_id is %s, expected a survey id",
                          sid ? batch_describe(sid, d, sizeof d) : "missing");
    if (ver == NULL || !json_is_integer(ver) || json_integer_value(ver) < 1 ||
        json_integer_value(ver) > INT_MAX)
        return batch_fail(err, errlen, BATCH_E_SHAPE,
                          "survey_version is %s, expected an integer of at least 1",
                          ver ? batch_describe(ver, d, sizeof d) : "missing");
    b->format = (int)json_integer_value(format);
    for (int i = 0; i < 36; i++)
        b->batch_id[i] = (char)tolower((unsigned char)json_string_value(id)[i]);
    b->batch_id[36] = '\0';
    b->survey_version = (int)json_integer_value(ver);
    b->survey_id = strdup(json_string_value(sid));
    if (b->survey_id == NULL)
        return batch_fail(err, errlen, BATCH_E_NOMEM, "out of memory");
    return BATCH_OK;
}

enum batch_err batch_json_read(json_t *root, struct batch *b, char *err, size_t errlen)
{
    static const char *const keys[] = {"format", "batch_id", "survey_id", "survey_version",
                                       "responses"};
    const char *key;
    json_t *v;
    enum batch_err rc;

    if (!json_is_object(root))
        return batch_fail(err, errlen, BATCH_E_SHAPE, "the body must be a JSON object");
    json_object_foreach(root, key, v)
    {
        bool known = false;
        for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
            known = known || strcmp(key, keys[i]) == 0;
        if (!known)
            return batch_fail(err, errlen, BATCH_E_SHAPE,
                              "unknown member \"%.32s\"; a batch holds format, batch_id, "
                              "survey_id, survey_version and responses only",
                              key);
    }
    rc = batch_read_header(root, b, err, errlen);
    if (rc != BATCH_OK)
        return rc;
    return batch_read_responses(json_object_get(root, "responses"), b, err, errlen);
}

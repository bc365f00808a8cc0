/* Survey definitions (DESIGN.md "Survey definition"): loads the JSON with
 * jansson and checks every field before anything uses it. A definition is
 * small (at most SURVEY_MAX_FILE_BYTES) and loaded whole; a message names
 * the field path so an administrator can fix the file. */
#include "survey.h"
#include "survey_parse.h"
#include "jsonmem.h"
#include "utf8.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <jansson.h>

static const char *const survey_err_text[] = {
#define SURVEY_TEXT(code, text) text,
    SURVEY_ERRORS(SURVEY_TEXT)
#undef SURVEY_TEXT
};

const char *survey_strerror(enum survey_err err)
{
    if ((size_t)err >= sizeof survey_err_text / sizeof survey_err_text[0])
        return "unknown error";
    return survey_err_text[err];
}

enum survey_err survey_fail(struct survey_ctx *c, enum survey_err code, const char *fmt, ...)
{
    char msg[SURVEY_ERR_LEN];
    va_list ap;

    if (c->err == NULL || c->errlen == 0)
        return code;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (c->where[0])
        snprintf(c->err, c->errlen, "survey: %s: %s", c->where, msg);
    else
        snprintf(c->err, c->errlen, "survey: %s", msg);
    return code;
}

const char *survey_text(const struct survey *s, const char *field, int lang)
{
    if (!field || lang <= 0 || (size_t)lang >= s->n_languages)
        return field;
    for (size_t i = 0; i < s->n_translations; i++) {
        if (s->translations[i].ja == field)
            return s->translations[i].text[lang];
    }
    return field;
}

void survey_free(struct survey *s)
{
    if (s == NULL)
        return;
    for (size_t i = 0; i < s->n_translations; i++) {
        for (int k = 0; k < SURVEY_MAX_LANGUAGES; k++)
            free(s->translations[i].text[k]);
    }
    free(s->translations);
    free(s->id);
    free(s->title);
    free(s->organization);
    free(s->plan.name);
    free(s->intro);
    free(s->privacy_note);
    free(s->thanks);
    for (size_t i = 0; i < s->n_points; i++)
        free(s->points[i].label);
    free(s->points);
    for (size_t i = 0; i < s->n_attributes; i++) {
        struct survey_attribute *a = &s->attributes[i];
        for (size_t j = 0; j < a->n_options; j++) {
            free(a->options[j].id);
            free(a->options[j].label);
        }
        free(a->options);
        free(a->id);
        free(a->text);
    }
    free(s->attributes);
    for (size_t i = 0; i < s->n_questions; i++) {
        struct survey_question *q = &s->questions[i];
        free(q->id);
        free(q->category);
        free(q->text);
        free(q->kpi.label);
    }
    free(s->questions);
    free(s->source);
    free(s);
}

/* Parses the text (already known to be UTF-8) and checks the document. */
static enum survey_err survey_parse(struct survey_ctx *c, const char *buf, size_t len,
                                    struct survey *s)
{
    json_error_t jerr;
    json_t *root;
    bool oom;
    enum survey_err rc;

    /* Editors on Windows may save a byte-order mark; it is not part of the JSON. */
    if (len >= 3 && memcmp(buf, "\xEF\xBB\xBF", 3) == 0) {
        buf += 3;
        len -= 3;
    }
    root = jsonmem_load(buf, len, &jerr, &oom);
    if (oom)
        return survey_fail(c, SURVEY_E_NOMEM, "out of memory while parsing");
    if (root == NULL)
        return survey_fail(c, SURVEY_E_JSON,
                           "not valid JSON at line %d column %d: %s; check the file's syntax",
                           jerr.line, jerr.column, jerr.text);
    rc = survey_parse_root(c, root, s);
    json_decref(root);
    return rc;
}

enum survey_err survey_load_buffer(const char *buf, size_t len, struct survey **out, char *err,
                                   size_t errlen)
{
    struct survey_ctx c = {.err = err, .errlen = errlen};
    struct survey *s = NULL;
    size_t bad = 0;
    enum survey_err rc;

    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    if (len > SURVEY_MAX_FILE_BYTES)
        return survey_fail(&c, SURVEY_E_TOO_LARGE, "the definition is %zu bytes, over the %u limit",
                           len, SURVEY_MAX_FILE_BYTES);
    if (!utf8_valid(buf, len, &bad))
        return survey_fail(&c, SURVEY_E_UTF8,
                           "file is not valid UTF-8 at byte %zu; save it as UTF-8", bad);
    s = calloc(1, sizeof *s);
    if (s == NULL)
        return survey_fail(&c, SURVEY_E_NOMEM, "out of memory");
    rc = survey_parse(&c, buf, len, s);
    if (rc != SURVEY_OK)
        goto fail;
    s->source = malloc(len + 1);
    if (s->source == NULL) {
        rc = survey_fail(&c, SURVEY_E_NOMEM, "out of memory");
        goto fail;
    }
    memcpy(s->source, buf, len);
    s->source[len] = '\0';
    s->source_len = len;
    *out = s;
    return SURVEY_OK;
fail:
    survey_free(s);
    return rc;
}

/* Reads at most SURVEY_MAX_FILE_BYTES + 1 bytes, so an oversized file is
 * told apart without being read whole. */
static enum survey_err survey_read_file(struct survey_ctx *c, const char *path, char **buf,
                                        size_t *len)
{
    enum survey_err rc = SURVEY_OK;
    struct stat st;
    size_t cap = SURVEY_MAX_FILE_BYTES + 1, n = 0;
    char *p = NULL;
    FILE *f = fopen(path, "rb");

    if (f == NULL)
        return survey_fail(c, SURVEY_E_IO, "cannot open %s: %s", path, strerror(errno));
    if (fstat(fileno(f), &st) == 0 && S_ISREG(st.st_mode) &&
        (unsigned long long)st.st_size > SURVEY_MAX_FILE_BYTES) {
        rc = survey_fail(c, SURVEY_E_TOO_LARGE, "%s is %lld bytes, over the %u limit", path,
                         (long long)st.st_size, SURVEY_MAX_FILE_BYTES);
        goto out;
    }
    p = malloc(cap);
    if (p == NULL) {
        rc = survey_fail(c, SURVEY_E_NOMEM, "out of memory");
        goto out;
    }
    n = fread(p, 1, cap, f);
    if (ferror(f)) {
        rc = survey_fail(c, SURVEY_E_IO, "cannot read %s: %s", path, strerror(errno));
        goto out;
    }
    if (n > SURVEY_MAX_FILE_BYTES) {
        rc = survey_fail(c, SURVEY_E_TOO_LARGE, "%s is over the %u byte limit", path,
                         SURVEY_MAX_FILE_BYTES);
        goto out;
    }
    *buf = p;
    *len = n;
    p = NULL;
out:
    free(p);
    fclose(f);
    return rc;
}

enum survey_err survey_load_file(const char *path, struct survey **out, char *err, size_t errlen)
{
    struct survey_ctx c = {.err = err, .errlen = errlen};
    char *buf = NULL;
    size_t len = 0;
    enum survey_err rc;

    *out = NULL;
    if (err && errlen)
        err[0] = '\0';
    rc = survey_read_file(&c, path, &buf, &len);
    if (rc != SURVEY_OK)
        return rc;
    rc = survey_load_buffer(buf, len, out, err, errlen);
    free(buf);
    return rc;
}

const struct survey_question *survey_find_question(const struct survey *s, const char *id)
{
    int i = survey_question_index(s, id);
    return i < 0 ? NULL : &s->questions[i];
}

int survey_question_index(const struct survey *s, const char *id)
{
    for (size_t i = 0; i < s->n_questions; i++)
        if (strcmp(s->questions[i].id, id) == 0)
            return (int)i;
    return -1;
}

const struct survey_attribute *survey_find_attribute(const struct survey *s, const char *id)
{
    int i = survey_attribute_index(s, id);
    return i < 0 ? NULL : &s->attributes[i];
}

int survey_attribute_index(const struct survey *s, const char *id)
{
    for (size_t i = 0; i < s->n_attributes; i++)
        if (strcmp(s->attributes[i].id, id) == 0)
            return (int)i;
    return -1;
}

int survey_option_index(const struct survey_attribute *a, const char *id)
{
    for (size_t i = 0; i < a->n_options; i++)
        if (strcmp(a->options[i].id, id) == 0)
            return (int)i;
    return -1;
}

int survey_point_index(const struct survey *s, int value)
{
    for (size_t i = 0; i < s->n_points; i++)
        if (s->points[i].value == value)
            return (int)i;
    return -1;
}

bool survey_is_running_on(const struct survey *s, const char *date)
{
    if (!s->has_period)
        return true;
    /* ISO dates of the same width compare as strings. */
    return strcmp(date, s->period_from) >= 0 && strcmp(date, s->period_to) <= 0;
}

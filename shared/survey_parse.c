/* The survey loader's walk over the parsed JSON: one function per object of
 * DESIGN.md's definition. Each reads its fields through the typed getters
 * below, which name the offending field in their messages; unknown fields
 * are refused so that a misspelt "optional" cannot pass unnoticed. */
#include "survey_parse.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SURVEY_MAX_POINT_VALUE 99 /* 0 means "no answer" in batch values[] */

static bool survey_has_key(const char *const *allowed, const char *key)
{
    for (; *allowed; allowed++)
        if (strcmp(*allowed, key) == 0)
            return true;
    return false;
}

static enum survey_err survey_check_keys(struct survey_ctx *c, json_t *obj, const char *prefix,
                                         const char *const *allowed)
{
    char list[160] = "";
    size_t used = 0;
    const char *key;
    json_t *v;

    json_object_foreach(obj, key, v)
    {
        if (survey_has_key(allowed, key))
            continue;
        /* Name the fields that are allowed here, so a misspelling is obvious. */
        for (const char *const *a = allowed; *a && used < sizeof list; a++)
            used += (size_t)snprintf(list + used, sizeof list - used, "%s%s",
                                     a == allowed ? "" : ", ", *a);
        return survey_fail(c, SURVEY_E_FIELD, "unknown field \"%s%.64s\"; the fields here are %s",
                           prefix, key, list);
    }
    return SURVEY_OK;
}

static enum survey_err survey_get_object(struct survey_ctx *c, json_t *obj, const char *key,
                                         bool required, json_t **out)
{
    json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (v == NULL)
        return required ? survey_fail(c, SURVEY_E_FIELD, "%s is missing", key) : SURVEY_OK;
    if (!json_is_object(v))
        return survey_fail(c, SURVEY_E_FIELD, "%s must be an object", key);
    *out = v;
    return SURVEY_OK;
}

static enum survey_err survey_get_array(struct survey_ctx *c, json_t *obj, const char *key,
                                        size_t min, size_t max, json_t **out)
{
    json_t *v = json_object_get(obj, key);
    size_t n;

    *out = NULL;
    if (v == NULL && min == 0)
        return SURVEY_OK;
    if (v == NULL)
        return survey_fail(c, SURVEY_E_FIELD, "%s is missing", key);
    if (!json_is_array(v))
        return survey_fail(c, SURVEY_E_FIELD, "%s must be an array", key);
    n = json_array_size(v);
    if (n < min || n > max)
        return survey_fail(c, SURVEY_E_FIELD, "%s must have %zu to %zu entries, it has %zu", key,
                           min, max, n);
    *out = v;
    return SURVEY_OK;
}

/* A string of 1..max bytes copied into *out; absent leaves *out NULL unless required. */
static enum survey_err survey_get_string(struct survey_ctx *c, json_t *obj, const char *prefix,
                                         const char *key, bool required, size_t max, char **out)
{
    json_t *v = json_object_get(obj, key);
    size_t len;

    *out = NULL;
    if (v == NULL)
        return required ? survey_fail(c, SURVEY_E_FIELD, "%s%s is missing", prefix, key)
                        : SURVEY_OK;
    if (!json_is_string(v))
        return survey_fail(c, SURVEY_E_FIELD, "%s%s must be a string", prefix, key);
    len = json_string_length(v);
    if (len == 0)
        return survey_fail(c, SURVEY_E_FIELD, "%s%s is empty", prefix, key);
    if (len > max)
        return survey_fail(c, SURVEY_E_FIELD, "%s%s is %zu bytes, longer than the %zu allowed",
                           prefix, key, len, max);
    *out = strdup(json_string_value(v));
    if (*out == NULL)
        return survey_fail(c, SURVEY_E_NOMEM, "out of memory");
    return SURVEY_OK;
}

/* A translation object {"ja": ..., "en": ...}: every language of the
 * survey, nothing else; *out gets the Japanese and the others are kept
 * as a translation of it. */
static enum survey_err survey_get_translations(struct survey_ctx *c, json_t *v, const char *prefix,
                                               const char *key, size_t max, char **out)
{
    struct survey *s = c->s;
    struct survey_translation tr = {0};
    const char *lang;
    json_t *t;
    if (s->n_languages < 2)
        return survey_fail(c, SURVEY_E_FIELD,
                           "%s%s is an object of translations, but the survey lists no languages",
                           prefix, key);
    json_object_foreach(v, lang, t)
    {
        size_t k = 0;
        while (k < s->n_languages && strcmp(s->languages[k], lang) != 0)
            k++;
        if (k == s->n_languages)
            return survey_fail(c, SURVEY_E_FIELD,
                               "%s%s: language \"%.16s\" is not in the survey's languages", prefix,
                               key, lang);
        if (!json_is_string(t) || json_string_length(t) == 0 || json_string_length(t) > max)
            return survey_fail(c, SURVEY_E_FIELD, "%s%s.%s must be a text of 1 to %zu bytes",
                               prefix, key, lang, max);
    }
    if (s->n_translations == SURVEY_MAX_TRANSLATIONS)
        return survey_fail(c, SURVEY_E_FIELD, "more than %d translated texts",
                           SURVEY_MAX_TRANSLATIONS);
    for (size_t k = 0; k < s->n_languages; k++) {
        t = json_object_get(v, s->languages[k]);
        if (!t)
            return survey_fail(c, SURVEY_E_FIELD, "%s%s.%s is missing", prefix, key,
                               s->languages[k]);
    }
    struct survey_translation *grown =
        realloc(s->translations, (s->n_translations + 1) * sizeof *grown);
    if (!grown)
        return survey_fail(c, SURVEY_E_NOMEM, "out of memory");
    s->translations = grown;
    *out = strdup(json_string_value(json_object_get(v, "ja")));
    tr.ja = *out;
    bool ok = *out != NULL;
    for (size_t k = 1; k < s->n_languages && ok; k++)
        ok = (tr.text[k] = strdup(json_string_value(json_object_get(v, s->languages[k])))) != NULL;
    s->translations[s->n_translations++] = tr; /* survey_free frees what was made */
    return ok ? SURVEY_OK : survey_fail(c, SURVEY_E_NOMEM, "out of memory");
}

/* A text a respondent reads: a string, or an object of translations. */
static enum survey_err survey_get_text(struct survey_ctx *c, json_t *obj, const char *prefix,
                                       const char *key, bool required, size_t max, char **out)
{
    json_t *v = json_object_get(obj, key);
    if (v && json_is_object(v)) {
        *out = NULL;
        return survey_get_translations(c, v, prefix, key, max, out);
    }
    return survey_get_string(c, obj, prefix, key, required, max, out);
}

/* "languages": ["ja", "en", "ja-easy"]: Japanese first, each tag once. */
static enum survey_err survey_parse_languages(struct survey_ctx *c, json_t *root, struct survey *s)
{
    json_t *v = json_object_get(root, "languages"), *t;
    size_t i;
    snprintf(s->languages[0], SURVEY_LANGUAGE_LEN, "ja");
    s->n_languages = 1;
    if (!v)
        return SURVEY_OK;
    if (!json_is_array(v) || json_array_size(v) < 1 || json_array_size(v) > SURVEY_MAX_LANGUAGES)
        return survey_fail(c, SURVEY_E_FIELD, "languages must be a list of 1 to %d language tags",
                           SURVEY_MAX_LANGUAGES);
    json_array_foreach(v, i, t)
    {
        const char *tag = json_is_string(t) ? json_string_value(t) : "";
        size_t n = strlen(tag);
        bool ok =
            n >= 2 && n < SURVEY_LANGUAGE_LEN && strspn(tag, "abcdefghijklmnopqrstuvwxyz-") == n;
        if (!ok || (i == 0) != (strcmp(tag, "ja") == 0))
            return survey_fail(c, SURVEY_E_FIELD,
                               "languages[%zu] must be a tag such as \"en\" or \"ja-easy\", "
                               "\"ja\" first and only there",
                               i);
        for (size_t k = 0; k < i; k++) {
            if (strcmp(s->languages[k], tag) == 0)
                return survey_fail(c, SURVEY_E_DUPLICATE, "languages: \"%s\" is listed twice", tag);
        }
        snprintf(s->languages[i], SURVEY_LANGUAGE_LEN, "%s", tag);
        s->n_languages = i + 1;
    }
    return SURVEY_OK;
}

static bool survey_id_syntax(const char *id)
{
    size_t n = strlen(id);

    if (n < 1 || n > SURVEY_MAX_ID_BYTES)
        return false;
    for (size_t i = 0; i < n; i++) {
        char ch = id[i];
        if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
              ch == '_' || ch == '-'))
            return false;
    }
    return true;
}

static enum survey_err survey_get_id(struct survey_ctx *c, json_t *obj, const char *key, char **out)
{
    json_t *v = json_object_get(obj, key);

    *out = NULL;
    if (v == NULL)
        return survey_fail(c, SURVEY_E_FIELD, "%s is missing", key);
    if (!json_is_string(v))
        return survey_fail(c, SURVEY_E_FIELD, "%s must be a string", key);
    if (!survey_id_syntax(json_string_value(v)))
        return survey_fail(c, SURVEY_E_FIELD,
                           "%s \"%.64s\" must be 1 to %d characters of A-Z a-z 0-9 _ -", key,
                           json_string_value(v), SURVEY_MAX_ID_BYTES);
    *out = strdup(json_string_value(v));
    return *out ? SURVEY_OK : survey_fail(c, SURVEY_E_NOMEM, "out of memory");
}

static enum survey_err survey_get_int(struct survey_ctx *c, json_t *obj, const char *prefix,
                                      const char *key, int min, int max, int *out)
{
    json_t *v = json_object_get(obj, key);
    json_int_t x;

    if (v == NULL)
        return survey_fail(c, SURVEY_E_FIELD, "%s%s is missing", prefix, key);
    if (!json_is_integer(v))
        return survey_fail(c, SURVEY_E_FIELD, "%s%s must be an integer", prefix, key);
    x = json_integer_value(v);
    if (x < min || x > max)
        return survey_fail(c, SURVEY_E_FIELD, "%s%s %lld must be from %d to %d", prefix, key,
                           (long long)x, min, max);
    *out = (int)x;
    return SURVEY_OK;
}

static enum survey_err survey_get_bool(struct survey_ctx *c, json_t *obj, const char *key,
                                       bool *out)
{
    json_t *v = json_object_get(obj, key);

    *out = false;
    if (v == NULL)
        return SURVEY_OK;
    if (!json_is_boolean(v))
        return survey_fail(c, SURVEY_E_FIELD, "%s must be true or false", key);
    *out = json_is_true(v);
    return SURVEY_OK;
}

/* "YYYY-MM-DD" naming a real day of the Gregorian calendar. */
static bool survey_date_valid(const char *d)
{
    static const int mdays[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, m, day;

    if (strlen(d) != 10 || d[4] != '-' || d[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (d[i] < '0' || d[i] > '9'))
            return false;
    y = atoi(d);
    m = atoi(d + 5);
    day = atoi(d + 8);
    if (m < 1 || m > 12 || day < 1 || day > mdays[m - 1])
        return false;
    if (m == 2 && day == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        return false;
    return true;
}

static enum survey_err survey_get_date(struct survey_ctx *c, json_t *period, const char *key,
                                       char out[11])
{
    json_t *v = json_object_get(period, key);

    if (v == NULL)
        return survey_fail(c, SURVEY_E_FIELD, "period.%s is missing", key);
    if (!json_is_string(v) || !survey_date_valid(json_string_value(v)))
        return survey_fail(c, SURVEY_E_FIELD, "period.%s must be a date written YYYY-MM-DD", key);
    memcpy(out, json_string_value(v), 11);
    return SURVEY_OK;
}

static enum survey_err survey_parse_period(struct survey_ctx *c, json_t *root, struct survey *s)
{
    static const char *const keys[] = {"from", "to", NULL};
    json_t *period;
    enum survey_err rc = survey_get_object(c, root, "period", false, &period);

    if (rc != SURVEY_OK || period == NULL)
        return rc;
    if ((rc = survey_check_keys(c, period, "period.", keys)) != SURVEY_OK ||
        (rc = survey_get_date(c, period, "from", s->period_from)) != SURVEY_OK ||
        (rc = survey_get_date(c, period, "to", s->period_to)) != SURVEY_OK)
        return rc;
    if (strcmp(s->period_from, s->period_to) > 0)
        return survey_fail(c, SURVEY_E_FIELD, "period.from %s is after period.to %s",
                           s->period_from, s->period_to);
    s->has_period = true;
    return SURVEY_OK;
}

static enum survey_err survey_parse_plan(struct survey_ctx *c, json_t *root, struct survey *s)
{
    static const char *const keys[] = {"name", "from_fiscal_year", "to_fiscal_year", NULL};
    struct survey_plan *p = &s->plan;
    json_t *plan;
    enum survey_err rc = survey_get_object(c, root, "plan", false, &plan);

    if (rc != SURVEY_OK || plan == NULL)
        return rc;
    if ((rc = survey_check_keys(c, plan, "plan.", keys)) != SURVEY_OK ||
        (rc = survey_get_string(c, plan, "plan.", "name", true, SURVEY_MAX_TEXT_BYTES, &p->name)) !=
            SURVEY_OK ||
        (rc = survey_get_int(c, plan, "plan.", "from_fiscal_year", SURVEY_MIN_PLAN_YEAR,
                             SURVEY_MAX_PLAN_YEAR, &p->from_fiscal_year)) != SURVEY_OK ||
        (rc = survey_get_int(c, plan, "plan.", "to_fiscal_year", SURVEY_MIN_PLAN_YEAR,
                             SURVEY_MAX_PLAN_YEAR, &p->to_fiscal_year)) != SURVEY_OK)
        return rc;
    if (p->from_fiscal_year > p->to_fiscal_year ||
        p->to_fiscal_year - p->from_fiscal_year >= SURVEY_MAX_PLAN_YEARS)
        return survey_fail(c, SURVEY_E_FIELD,
                           "plan.from_fiscal_year %d to plan.to_fiscal_year %d must be 1 to %d"
                           " fiscal years in order",
                           p->from_fiscal_year, p->to_fiscal_year, SURVEY_MAX_PLAN_YEARS);
    s->has_plan = true;
    return SURVEY_OK;
}

static enum survey_err survey_parse_point(struct survey_ctx *c, json_t *p, size_t i,
                                          struct survey *s)
{
    static const char *const keys[] = {"value", "label", NULL};
    struct survey_point *pt = &s->points[i];
    enum survey_err rc;

    snprintf(c->where, sizeof c->where, "scale.points[%zu]", i);
    if (!json_is_object(p))
        return survey_fail(c, SURVEY_E_FIELD, "must be an object with value and label");
    if ((rc = survey_check_keys(c, p, "", keys)) != SURVEY_OK ||
        (rc = survey_get_int(c, p, "", "value", 1, SURVEY_MAX_POINT_VALUE, &pt->value)) !=
            SURVEY_OK ||
        (rc = survey_get_text(c, p, "", "label", true, SURVEY_MAX_TEXT_BYTES, &pt->label)) !=
            SURVEY_OK)
        return rc;
    for (size_t j = 0; j < i; j++)
        if (s->points[j].value == pt->value)
            return survey_fail(c, SURVEY_E_DUPLICATE,
                               "value %d is used twice (also scale.points[%zu])", pt->value, j);
    return SURVEY_OK;
}

static enum survey_err survey_parse_scale(struct survey_ctx *c, json_t *root, struct survey *s)
{
    static const char *const keys[] = {"points", "favorable_min", NULL};
    json_t *scale, *points;
    enum survey_err rc;

    if ((rc = survey_get_object(c, root, "scale", true, &scale)) != SURVEY_OK ||
        (rc = survey_check_keys(c, scale, "scale.", keys)) != SURVEY_OK)
        return rc;
    snprintf(c->where, sizeof c->where, "scale");
    if ((rc = survey_get_array(c, scale, "points", SURVEY_MIN_POINTS, SURVEY_MAX_POINTS,
                               &points)) != SURVEY_OK)
        return rc;
    s->points = calloc(json_array_size(points), sizeof *s->points);
    if (s->points == NULL)
        return survey_fail(c, SURVEY_E_NOMEM, "out of memory");
    for (size_t i = 0; i < json_array_size(points); i++) {
        s->n_points = i + 1; /* so survey_free() sees what was filled */
        if ((rc = survey_parse_point(c, json_array_get(points, i), i, s)) != SURVEY_OK)
            return rc;
        if (i == 0 || s->points[i].value < s->scale_min)
            s->scale_min = s->points[i].value;
        if (i == 0 || s->points[i].value > s->scale_max)
            s->scale_max = s->points[i].value;
    }
    c->where[0] = '\0';
    if ((rc = survey_get_int(c, scale, "scale.", "favorable_min", 1, SURVEY_MAX_POINT_VALUE,
                             &s->favorable_min)) != SURVEY_OK)
        return rc;
    if (survey_point_index(s, s->favorable_min) < 0)
        return survey_fail(c, SURVEY_E_FIELD,
                           "scale.favorable_min %d is not one of the scale's point values",
                           s->favorable_min);
    return SURVEY_OK;
}

static enum survey_err survey_parse_option(struct survey_ctx *c, json_t *o, size_t ai, size_t i,
                                           struct survey_attribute *a)
{
    static const char *const keys[] = {"id", "label", NULL};
    struct survey_option *opt = &a->options[i];
    enum survey_err rc;

    snprintf(c->where, sizeof c->where, "attributes[%zu].options[%zu]", ai, i);
    if (!json_is_object(o))
        return survey_fail(c, SURVEY_E_FIELD, "must be an object with id and label");
    if ((rc = survey_check_keys(c, o, "", keys)) != SURVEY_OK ||
        (rc = survey_get_id(c, o, "id", &opt->id)) != SURVEY_OK ||
        (rc = survey_get_text(c, o, "", "label", true, SURVEY_MAX_TEXT_BYTES, &opt->label)) !=
            SURVEY_OK)
        return rc;
    for (size_t j = 0; j < i; j++)
        if (strcmp(a->options[j].id, opt->id) == 0)
            return survey_fail(c, SURVEY_E_DUPLICATE, "id \"%s\" is used twice (also options[%zu])",
                               opt->id, j);
    return SURVEY_OK;
}

static enum survey_err survey_parse_attribute(struct survey_ctx *c, json_t *o, size_t i,
                                              struct survey *s)
{
    static const char *const keys[] = {"id", "text", "options", "optional", NULL};
    struct survey_attribute *a = &s->attributes[i];
    json_t *options;
    enum survey_err rc;

    snprintf(c->where, sizeof c->where, "attributes[%zu]", i);
    if (!json_is_object(o))
        return survey_fail(c, SURVEY_E_FIELD, "must be an object");
    if ((rc = survey_check_keys(c, o, "", keys)) != SURVEY_OK ||
        (rc = survey_get_id(c, o, "id", &a->id)) != SURVEY_OK)
        return rc;
    for (size_t j = 0; j < i; j++)
        if (strcmp(s->attributes[j].id, a->id) == 0)
            return survey_fail(c, SURVEY_E_DUPLICATE,
                               "id \"%s\" is used twice (also attributes[%zu])", a->id, j);
    snprintf(c->where, sizeof c->where, "attributes[%zu] \"%s\"", i, a->id);
    if ((rc = survey_get_text(c, o, "", "text", true, SURVEY_MAX_TEXT_BYTES, &a->text)) !=
            SURVEY_OK ||
        (rc = survey_get_bool(c, o, "optional", &a->optional)) != SURVEY_OK ||
        (rc = survey_get_array(c, o, "options", 1, SURVEY_MAX_OPTIONS, &options)) != SURVEY_OK)
        return rc;
    a->options = calloc(json_array_size(options), sizeof *a->options);
    if (a->options == NULL)
        return survey_fail(c, SURVEY_E_NOMEM, "out of memory");
    for (size_t j = 0; j < json_array_size(options); j++) {
        a->n_options = j + 1;
        if ((rc = survey_parse_option(c, json_array_get(options, j), i, j, a)) != SURVEY_OK)
            return rc;
    }
    return SURVEY_OK;
}

static enum survey_err survey_parse_attributes(struct survey_ctx *c, json_t *root, struct survey *s)
{
    json_t *arr;
    enum survey_err rc = survey_get_array(c, root, "attributes", 0, SURVEY_MAX_ATTRIBUTES, &arr);

    if (rc != SURVEY_OK || arr == NULL || json_array_size(arr) == 0)
        return rc;
    s->attributes = calloc(json_array_size(arr), sizeof *s->attributes);
    if (s->attributes == NULL)
        return survey_fail(c, SURVEY_E_NOMEM, "out of memory");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        s->n_attributes = i + 1;
        if ((rc = survey_parse_attribute(c, json_array_get(arr, i), i, s)) != SURVEY_OK)
            return rc;
    }
    c->where[0] = '\0';
    return SURVEY_OK;
}

/* A number on the scale: a baseline or a numeric target. */
static enum survey_err survey_get_on_scale(struct survey_ctx *c, json_t *v, const char *key,
                                           const struct survey *s, double *out)
{
    double x = json_number_value(v);

    if (!isfinite(x) || x < s->scale_min || x > s->scale_max)
        return survey_fail(c, SURVEY_E_FIELD, "kpi.%s %g is outside the scale %d..%d", key, x,
                           s->scale_min, s->scale_max);
    *out = x;
    return SURVEY_OK;
}

static enum survey_err survey_parse_target(struct survey_ctx *c, json_t *kpi,
                                           const struct survey *s, struct survey_kpi *k)
{
    json_t *v = json_object_get(kpi, "target");

    k->target_kind = SURVEY_TARGET_NONE;
    k->target = NAN;
    if (v == NULL)
        return SURVEY_OK;
    if (json_is_string(v) && strcmp(json_string_value(v), "maintain") == 0) {
        k->target_kind = SURVEY_TARGET_MAINTAIN;
        return SURVEY_OK;
    }
    if (!json_is_number(v))
        return survey_fail(c, SURVEY_E_FIELD, "kpi.target must be a number or \"maintain\"");
    k->target_kind = SURVEY_TARGET_VALUE;
    return survey_get_on_scale(c, v, "target", s, &k->target);
}

static enum survey_err survey_parse_kpi(struct survey_ctx *c, json_t *q, const struct survey *s,
                                        struct survey_question *sq)
{
    static const char *const keys[] = {"label", "baseline", "target", NULL};
    struct survey_kpi *k = &sq->kpi;
    json_t *kpi, *b;
    enum survey_err rc = survey_get_object(c, q, "kpi", false, &kpi);

    if (rc != SURVEY_OK || kpi == NULL)
        return rc;
    sq->is_kpi = true;
    if ((rc = survey_check_keys(c, kpi, "kpi.", keys)) != SURVEY_OK ||
        (rc = survey_get_string(c, kpi, "kpi.", "label", false, SURVEY_MAX_TEXT_BYTES,
                                &k->label)) != SURVEY_OK)
        return rc;
    if (k->label == NULL && (k->label = strdup(sq->text)) == NULL)
        return survey_fail(c, SURVEY_E_NOMEM, "out of memory");
    k->baseline = NAN;
    b = json_object_get(kpi, "baseline");
    if (b != NULL) {
        if (!json_is_number(b))
            return survey_fail(c, SURVEY_E_FIELD, "kpi.baseline must be a number");
        if ((rc = survey_get_on_scale(c, b, "baseline", s, &k->baseline)) != SURVEY_OK)
            return rc;
        k->has_baseline = true;
    }
    return survey_parse_target(c, kpi, s, k);
}

static enum survey_err survey_parse_question(struct survey_ctx *c, json_t *q, size_t i,
                                             struct survey *s)
{
    static const char *const keys[] = {"id", "category", "text", "optional", "kpi", NULL};
    struct survey_question *sq = &s->questions[i];
    enum survey_err rc;

    snprintf(c->where, sizeof c->where, "questions[%zu]", i);
    if (!json_is_object(q))
        return survey_fail(c, SURVEY_E_FIELD, "must be an object");
    if ((rc = survey_check_keys(c, q, "", keys)) != SURVEY_OK ||
        (rc = survey_get_id(c, q, "id", &sq->id)) != SURVEY_OK)
        return rc;
    for (size_t j = 0; j < i; j++)
        if (strcmp(s->questions[j].id, sq->id) == 0)
            return survey_fail(c, SURVEY_E_DUPLICATE,
                               "id \"%s\" is used twice (also questions[%zu])", sq->id, j);
    snprintf(c->where, sizeof c->where, "questions[%zu] \"%s\"", i, sq->id);
    if ((rc = survey_get_text(c, q, "", "text", true, SURVEY_MAX_TEXT_BYTES, &sq->text)) !=
            SURVEY_OK ||
        (rc = survey_get_text(c, q, "", "category", false, SURVEY_MAX_TEXT_BYTES, &sq->category)) !=
            SURVEY_OK ||
        (rc = survey_get_bool(c, q, "optional", &sq->optional)) != SURVEY_OK)
        return rc;
    return survey_parse_kpi(c, q, s, sq);
}

static enum survey_err survey_parse_questions(struct survey_ctx *c, json_t *root, struct survey *s)
{
    json_t *arr;
    enum survey_err rc = survey_get_array(c, root, "questions", 1, SURVEY_MAX_QUESTIONS, &arr);

    if (rc != SURVEY_OK)
        return rc;
    s->questions = calloc(json_array_size(arr), sizeof *s->questions);
    if (s->questions == NULL)
        return survey_fail(c, SURVEY_E_NOMEM, "out of memory");
    for (size_t i = 0; i < json_array_size(arr); i++) {
        s->n_questions = i + 1;
        if ((rc = survey_parse_question(c, json_array_get(arr, i), i, s)) != SURVEY_OK)
            return rc;
    }
    c->where[0] = '\0';
    return SURVEY_OK;
}

static enum survey_err survey_parse_texts(struct survey_ctx *c, json_t *root, struct survey *s)
{
    const size_t max = SURVEY_MAX_TEXT_BYTES;
    enum survey_err rc;

    if ((rc = survey_get_string(c, root, "", "title", true, max, &s->title)) != SURVEY_OK ||
        (rc = survey_get_string(c, root, "", "organization", false, max, &s->organization)) !=
            SURVEY_OK ||
        (rc = survey_get_text(c, root, "", "intro", false, max, &s->intro)) != SURVEY_OK ||
        (rc = survey_get_text(c, root, "", "privacy_note", false, max, &s->privacy_note)) !=
            SURVEY_OK ||
        (rc = survey_get_text(c, root, "", "thanks", false, max, &s->thanks)) != SURVEY_OK)
        return rc;
    return SURVEY_OK;
}

enum survey_err survey_parse_root(struct survey_ctx *c, json_t *root, struct survey *s)
{
    static const char *const keys[] = {"id",        "version",    "title",     "organization",
                                       "period",    "intro",      "thanks",    "privacy_note",
                                       "scale",     "attributes", "questions", "cooldown_s",
                                       "languages", "plan",       NULL};
    enum survey_err rc;

    c->where[0] = '\0';
    c->s = s;
    if (!json_is_object(root))
        return survey_fail(c, SURVEY_E_FIELD, "the document must be a JSON object");
    if ((rc = survey_check_keys(c, root, "", keys)) != SURVEY_OK ||
        (rc = survey_get_id(c, root, "id", &s->id)) != SURVEY_OK ||
        (rc = survey_get_int(c, root, "", "version", 1, 1000000000, &s->version)) != SURVEY_OK ||
        (rc = survey_parse_languages(c, root, s)) != SURVEY_OK ||
        (rc = survey_parse_texts(c, root, s)) != SURVEY_OK ||
        (rc = survey_parse_period(c, root, s)) != SURVEY_OK ||
        (rc = survey_parse_plan(c, root, s)) != SURVEY_OK ||
        (rc = survey_parse_scale(c, root, s)) != SURVEY_OK ||
        (rc = survey_parse_attributes(c, root, s)) != SURVEY_OK ||
        (rc = survey_parse_questions(c, root, s)) != SURVEY_OK)
        return rc;
    s->cooldown_s = SURVEY_DEFAULT_COOLDOWN_S;
    if (json_object_get(root, "cooldown_s"))
        return survey_get_int(c, root, "", "cooldown_s", 0, SURVEY_MAX_COOLDOWN_S, &s->cooldown_s);
    return SURVEY_OK;
}

/* Survey definitions: the JSON of DESIGN.md, loaded and validated.
 * A definition is immutable once loaded; every string is owned by the
 * struct survey and lives until survey_free(). */
#ifndef SHARED_SURVEY_H
#define SHARED_SURVEY_H

#include <stdbool.h>
#include <stddef.h>

#define SURVEY_MAX_FILE_BYTES (1u << 20) /* a definition larger than 1 MiB is refused */
#define SURVEY_MAX_POINTS     11
#define SURVEY_MIN_POINTS     2
#define SURVEY_MAX_QUESTIONS  200
#define SURVEY_MAX_ATTRIBUTES 16
#define SURVEY_MAX_OPTIONS    32
#define SURVEY_MAX_ID_BYTES   64
#define SURVEY_MAX_TEXT_BYTES 2000
#define SURVEY_MAX_PLAN_YEARS 10 /* fiscal years one plan may span */
#define SURVEY_MIN_PLAN_YEAR  2000
#define SURVEY_MAX_PLAN_YEAR  2099
#define SURVEY_ERR_LEN        256 /* room for any message survey_load_* writes */

/* X-macro: one list gives the codes and their texts. */
#define SURVEY_ERRORS(X)                                                                           \
    X(SURVEY_OK, "ok")                                                                             \
    X(SURVEY_E_IO, "cannot read the file")                                                         \
    X(SURVEY_E_TOO_LARGE, "the definition is too large")                                           \
    X(SURVEY_E_UTF8, "the file is not valid UTF-8")                                                \
    X(SURVEY_E_JSON, "the file is not valid JSON")                                                 \
    X(SURVEY_E_FIELD, "a field is missing, of the wrong type or invalid")                          \
    X(SURVEY_E_DUPLICATE, "an id is used twice")                                                   \
    X(SURVEY_E_NOMEM, "out of memory")

enum survey_err {
#define SURVEY_ENUM(code, text) code,
    SURVEY_ERRORS(SURVEY_ENUM)
#undef SURVEY_ENUM
};
const char *survey_strerror(enum survey_err err);

enum survey_target_kind {
    SURVEY_TARGET_NONE,     /* a KPI without a target: achieved is unknown */
    SURVEY_TARGET_VALUE,    /* achieved when round2(mean) >= target */
    SURVEY_TARGET_MAINTAIN, /* 現状維持: achieved when round2(mean) >= baseline */
};

struct survey_point {
    int value;
    char *label;
};

struct survey_option {
    char *id;
    char *label;
};

struct survey_attribute {
    char *id;
    char *text;
    struct survey_option *options;
    size_t n_options;
    bool optional;
};

struct survey_kpi {
    char *label;       /* the published indicator's wording; the question text when absent */
    bool has_baseline; /* false: the first fiscal year with data sets it */
    double baseline;
    enum survey_target_kind target_kind;
    double target; /* meaningful for SURVEY_TARGET_VALUE only */
};

struct survey_question {
    char *id;
    char *category; /* NULL when the question has none */
    char *text;
    bool optional;
    bool is_kpi; /* the definition has a "kpi" object for it */
    struct survey_kpi kpi;
};

/* The municipal plan whose KPIs the survey measures, over fiscal years
 * from..to (both included); the reports show every year of it. */
struct survey_plan {
    char *name;
    int from_fiscal_year;
    int to_fiscal_year;
};

#define SURVEY_MAX_LANGUAGES    4  /* "ja" and up to three translations */
#define SURVEY_LANGUAGE_LEN     16 /* a tag: "ja", "en", "ja-easy" */
#define SURVEY_MAX_TRANSLATIONS 2048

/* A respondent-facing text in the survey's other languages: ja is the
 * field it translates (owned by the survey), text[k] the text in
 * languages[k] (text[0] unused: that is ja itself). */
struct survey_translation {
    const char *ja;
    char *text[SURVEY_MAX_LANGUAGES];
};

#define SURVEY_DEFAULT_COOLDOWN_S 20
#define SURVEY_MAX_COOLDOWN_S     600

struct survey {
    char *id;
    int version;
    char *title;
    char *organization;
    bool has_period;
    char period_from[11]; /* "YYYY-MM-DD" */
    char period_to[11];
    bool has_plan;
    struct survey_plan plan;
    char *intro;
    char *privacy_note;
    char *thanks;
    struct survey_point *points; /* display order */
    size_t n_points;
    int favorable_min;
    int scale_min, scale_max; /* smallest and largest point value */
    struct survey_attribute *attributes;
    size_t n_attributes;
    struct survey_question *questions;
    size_t n_questions;
    /* Seconds after a response during which a kiosk's start button rests,
     * so that one person cannot stack responses in a row. */
    int cooldown_s;
    /* languages[0] is "ja", always; the others come from `languages`. */
    char languages[SURVEY_MAX_LANGUAGES][SURVEY_LANGUAGE_LEN];
    size_t n_languages;
    struct survey_translation *translations;
    size_t n_translations;
    char *source; /* the JSON text exactly as loaded (NUL-terminated) */
    size_t source_len;
};

/* Loads and validates a definition. On success *out is a new survey and
 * SURVEY_OK is returned. On failure *out is NULL and err (if not NULL)
 * holds a message for a person that names the field and the problem, e.g.
 * `survey: questions[6] "q07": kpi.baseline 4.5 is outside the scale 1..4`. */
enum survey_err survey_load_file(const char *path, struct survey **out, char *err, size_t errlen);
enum survey_err survey_load_buffer(const char *buf, size_t len, struct survey **out, char *err,
                                   size_t errlen);
void survey_free(struct survey *s); /* accepts NULL */

/* A respondent-facing text of s (a field as loaded: s->title, q->text, a
 * point's label...) in languages[lang]; the field itself for lang 0, for a
 * text without translations or a NULL field. Valid until survey_free(). */
const char *survey_text(const struct survey *s, const char *field, int lang);

/* Look-ups; return NULL / -1 when the id is unknown. Pointers are into s. */
const struct survey_question *survey_find_question(const struct survey *s, const char *id);
int survey_question_index(const struct survey *s, const char *id);
const struct survey_attribute *survey_find_attribute(const struct survey *s, const char *id);
int survey_attribute_index(const struct survey *s, const char *id);
int survey_option_index(const struct survey_attribute *a, const char *id);
int survey_point_index(const struct survey *s, int value); /* -1 when value is not a point */

/* Whether the survey runs on a date "YYYY-MM-DD" (true when it has no period). */
bool survey_is_running_on(const struct survey *s, const char *date);

#endif

/* The yearly KPI of one survey, read from the store's release tables
 * (release_answer_counts, release_respondent_counts) and the survey
 * definition; the JSON, CSV, HTML and text reports all render one struct
 * kpi_result. The cost is O(items x scale points x fiscal years of the
 * plan), never O(responses). */
#ifndef COLLECTOR_KPI_QUERY_H
#define COLLECTOR_KPI_QUERY_H

#include <stdbool.h>
#include <sqlite3.h>

#include "fiscal.h"
#include "kpi.h"
#include "survey.h"

#define KPI_QUERY_ERR_LEN   512
#define KPI_QUERY_MIN_YEAR  1900 /* fiscal years outside this range are refused */
#define KPI_QUERY_MAX_YEAR  9999
#define KPI_QUERY_MAX_YEARS 200 /* fiscal years listed by kpi_query_years() */

/* X-macro: code, HTTP status, machine name for JSON errors. The message
 * written into err says what is wrong with which value and what to do. */
#define KPI_QUERY_ERRORS(X)                                                                        \
    X(KPI_QUERY_OK, 200, "ok")                                                                     \
    X(KPI_QUERY_E_NO_SURVEY, 404, "no_survey")                                                     \
    X(KPI_QUERY_E_UNKNOWN_SURVEY, 400, "unknown_survey")                                           \
    X(KPI_QUERY_E_UNKNOWN_ATTRIBUTE, 400, "unknown_attribute")                                     \
    X(KPI_QUERY_E_BAD_YEAR, 400, "bad_fiscal_year")                                                \
    X(KPI_QUERY_E_NO_DATA, 404, "no_data")                                                         \
    X(KPI_QUERY_E_NOT_RELEASED, 404, "not_released")                                               \
    X(KPI_QUERY_E_BAD_DEFINITION, 500, "bad_survey_definition")                                    \
    X(KPI_QUERY_E_DB, 503, "storage_unavailable")                                                  \
    X(KPI_QUERY_E_NOMEM, 503, "out_of_memory")

enum kpi_query_err {
#define KPI_QUERY_ENUM(code, status, name) code,
    KPI_QUERY_ERRORS(KPI_QUERY_ENUM)
#undef KPI_QUERY_ENUM
};
int kpi_query_status(enum kpi_query_err err);          /* the HTTP status for err */
const char *kpi_query_errname(enum kpi_query_err err); /* e.g. "unknown_survey" */

struct kpi_query_params {
    int fiscal_year;
    const char *survey_id; /* NULL: the active survey */
    const char *group_by;  /* attribute ids "a" or "a,b,c" (each its own breakdown), or NULL */
    long min_group_size;   /* <= 0: KPI_DEFAULT_MIN_GROUP */
};

/* One item (KPI question) in one population. counts[] is indexed like
 * survey->points (display order). When suppressed, only n may be shown. */
struct kpi_stat {
    long counts[SURVEY_MAX_POINTS];
    struct kpi_summary sum;
    bool suppressed;
};

enum kpi_baseline_source {
    KPI_BASELINE_NONE,      /* no published baseline and no publishable year yet */
    KPI_BASELINE_PUBLISHED, /* the plan's figure, from the survey definition */
    KPI_BASELINE_SET,       /* fixed by an administrator (`collector baseline set`) */
};

/* One fiscal year of the survey's plan, as a report of result->fiscal_year
 * sees it: years after the report's are never read, so that a yearly
 * report does not change when a later year is released. */
enum kpi_year_status {
    KPI_YEAR_RELEASED, /* the latest release of the year gives its figures */
    KPI_YEAR_NONE,     /* no release of it: not surveyed, or not released yet */
    KPI_YEAR_AFTER,    /* after the report's fiscal year */
};

struct kpi_year {
    int fiscal_year;
    enum kpi_year_status status;
    int release; /* the revision read, for KPI_YEAR_RELEASED */
    long respondents;
};

struct kpi_item {
    const struct survey_question *q; /* into result->survey */
    struct kpi_stat all;
    struct kpi_stat *series; /* n_years, like result->years; NULL without a plan */
    enum kpi_baseline_source baseline_source;
    double baseline;   /* meaningful unless KPI_BASELINE_NONE */
    int baseline_year; /* for KPI_BASELINE_SET */
    int achieved;      /* kpi_achieved(): 1, 0, -1 unknown (also when suppressed) */
    bool has_previous; /* the previous fiscal year has a publishable mean */
    double previous_mean;
    struct kpi_summary previous;   /* when has_previous */
    struct kpi_change vs_previous; /* Welch; known only when both years are published */
    struct kpi_change vs_baseline; /* Welch against the baseline year's release for a set
                                      baseline, else against the fixed published figure */
    int target_within_ci;   /* the target lies in the mean's 95% interval: 1, 0, -1 unknown */
    int baseline_within_ci; /* likewise for the baseline */
};

/* Mean of all answers to the category's KPI questions. Suppressed when any
 * of its items is, since the category mean and the published item means
 * would otherwise give the hidden item's sum back. */
struct kpi_category {
    const char *name; /* into result->survey */
    long n;
    double mean; /* NAN when n == 0 */
    bool suppressed;
};

enum kpi_group_kind {
    KPI_GROUP_OPTION,     /* an option of the report's survey version */
    KPI_GROUP_UNANSWERED, /* left unanswered, or not asked by the version answered */
    KPI_GROUP_OTHER,      /* a value the report's version does not know (renamed or removed) */
};

struct kpi_group {
    enum kpi_group_kind kind;
    const struct survey_option *option; /* for KPI_GROUP_OPTION, else NULL */
    long respondents;
    bool suppressed;                 /* the whole group: respondents only */
    bool *homogeneous;               /* n_items: hidden because every answer is one value */
    struct kpi_stat *items;          /* n_items, like result->items */
    struct kpi_category *categories; /* n_categories, like result->categories */
};

/* A response rate: respondents of the release against the headcount an
 * administrator recorded for the fiscal year. A rate is a count, not an
 * answer, so it is shown for populations of any size. */
#define KPI_RATE_LOW_PCT 60.0 /* rates below this are flagged */

struct kpi_rate {
    const struct survey_attribute *attribute; /* NULL: everyone */
    const struct survey_option *option;       /* NULL with an attribute: left unanswered */
    long respondents;
    long headcount; /* 0: not recorded */
};

/* 100 x respondents / headcount rounded to one decimal; NAN without a headcount. */
double kpi_rate_pct(const struct kpi_rate *rt);
/* Whether a known rate is below KPI_RATE_LOW_PCT (as rounded). */
bool kpi_rate_low(const struct kpi_rate *rt);
/* Whether more responded than the recorded headcount: a headcount to
 * check (of another year, or of the wrong group), not a rate to report. */
bool kpi_rate_over(const struct kpi_rate *rt);
/* What a report says beside a known rate: "60%未満", the headcount to
 * check when it is exceeded, or "". */
const char *kpi_rate_note(const struct kpi_rate *rt);

/* The groups of one attribute: options in survey order, "unanswered", then
 * "other" when held; they partition the respondents. */
struct kpi_breakdown {
    const struct survey_attribute *by; /* into result->survey */
    struct kpi_group *groups;
    size_t n_groups;
};

struct kpi_result {
    struct survey *survey; /* owned: the definition the labels come from */
    char published_at[40];
    int fiscal_year;
    int release;             /* the release (revision) the figures come from */
    char released_at[21];    /* when it was made */
    char release_reason[16]; /* close, period_end or release */
    bool waiting_known;      /* the caller filled the next two (report_make) */
    bool later_data_waits;   /* respondents stored after the release wait outside it */
    char waiting_counted_on[11];
    char label[FISCAL_LABEL_LEN]; /* 令和6年度 */
    long respondents;
    long min_group_size;
    bool suppressed; /* respondents < min_group_size: counts only, everywhere */
    struct kpi_item *items;
    size_t n_items;
    struct kpi_year *years; /* the plan's fiscal years, in order; NULL without a plan */
    size_t n_years;
    struct kpi_rate *rates; /* everyone, then each attribute's options and its unanswered */
    size_t n_rates;
    struct kpi_category *categories; /* in order of first appearance */
    size_t n_categories;
    struct kpi_breakdown *breakdowns; /* one per attribute of group_by, in its order */
    size_t n_breakdowns;
};

/* Computes the KPI for p->fiscal_year from its latest release. On success
 * *out is a new result. On failure *out is NULL and err holds a message for
 * a person. A fiscal year without a release is KPI_QUERY_E_NOT_RELEASED
 * when it holds responses (figures wait for a release), KPI_QUERY_E_NO_DATA
 * when it holds none; both messages list the years released. */
enum kpi_query_err kpi_query_run(sqlite3 *db, const struct kpi_query_params *p,
                                 struct kpi_result **out, char *err, size_t errlen);
void kpi_result_free(struct kpi_result *r); /* accepts NULL */

/* Loads the survey that a report of survey_id (NULL: the active one) uses:
 * the active version of that id, else its latest version. */
enum kpi_query_err kpi_query_survey(sqlite3 *db, const char *survey_id, struct survey **out,
                                    char *published_at, size_t published_len, char *err,
                                    size_t errlen);

/* A group's label for a person: the option's, 未回答, or その他（旧版の選択肢）. */
const char *kpi_group_label(const struct kpi_group *g);

/* The id of the survey a report without survey= uses, into out; false when
 * none is published or the database cannot be read. */
bool kpi_query_active_id(sqlite3 *db, char *out, size_t len);

/* The fiscal years with a release for survey_id, ascending; returns how
 * many were written to years (at most max), or -1 on a database error. */
int kpi_query_years(sqlite3 *db, const char *survey_id, int *years, int max);

/* Parses a fiscal year argument ("2024"); returns false unless it is a whole
 * number in KPI_QUERY_MIN_YEAR..KPI_QUERY_MAX_YEAR. */
bool kpi_query_parse_year(const char *text, int *year);

#endif

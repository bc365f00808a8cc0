/* A fiscal year's headcount as an administrator gives it (`collector
 * headcount set --total N --group ATTR=OPT:N,...` or a CSV file), checked
 * against the survey before anything is stored: every attribute and option
 * must be the survey's, every count a whole number from 1, no key twice,
 * and the options of one attribute together no more than the total. */
#ifndef COLLECTOR_HEADCOUNT_H
#define COLLECTOR_HEADCOUNT_H

#include <stddef.h>

#include "store.h"
#include "survey.h"

#define HEADCOUNT_MAX_COUNT 10000000 /* staff of one municipality, generously */
#define HEADCOUNT_MAX_ROWS  (1 + SURVEY_MAX_ATTRIBUTES * SURVEY_MAX_OPTIONS)
#define HEADCOUNT_ERR_LEN   256
#define HEADCOUNT_MAX_FILE  (1 << 20) /* a CSV import larger than 1 MiB is refused */

#define HEADCOUNT_ERRORS(X)                                                                        \
    X(HEADCOUNT_OK, "ok")                                                                          \
    X(HEADCOUNT_E_SYNTAX, "the headcount is not written as expected")                              \
    X(HEADCOUNT_E_UNKNOWN, "an attribute or option the survey does not have")                      \
    X(HEADCOUNT_E_COUNT, "a count that is not a whole number from 1")                              \
    X(HEADCOUNT_E_TWICE, "a figure given twice")                                                   \
    X(HEADCOUNT_E_SUM, "the options of an attribute add up to more than the total")                \
    X(HEADCOUNT_E_EMPTY, "no figure given")

enum headcount_err {
#define HEADCOUNT_ENUM(code, text) code,
    HEADCOUNT_ERRORS(HEADCOUNT_ENUM)
#undef HEADCOUNT_ENUM
};

/* The figures given; rows[i] points into the key buffers. */
struct headcount {
    struct store_headcount rows[HEADCOUNT_MAX_ROWS];
    char attr[HEADCOUNT_MAX_ROWS][SURVEY_MAX_ID_BYTES + 1];
    char opt[HEADCOUNT_MAX_ROWS][SURVEY_MAX_ID_BYTES + 1];
    size_t n;
};

void headcount_init(struct headcount *h);

/* Adds the total ("812"). */
enum headcount_err headcount_add_total(struct headcount *h, const char *text, char *err,
                                       size_t errlen);
/* Adds one attribute's options: "employment=regular:520,kaikei:292". */
enum headcount_err headcount_add_group(struct headcount *h, const char *spec, char *err,
                                       size_t errlen);
/* Adds the rows of a CSV text "attribute,option,headcount" (a first line
 * that is a header, and a UTF-8 BOM, are skipped; an empty attribute and
 * option is the total). err names the line. */
enum headcount_err headcount_add_csv(struct headcount *h, const char *text, size_t len, char *err,
                                     size_t errlen);

/* Checks every figure against s (see the top of this file). */
enum headcount_err headcount_check(const struct headcount *h, const struct survey *s, char *err,
                                   size_t errlen);

#endif

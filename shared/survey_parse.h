/* Internal to the survey loader: the walk over the parsed JSON document.
 * Every check writes its message through survey_fail(), which prefixes the
 * path of the object being read (c->where) so the message names the field. */
#ifndef SHARED_SURVEY_PARSE_H
#define SHARED_SURVEY_PARSE_H

#include <jansson.h>

#include "survey.h"

#define SURVEY_WHERE_LEN 112 /* "questions[199] \"<64-byte id>\"" and a sub-path fit */

struct survey_ctx {
    char *err;
    size_t errlen;
    char where[SURVEY_WHERE_LEN]; /* e.g. `questions[6] "q07"`; empty at the top level */
    struct survey *s;             /* where translations go; set by survey_parse_root */
};

/* Writes "survey: <where>: <message>" into c->err and returns code. */
enum survey_err survey_fail(struct survey_ctx *c, enum survey_err code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Checks the whole document and fills s (all but source). */
enum survey_err survey_parse_root(struct survey_ctx *c, json_t *root, struct survey *s);

#endif

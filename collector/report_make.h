/* One yearly report in one format, from the database to a finished body:
 * the admin routes and `collector report` both go through here, so that the
 * browser, Excel and the command line always get the same figures. */
#ifndef COLLECTOR_REPORT_MAKE_H
#define COLLECTOR_REPORT_MAKE_H

#include <stddef.h>
#include <sqlite3.h>

#include "kpi_query.h"
#include "reply.h"
#include "store.h"

#define REPORT_ERR_LEN 512

enum report_format {
    REPORT_JSON,
    REPORT_CSV,      /* UTF-8 with BOM */
    REPORT_CSV_SJIS, /* CP932, for older Excel */
    REPORT_HTML,
    REPORT_TEXT, /* a plain table for a terminal */
    REPORT_XLSX, /* an Excel workbook */
};

/* Parses "json", "csv", "html", "text", "xlsx"; returns false for anything else. */
bool report_format_parse(const char *name, enum report_format *out);

/* Computes the KPI of p from its latest release and renders it as f.
 * Returns the HTTP status: 200 with rep's body, content type and
 * disposition set; otherwise *errname is a machine name and err a message
 * for a person, and rep is left alone except for 404 not_released, whose
 * JSON body (participation: respondents rounded down to a multiple of
 * REPORT_PARTICIPATION_STEP, counted once a day) report_make writes. st
 * gives participation and whether later data waits; NULL leaves them out. */
#define REPORT_PARTICIPATION_STEP 5

int report_make(struct store *st, sqlite3 *db, const struct kpi_query_params *p,
                enum report_format f, struct reply *rep, char *err, size_t errlen,
                const char **errname);

#endif

/* The yearly KPI table as CSV for Excel: one row per KPI item with Japanese
 * headers, RFC 4180 quoting, CRLF line ends, and either UTF-8 with a BOM
 * (Excel 2016 and later) or CP932 for older Excel. */
#ifndef COLLECTOR_REPORT_CSV_H
#define COLLECTOR_REPORT_CSV_H

#include <stddef.h>

#include "kpi_query.h"

#define REPORT_CSV_ERR_LEN 512

#define REPORT_CSV_ERRORS(X)                                                                       \
    X(REPORT_CSV_OK, "ok")                                                                         \
    X(REPORT_CSV_E_ENCODING, "a text cannot be written in the requested encoding")                 \
    X(REPORT_CSV_E_NOMEM, "out of memory")

enum report_csv_err {
#define REPORT_CSV_ENUM(code, text) code,
    REPORT_CSV_ERRORS(REPORT_CSV_ENUM)
#undef REPORT_CSV_ENUM
};

enum report_csv_encoding {
    REPORT_CSV_UTF8,  /* with a BOM, so that Excel does not guess the encoding */
    REPORT_CSV_CP932, /* Windows-31J, without BOM */
};

/* Renders r into *out (malloc'ed; *len bytes, not NUL-terminated text in
 * CP932). On REPORT_CSV_E_ENCODING err names the text that cannot be written
 * and what to do instead. */
enum report_csv_err report_csv(const struct kpi_result *r, enum report_csv_encoding enc, char **out,
                               size_t *len, char *err, size_t errlen);

/* Whether a cell would be read by a spreadsheet as a formula (OWASP's list:
 * = + - @ tab CR at the start); such cells are written with a leading '. */
bool report_csv_is_formula(const char *cell);

#endif

/* The yearly KPI as an Excel workbook (libxlsxwriter): 成果指標 (numbers as
 * numbers, two decimals, the target kind in its own column), 計画期間,
 * 回答率, one sheet per breakdown and 集計方法. Headers are Japanese, the
 * header row is frozen, columns are as wide as their content. */
#ifndef COLLECTOR_REPORT_XLSX_H
#define COLLECTOR_REPORT_XLSX_H

#include <stddef.h>

#include "kpi_query.h"

#define REPORT_XLSX_MAX  (16L << 20) /* a workbook larger than 16 MiB is refused */
#define REPORT_XLSX_TYPE "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

/* Writes the workbook of r into *out (malloc'ed, *len bytes). Returns 0, or
 * -1 with err saying what failed (a temporary file under $TMPDIR or /tmp is
 * used and removed). */
int report_xlsx(const struct kpi_result *r, char **out, size_t *len, char *err, size_t errlen);

#endif

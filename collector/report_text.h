/* The yearly KPI as a plain table for a terminal (`collector report
 * --format text`): one line per item, the figures first, the label last so
 * that Japanese text of any width does not break the columns. */
#ifndef COLLECTOR_REPORT_TEXT_H
#define COLLECTOR_REPORT_TEXT_H

#include <stddef.h>

#include "kpi_query.h"

/* Returns the text (malloc'ed, NUL-terminated), or NULL when memory runs out. */
char *report_text(const struct kpi_result *r, size_t *len);

#endif

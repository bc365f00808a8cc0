/* The yearly KPI as the JSON of GET /api/v1/kpi (DESIGN.md's example is the
 * contract). Suppressed figures are null, never left out, so that a reader
 * sees the same keys in every report. */
#ifndef COLLECTOR_REPORT_JSON_H
#define COLLECTOR_REPORT_JSON_H

#include <stddef.h>

#include "kpi_query.h"

/* Returns the JSON text (malloc'ed, NUL-terminated; *len its length), or
 * NULL when memory runs out. */
char *report_json(const struct kpi_result *r, size_t *len);

/* Rounds x to the given number of decimals, half away from zero, as the
 * reports print it (shared by every renderer so that they agree). */
double report_round(double x, int decimals);

#endif

/* The response-rate rows of a struct kpi_result, filled by kpi_query_run;
 * internal to the KPI query (kpi_rate_pct and kpi_rate_low are in
 * kpi_query.h for the renderers). */
#ifndef COLLECTOR_KPI_RATE_H
#define COLLECTOR_KPI_RATE_H

#include <sqlite3.h>

#include "kpi_query.h"

/* Sets r->rates: everyone, then each attribute's options and its unanswered. */
enum kpi_query_err kpi_rates_alloc(struct kpi_result *r);
/* The row of (attr, opt) as stored ("" "" is everyone, an option "" the
 * unanswered); NULL for a value the report's version does not know. */
struct kpi_rate *kpi_rate_find(struct kpi_result *r, const char *attr, const char *opt);
/* Fills the headcounts recorded for r's fiscal year; 0, or -1 on a database error. */
int kpi_rates_load_headcounts(sqlite3 *db, struct kpi_result *r);

#endif

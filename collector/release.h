/* When results are released (docs/design.md, "Releases"): closing a
 * survey, a survey period that has ended, and a late revision; and the
 * baselines an administrator fixes from a release. The arithmetic of the
 * rule is the store's (store_release); this module decides when to ask. */
#ifndef COLLECTOR_RELEASE_H
#define COLLECTOR_RELEASE_H

#include <stdbool.h>
#include <stdio.h>

#include "store.h"

#define RELEASE_MAX_YEARS 64 /* fiscal years of one survey released in one call */

/* Releases each fiscal year of survey_id that holds responses, saying per
 * year to out what happened. Returns 0, or -1 after a message on err. */
int release_years(struct store *st, const char *survey_id, long min_group, const char *reason,
                  FILE *out, FILE *err);

/* Closes every open survey whose definition has a period that ended before
 * the collector's today, and releases its years (reason "period_end").
 * Returns how many surveys it closed, or -1 on a store error. Logs. */
int release_due(struct store *st, long min_group);

/* `collector baseline set`: every KPI of survey_id without a published
 * baseline takes round2 of its mean in fiscal_year's latest release (when
 * that mean may be published). Says each to out; returns the exit status. */
int baseline_set(struct store *st, const char *survey_id, int fiscal_year, long min_group,
                 FILE *out, FILE *err);

/* One line for a person about r: what was released and what waits. */
void release_describe(const struct store_release *r, int fiscal_year, FILE *out);

#endif

/* KPI math on counts per scale value: n, mean, sd, 95% interval,
 * favourable %, the achieved rule, and small-group suppression.
 * Everything works from counts, so the collector can keep aggregates and
 * the cost does not grow with the number of responses. */
#ifndef SHARED_KPI_H
#define SHARED_KPI_H

#include <stdbool.h>
#include <stddef.h>

#include "survey.h"

#define KPI_DEFAULT_MIN_GROUP 10 /* as the stress-check group analysis uses */

struct kpi_summary {
    long n;               /* answers, nulls excluded */
    double mean;          /* NAN when n == 0 */
    double sd;            /* sample standard deviation (n - 1); NAN when n < 2 */
    double ci_low;        /* 95% interval of the mean, Student's t with n - 1 */
    double ci_high;       /* degrees of freedom; NAN when n < 2 */
    double favorable_pct; /* share of answers >= favorable_min, 0..100; NAN when n == 0 */
};

/* values[i] is a scale value and counts[i] how many answers had it. */
void kpi_summarize(const int *values, const long *counts, size_t n_values, int favorable_min,
                   struct kpi_summary *out);

/* The two-sided 95% quantile of Student's t with df degrees of freedom
 * (12.706 for 1, 2.262 for 9, 1.960 in the limit). */
double kpi_t95(long df);

/* A change of a mean with its 95% interval. known is false when it cannot
 * be said (a side without answers, or fewer than two answers). */
struct kpi_change {
    bool known;
    double diff;   /* a's mean minus the other side */
    double ci_low; /* 95% interval of diff */
    double ci_high;
};

/* a.mean - b.mean with Welch's interval: the standard error from both
 * samples' variances, Student's t at the Welch-Satterthwaite degrees of
 * freedom, rounded down (the wider, conservative interval). */
void kpi_change_welch(const struct kpi_summary *a, const struct kpi_summary *b,
                      struct kpi_change *out);

/* a.mean - value for a fixed figure (a published baseline or a target): the
 * interval is a's own 95% interval shifted by value. */
void kpi_change_fixed(const struct kpi_summary *a, double value, struct kpi_change *out);

/* Whether the interval excludes 0: a change beyond the margin of error. */
bool kpi_change_significant(const struct kpi_change *c);

/* Rounds to two decimals as the plan publishes (half away from zero). */
double kpi_round2(double x);

/* DESIGN.md's rule: round2(mean) >= target, or >= baseline for "maintain".
 * Returns 1 achieved, 0 not, -1 unknown (no target, no baseline, no mean). */
int kpi_achieved(double mean, enum survey_target_kind kind, double target, bool has_baseline,
                 double baseline);

/* Small-group rule with complementary suppression. group_n[i] are the
 * respondents of each group of one partition of the total (every group,
 * including "not answered", so that they sum to the total). Sets
 * suppressed[i] for every group with 0 < n < min_group, and then suppresses
 * further groups, smallest first, until the suppressed groups together hold
 * at least min_group respondents, so that subtracting the published groups
 * from the total never gives back a set smaller than min_group. Groups with
 * n == 0 reveal nothing and are suppressed only for having no data.
 * Returns true when the total itself is below min_group (suppress all). */
bool kpi_suppress(const long *group_n, size_t n_groups, long min_group, bool *suppressed);

#endif

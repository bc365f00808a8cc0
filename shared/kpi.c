/* KPI math from counts per scale value. The collector keeps counts, not
 * answers, so every figure here is computed from (value, count) pairs and
 * costs nothing per response. */
#include "kpi.h"

#include <assert.h>
#include <math.h>

/* Two-sided 95% quantiles of Student's t, df 1..30, as printed tables give them. */
static const double kpi_t95_table[30] = {
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228,
    2.201,  2.179, 2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086,
    2.080,  2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
};

double kpi_t95(long df)
{
    /* Beyond the table, the Cornish-Fisher expansion of t around the normal
     * quantile; its error at df 31 is already below 1e-5. */
    const double z = 1.959963984540054;
    double v, z2, z3, z5, z7, z9;

    if (df < 1)
        return NAN;
    if (df <= 30)
        return kpi_t95_table[df - 1];
    v = (double)df;
    z2 = z * z;
    z3 = z2 * z;
    z5 = z3 * z2;
    z7 = z5 * z2;
    z9 = z7 * z2;
    return z + (z3 + z) / (4 * v) + (5 * z5 + 16 * z3 + 3 * z) / (96 * v * v) +
           (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * v * v * v) +
           (79 * z9 + 776 * z7 + 1482 * z5 - 1920 * z3 - 945 * z) / (92160 * v * v * v * v);
}

void kpi_summarize(const int *values, const long *counts, size_t n_values, int favorable_min,
                   struct kpi_summary *out)
{
    long n = 0, fav = 0;
    double sum = 0, ss = 0, mean;

    for (size_t i = 0; i < n_values; i++) {
        assert(counts[i] >= 0);
        n += counts[i];
        sum += (double)values[i] * (double)counts[i];
        if (values[i] >= favorable_min)
            fav += counts[i];
    }
    out->n = n;
    out->mean = out->sd = out->ci_low = out->ci_high = out->favorable_pct = NAN;
    if (n == 0)
        return;
    mean = sum / (double)n;
    out->mean = mean;
    out->favorable_pct = 100.0 * (double)fav / (double)n;
    if (n < 2)
        return;
    /* Two passes over the few scale values keep the variance exact enough
     * without the cancellation of sum-of-squares minus square-of-sum. */
    for (size_t i = 0; i < n_values; i++) {
        double d = (double)values[i] - mean;
        ss += d * d * (double)counts[i];
    }
    out->sd = sqrt(ss / (double)(n - 1));
    double half = kpi_t95(n - 1) * out->sd / sqrt((double)n);
    out->ci_low = mean - half;
    out->ci_high = mean + half;
}

void kpi_change_welch(const struct kpi_summary *a, const struct kpi_summary *b,
                      struct kpi_change *out)
{
    double va, vb, se2, df;

    out->known = a->n >= 2 && b->n >= 2;
    out->diff = out->ci_low = out->ci_high = NAN;
    if (!out->known)
        return;
    va = a->sd * a->sd / (double)a->n;
    vb = b->sd * b->sd / (double)b->n;
    se2 = va + vb;
    out->diff = a->mean - b->mean;
    if (se2 <= 0) {
        /* Both samples all on one value each: no spread, the change is exact. */
        out->ci_low = out->ci_high = out->diff;
        return;
    }
    df = se2 * se2 / (va * va / (double)(a->n - 1) + vb * vb / (double)(b->n - 1));
    double half = kpi_t95((long)floor(df)) * sqrt(se2);
    out->ci_low = out->diff - half;
    out->ci_high = out->diff + half;
}

void kpi_change_fixed(const struct kpi_summary *a, double value, struct kpi_change *out)
{
    out->known = a->n >= 2 && !isnan(value);
    out->diff = out->ci_low = out->ci_high = NAN;
    if (!out->known)
        return;
    out->diff = a->mean - value;
    out->ci_low = a->ci_low - value;
    out->ci_high = a->ci_high - value;
}

bool kpi_change_significant(const struct kpi_change *c)
{
    return c->known && (c->ci_low > 0 || c->ci_high < 0);
}

double kpi_round2(double x)
{
    /* x * 100 of a decimal like 2.875 lands a hair below .5 in binary; the
     * tiny nudge away from zero restores the half-up the plans use. */
    if (isnan(x) || isinf(x))
        return x;
    return round(x * 100 + copysign(1e-9, x)) / 100;
}

int kpi_achieved(double mean, enum survey_target_kind kind, double target, bool has_baseline,
                 double baseline)
{
    /* Both sides are two-decimal numbers; the slack only absorbs binary error. */
    const double slack = 1e-9;
    double r;

    if (isnan(mean))
        return -1;
    r = kpi_round2(mean);
    switch (kind) {
    case SURVEY_TARGET_VALUE:
        if (isnan(target))
            return -1;
        return r + slack >= target ? 1 : 0;
    case SURVEY_TARGET_MAINTAIN:
        if (!has_baseline || isnan(baseline))
            return -1;
        return r + slack >= baseline ? 1 : 0;
    case SURVEY_TARGET_NONE:
    default:
        return -1;
    }
}

bool kpi_suppress(const long *group_n, size_t n_groups, long min_group, bool *suppressed)
{
    long total = 0, hidden = 0;

    for (size_t i = 0; i < n_groups; i++) {
        total += group_n[i];
        /* An empty group has nothing to publish; it hides no one either. */
        suppressed[i] = group_n[i] < min_group;
        if (group_n[i] > 0 && group_n[i] < min_group)
            hidden += group_n[i];
    }
    if (total < min_group) {
        for (size_t i = 0; i < n_groups; i++)
            suppressed[i] = true;
        return true;
    }
    /* Complementary suppression: while the hidden groups together are a
     * small set, the total minus the published groups would give them back,
     * so hide the smallest published group too. */
    while (hidden > 0 && hidden < min_group) {
        size_t pick = n_groups;
        for (size_t i = 0; i < n_groups; i++) {
            if (!suppressed[i] && group_n[i] > 0 &&
                (pick == n_groups || group_n[i] < group_n[pick]))
                pick = i;
        }
        if (pick == n_groups)
            break; /* everything is hidden already */
        suppressed[pick] = true;
        hidden += group_n[pick];
    }
    return false;
}

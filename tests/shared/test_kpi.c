/* Unit tests of the KPI math: summaries from counts, Student's t, the
 * two-decimal rounding the plans publish, the achieved rule, and small-group
 * suppression including attempts to recover a group by subtraction. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdbool.h>

#include "helper_shared.h"
#include "kpi.h"

static void summarize4(long c1, long c2, long c3, long c4, struct kpi_summary *out)
{
    static const int v[] = {1, 2, 3, 4};
    const long c[] = {c1, c2, c3, c4};

    kpi_summarize(v, c, 4, 3, out);
}

/* Worked by hand: a = five 4s and five 3s (mean 3.5, variance 2.5/9), b =
 * five 3s and five 2s (mean 2.5, same variance). se = sqrt(2 x 0.25/9 / 10)
 * = 0.2357; Welch's df = 18 exactly; t(18) = 2.101; half width 0.4952. */
static void test_kpi_change_welch_hand_worked(void **state)
{
    struct kpi_summary a, b;
    struct kpi_change c;

    (void)state;
    summarize4(0, 0, 5, 5, &a);
    summarize4(0, 5, 5, 0, &b);
    kpi_change_welch(&a, &b, &c);
    assert_true(c.known);
    assert_true(fabs(c.diff - 1.0) < 1e-12);
    assert_true(fabs(c.ci_low - 0.5048) < 1e-4);
    assert_true(fabs(c.ci_high - 1.4952) < 1e-4);
    assert_true(kpi_change_significant(&c));
    /* Unequal sizes and spreads: a = 3,3,3,4 x 10 (n 40), b = 1..4 x 5 (n 20).
     * va = 0.1923/40, vb = 1.3158/20: df = 21.82 -> 21, t = 2.080. */
    summarize4(0, 0, 30, 10, &a);
    summarize4(5, 5, 5, 5, &b);
    kpi_change_welch(&a, &b, &c);
    assert_true(fabs(c.diff - 0.75) < 1e-12);
    assert_true(fabs(c.ci_high - c.diff -
                     2.080 * sqrt(0.25 * 0.75 * 40 / 39 / 40 + (1.25 * 20 / 19) / 20)) < 1e-9);
    assert_true(kpi_change_significant(&c));
}

/* A change of 0.1 on 20 answers each side is inside the noise. */
static void test_kpi_change_within_noise_is_not_significant(void **state)
{
    struct kpi_summary a, b;
    struct kpi_change c;

    (void)state;
    summarize4(2, 4, 10, 4, &a); /* mean 2.8 */
    summarize4(2, 6, 8, 4, &b);  /* mean 2.7 */
    kpi_change_welch(&a, &b, &c);
    assert_true(fabs(c.diff - 0.1) < 1e-12);
    assert_true(c.ci_low < 0 && c.ci_high > 0);
    assert_false(kpi_change_significant(&c));
    /* Against a fixed figure the interval is a's own, shifted. */
    kpi_change_fixed(&a, 2.5, &c);
    assert_true(fabs(c.diff - 0.3) < 1e-12);
    assert_true(fabs(c.ci_low - (a.ci_low - 2.5)) < 1e-12);
    assert_true(fabs(c.ci_high - (a.ci_high - 2.5)) < 1e-12);
    /* Too few answers: unknown, never significant. */
    summarize4(0, 0, 1, 0, &b);
    kpi_change_welch(&a, &b, &c);
    assert_false(c.known);
    assert_false(kpi_change_significant(&c));
    kpi_change_fixed(&b, 2.5, &c);
    assert_false(c.known);
}

static void test_kpi_summarize_mean_sd_ci_favorable(void **state)
{
    (void)state;
    const int values[] = {4, 3, 2, 1};
    const long counts[] = {1, 2, 1, 0};
    struct kpi_summary s;
    kpi_summarize(values, counts, 4, 3, &s);
    assert_int_equal(s.n, 4);
    assert_near(s.mean, 3.0, 1e-12);
    assert_near(s.sd, sqrt(2.0 / 3.0), 1e-12); /* sample sd, n - 1 */
    double half = 3.182 * sqrt(2.0 / 3.0) / 2.0;
    assert_near(s.ci_low, 3.0 - half, 1e-9);
    assert_near(s.ci_high, 3.0 + half, 1e-9);
    assert_near(s.favorable_pct, 75.0, 1e-12);
}

static void test_kpi_summarize_large_sample_uses_t(void **state)
{
    (void)state;
    const int values[] = {4, 3, 2, 1};
    const long counts[] = {39, 95, 40, 10}; /* DESIGN.md's example item */
    struct kpi_summary s;
    kpi_summarize(values, counts, 4, 3, &s);
    assert_int_equal(s.n, 184);
    assert_near(s.mean, (39 * 4 + 95 * 3 + 40 * 2 + 10) / 184.0, 1e-12);
    assert_near(s.ci_high - s.mean, kpi_t95(183) * s.sd / sqrt(184.0), 1e-12);
    assert_near(s.favorable_pct, 100.0 * 134 / 184, 1e-9);
}

static void test_kpi_summarize_empty_gives_nan(void **state)
{
    (void)state;
    const int values[] = {4, 3, 2, 1};
    const long counts[] = {0, 0, 0, 0};
    struct kpi_summary s;
    kpi_summarize(values, counts, 4, 3, &s);
    assert_int_equal(s.n, 0);
    assert_true(isnan(s.mean));
    assert_true(isnan(s.sd));
    assert_true(isnan(s.favorable_pct));
}

static void test_kpi_summarize_single_answer_has_no_sd(void **state)
{
    (void)state;
    const int values[] = {4, 3, 2, 1};
    const long counts[] = {0, 1, 0, 0};
    struct kpi_summary s;
    kpi_summarize(values, counts, 4, 3, &s);
    assert_int_equal(s.n, 1);
    assert_near(s.mean, 3.0, 1e-12);
    assert_true(isnan(s.sd));
    assert_true(isnan(s.ci_low));
    assert_true(isnan(s.ci_high));
}

static void test_kpi_t95_table_and_approximation(void **state)
{
    (void)state;
    /* Reference quantiles t(0.975, df) to six decimals. */
    assert_near(kpi_t95(1), 12.706205, 0.001);
    assert_near(kpi_t95(9), 2.262157, 0.001);
    assert_near(kpi_t95(30), 2.042272, 0.001);
    assert_near(kpi_t95(31), 2.039513, 0.001);
    assert_near(kpi_t95(40), 2.021075, 0.001);
    assert_near(kpi_t95(60), 2.000298, 0.001);
    assert_near(kpi_t95(100), 1.983972, 0.001);
    assert_near(kpi_t95(1000), 1.962339, 0.001);
    assert_near(kpi_t95(100000000), 1.959964, 0.001);
    assert_true(isnan(kpi_t95(0)));
}

static void test_kpi_t95_decreases_with_df(void **state)
{
    (void)state;
    for (long df = 1; df < 2000; df++)
        assert_true(kpi_t95(df + 1) < kpi_t95(df));
}

static void test_kpi_round2_half_away_from_zero(void **state)
{
    (void)state;
    assert_near(kpi_round2(2.875), 2.88, 1e-12); /* 287.4999... in binary */
    assert_near(kpi_round2(2.995), 3.00, 1e-12);
    assert_near(kpi_round2(2.994), 2.99, 1e-12);
    assert_near(kpi_round2(1.005), 1.01, 1e-12);
    assert_near(kpi_round2(-2.875), -2.88, 1e-12);
    assert_near(kpi_round2(2.8804), 2.88, 1e-12);
    assert_true(isnan(kpi_round2(NAN)));
}

static void test_kpi_achieved_rounds_before_comparing(void **state)
{
    (void)state;
    assert_int_equal(kpi_achieved(2.995, SURVEY_TARGET_VALUE, 3.0, true, 2.88), 1);
    assert_int_equal(kpi_achieved(2.994, SURVEY_TARGET_VALUE, 3.0, true, 2.88), 0);
    assert_int_equal(kpi_achieved(3.2, SURVEY_TARGET_VALUE, 3.0, false, NAN), 1);
}

static void test_kpi_achieved_maintain_at_baseline(void **state)
{
    (void)state;
    assert_int_equal(kpi_achieved(3.40, SURVEY_TARGET_MAINTAIN, NAN, true, 3.40), 1);
    assert_int_equal(kpi_achieved(3.395, SURVEY_TARGET_MAINTAIN, NAN, true, 3.40), 1);
    assert_int_equal(kpi_achieved(3.394, SURVEY_TARGET_MAINTAIN, NAN, true, 3.40), 0);
    assert_int_equal(kpi_achieved(3.09, SURVEY_TARGET_MAINTAIN, NAN, true, 3.09), 1);
}

static void test_kpi_achieved_unknown_cases(void **state)
{
    (void)state;
    assert_int_equal(kpi_achieved(3.5, SURVEY_TARGET_NONE, NAN, true, 3.0), -1);
    assert_int_equal(kpi_achieved(3.5, SURVEY_TARGET_MAINTAIN, NAN, false, NAN), -1);
    assert_int_equal(kpi_achieved(NAN, SURVEY_TARGET_VALUE, 3.0, true, 2.8), -1);
}

/* The property the rule exists for: the hidden groups hold no one, or at
 * least min respondents together, and no small group is published. */
static void assert_not_recoverable(const long *n, size_t k, long min, const bool *sup)
{
    long hidden = 0;
    for (size_t i = 0; i < k; i++) {
        if (n[i] > 0 && n[i] < min)
            assert_true(sup[i]);
        if (sup[i])
            hidden += n[i];
    }
    assert_true(hidden == 0 || hidden >= min);
}

static void test_kpi_suppress_nothing_when_all_large(void **state)
{
    (void)state;
    const long n[] = {120, 64};
    bool sup[2];
    assert_false(kpi_suppress(n, 2, 10, sup));
    assert_false(sup[0]);
    assert_false(sup[1]);
}

static void test_kpi_suppress_blocks_subtraction_attack(void **state)
{
    (void)state;
    /* regular 50, kaikei 4, not answered 20: hiding kaikei alone would give
     * it back as 74 - 50 - 20, so the smallest other group goes too. */
    const long n[] = {50, 4, 20};
    bool sup[3];
    assert_false(kpi_suppress(n, 3, 10, sup));
    assert_false(sup[0]);
    assert_true(sup[1]);
    assert_true(sup[2]);
    assert_not_recoverable(n, 3, 10, sup);
}

static void test_kpi_suppress_several_small_groups(void **state)
{
    (void)state;
    const long a[] = {3, 4, 50, 30}; /* 3 + 4 = 7 is still a small set */
    bool sa[4];
    assert_false(kpi_suppress(a, 4, 10, sa));
    assert_true(sa[0] && sa[1] && sa[3]);
    assert_false(sa[2]);
    assert_not_recoverable(a, 4, 10, sa);

    const long b[] = {6, 5, 50}; /* 6 + 5 = 11 hides enough on its own */
    bool sb[3];
    assert_false(kpi_suppress(b, 3, 10, sb));
    assert_true(sb[0] && sb[1]);
    assert_false(sb[2]);
    assert_not_recoverable(b, 3, 10, sb);
}

static void test_kpi_suppress_zero_size_groups(void **state)
{
    (void)state;
    const long a[] = {0, 50, 30}; /* an empty group hides no one */
    bool sa[3];
    assert_false(kpi_suppress(a, 3, 10, sa));
    assert_true(sa[0]);
    assert_false(sa[1]);
    assert_false(sa[2]);

    const long b[] = {0, 5, 50, 30}; /* the complement is a group with people */
    bool sb[4];
    assert_false(kpi_suppress(b, 4, 10, sb));
    assert_true(sb[1] && sb[3]);
    assert_false(sb[2]);
    assert_not_recoverable(b, 4, 10, sb);
}

static void test_kpi_suppress_total_below_min(void **state)
{
    (void)state;
    const long n[] = {3, 4};
    bool sup[2] = {false, false};
    assert_true(kpi_suppress(n, 2, 10, sup));
    assert_true(sup[0] && sup[1]);
}

static void test_kpi_suppress_exhaustive_small_partitions(void **state)
{
    (void)state;
    /* Every partition of up to four groups of 0..14: the property holds. */
    long n[4];
    bool sup[4];
    for (n[0] = 0; n[0] < 15; n[0]++)
        for (n[1] = 0; n[1] < 15; n[1]++)
            for (n[2] = 0; n[2] < 15; n[2]++)
                for (n[3] = 0; n[3] < 15; n[3]++) {
                    if (kpi_suppress(n, 4, 10, sup))
                        continue;
                    assert_not_recoverable(n, 4, 10, sup);
                }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kpi_summarize_mean_sd_ci_favorable),
        cmocka_unit_test(test_kpi_change_welch_hand_worked),
        cmocka_unit_test(test_kpi_change_within_noise_is_not_significant),
        cmocka_unit_test(test_kpi_summarize_large_sample_uses_t),
        cmocka_unit_test(test_kpi_summarize_empty_gives_nan),
        cmocka_unit_test(test_kpi_summarize_single_answer_has_no_sd),
        cmocka_unit_test(test_kpi_t95_table_and_approximation),
        cmocka_unit_test(test_kpi_t95_decreases_with_df),
        cmocka_unit_test(test_kpi_round2_half_away_from_zero),
        cmocka_unit_test(test_kpi_achieved_rounds_before_comparing),
        cmocka_unit_test(test_kpi_achieved_maintain_at_baseline),
        cmocka_unit_test(test_kpi_achieved_unknown_cases),
        cmocka_unit_test(test_kpi_suppress_nothing_when_all_large),
        cmocka_unit_test(test_kpi_suppress_blocks_subtraction_attack),
        cmocka_unit_test(test_kpi_suppress_several_small_groups),
        cmocka_unit_test(test_kpi_suppress_zero_size_groups),
        cmocka_unit_test(test_kpi_suppress_total_below_min),
        cmocka_unit_test(test_kpi_suppress_exhaustive_small_partitions),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

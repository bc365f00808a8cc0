/* Unit tests of fiscal years (April to March) and their era labels, with
 * the March/April boundary and the Heisei/Reiwa change of 2019. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "fiscal.h"

static void test_fiscal_march_belongs_to_previous_year(void **state)
{
    (void)state;
    assert_int_equal(fiscal_year_of(2025, 3), 2024);
    assert_int_equal(fiscal_year_of(2025, 2), 2024);
    assert_int_equal(fiscal_year_of(2025, 1), 2024);
}

static void test_fiscal_april_starts_the_year(void **state)
{
    (void)state;
    assert_int_equal(fiscal_year_of(2025, 4), 2025);
    assert_int_equal(fiscal_year_of(2025, 12), 2025);
}

static void test_fiscal_year_of_month_parses_text(void **state)
{
    (void)state;
    int fy = 0;
    assert_int_equal(fiscal_year_of_month("2025-02", &fy), 0);
    assert_int_equal(fy, 2024);
    assert_int_equal(fiscal_year_of_month("2025-04", &fy), 0);
    assert_int_equal(fy, 2025);
    assert_int_equal(fiscal_year_of_month("2025-03", &fy), 0);
    assert_int_equal(fy, 2024);
}

static void test_fiscal_year_of_month_rejects_bad_text(void **state)
{
    (void)state;
    int fy = 1234;
    assert_int_equal(fiscal_year_of_month("2025-13", &fy), -1);
    assert_int_equal(fiscal_year_of_month("2025-00", &fy), -1);
    assert_int_equal(fiscal_year_of_month("2025-1", &fy), -1);
    assert_int_equal(fiscal_year_of_month("2025-011", &fy), -1);
    assert_int_equal(fiscal_year_of_month("2025/01", &fy), -1);
    assert_int_equal(fiscal_year_of_month("", &fy), -1);
    assert_int_equal(fiscal_year_of_month(NULL, &fy), -1);
    assert_int_equal(fy, 1234); /* untouched on failure */
}

static void test_fiscal_label_reiwa(void **state)
{
    (void)state;
    char buf[FISCAL_LABEL_LEN];
    assert_string_equal(fiscal_label(2024, buf, sizeof buf), "令和6年度");
    assert_string_equal(fiscal_label(2020, buf, sizeof buf), "令和2年度");
}

static void test_fiscal_label_2019_is_reiwa_gannen(void **state)
{
    (void)state;
    char buf[FISCAL_LABEL_LEN];
    assert_string_equal(fiscal_label(2019, buf, sizeof buf), "令和元年度");
    assert_string_equal(fiscal_label(2018, buf, sizeof buf), "平成30年度");
}

static void test_fiscal_label_heisei_and_showa(void **state)
{
    (void)state;
    char buf[FISCAL_LABEL_LEN];
    assert_string_equal(fiscal_label(1990, buf, sizeof buf), "平成2年度");
    assert_string_equal(fiscal_label(1989, buf, sizeof buf), "平成元年度");
    assert_string_equal(fiscal_label(1988, buf, sizeof buf), "昭和63年度");
}

static void test_fiscal_months_span_april_to_march(void **state)
{
    (void)state;
    char first[8], last[8];
    fiscal_months(2024, first, last);
    assert_string_equal(first, "2024-04");
    assert_string_equal(last, "2025-03");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fiscal_march_belongs_to_previous_year),
        cmocka_unit_test(test_fiscal_april_starts_the_year),
        cmocka_unit_test(test_fiscal_year_of_month_parses_text),
        cmocka_unit_test(test_fiscal_year_of_month_rejects_bad_text),
        cmocka_unit_test(test_fiscal_label_reiwa),
        cmocka_unit_test(test_fiscal_label_2019_is_reiwa_gannen),
        cmocka_unit_test(test_fiscal_label_heisei_and_showa),
        cmocka_unit_test(test_fiscal_months_span_april_to_march),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

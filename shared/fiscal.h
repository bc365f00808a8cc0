/* Fiscal years (年度): April to March, named by the calendar year in which
 * they start, and their Japanese era labels. */
#ifndef SHARED_FISCAL_H
#define SHARED_FISCAL_H

#include <stddef.h>

#define FISCAL_LABEL_LEN 32 /* enough for any label fiscal_label() writes */

/* The fiscal year of a calendar month (1..12): 2025-02 -> 2024, 2025-04 -> 2025. */
int fiscal_year_of(int year, int month);

/* Parses "YYYY-MM" and gives its fiscal year; returns 0, or -1 when the text
 * is not a valid month. */
int fiscal_year_of_month(const char *month, int *fiscal_year);

/* Writes the era label: 2024 -> "令和6年度", 2019 -> "令和元年度",
 * 2018 -> "平成30年度", 1989 -> "平成元年度", earlier -> "昭和N年度".
 * Returns buf. */
char *fiscal_label(int fiscal_year, char *buf, size_t len);

/* The first and last month of a fiscal year, "YYYY-04" and "YYYY+1-03". */
void fiscal_months(int fiscal_year, char first[8], char last[8]);

/* Parses a calendar date "YYYY-MM-DD" (years 1970 to 9999, the day checked
 * against the month, leap years included); returns 0, or -1 when it is not
 * one. The one date parser of the project. */
int fiscal_parse_date(const char *text, int *year, int *month, int *day);

/* Months between two "YYYY-MM" texts as a count since year 0 (2025-02 ->
 * 2025 * 12 + 1), so that month windows are integer comparisons; -1 when
 * the text is not a valid month. */
long fiscal_month_index(const char *month);

#endif

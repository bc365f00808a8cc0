/* Fiscal years (年度) run April to March and are named by the calendar year
 * in which they start. Era labels assume the Gregorian dates of the eras'
 * starts; a fiscal year is labelled by the era in force on its April 1. */
#include "fiscal.h"

#include <stdio.h>
#include <string.h>

int fiscal_year_of(int year, int month)
{
    return month >= 4 ? year : year - 1;
}

/* Parses "YYYY-MM" into year and month; 0, or -1 when it is not one. */
static int fiscal_parse_month(const char *month, int *year, int *mon)
{
    int y, m;

    if (month == NULL)
        return -1;
    for (int i = 0; i < 7; i++) {
        char c = month[i];
        if (i == 4 ? c != '-' : (c < '0' || c > '9'))
            return -1;
    }
    if (month[7] != '\0')
        return -1;
    y = (month[0] - '0') * 1000 + (month[1] - '0') * 100 + (month[2] - '0') * 10 + (month[3] - '0');
    m = (month[5] - '0') * 10 + (month[6] - '0');
    if (m < 1 || m > 12 || y < 1)
        return -1;
    *year = y;
    *mon = m;
    return 0;
}

int fiscal_year_of_month(const char *month, int *fiscal_year)
{
    int y, m;

    if (fiscal_parse_month(month, &y, &m) != 0)
        return -1;
    *fiscal_year = fiscal_year_of(y, m);
    return 0;
}

long fiscal_month_index(const char *month)
{
    int y, m;

    if (fiscal_parse_month(month, &y, &m) != 0)
        return -1;
    return (long)y * 12 + (m - 1);
}

int fiscal_parse_date(const char *text, int *year, int *month, int *day)
{
    static const int days[12] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    char ym[8];
    int y, m, d;

    if (!text || strlen(text) != 10 || text[7] != '-' || text[8] < '0' || text[8] > '9' ||
        text[9] < '0' || text[9] > '9')
        return -1;
    memcpy(ym, text, 7);
    ym[7] = '\0';
    if (fiscal_parse_month(ym, &y, &m) != 0 || y < 1970 || y > 9999)
        return -1;
    d = (text[8] - '0') * 10 + (text[9] - '0');
    if (d < 1 || d > days[m - 1] ||
        (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0))))
        return -1;
    *year = y;
    *month = m;
    *day = d;
    return 0;
}

char *fiscal_label(int fiscal_year, char *buf, size_t len)
{
    /* Reiwa began 2019-05-01, a month into FY2019, yet the plans write
     * 令和元年度 for it: a fiscal year takes the era in force for most of it
     * (Heisei began 1989-01-08, so FY1988 stays 昭和63年度). */
    const char *era;
    int n;

    if (fiscal_year >= 2019) {
        era = "令和";
        n = fiscal_year - 2018;
    } else if (fiscal_year >= 1989) {
        era = "平成";
        n = fiscal_year - 1988;
    } else {
        era = "昭和";
        n = fiscal_year - 1925;
    }
    if (n == 1)
        snprintf(buf, len, "%s元年度", era);
    else
        snprintf(buf, len, "%s%d年度", era, n);
    return buf;
}

void fiscal_months(int fiscal_year, char first[8], char last[8])
{
    /* Years outside 0..9998 have no "YYYY-MM" form; clamping keeps the
     * text seven characters wide. */
    unsigned y = fiscal_year < 0 ? 0u : fiscal_year > 9998 ? 9998u : (unsigned)fiscal_year;
    char tmp[2][16];

    snprintf(tmp[0], sizeof tmp[0], "%04u-04", y);
    snprintf(tmp[1], sizeof tmp[1], "%04u-03", y + 1);
    memcpy(first, tmp[0], 8);
    memcpy(last, tmp[1], 8);
}

/* Parsing and checking a headcount (headcount.h). Pure: no store, no I/O,
 * so that every refusal can be tested on its own. */
#include "headcount.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static enum headcount_err hc_fail(enum headcount_err e, char *err, size_t errlen, const char *fmt,
                                  ...) __attribute__((format(printf, 4, 5)));

static enum headcount_err hc_fail(enum headcount_err e, char *err, size_t errlen, const char *fmt,
                                  ...)
{
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return e;
}

void headcount_init(struct headcount *h)
{
    memset(h, 0, sizeof *h);
}

/* A count written as a whole number 1..HEADCOUNT_MAX_COUNT and nothing else. */
static bool hc_count(const char *text, size_t len, long *out)
{
    char buf[16], *end;

    if (len == 0 || len >= sizeof buf || text[0] < '0' || text[0] > '9')
        return false;
    memcpy(buf, text, len);
    buf[len] = '\0';
    errno = 0;
    *out = strtol(buf, &end, 10);
    return !errno && !*end && *out >= 1 && *out <= HEADCOUNT_MAX_COUNT;
}

static enum headcount_err hc_add(struct headcount *h, const char *attr, size_t alen,
                                 const char *opt, size_t olen, const char *count, size_t clen,
                                 char *err, size_t errlen)
{
    long n;

    if (alen > SURVEY_MAX_ID_BYTES || olen > SURVEY_MAX_ID_BYTES || (alen == 0) != (olen == 0))
        return hc_fail(HEADCOUNT_E_SYNTAX, err, errlen,
                       "\"%.*s\" / \"%.*s\": give an attribute and one of its options, or"
                       " neither for the total",
                       (int)(alen > 64 ? 64 : alen), attr, (int)(olen > 64 ? 64 : olen), opt);
    if (!hc_count(count, clen, &n))
        return hc_fail(HEADCOUNT_E_COUNT, err, errlen,
                       "the headcount \"%.*s\" must be a whole number from 1 to %d",
                       (int)(clen > 32 ? 32 : clen), count, HEADCOUNT_MAX_COUNT);
    if (h->n == HEADCOUNT_MAX_ROWS)
        return hc_fail(HEADCOUNT_E_SYNTAX, err, errlen, "more than %d figures", HEADCOUNT_MAX_ROWS);
    memcpy(h->attr[h->n], attr, alen);
    h->attr[h->n][alen] = '\0';
    memcpy(h->opt[h->n], opt, olen);
    h->opt[h->n][olen] = '\0';
    h->rows[h->n] = (struct store_headcount){h->attr[h->n], h->opt[h->n], n};
    h->n++;
    return HEADCOUNT_OK;
}

enum headcount_err headcount_add_total(struct headcount *h, const char *text, char *err,
                                       size_t errlen)
{
    return hc_add(h, "", 0, "", 0, text, strlen(text), err, errlen);
}

enum headcount_err headcount_add_group(struct headcount *h, const char *spec, char *err,
                                       size_t errlen)
{
    const char *eq = strchr(spec, '='), *p;
    enum headcount_err e = HEADCOUNT_OK;

    if (!eq || eq == spec || !eq[1])
        return hc_fail(HEADCOUNT_E_SYNTAX, err, errlen,
                       "--group \"%.100s\" must be written ATTRIBUTE=OPTION:N,OPTION:N", spec);
    for (p = eq + 1; e == HEADCOUNT_OK && *p;) {
        size_t len = strcspn(p, ",");
        const char *colon = memchr(p, ':', len);
        if (!colon)
            return hc_fail(HEADCOUNT_E_SYNTAX, err, errlen,
                           "--group \"%.100s\": \"%.*s\" must be OPTION:N", spec,
                           (int)(len > 64 ? 64 : len), p);
        e = hc_add(h, spec, (size_t)(eq - spec), p, (size_t)(colon - p), colon + 1,
                   len - (size_t)(colon - p) - 1, err, errlen);
        p += len + (p[len] == ',');
    }
    return e;
}

/* Splits one CSV line (no quotes: ids and numbers never need them) into
 * its three cells; false unless there are exactly three. */
static bool hc_cells(const char *line, size_t len, const char *cell[3], size_t clen[3])
{
    size_t k = 0, start = 0;

    for (size_t i = 0; i <= len; i++) {
        if (i < len && line[i] != ',')
            continue;
        if (k == 3)
            return false;
        cell[k] = line + start;
        clen[k++] = i - start;
        start = i + 1;
    }
    return k == 3;
}

enum headcount_err headcount_add_csv(struct headcount *h, const char *text, size_t len, char *err,
                                     size_t errlen)
{
    size_t pos = len >= 3 && !memcmp(text, "\xEF\xBB\xBF", 3) ? 3 : 0;
    char inner[HEADCOUNT_ERR_LEN];

    for (int line = 1; pos < len; line++) {
        const char *cell[3], *l = text + pos;
        size_t clen[3], n = strcspn(l, "\n");
        enum headcount_err e;
        long dummy;

        if (pos + n > len)
            n = len - pos;
        pos += n + 1;
        if (n && l[n - 1] == '\r')
            n--;
        if (n == 0)
            continue;
        if (!hc_cells(l, n, cell, clen))
            return hc_fail(HEADCOUNT_E_SYNTAX, err, errlen,
                           "line %d: write attribute,option,headcount (three cells)", line);
        if (line == 1 && !hc_count(cell[2], clen[2], &dummy) && clen[2] && cell[2][0] > '9')
            continue; /* a header */
        e = hc_add(h, cell[0], clen[0], cell[1], clen[1], cell[2], clen[2], inner, sizeof inner);
        if (e != HEADCOUNT_OK)
            return hc_fail(e, err, errlen, "line %d: %s", line, inner);
    }
    return HEADCOUNT_OK;
}

static long hc_total(const struct headcount *h)
{
    for (size_t i = 0; i < h->n; i++)
        if (!h->rows[i].attribute[0])
            return h->rows[i].count;
    return 0;
}

static enum headcount_err hc_check_row(const struct headcount *h, size_t i, const struct survey *s,
                                       char *err, size_t errlen)
{
    const struct store_headcount *r = &h->rows[i];
    const struct survey_attribute *a;

    for (size_t j = 0; j < i; j++)
        if (!strcmp(h->rows[j].attribute, r->attribute) && !strcmp(h->rows[j].option, r->option))
            return hc_fail(HEADCOUNT_E_TWICE, err, errlen, "%s%s%s is given twice",
                           r->attribute[0] ? r->attribute : "the total", r->attribute[0] ? "=" : "",
                           r->option);
    if (!r->attribute[0])
        return HEADCOUNT_OK;
    if (!(a = survey_find_attribute(s, r->attribute)))
        return hc_fail(HEADCOUNT_E_UNKNOWN, err, errlen, "survey \"%s\" has no attribute \"%s\"",
                       s->id, r->attribute);
    if (survey_option_index(a, r->option) < 0)
        return hc_fail(HEADCOUNT_E_UNKNOWN, err, errlen,
                       "attribute \"%s\" of survey \"%s\" has no option \"%s\"", a->id, s->id,
                       r->option);
    return HEADCOUNT_OK;
}

enum headcount_err headcount_check(const struct headcount *h, const struct survey *s, char *err,
                                   size_t errlen)
{
    long total = hc_total(h);
    enum headcount_err e;

    if (h->n == 0)
        return hc_fail(HEADCOUNT_E_EMPTY, err, errlen,
                       "give --total N, --group ATTRIBUTE=OPTION:N,... or a CSV file");
    for (size_t i = 0; i < h->n; i++)
        if ((e = hc_check_row(h, i, s, err, errlen)) != HEADCOUNT_OK)
            return e;
    for (size_t a = 0; total && a < s->n_attributes; a++) {
        long sum = 0;
        for (size_t i = 0; i < h->n; i++)
            if (!strcmp(h->rows[i].attribute, s->attributes[a].id))
                sum += h->rows[i].count;
        if (sum > total)
            return hc_fail(HEADCOUNT_E_SUM, err, errlen,
                           "the options of \"%s\" add up to %ld, more than the total %ld",
                           s->attributes[a].id, sum, total);
    }
    return HEADCOUNT_OK;
}

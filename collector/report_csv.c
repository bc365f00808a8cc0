/* CSV rendering. Every cell passes through one function that neutralises
 * formulas, quotes, and converts to the target encoding, so that no cell can
 * escape those rules; CP932 conversion failures name the offending text. */
#include "report_csv.h"

#include <iconv.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_buf.h"
#include "report_json.h"
#include "report_html_parts.h"
#include "report_words.h"

#define CSV_CELL_MAX   (4 * SURVEY_MAX_TEXT_BYTES + 16) /* a quoted, escaped label */
#define CSV_SUPPRESSED "非公表"
#define CSV_UNKNOWN    REPORT_WORD_UNKNOWN

struct csv_writer {
    struct report_buf buf;
    iconv_t cd; /* (iconv_t)-1 for UTF-8 */
    bool first_in_row;
    enum report_csv_err err;
    char *errmsg;
    size_t errlen;
};

bool report_csv_is_formula(const char *cell)
{
    return cell[0] && strchr("=+-@\t\r", cell[0]) != NULL;
}

/* Copies at most max bytes of s into out (max + 1 bytes), cut on a
 * character boundary so that the message stays valid UTF-8. */
static void utf8_prefix(const char *s, size_t max, char *out)
{
    size_t n = strlen(s);

    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    memcpy(out, s, n);
    out[n] = '\0';
}

/* Appends text converted to the writer's encoding. */
static void csv_emit(struct csv_writer *w, const char *text, size_t len, const char *cell)
{
    char out[2 * CSV_CELL_MAX];
    char *in = (char *)text, *o = out;
    size_t inleft = len, outleft = sizeof out;

    if (w->cd == (iconv_t)-1) {
        report_buf_append(&w->buf, text, len);
        return;
    }
    iconv(w->cd, NULL, NULL, NULL, NULL);
    if (iconv(w->cd, &in, &inleft, &o, &outleft) == (size_t)-1) {
        char bad[8] = "", shown[201];
        size_t blen = 1;
        while (blen < inleft && blen < 4 && ((unsigned char)in[blen] & 0xC0) == 0x80)
            blen++;
        memcpy(bad, in, blen);
        utf8_prefix(cell, sizeof shown - 1, shown);
        w->err = REPORT_CSV_E_ENCODING;
        snprintf(w->errmsg, w->errlen,
                 "the text \"%s\" cannot be written in CP932 (the character \"%s\" has no"
                 " CP932 code); download the CSV without encoding=cp932 (UTF-8, which Excel"
                 " 2016 and later opens) instead",
                 shown, bad);
        return;
    }
    report_buf_append(&w->buf, out, sizeof out - outleft);
}

/* Writes one cell; a number this file formatted (numeric) is never a
 * formula, so a negative change stays a number for Excel. */
static void csv_put(struct csv_writer *w, const char *cell, bool numeric)
{
    char q[CSV_CELL_MAX];
    size_t n = 0;
    bool formula = !numeric && report_csv_is_formula(cell);
    bool quote = formula || strpbrk(cell, ",\"\r\n") != NULL;

    if (w->err != REPORT_CSV_OK)
        return;
    if (quote)
        q[n++] = '"';
    if (formula)
        q[n++] = '\'';
    for (const char *p = cell; *p && n + 4 < sizeof q; p++) {
        if (*p == '"')
            q[n++] = '"';
        q[n++] = *p;
    }
    if (quote)
        q[n++] = '"';
    if (!w->first_in_row)
        report_buf_append(&w->buf, ",", 1);
    w->first_in_row = false;
    csv_emit(w, q, n, cell);
}

static void csv_cell(struct csv_writer *w, const char *cell)
{
    csv_put(w, cell, false);
}

static void csv_end_row(struct csv_writer *w)
{
    report_buf_append(&w->buf, "\r\n", 2);
    w->first_in_row = true;
}

static void csv_number(struct csv_writer *w, double x, int decimals)
{
    char num[32] = "";

    if (!isnan(x))
        snprintf(num, sizeof num, "%.*f", decimals, report_round(x, decimals) + 0.0);
    csv_put(w, num, true);
}

static void csv_header(struct csv_writer *w, const struct survey *s)
{
    static const char *const fixed[] = {"成果指標",
                                        "区分",
                                        "回答数",
                                        "%s",
                                        "標準偏差",
                                        "95%信頼区間 下限",
                                        "95%信頼区間 上限",
                                        "肯定的回答率(%)",
                                        "基準値",
                                        "基準値の根拠",
                                        "目標値",
                                        "目標の種類",
                                        "達成",
                                        "前年度平均",
                                        "前年度比",
                                        "前年度比 95%信頼区間 下限",
                                        "前年度比 95%信頼区間 上限",
                                        "前年度比の判定",
                                        "基準値比",
                                        "基準値比 95%信頼区間 下限",
                                        "基準値比 95%信頼区間 上限",
                                        "基準値比の判定"};
    char label[SURVEY_MAX_TEXT_BYTES + 16];

    for (size_t i = 0; i < sizeof fixed / sizeof fixed[0]; i++) {
        if (strcmp(fixed[i], "%s") != 0) {
            csv_cell(w, fixed[i]);
            continue;
        }
        snprintf(label, sizeof label, "平均（%zu段階）", s->n_points);
        csv_cell(w, label);
    }
    for (size_t k = 0; k < s->n_points; k++) {
        snprintf(label, sizeof label, "%s(%d)", s->points[k].label, s->points[k].value);
        csv_cell(w, label);
    }
    csv_end_row(w);
}

/* mean .. favourable % and the distribution are hidden together. */
static void csv_stat(struct csv_writer *w, const struct kpi_stat *st, bool show)
{
    if (!show) {
        for (int c = 0; c < 5; c++)
            csv_cell(w, CSV_SUPPRESSED);
        return;
    }
    csv_number(w, st->sum.mean, 2);
    csv_number(w, st->sum.sd, 2);
    csv_number(w, st->sum.ci_low, 2);
    csv_number(w, st->sum.ci_high, 2);
    csv_number(w, st->sum.favorable_pct, 1);
}

static void csv_baseline(struct csv_writer *w, const struct kpi_item *it)
{
    char src[64] = "", year[FISCAL_LABEL_LEN];

    csv_number(w, it->baseline_source == KPI_BASELINE_NONE ? NAN : it->baseline, 2);
    if (it->baseline_source == KPI_BASELINE_PUBLISHED)
        snprintf(src, sizeof src, "計画値");
    else if (it->baseline_source == KPI_BASELINE_SET)
        snprintf(src, sizeof src, "%s実績（設定）",
                 fiscal_label(it->baseline_year, year, sizeof year));
    csv_cell(w, src);
    /* The target stays a number in its column; its kind has its own. */
    csv_number(w, it->q->kpi.target_kind == SURVEY_TARGET_VALUE ? it->q->kpi.target : NAN, 2);
    csv_cell(w, report_target_kind_text(it->q->kpi.target_kind));
    csv_cell(w, it->achieved == 1 ? "達成" : it->achieved == 0 ? "未達成" : CSV_UNKNOWN);
    csv_number(w, it->has_previous ? it->previous_mean : NAN, 2);
}

/* A change, its interval and whether it is beyond the margin of error. */
static void csv_change(struct csv_writer *w, const struct kpi_change *c)
{
    csv_number(w, c->known ? c->diff : NAN, 2);
    csv_number(w, c->known ? c->ci_low : NAN, 2);
    csv_number(w, c->known ? c->ci_high : NAN, 2);
    csv_cell(w, report_change_text(c));
}

static void csv_item(struct csv_writer *w, const struct kpi_result *r, const struct kpi_item *it)
{
    char n[32];
    bool show = !it->all.suppressed && it->all.sum.n > 0;

    csv_cell(w, it->q->kpi.label ? it->q->kpi.label : it->q->text);
    csv_cell(w, it->q->category ? it->q->category : "");
    snprintf(n, sizeof n, "%ld", it->all.sum.n);
    csv_cell(w, n);
    csv_stat(w, &it->all, show);
    csv_baseline(w, it);
    csv_change(w, &it->vs_previous);
    csv_change(w, &it->vs_baseline);
    for (size_t k = 0; k < r->survey->n_points; k++) {
        snprintf(n, sizeof n, "%ld", it->all.counts[k]);
        csv_cell(w, show ? n : CSV_SUPPRESSED);
    }
    csv_end_row(w);
}

/* The breakdowns, long: one row per attribute x group x item, so that
 * Excel can filter and pivot it; a hidden figure says why. */
static void csv_breakdowns(struct csv_writer *w, const struct kpi_result *r)
{
    char label[64], num[32];

    snprintf(label, sizeof label, "平均（%zu段階）", r->survey->n_points);
    for (const char *const *h =
             (const char *const[]){"属性", "区分", "区分の回答者数", "番号", "成果指標", "回答数",
                                   label, "肯定的回答率(%)", "非公表の理由", NULL};
         *h; h++)
        csv_cell(w, *h);
    csv_end_row(w);
    for (size_t b = 0; b < r->n_breakdowns; b++)
        for (size_t g = 0; g < r->breakdowns[b].n_groups; g++)
            for (size_t i = 0; i < r->n_items; i++) {
                const struct kpi_group *gr = &r->breakdowns[b].groups[g];
                const char *why = report_cell_reason(r, gr, i);
                csv_cell(w, r->breakdowns[b].by->id);
                csv_cell(w, kpi_group_label(gr));
                snprintf(num, sizeof num, "%ld", gr->respondents);
                csv_put(w, num, true);
                snprintf(num, sizeof num, "%zu", i + 1);
                csv_put(w, num, true);
                csv_cell(w, report_html_item_label(&r->items[i]));
                snprintf(num, sizeof num, "%ld", gr->items[i].sum.n);
                csv_put(w, gr->suppressed ? "" : num, true);
                csv_number(w, why ? NAN : gr->items[i].sum.mean, 2);
                csv_number(w, why ? NAN : gr->items[i].sum.favorable_pct, 1);
                csv_cell(w, why ? why : "");
                csv_end_row(w);
            }
}

enum report_csv_err report_csv(const struct kpi_result *r, enum report_csv_encoding enc, char **out,
                               size_t *len, char *err, size_t errlen)
{
    struct csv_writer w = {
        .cd = (iconv_t)-1, .first_in_row = true, .errmsg = err, .errlen = errlen};

    *out = NULL;
    report_buf_init(&w.buf);
    if (enc == REPORT_CSV_CP932 && (w.cd = iconv_open("CP932", "UTF-8")) == (iconv_t)-1) {
        snprintf(err, errlen, "this system cannot convert to CP932; download the UTF-8 CSV");
        return REPORT_CSV_E_ENCODING;
    }
    if (enc == REPORT_CSV_UTF8)
        report_buf_append(&w.buf, "\xEF\xBB\xBF", 3);
    if (r->n_breakdowns) {
        csv_breakdowns(&w, r);
    } else {
        csv_header(&w, r->survey);
        for (size_t i = 0; i < r->n_items; i++)
            csv_item(&w, r, &r->items[i]);
    }
    if (w.cd != (iconv_t)-1)
        iconv_close(w.cd);
    if (w.err == REPORT_CSV_OK && !(*out = report_buf_take(&w.buf, len))) {
        snprintf(err, errlen, "out of memory while writing the CSV; retry later");
        w.err = REPORT_CSV_E_NOMEM;
    }
    report_buf_release(&w.buf);
    return w.err;
}

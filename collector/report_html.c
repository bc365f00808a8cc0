/* HTML rendering of the yearly KPI report. Every string from the survey or
 * the store goes through report_html_escape(); numbers are formatted here.
 * The page must print on A4 as it shows on screen, so the layout is plain
 * block flow with break-inside: avoid on each item. */
#include "report_html.h"

#include <math.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cclock.h"
#include "report_fonts.h"
#include "report_html_parts.h"
#include "report_json.h"

/* Chart geometry in SVG user units: the axis runs from CH_X0 to CH_X1. */
#define CH_W  440
#define CH_X0 16
#define CH_X1 424

/* Colours: one palette for the whole report. */
#define C_ACCENT "#1f4e8c"
#define C_CI     "#a9c2e3"
#define C_BASE   "#56606c"
#define C_TARGET "#b03a2e"
#define C_GRID   "#d5dbe2"

static const char report_css[] =
    "@page{size:A4;margin:14mm 13mm 15mm;"
    "@bottom-center{content:counter(page) \" / \" counter(pages);font-size:8pt;color:#56606c}}"
    "*{box-sizing:border-box}"
    "html{background:#e6eaef}"
    "body{margin:0;font-family:" REPORT_HTML_FONTS ";color:#1d2733;font-size:10pt;"
    "line-height:1.55;line-break:strict;word-break:auto-phrase;overflow-wrap:anywhere;"
    "-webkit-print-color-adjust:exact;print-color-adjust:exact}"
    ".page{width:210mm;margin:0 auto;background:#fff;padding:14mm 13mm 12mm}"
    "@media print{html{background:none}.page{width:auto;margin:0;padding:0}}"
    "header{border-bottom:2px solid " C_ACCENT ";padding-bottom:3mm;margin-bottom:4mm}"
    ".org{font-size:10.5pt;color:#56606c;margin:0}"
    "h1{font-size:17pt;line-height:1.35;margin:1mm 0 2mm;color:" C_ACCENT "}"
    ".meta{display:flex;flex-wrap:wrap;gap:1mm 6mm;font-size:9pt;color:#56606c;margin:0}"
    "h2{font-size:12pt;border-left:5px solid " C_ACCENT ";padding:0 0 0 3mm;margin:6mm 0 3mm;"
    "break-after:avoid}"
    ".cards{display:flex;gap:3mm;margin:0 0 2mm}"
    ".card{flex:1;border:1px solid #c9d1da;border-radius:2mm;padding:2mm 3mm;background:#f7f9fb}"
    ".card .v{font-size:16pt;font-weight:bold;color:" C_ACCENT ";line-height:1.3}"
    ".card .v small{font-size:9pt;color:#56606c;font-weight:normal}"
    ".card .k{font-size:8.5pt;color:#56606c}"
    "table{width:100%;border-collapse:collapse;table-layout:fixed;font-size:9pt}"
    "th,td{border:1px solid #c9d1da;padding:1.2mm 1.6mm;vertical-align:middle}"
    "th{background:#edf1f5;font-weight:bold;text-align:center;line-height:1.3;font-size:8.5pt}"
    "thead{display:table-header-group}"
    "td.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}"
    "td.c{text-align:center;white-space:nowrap}"
    "tr{break-inside:avoid}"
    ".up{color:#1c7c4a;font-weight:bold}.down{color:" C_TARGET ";font-weight:bold}"
    ".same{color:#3d4753;font-size:8pt;line-height:1.2}"
    ".same small{display:block;font-size:6.5pt;white-space:nowrap}"
    "td.now,th.now{background:#eef3fa}"
    "th.now{border-bottom:2px solid " C_ACCENT "}"
    ".nodata{color:#7a8490;font-size:8pt}"
    "table.plan td.num{text-align:center}"
    "table.heat td.h{text-align:center;font-variant-numeric:tabular-nums;white-space:nowrap}"
    "table.heat th{font-size:7.5pt}"
    "table.heat td.x{text-align:center;font-size:7pt;color:#3d4753;background:#fff;"
    "line-height:1.2}"
    "th.attr{text-align:left;background:#f7f9fb;font-weight:normal}"
    "td.ind{padding-left:5mm}tr.all td{font-weight:bold}"
    "td.chg{text-align:center;line-height:1.25}"
    ".margin{font-size:8.5pt;margin:1mm 0 0;color:#3d4753}"
    ".keep{break-inside:avoid}"
    ".badge{display:inline-block;padding:0 1.6mm;border-radius:1.5mm;font-size:8.5pt;"
    "font-weight:bold;white-space:nowrap;line-height:1.6}"
    ".ok{background:#e3f3ea;color:#1c7c4a;border:1px solid #9fd0b4}"
    ".ng{background:#fbeae8;color:" C_TARGET ";border:1px solid #e6b0aa}"
    ".na{background:#f0f2f4;color:#56606c;border:1px solid #cfd5db}"
    ".legend{display:flex;flex-wrap:wrap;gap:1mm 5mm;font-size:8.5pt;color:#56606c;"
    "margin:0 0 3mm}"
    ".legend svg{display:inline-block;vertical-align:middle;width:auto;height:3.2mm}"
    ".item{display:grid;grid-template-columns:60mm 1fr;gap:3mm 5mm;break-inside:avoid;"
    "border:1px solid #c9d1da;border-radius:2mm;padding:2.5mm 3.5mm;margin:0 0 2.5mm}"
    ".item h3{grid-column:1/3;font-size:10pt;margin:0;line-height:1.45;display:flex;gap:2.5mm;"
    "align-items:flex-start}"
    ".item h3 .qid{color:#56606c;font-weight:normal;white-space:nowrap}"
    ".item h3 .label{flex:1}"
    ".figs{display:grid;grid-template-columns:auto 1fr;gap:0 3mm;font-size:8.5pt;margin:0;"
    "align-content:start}"
    ".figs dt{color:#56606c}.figs dd{margin:0;font-variant-numeric:tabular-nums}"
    ".figs .mean{font-size:13pt;font-weight:bold;color:" C_ACCENT ";line-height:1.2}"
    ".charts svg{display:block;width:100%;height:auto}"
    ".hidden{grid-column:2;align-self:center;font-size:9pt;color:#56606c;background:#f3f5f7;"
    "border-radius:1.5mm;padding:2mm 3mm}"
    ".note{font-size:8.5pt;color:#3d4753;border:1px solid #c9d1da;border-radius:2mm;"
    "padding:2.5mm 3.5mm;background:#f7f9fb;break-inside:avoid}"
    ".note p{margin:0 0 1.2mm}.note p:last-child{margin:0}"
    ".interim{display:inline-block;font-size:11pt;border:2px solid #1d2733;color:#1d2733;"
    "padding:0 2mm;margin-right:3mm;vertical-align:middle;letter-spacing:.05em}"
    ".method{break-before:page}"
    ".method .note p{margin:0 0 2mm}"
    "footer{margin-top:5mm;font-size:8pt;color:#7a8490;text-align:right}";

void report_html_escape(struct report_buf *b, const char *s)
{
    for (const char *p = s; p && *p; p++) {
        switch (*p) {
        case '&':
            report_buf_puts(b, "&amp;");
            break;
        case '<':
            report_buf_puts(b, "&lt;");
            break;
        case '>':
            report_buf_puts(b, "&gt;");
            break;
        case '"':
            report_buf_puts(b, "&quot;");
            break;
        case '\'':
            report_buf_puts(b, "&#39;");
            break;
        default:
            report_buf_append(b, p, 1);
        }
    }
}

const char *report_html_item_label(const struct kpi_item *it)
{
    return it->q->kpi.label ? it->q->kpi.label : it->q->text;
}

static bool item_shown(const struct kpi_item *it)
{
    return !it->all.suppressed && it->all.sum.n > 0;
}

/* A two-decimal figure, or a dash when there is none. */
void report_html_num2(struct report_buf *b, double x)
{
    if (isnan(x))
        report_buf_puts(b, "―");
    else
        report_buf_printf(b, "%.2f", report_round(x, 2));
}

/* A change with its interval: signed and marked with an arrow (which reads
 * in grayscale too) when the interval excludes 0, else 変化なし. */
static void change(struct report_buf *b, const struct kpi_change *c)
{
    if (!c->known)
        report_buf_puts(b, "―");
    else if (!kpi_change_significant(c))
        report_buf_puts(b, "<span class=\"same\">変化なし<small>（誤差の範囲）</small></span>");
    else
        report_buf_printf(b, "<span class=\"%s\">%s %s%.2f</span>", c->diff > 0 ? "up" : "down",
                          c->diff > 0 ? "▲" : "▼", c->diff > 0 ? "+" : "−",
                          fabs(report_round(c->diff, 2)));
}

/* The interval of a change, for the item's figures. */
static void change_interval(struct report_buf *b, const struct kpi_change *c)
{
    if (!c->known)
        return;
    report_buf_printf(b, "<br><small>%+.2f（95%%区間 %+.2f〜%+.2f）</small>",
                      report_round(c->diff, 2), report_round(c->ci_low, 2),
                      report_round(c->ci_high, 2));
}

void report_html_target(struct report_buf *b, const struct kpi_item *it)
{
    if (it->q->kpi.target_kind == SURVEY_TARGET_VALUE)
        report_html_num2(b, it->q->kpi.target);
    else
        report_buf_puts(b, it->q->kpi.target_kind == SURVEY_TARGET_MAINTAIN ? "現状維持" : "―");
}

void report_html_badge(struct report_buf *b, const struct kpi_item *it)
{
    if (it->achieved == 1)
        report_buf_puts(b, "<span class=\"badge ok\">達成</span>");
    else if (it->achieved == 0)
        report_buf_puts(b, "<span class=\"badge ng\">未達成</span>");
    else
        report_buf_puts(b, "<span class=\"badge na\">判定なし</span>");
}

static void hatch_defs(struct report_buf *b)
{
    report_buf_puts(b, "<svg width=\"0\" height=\"0\" style=\"position:absolute\" aria-hidden="
                       "\"true\"><defs><pattern id=\"rh-hatch\" width=\"5\" height=\"5\" "
                       "patternUnits=\"userSpaceOnUse\" patternTransform=\"rotate(45)\"><rect "
                       "width=\"1.6\" height=\"5\" fill=\"#fff\" fill-opacity=\"0.9\"/></pattern>"
                       "</defs></svg>");
}

static void html_head(struct report_buf *b, const struct kpi_result *r)
{
    report_buf_puts(b, "<!DOCTYPE html>\n<html lang=\"ja\"><head><meta charset=\"utf-8\">"
                       "<meta name=\"viewport\" content=\"width=device-width\"><title>");
    report_html_escape(b, r->survey->organization);
    report_buf_printf(b, " %s ", r->label);
    report_html_escape(b, r->survey->title);
    report_buf_printf(b, " 成果指標（KPI）報告%s</title><style>",
                      report_html_interim(r) ? " 速報（年度途中）" : "");
    report_buf_puts(b, report_fonts_css);
    report_buf_puts(b, report_css);
    report_buf_puts(b, "</style></head><body>");
    hatch_defs(b);
    report_buf_puts(b, "<div class=\"page\">");
}

static void html_header(struct report_buf *b, const struct kpi_result *r)
{
    char first[8], last[8], today[16];
    time_t now = cclock_now();
    struct tm tm;

    fiscal_months(r->fiscal_year, first, last);
    gmtime_r(&now, &tm);
    strftime(today, sizeof today, "%Y-%m-%d", &tm);
    report_buf_puts(b, "<header><p class=\"org\">");
    report_html_escape(b, r->survey->organization);
    report_buf_printf(
        b, "</p><h1>%s%s ",
        report_html_interim(r) ? "<span class=\"interim\">速報（年度途中）</span>" : "", r->label);
    report_html_escape(b, r->survey->title);
    report_buf_puts(b, "結果<br>人材育成の成果指標（KPI）報告</h1><p class=\"meta\">");
    report_buf_printf(b, "<span>対象期間 %.4s年%d月〜%.4s年%d月</span>", first, 4, last, 3);
    report_buf_printf(b, "<span>回答者 %ld人</span><span>第%d版（%.10s 公開）%s</span>",
                      r->respondents, r->release, r->released_at,
                      r->waiting_known && r->later_data_waits
                          ? "・公開後に届いた回答は次の版を待っています"
                          : "");
    report_buf_puts(b, "<span>調査票 ");
    report_html_escape(b, r->survey->id);
    report_buf_printf(b, " 第%d版</span><span>作成日 %s</span></p></header>", r->survey->version,
                      today);
}

static void html_cards(struct report_buf *b, const struct kpi_result *r)
{
    long met = 0, judged = 0, up = 0, compared = 0;

    for (size_t i = 0; i < r->n_items; i++) {
        const struct kpi_item *it = &r->items[i];
        judged += it->achieved >= 0;
        met += it->achieved == 1;
        if (it->vs_previous.known) {
            compared++;
            up += kpi_change_significant(&it->vs_previous) && it->vs_previous.diff > 0;
        }
    }
    report_buf_printf(b,
                      "<div class=\"cards\"><div class=\"card\"><div class=\"k\">回答者数</div>"
                      "<div class=\"v\">%ld<small> 人</small></div></div>",
                      r->respondents);
    if (r->rates[0].headcount > 0)
        report_buf_printf(b,
                          "<div class=\"card\"><div class=\"k\">回答率（職員 %ld 人）</div>"
                          "<div class=\"v\">%.1f<small> %%</small></div></div>",
                          r->rates[0].headcount, kpi_rate_pct(&r->rates[0]));
    report_buf_printf(b,
                      "<div class=\"card\"><div class=\"k\">目標を達成した指標</div>"
                      "<div class=\"v\">%ld<small> / %ld 指標</small></div></div>",
                      met, judged);
    if (compared)
        report_buf_printf(b,
                          "<div class=\"card\"><div class=\"k\">前年度より上昇した指標"
                          "（誤差の範囲を超えて）</div>"
                          "<div class=\"v\">%ld<small> / %ld 指標</small></div></div>",
                          up, compared);
    report_buf_printf(b,
                      "<div class=\"card\"><div class=\"k\">成果指標の数</div>"
                      "<div class=\"v\">%zu<small> 指標</small></div></div></div>",
                      r->n_items);
}

static void kpi_row(struct report_buf *b, size_t i, const struct kpi_item *it)
{
    bool show = item_shown(it);

    report_buf_printf(b, "<tr><td class=\"c\">%zu</td><td>", i + 1);
    report_html_escape(b, report_html_item_label(it));
    report_buf_puts(b, "</td><td class=\"num\">");
    report_html_num2(b, it->baseline_source == KPI_BASELINE_NONE ? NAN : it->baseline);
    if (it->baseline_source == KPI_BASELINE_SET)
        report_buf_puts(b, "<sup>※</sup>");
    report_buf_puts(b, "</td><td class=\"num\">");
    report_html_target(b, it);
    report_buf_puts(b, "</td><td class=\"num\"><b>");
    if (show)
        report_html_num2(b, it->all.sum.mean);
    else
        report_buf_puts(b, "非公表");
    report_buf_puts(b, "</b></td><td class=\"chg\">");
    change(b, &it->vs_previous);
    report_buf_puts(b, "</td><td class=\"chg\">");
    change(b, &it->vs_baseline);
    report_buf_puts(b, "</td><td class=\"num\">");
    if (show)
        report_buf_printf(b, "%.1f%%", report_round(it->all.sum.favorable_pct, 1));
    else
        report_buf_puts(b, "―");
    report_buf_puts(b, "</td><td class=\"c\">");
    report_html_badge(b, it);
    report_buf_puts(b, "</td></tr>");
}

static void html_kpi_table(struct report_buf *b, const struct kpi_result *r)
{
    bool set_baseline = false;

    report_buf_puts(b, "<section><h2>成果指標の一覧</h2><table><colgroup>"
                       "<col style=\"width:9mm\"><col><col style=\"width:13mm\">"
                       "<col style=\"width:14mm\"><col style=\"width:19mm\">"
                       "<col style=\"width:19mm\"><col style=\"width:19mm\">"
                       "<col style=\"width:15mm\"><col style=\"width:16mm\"></colgroup>"
                       "<thead><tr><th>番号</th><th>成果指標</th><th>基準値</th><th>目標値</th>");
    report_buf_printf(b,
                      "<th>平均（%zu段階）<br><small>%s</small></th><th>前年度比</th>"
                      "<th>基準値比</th><th>肯定的回答率</th><th>達成</th></tr></thead><tbody>",
                      r->survey->n_points, r->label);
    for (size_t i = 0; i < r->n_items; i++) {
        kpi_row(b, i, &r->items[i]);
        set_baseline = set_baseline || r->items[i].baseline_source == KPI_BASELINE_SET;
    }
    report_buf_puts(b, "</tbody></table><p class=\"legend\">成果指標の名称は計画の表記（…職員の"
                       "割合）のままですが、値は各設問の回答（");
    for (size_t k = 0; k < r->survey->n_points; k++) {
        report_buf_puts(b, k ? "、" : "");
        report_html_escape(b, r->survey->points[k].label);
        report_buf_printf(b, "＝%d", r->survey->points[k].value);
    }
    report_buf_puts(b, "）の平均です。前年度比・基準値比は平均の差で、95%信頼区間が0を含む"
                       "ときは「変化なし（誤差の範囲）」としています。</p>");
    if (set_baseline)
        report_buf_puts(b, "<p class=\"legend\">※ 計画に基準値の定めがない指標は、"
                           "人事担当課が設定した年度の公表値を基準値としています"
                           "（collector baseline set）。</p>");
    report_buf_puts(b, "</section>");
}

/* x position of a scale value on the chart axis. */
static double axis_x(const struct survey *s, double v)
{
    return CH_X0 + (v - s->scale_min) / (double)(s->scale_max - s->scale_min) * (CH_X1 - CH_X0);
}

static void svg_axis(struct report_buf *b, const struct survey *s)
{
    report_buf_printf(b, "<rect x=\"%d\" y=\"18\" width=\"%d\" height=\"26\" fill=\"#f3f6f9\"/>",
                      CH_X0, CH_X1 - CH_X0);
    for (int v = s->scale_min; v <= s->scale_max; v++) {
        double x = axis_x(s, v);
        report_buf_printf(b,
                          "<line x1=\"%.1f\" y1=\"18\" x2=\"%.1f\" y2=\"44\" stroke=\"" C_GRID
                          "\"/><text x=\"%.1f\" y=\"58\" font-size=\"11\" fill=\"#7a8490\" "
                          "text-anchor=\"middle\">%d</text>",
                          x, x, x, v);
    }
}

/* Baseline and target as vertical marks with their labels above the axis;
 * labels that would overlap are pushed apart to both sides. */
static void svg_marks(struct report_buf *b, const struct kpi_result *r, const struct kpi_item *it)
{
    const struct survey *s = r->survey;
    bool has_b = it->baseline_source != KPI_BASELINE_NONE;
    bool has_t = it->q->kpi.target_kind == SURVEY_TARGET_VALUE;
    double xb = has_b ? axis_x(s, it->baseline) : 0, xt = has_t ? axis_x(s, it->q->kpi.target) : 0;
    bool close = has_b && has_t && fabs(xb - xt) < 64;
    const char *ab = close ? (xb <= xt ? "end" : "start") : "middle";
    const char *at = close ? (xb <= xt ? "start" : "end") : "middle";
    double db = close ? (xb <= xt ? -3 : 3) : 0, dt = -db;

    if (has_b)
        report_buf_printf(b,
                          "<line x1=\"%.1f\" y1=\"15\" x2=\"%.1f\" y2=\"47\" stroke=\"" C_BASE
                          "\" stroke-width=\"2\"/><text x=\"%.1f\" y=\"11\" font-size=\"11\" "
                          "fill=\"" C_BASE "\" text-anchor=\"%s\">基準 %.2f</text>",
                          xb, xb, xb + db, ab, kpi_round2(it->baseline));
    if (has_t)
        report_buf_printf(b,
                          "<line x1=\"%.1f\" y1=\"15\" x2=\"%.1f\" y2=\"47\" stroke=\"" C_TARGET
                          "\" stroke-width=\"2\" stroke-dasharray=\"4 3\"/><text x=\"%.1f\" "
                          "y=\"11\" font-size=\"11\" fill=\"" C_TARGET
                          "\" text-anchor=\"%s\">目標 %.2f</text>",
                          xt, xt, xt + dt, at, kpi_round2(it->q->kpi.target));
}

/* The mean as a dot on its 95% interval, last year's mean as a ring. */
static void svg_mean(struct report_buf *b, const struct kpi_result *r, const struct kpi_item *it)
{
    const struct survey *s = r->survey;
    const struct kpi_summary *m = &it->all.sum;

    if (!isnan(m->ci_low)) {
        double lo = fmax(m->ci_low, s->scale_min), hi = fmin(m->ci_high, s->scale_max);
        report_buf_printf(b,
                          "<rect x=\"%.1f\" y=\"27\" width=\"%.1f\" height=\"8\" rx=\"2\" "
                          "fill=\"" C_CI "\"/>",
                          axis_x(s, lo), fmax(axis_x(s, hi) - axis_x(s, lo), 1.0));
    }
    if (it->has_previous)
        report_buf_printf(b,
                          "<circle cx=\"%.1f\" cy=\"31\" r=\"5.5\" fill=\"#fff\" stroke=\"" C_BASE
                          "\" stroke-width=\"2\"/>",
                          axis_x(s, it->previous_mean));
    report_buf_printf(b,
                      "<circle cx=\"%.1f\" cy=\"31\" r=\"6.5\" fill=\"" C_ACCENT
                      "\" stroke=\"#fff\" stroke-width=\"1.5\"/>",
                      axis_x(s, m->mean));
}

static void svg_mean_chart(struct report_buf *b, const struct kpi_result *r,
                           const struct kpi_item *it)
{
    report_buf_printf(b,
                      "<svg viewBox=\"0 0 %d 62\" role=\"img\" aria-label=\"平均 %.2f、基準値と"
                      "目標値との比較\">",
                      CH_W, kpi_round2(it->all.sum.mean));
    svg_axis(b, r->survey);
    svg_marks(b, r, it);
    svg_mean(b, r, it);
    report_buf_puts(b, "</svg>");
}

/* Swatch of scale point k: favourable points in solid blues, the others
 * in hatched oranges, darker towards the ends of the scale. Within a side
 * the first three steps differ by at least 26 L*, and the hatch tells the
 * sides apart, so そう思う and そう思わない differ in grayscale print. */
struct report_swatch report_html_point_swatch(const struct survey *s, size_t k)
{
    static const struct report_swatch fav[] = {{"#004885", "#fff", false, 30},
                                               {"#538dc5", "#fff", false, 57},
                                               {"#bdd4eb", "#1d2733", false, 84}};
    static const struct report_swatch unfav[] = {{"#9c3919", "#fff", true, 38},
                                                 {"#dc864b", "#1d2733", true, 64},
                                                 {"#fcdcc8", "#1d2733", true, 90}};
    int v = s->points[k].value, rank;

    if (v >= s->favorable_min) {
        rank = s->scale_max - v;
        return fav[rank < 3 ? rank : 2];
    }
    rank = v - s->scale_min;
    return unfav[rank < 3 ? rank : 2];
}

/* A swatch's area: its colour, and the hatch over it for the unfavourable
 * side (the pattern is defined once per page, see hatch_defs). */
static void swatch_rect(struct report_buf *b, struct report_swatch c, double x, double y, double w,
                        double h)
{
    report_buf_printf(b, "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"/>",
                      x, y, w, h, c.fill);
    if (c.hatched)
        report_buf_printf(b,
                          "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" "
                          "fill=\"url(#rh-hatch)\"/>",
                          x, y, w, h);
}

static void svg_distribution(struct report_buf *b, const struct survey *s,
                             const struct kpi_stat *st)
{
    double x = CH_X0;

    report_buf_printf(b, "<svg viewBox=\"0 0 %d 24\" role=\"img\" aria-label=\"回答の分布\">",
                      CH_W);
    for (size_t k = 0; k < s->n_points; k++) {
        double share = st->sum.n ? (double)st->counts[k] / (double)st->sum.n : 0;
        double w = share * (CH_X1 - CH_X0);
        struct report_swatch c = report_html_point_swatch(s, k);
        if (w <= 0)
            continue;
        swatch_rect(b, c, x, 2, w, 20);
        if (w >= 30)
            report_buf_printf(b,
                              "<text x=\"%.1f\" y=\"16\" font-size=\"11\" font-weight=\"bold\" "
                              "text-anchor=\"middle\" fill=\"%s\">%.0f%%</text>",
                              x + w / 2, c.ink, share * 100);
        x += w;
    }
    report_buf_puts(b, "</svg>");
}

static void legend(struct report_buf *b, const struct survey *s)
{
    report_buf_puts(
        b,
        "<div class=\"legend\">"
        "<span><svg viewBox=\"0 0 14 14\"><circle cx=\"7\" cy=\"7\" r=\"6\" fill=\"" C_ACCENT
        "\"/></svg> 今年度の平均</span>"
        "<span><svg viewBox=\"0 0 24 14\"><rect x=\"0\" y=\"3\" width=\"24\" height=\"8\" rx=\"2\" "
        "fill=\"" C_CI "\"/></svg> 95%信頼区間</span>"
        "<span><svg viewBox=\"0 0 14 14\"><circle cx=\"7\" cy=\"7\" r=\"5\" fill=\"#fff\" "
        "stroke=\"" C_BASE "\" stroke-width=\"2\"/></svg> 前年度の平均</span>"
        "<span><svg viewBox=\"0 0 6 14\"><line x1=\"3\" y1=\"0\" x2=\"3\" y2=\"14\" "
        "stroke=\"" C_BASE "\" stroke-width=\"2\"/></svg> 基準値</span>"
        "<span><svg viewBox=\"0 0 6 14\"><line x1=\"3\" y1=\"0\" x2=\"3\" y2=\"14\" "
        "stroke=\"" C_TARGET "\" stroke-width=\"2\" stroke-dasharray=\"4 3\"/></svg> 目標値</span>"
        "</div><div class=\"legend\"><span>回答の分布：</span>");
    for (size_t k = 0; k < s->n_points; k++) {
        struct report_swatch c = report_html_point_swatch(s, k);
        report_buf_puts(b, "<span><svg viewBox=\"0 0 14 14\">");
        swatch_rect(b, c, 0, 0, 14, 14);
        report_buf_puts(b, "</svg> ");
        report_html_escape(b, s->points[k].label);
        report_buf_printf(b, "（%d）</span>", s->points[k].value);
    }
    report_buf_puts(b, "</div>");
    if (s->has_plan)
        report_buf_puts(
            b,
            "<div class=\"legend\"><span>計画期間の推移：</span><span><svg viewBox=\"0 0 14 14\">"
            "<rect x=\"2\" y=\"2\" width=\"10\" height=\"10\" fill=\"#fff\" stroke=\"" C_BASE
            "\" stroke-width=\"2\"/></svg> 基準値</span><span><svg viewBox=\"0 0 14 14\">"
            "<line x1=\"7\" y1=\"0\" x2=\"7\" y2=\"14\" stroke=\"#7a8ea8\" stroke-width=\"3\"/>"
            "<circle cx=\"7\" cy=\"7\" r=\"4.5\" fill=\"" C_ACCENT "\"/></svg> 各年度の平均と"
            "95%信頼区間</span><span><svg viewBox=\"0 0 20 14\"><line x1=\"0\" y1=\"7\" "
            "x2=\"20\" y2=\"7\" stroke=\"" C_TARGET "\" stroke-width=\"1.5\" "
            "stroke-dasharray=\"5 3\"/></svg> 目標値</span></div>");
}

static void item_baseline_text(struct report_buf *b, const struct kpi_item *it)
{
    char year[FISCAL_LABEL_LEN];

    report_html_num2(b, it->baseline_source == KPI_BASELINE_NONE ? NAN : it->baseline);
    if (it->baseline_source == KPI_BASELINE_PUBLISHED)
        report_buf_puts(b, "（計画値）");
    else if (it->baseline_source == KPI_BASELINE_SET)
        report_buf_printf(b, "（%s実績）", fiscal_label(it->baseline_year, year, sizeof year));
}

static void item_figures(struct report_buf *b, const struct kpi_item *it, bool show)
{
    report_buf_puts(b, "<dl class=\"figs\"><dt>平均</dt><dd class=\"mean\">");
    if (show)
        report_html_num2(b, it->all.sum.mean);
    else
        report_buf_puts(b, "非公表");
    report_buf_puts(b, "</dd>");
    if (show) {
        report_buf_puts(b, "<dt>95%信頼区間</dt><dd>");
        report_html_num2(b, it->all.sum.ci_low);
        report_buf_puts(b, "〜");
        report_html_num2(b, it->all.sum.ci_high);
        report_buf_printf(b, "</dd><dt>肯定的回答率</dt><dd>%.1f%%</dd>",
                          report_round(it->all.sum.favorable_pct, 1));
    }
    report_buf_puts(b, "<dt>基準値</dt><dd>");
    item_baseline_text(b, it);
    report_buf_puts(b, "</dd><dt>目標値</dt><dd>");
    report_html_target(b, it);
    report_buf_puts(b, "</dd><dt>前年度</dt><dd>");
    report_html_num2(b, it->has_previous ? it->previous_mean : NAN);
    report_buf_puts(b, "</dd><dt>前年度比</dt><dd>");
    change(b, &it->vs_previous);
    change_interval(b, &it->vs_previous);
    report_buf_puts(b, "</dd><dt>基準値比</dt><dd>");
    change(b, &it->vs_baseline);
    change_interval(b, &it->vs_baseline);
    report_buf_printf(b, "</dd><dt>回答数</dt><dd>%ld</dd></dl>", it->all.sum.n);
}

/* Where the two-decimal rule and the margin of error tell different
 * stories, say so in plain words: the council was promised the rule, and
 * should also know how firm it is. */
static void item_margin_note(struct report_buf *b, const struct kpi_item *it)
{
    bool t = it->target_within_ci == 1, base = it->baseline_within_ci == 1;

    if (!t && !base)
        return;
    report_buf_puts(b, "<p class=\"margin\">");
    if (t)
        report_buf_printf(b, "平均と目標値（%.2f）の差は誤差の範囲内です。",
                          kpi_round2(it->q->kpi.target));
    if (base)
        report_buf_printf(b, "平均と基準値（%.2f）の差は誤差の範囲内です。",
                          kpi_round2(it->baseline));
    report_buf_puts(b, "</p>");
}

static void html_item(struct report_buf *b, const struct kpi_result *r, size_t i)
{
    const struct kpi_item *it = &r->items[i];
    bool show = item_shown(it);

    report_buf_printf(b,
                      "<section class=\"item\"><h3><span class=\"qid\">%zu.</span>"
                      "<span class=\"label\">",
                      i + 1);
    report_html_escape(b, report_html_item_label(it));
    report_buf_puts(b, "</span>");
    report_html_badge(b, it);
    report_buf_puts(b, "</h3>");
    item_figures(b, it, show);
    if (show) {
        report_buf_puts(b, "<div class=\"charts\">");
        svg_mean_chart(b, r, it);
        svg_distribution(b, r->survey, &it->all);
        report_html_trend_chart(b, r, it);
        item_margin_note(b, it);
        report_buf_puts(b, "</div>");
    } else {
        report_buf_printf(b,
                          "<p class=\"hidden\">回答者が%ld人未満のため、個人が特定されない"
                          "よう平均と分布を表示していません（回答数のみ表示）。</p>",
                          r->min_group_size);
    }
    report_buf_puts(b, "</section>");
}

static void html_items(struct report_buf *b, const struct kpi_result *r)
{
    report_buf_puts(b, "<h2>指標ごとの結果</h2>");
    legend(b, r->survey);
    for (size_t i = 0; i < r->n_items; i++)
        html_item(b, r, i);
}

static void category_cell(struct report_buf *b, const struct kpi_category *c)
{
    if (c->suppressed)
        report_buf_puts(b, "<td class=\"num\">非公表</td>");
    else
        report_buf_printf(b, "<td class=\"num\"><b>%.2f</b></td>", kpi_round2(c->mean));
}

static void html_categories(struct report_buf *b, const struct kpi_result *r)
{
    if (!r->n_categories)
        return;
    report_buf_puts(b, "<section class=\"keep\"><h2>区分別の平均</h2><table><colgroup><col><col "
                       "style=\"width:26mm\">"
                       "<col style=\"width:22mm\"><col style=\"width:70mm\"></colgroup><thead>"
                       "<tr><th>区分</th><th>回答数（延べ）</th><th>平均</th><th>");
    report_buf_printf(b, "%d〜%d の尺度上の位置</th></tr></thead><tbody>", r->survey->scale_min,
                      r->survey->scale_max);
    for (size_t c = 0; c < r->n_categories; c++) {
        const struct kpi_category *cat = &r->categories[c];
        report_buf_puts(b, "<tr><td>");
        report_html_escape(b, cat->name);
        report_buf_printf(b, "</td><td class=\"num\">%ld</td>", cat->n);
        category_cell(b, cat);
        report_buf_puts(b, "<td>");
        if (!cat->suppressed)
            report_buf_printf(
                b,
                "<svg viewBox=\"0 0 %d 16\">"
                "<rect x=\"%d\" y=\"4\" width=\"%d\" height=\"8\" fill=\"#edf1f5\"/>"
                "<rect x=\"%d\" y=\"4\" width=\"%.1f\" height=\"8\" fill=\"" C_ACCENT "\"/></svg>",
                CH_W, CH_X0, CH_X1 - CH_X0, CH_X0, axis_x(r->survey, cat->mean) - CH_X0);
        report_buf_puts(b, "</td></tr>");
    }
    report_buf_puts(b, "</tbody></table></section>");
}

bool report_html_interim(const struct kpi_result *r)
{
    time_t now = cclock_now();
    struct tm tm;

    gmtime_r(&now, &tm);
    return fiscal_year_of(tm.tm_year + 1900, tm.tm_mon + 1) <= r->fiscal_year;
}

char *report_html(const struct kpi_result *r, size_t *len)
{
    struct report_buf b;

    report_buf_init(&b);
    html_head(&b, r);
    html_header(&b, r);
    if (r->suppressed)
        report_buf_printf(&b,
                          "<p class=\"note\">この年度の回答者は%ld人で、%ld人未満のため"
                          "平均と分布は表示していません。</p>",
                          r->respondents, r->min_group_size);
    html_cards(&b, r);
    html_kpi_table(&b, r);
    report_html_plan_table(&b, r);
    report_html_rates(&b, r);
    html_categories(&b, r);
    html_items(&b, r);
    report_html_heatmaps(&b, r);
    report_html_method(&b, r);
    report_buf_puts(&b, "<footer>");
    report_html_escape(&b, r->survey->organization);
    report_buf_printf(&b, " %s ", r->label);
    report_html_escape(&b, r->survey->title);
    report_buf_puts(&b, "</footer></div></body></html>\n");
    return report_buf_take(&b, len);
}

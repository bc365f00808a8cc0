/* The HTML report's last page: the method and the anonymity rules in
 * plain Japanese, for a council member who reads the printout without the
 * HR department beside them. Every rule stated here is enforced elsewhere
 * (kpi_query.c, release_rule.c); this page only says what they do. */
#include "report_html.h"
#include "report_html_parts.h"

static void method_release(struct report_buf *b, const struct kpi_result *r)
{
    report_buf_printf(b,
                      "<p><b>この報告の数値：</b>%sの回答を、回収を終えた後などに「版」として固定"
                      "して集計したもの（第%d版、%.10s 作成）です。版を作った後に届いた回答は、"
                      "個人が特定されないだけの人数がそろってから次の版に加わります。",
                      r->label, r->release, r->released_at);
    if (report_html_interim(r))
        report_buf_puts(b, "この年度はまだ終わっていないため、この報告は<b>速報（年度途中）"
                           "</b>であり、年度末までに数値が変わることがあります。");
    report_buf_puts(b, "</p>");
}

static void method_anonymity(struct report_buf *b, const struct kpi_result *r)
{
    report_buf_printf(b,
                      "<p><b>匿名性の保護：</b>回答は無記名で、氏名や職員番号は記録していません。"
                      "回答者が%ld人未満の集団（全体を含む）については、平均や回答の分布を示さず、"
                      "人数だけを示します。ある集団を伏せたときは、全体から他の集団を差し引いて"
                      "求められることのないよう、他の集団も伏せます（未回答の集団を含む）。"
                      "集団の全員が同じ回答をした設問も、各人の回答が分かってしまうため"
                      "伏せます。伏せた数値は「非公表」と表示しています。</p>",
                      r->min_group_size);
}

static void method_mean(struct report_buf *b, const struct survey *s)
{
    report_buf_printf(b, "<p><b>平均：</b>各設問の回答を%zu段階（", s->n_points);
    for (size_t k = 0; k < s->n_points; k++) {
        report_buf_puts(b, k ? "、" : "");
        report_html_escape(b, s->points[k].label);
        report_buf_printf(b, "＝%d", s->points[k].value);
    }
    report_buf_printf(b,
                      "）で数値にした平均です。成果指標の名称は計画の表記（…職員の割合）のまま"
                      "ですが、値は割合ではなくこの平均です。95%%信頼区間は t 分布によります。"
                      "肯定的回答率は%d点以上（",
                      s->favorable_min);
    for (size_t k = 0, shown = 0; k < s->n_points; k++) {
        if (s->points[k].value < s->favorable_min)
            continue;
        report_buf_puts(b, shown++ ? "・" : "");
        report_html_escape(b, s->points[k].label);
    }
    report_buf_puts(b, "）の回答の割合です。</p>");
}

void report_html_method(struct report_buf *b, const struct kpi_result *r)
{
    report_buf_puts(b, "<section class=\"method\"><h2>集計の方法と匿名性の保護</h2>"
                       "<div class=\"note\">");
    method_release(b, r);
    method_anonymity(b, r);
    method_mean(b, r->survey);
    report_buf_puts(b, "<p><b>前年度比・基準値比：</b>平均の差と、その95%信頼区間です。前年度比"
                       "は両年度の回答のばらつきから Welch の方法で求めます。基準値比は、計画の"
                       "基準値は定数とみなし、人事担当課が設定した基準値はその年度の回答から同じ"
                       "方法で求めます。区間が0を含む差は偶然のばらつきと区別できないため"
                       "「変化なし（誤差の範囲）」と表示し、色を付けていません。</p>");
    report_buf_puts(b, "<p><b>達成の判定：</b>平均を小数第2位に四捨五入した値が目標値以上のとき"
                       "達成とします（計画の定めのとおり）。目標値が「現状維持」の指標は、"
                       "基準値以上のとき達成です。平均と目標値・基準値の差が95%信頼区間の内に"
                       "ある指標には、その旨を添えています。</p>");
    report_buf_printf(b,
                      "<p><b>回答率：</b>この版の回答者数を、人事担当課が登録した職員数"
                      "（会計年度任用職員を含む）で割った割合です。%.0f%%未満の集団には"
                      "「60%%未満」と示します。回答率は人数だけから求め、回答の内容を含まないため、"
                      "少人数の集団についても示します。</p></div></section>",
                      KPI_RATE_LOW_PCT);
}

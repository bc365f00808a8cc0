/* Unit tests of the kiosk's text layout: kinsoku line breaking on tricky
 * Japanese strings, the phrase heuristic and shrinking, with a fixed-width
 * measure (full-width characters are px wide, ASCII half of that). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "layout.h"
#include "utf8.h"

static int fixed_measure(void *ctx, int px, const char *text, size_t len)
{
    (void)ctx;
    size_t pos = 0;
    int w = 0;
    while (pos < len) {
        int32_t cp = utf8_next(text, len, &pos);
        w += cp < 0x80 ? px / 2 : px;
    }
    return w;
}

static int32_t first_cp(const char *s, size_t len)
{
    size_t pos = 0;
    return utf8_next(s, len, &pos);
}

static int32_t last_cp(const char *s, size_t len)
{
    size_t pos = 0, prev = 0;
    int32_t cp = -1;
    while (pos < len) {
        prev = pos;
        cp = utf8_next(s, len, &pos);
    }
    (void)prev;
    return cp;
}

/* Breaks text at 10 px per character into max_chars-wide lines and checks
 * the rules every layout must keep; returns the lines. */
static struct layout_lines check_break(const char *text, int max_chars)
{
    struct layout_lines ll;
    enum layout_result r = layout_break(text, 10, max_chars * 10, fixed_measure, NULL, 0, &ll);
    assert_int_equal(r, LAYOUT_OK);
    char joined[1024] = "";
    for (int i = 0; i < ll.n; i++) {
        const struct layout_line *l = &ll.line[i];
        assert_true(l->width <= max_chars * 10);
        if (i > 0)
            assert_false(layout_no_start(first_cp(text + l->start, l->len)));
        if (i < ll.n - 1)
            assert_false(layout_no_end(last_cp(text + l->start, l->len)));
        for (size_t k = 0; k < l->len; k++) {
            if (text[l->start + k] != ' ')
                strncat(joined, text + l->start + k, 1);
        }
    }
    char expect[1024] = "";
    for (const char *p = text; *p; p++) {
        if (*p != ' ')
            strncat(expect, p, 1);
    }
    assert_string_equal(joined, expect); /* nothing lost or repeated */
    return ll;
}

static void line_text(const char *text, const struct layout_lines *ll, int i, char *out)
{
    memcpy(out, text + ll->line[i].start, ll->line[i].len);
    out[ll->line[i].len] = '\0';
}

static void test_no_line_starts_with_full_stop(void **state)
{
    (void)state;
    const char *t = "あいうえお。かきくけこさしすせそ";
    struct layout_lines ll = check_break(t, 5); /* あいうえお fills a line: 。 may not follow */
    for (int i = 0; i < ll.n; i++) {
        char l[64];
        line_text(t, &ll, i, l);
        if (strstr(l, "。"))
            assert_non_null(strstr(l, "お。")); /* お goes down with its 。 */
    }
}

static void test_no_line_starts_with_comma_or_closing_bracket(void **state)
{
    (void)state;
    check_break("あいうえ、おかきくけこ", 4);
    check_break("「あいう」えおかきく", 5);
    check_break("（あいう）えおかきく", 5);
    check_break("あいうえ』おかきく", 4);
    struct layout_lines ll = check_break("あいうえをかきくけ", 4);
    assert_int_equal(ll.line[0].len, strlen("あいう")); /* を never starts a line */
    const char *t = "ほかの課が忙しいときには、自分も応援したい。";
    ll = check_break(t, 11); /* greedy: ...ときに / は、自分も... */
    char l1[64];
    line_text(t, &ll, 1, l1);
    assert_true(strncmp(l1, "は、", strlen("は、")) != 0);
}

static void test_no_line_starts_with_small_kana(void **state)
{
    (void)state;
    const char *t = "きょうはがっこうにいった";
    struct layout_lines ll = check_break(t, 2);
    assert_true(ll.n >= 6);
    check_break("シャッターチャンス", 3);
    check_break("ちょっとまって", 3);
}

static void test_no_line_starts_with_prolonged_sound_mark(void **state)
{
    (void)state;
    const char *t = "コーヒーがすきです";
    struct layout_lines ll = check_break(t, 1 + 1);
    char l0[64];
    line_text(t, &ll, 0, l0);
    assert_string_equal(l0, "コー");
    check_break("リスキリングーー", 6);
}

static void test_no_line_ends_with_opening_bracket(void **state)
{
    (void)state;
    const char *t = "あいうえ「おかき」くけこ";
    struct layout_lines ll = check_break(t, 5);
    char l0[64];
    line_text(t, &ll, 0, l0);
    assert_string_equal(l0, "あいうえ");
    check_break("あいうえ（おかき）", 5);
}

static void test_ellipsis_and_dash_stay_together(void **state)
{
    (void)state;
    const char *t = "あいう……えお";
    struct layout_lines ll = check_break(t, 4);
    char l0[64];
    line_text(t, &ll, 0, l0);
    /* Neither "……" split nor a line starting with "…": あい / う……えお */
    assert_string_not_equal(l0, "あいう…");
    assert_string_equal(l0, "あい");
    ll = check_break("あいう――えお", 4);
    line_text("あいう――えお", &ll, 0, l0);
    assert_string_not_equal(l0, "あいう―");
}

static void test_latin_words_and_numbers_are_not_split(void **state)
{
    (void)state;
    const char *t = "kiosk survey 2025 results";
    struct layout_lines ll = check_break(t, 7); /* 14 half-width characters */
    for (int i = 0; i < ll.n; i++) {
        char l[64];
        line_text(t, &ll, i, l);
        assert_true(strcmp(l, "kiosk survey") == 0 || strcmp(l, "2025 results") == 0);
    }
    assert_int_equal(ll.n, 2);
    const char *num = "回答は3.00以上です";
    ll = check_break(num, 3);
    for (int i = 0; i < ll.n; i++) {
        char l[64];
        line_text(num, &ll, i, l);
        if (strchr(l, '3'))
            assert_non_null(strstr(l, "3.00"));
    }
}

static void test_prefers_break_after_comma(void **state)
{
    (void)state;
    const char *t = "必要な知識等を習得するため、自主的に勉強やリスキリングに取り組んでいる。";
    struct layout_lines ll = check_break(t, 16);
    char l0[128];
    line_text(t, &ll, 0, l0);
    assert_string_equal(l0, "必要な知識等を習得するため、");
}

static void test_prefers_break_between_phrases(void **state)
{
    (void)state;
    /* At 7 characters, greedy would cut 習得す|る; the phrase break after を wins. */
    const char *t = "知識等を習得するために";
    struct layout_lines ll = check_break(t, 7);
    char l0[64];
    line_text(t, &ll, 0, l0);
    assert_string_equal(l0, "知識等を");
    const char *ga =
        "担当業務で困難なことがあっても、どうすれば出来るかを考え、積極果敢に挑戦している。";
    ll = check_break(ga, 13); /* greedy: ...ことがあっ / ても、どうすれば出来るかを考 / え、... */
    line_text(ga, &ll, 0, l0);
    assert_string_equal(l0, "担当業務で");
    line_text(ga, &ll, 1, l0);
    assert_string_equal(l0, "困難なことがあっても、");
    /* A compound is not split to save a line: 議|論 loses to a third line. */
    const char *giron = "職場は、自由に発言したり議論したりできる環境だと思う。";
    ll = check_break(giron, 14);
    for (int i = 0; i < ll.n; i++) {
        line_text(giron, &ll, i, l0);
        assert_true(strcmp(l0 + strlen(l0) - strlen("議"), "議") != 0);
    }
    const char *label = "あまりそう思わない";
    ll = check_break(label, 7);
    line_text(label, &ll, 0, l0);
    assert_string_equal(l0, "あまりそう");
}

static bool ends_with(const char *s, const char *tail)
{
    size_t n = strlen(s), m = strlen(tail);
    return n >= m && strcmp(s + n - m, tail) == 0;
}

/* A compound verb (stem + a verb that joins onto stems) is one word: at no
 * width does a line end inside 取り組む, 教え合う or 話し合い, while a particle
 * before such a kanji (に|出る) stays a fine place to break. */
static void test_keeps_compound_verbs_whole(void **state)
{
    static const char *const texts[] = {
        "必要な知識等を習得するため、自主的に勉強やリスキリングに取り組んでいる職員の割合",
        "職員どうしで知識や経験を教え合う雰囲気があると感じる。",
        "困ったときは同僚と話し合い、解決策を一緒に考えている。",
    };
    static const char *const stems[] = {"取り", "教え", "話し"};
    char line[256];
    (void)state;
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        for (int w = 8; w <= 30; w++) {
            struct layout_lines ll = check_break(texts[i], w);
            for (int k = 0; k + 1 < ll.n; k++) {
                line_text(texts[i], &ll, k, line);
                if (ends_with(line, stems[i]))
                    fail_msg("at %d characters a line ends in the compound: %s", w, line);
            }
        }
    const char *ni = "毎朝早くから職場に出て準備をしている。";
    struct layout_lines ll = check_break(ni, 10);
    line_text(ni, &ll, 0, line);
    assert_string_equal(line, "毎朝早くから職場に");
}

static void test_last_two_lines_break_at_a_phrase_not_a_widow(void **state)
{
    (void)state;
    char l0[64], l1[64];
    const char *label = "そう思わない"; /* greedy: そう思わな / い */
    struct layout_lines ll = check_break(label, 5);
    line_text(label, &ll, 0, l0);
    line_text(label, &ll, 1, l1);
    assert_string_equal(l0, "そう");
    assert_string_equal(l1, "思わない");
    const char *t = "あなたの任用形態を教えてください。"; /* greedy: ...教えてくだ / さい。 */
    ll = check_break(t, 14);
    assert_int_equal(ll.n, 2);
    line_text(t, &ll, 0, l0);
    assert_string_equal(l0, "あなたの任用形態を");
}

static void test_explicit_newline_breaks(void **state)
{
    (void)state;
    const char *t = "一行目\n二行目";
    struct layout_lines ll;
    assert_int_equal(layout_break(t, 10, 200, fixed_measure, NULL, 0, &ll), LAYOUT_OK);
    assert_int_equal(ll.n, 2);
    char l1[64];
    line_text(t, &ll, 1, l1);
    assert_string_equal(l1, "二行目");
}

static void test_unsplittable_word_overflows(void **state)
{
    (void)state;
    struct layout_lines ll;
    enum layout_result r =
        layout_break("https://collector.example.jp/api", 10, 100, fixed_measure, NULL, 0, &ll);
    assert_int_equal(r, LAYOUT_OVERFLOW);
    for (int i = 0; i < ll.n; i++)
        assert_true(ll.line[i].width <= 100); /* cut, but never drawn outside */
}

static void test_fit_shrinks_a_step_then_gives_up(void **state)
{
    (void)state;
    int px[LAYOUT_MAX_STEPS];
    int n = layout_steps(60, 20, px);
    assert_int_equal(px[0], 60);
    assert_int_equal(px[1], 51);
    assert_int_equal(px[2], 43);
    const char *t = "五所川原市役所は働きやすいと思う。";
    struct layout_lines ll;
    /* 17 characters at 60 px need 1020 px; a 900 x 90 box holds one line of 51 px. */
    assert_true(layout_fit(t, px, n, 900, 90, fixed_measure, NULL, 0, &ll));
    assert_int_equal(ll.px, 51);
    assert_int_equal(ll.n, 1);
    assert_true(ll.height <= 90);
    assert_false(layout_fit(t, px, n, 100, 20, fixed_measure, NULL, 0, &ll));
}

/* Survey texts come from the collector: arbitrary bytes must lay out
 * without a crash, every line inside the width unless it says overflow. */
static void test_random_text_never_breaks_the_rules(void **state)
{
    (void)state;
    static const char *const pieces[] = {"あ", "。", "、", "っ", "ー",   "「",
                                         "」", "漢", "字", "カ", "ナ",   "a",
                                         "1",  " ",  "…",  "\n", "\xff", "\xe3\x81"};
    uint32_t seed = 12345;
    for (int round = 0; round < 2000; round++) {
        char text[512] = "";
        int n = (int)(seed % 60);
        for (int i = 0; i < n; i++) {
            seed = seed * 1103515245u + 12345u;
            strcat(text, pieces[(seed >> 16) % (sizeof pieces / sizeof pieces[0])]);
        }
        seed = seed * 1103515245u + 12345u;
        int width = 10 + (int)((seed >> 16) % 200);
        struct layout_lines ll;
        enum layout_result r = layout_break(text, 10, width, fixed_measure, NULL, 0, &ll);
        assert_true(r == LAYOUT_OK || r == LAYOUT_OVERFLOW || r == LAYOUT_TOO_LONG);
        for (int i = 0; r == LAYOUT_OK && i < ll.n; i++) {
            assert_true(ll.line[i].width <= width);
            assert_true(ll.line[i].start + ll.line[i].len <= strlen(text));
        }
    }
}

static void expect_unit_lines(const char *text, int chars, const char *first, const char *second)
{
    struct layout_lines ll;
    assert_int_equal(layout_break(text, 10, chars * 10, fixed_measure, NULL, LAYOUT_UNIT, &ll),
                     LAYOUT_OK);
    assert_int_equal(ll.n, 2);
    assert_int_equal(ll.line[0].len, strlen(first));
    assert_memory_equal(text + ll.line[0].start, first, strlen(first));
    assert_memory_equal(text + ll.line[1].start, second, strlen(second));
}

static void test_scale_labels_break_only_between_phrases(void **state)
{
    (void)state;
    struct layout_lines ll;
    expect_unit_lines("あまりそう思わない", 6, "あまりそう", "思わない");
    expect_unit_lines("ややそう思う", 4, "ややそう", "思う");
    expect_unit_lines("どちらともいえない", 5, "どちらとも", "いえない");
    /* Too narrow for a phrase: not broken inside it, reported as overflow. */
    assert_int_equal(
        layout_break("あまりそう思わない", 10, 40, fixed_measure, NULL, LAYOUT_UNIT, &ll),
        LAYOUT_OVERFLOW);
    /* As text, the same label would break anywhere kinsoku allows. */
    assert_int_equal(layout_break("あまりそう思わない", 10, 40, fixed_measure, NULL, 0, &ll),
                     LAYOUT_OK);
}

static void test_no_tail_alone_on_the_last_line(void **state)
{
    (void)state;
    /* Goshogawara q10 at 24 characters a line: not 「…環境だと｜思う。」. */
    const char *t = "職場は、自由に発言したり議論したりできる環境だと思う。";
    struct layout_lines ll = check_break(t, 24);
    assert_int_equal(ll.n, 2);
    assert_true(ll.line[1].width >= 5 * 10);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_tail_alone_on_the_last_line),
        cmocka_unit_test(test_scale_labels_break_only_between_phrases),
        cmocka_unit_test(test_no_line_starts_with_full_stop),
        cmocka_unit_test(test_no_line_starts_with_comma_or_closing_bracket),
        cmocka_unit_test(test_no_line_starts_with_small_kana),
        cmocka_unit_test(test_no_line_starts_with_prolonged_sound_mark),
        cmocka_unit_test(test_no_line_ends_with_opening_bracket),
        cmocka_unit_test(test_ellipsis_and_dash_stay_together),
        cmocka_unit_test(test_latin_words_and_numbers_are_not_split),
        cmocka_unit_test(test_prefers_break_after_comma),
        cmocka_unit_test(test_prefers_break_between_phrases),
        cmocka_unit_test(test_keeps_compound_verbs_whole),
        cmocka_unit_test(test_last_two_lines_break_at_a_phrase_not_a_widow),
        cmocka_unit_test(test_explicit_newline_breaks),
        cmocka_unit_test(test_unsplittable_word_overflows),
        cmocka_unit_test(test_fit_shrinks_a_step_then_gives_up),
        cmocka_unit_test(test_random_text_never_breaks_the_rules),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

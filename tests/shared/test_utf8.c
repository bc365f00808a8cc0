/* Unit tests of the strict UTF-8 validator and decoder (RFC 3629). Each
 * test feeds one class of sequence and checks both the verdict and, for
 * invalid input, the reported byte offset. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "utf8.h"

static void test_utf8_accepts_ascii_and_japanese(void **state)
{
    (void)state;
    const char *s = "abc 職員アンケート 😀";
    size_t bad = 99;
    assert_true(utf8_valid(s, strlen(s), &bad));
    assert_int_equal(bad, 99); /* untouched on success */
    assert_true(utf8_valid("", 0, NULL));
}

static void test_utf8_rejects_overlong_forms(void **state)
{
    (void)state;
    size_t bad = 0;
    assert_false(utf8_valid("a\xC0\xAF", 3, &bad)); /* '/' in two bytes */
    assert_int_equal(bad, 1);
    assert_false(utf8_valid("\xE0\x80\xAF", 3, &bad)); /* '/' in three bytes */
    assert_int_equal(bad, 0);
    assert_false(utf8_valid("\xF0\x80\x80\xAF", 4, &bad)); /* '/' in four bytes */
    assert_false(utf8_valid("\xC1\xBF", 2, &bad));
}

static void test_utf8_rejects_surrogates(void **state)
{
    (void)state;
    size_t bad = 0;
    assert_false(utf8_valid("ok\xED\xA0\x80", 5, &bad)); /* U+D800 */
    assert_int_equal(bad, 2);
    assert_false(utf8_valid("\xED\xBF\xBF", 3, &bad)); /* U+DFFF */
    assert_true(utf8_valid("\xED\x9F\xBF", 3, &bad));  /* U+D7FF is fine */
}

static void test_utf8_rejects_beyond_10ffff(void **state)
{
    (void)state;
    size_t bad = 0;
    assert_true(utf8_valid("\xF4\x8F\xBF\xBF", 4, &bad));  /* U+10FFFF */
    assert_false(utf8_valid("\xF4\x90\x80\x80", 4, &bad)); /* U+110000 */
    assert_false(utf8_valid("\xF5\x80\x80\x80", 4, &bad));
    assert_false(utf8_valid("\xFF", 1, &bad));
}

static void test_utf8_rejects_truncated_sequences(void **state)
{
    (void)state;
    size_t bad = 0;
    const char *s = "アンケート";
    assert_false(utf8_valid(s, strlen(s) - 1, &bad)); /* last character cut */
    assert_int_equal(bad, strlen(s) - 3);
    assert_false(utf8_valid("\xE3\x82", 2, &bad));
    assert_false(utf8_valid("\xE3\x82"
                            "a",
                            3, &bad));         /* continuation missing */
    assert_false(utf8_valid("\x80", 1, &bad)); /* lone continuation */
}

static void test_utf8_next_decodes_and_advances(void **state)
{
    (void)state;
    const char *s = "a職😀";
    size_t pos = 0, len = strlen(s);
    assert_int_equal(utf8_next(s, len, &pos), 'a');
    assert_int_equal(pos, 1);
    assert_int_equal(utf8_next(s, len, &pos), 0x8077);
    assert_int_equal(pos, 4);
    assert_int_equal(utf8_next(s, len, &pos), 0x1F600);
    assert_int_equal(pos, 8);
    assert_int_equal(utf8_next(s, len, &pos), -1); /* at the end */
}

static void test_utf8_next_skips_one_byte_on_error(void **state)
{
    (void)state;
    size_t pos = 0;
    assert_int_equal(utf8_next("\xC0\xAFx", 3, &pos), -1);
    assert_int_equal(pos, 1);
}

static void test_utf8_encode_round_trips(void **state)
{
    (void)state;
    const int32_t cps[] = {0x24, 0xA2, 0x20AC, 0x8077, 0x10348, 0x10FFFF};
    for (size_t i = 0; i < sizeof cps / sizeof cps[0]; i++) {
        char buf[4];
        size_t n = utf8_encode(cps[i], buf), pos = 0;
        assert_true(n >= 1 && n <= 4);
        assert_int_equal(utf8_next(buf, n, &pos), cps[i]);
        assert_int_equal(pos, n);
    }
    char buf[4];
    assert_int_equal(utf8_encode(0xD800, buf), 0);
    assert_int_equal(utf8_encode(0x110000, buf), 0);
    assert_int_equal(utf8_encode(-1, buf), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8_accepts_ascii_and_japanese),
        cmocka_unit_test(test_utf8_rejects_overlong_forms),
        cmocka_unit_test(test_utf8_rejects_surrogates),
        cmocka_unit_test(test_utf8_rejects_beyond_10ffff),
        cmocka_unit_test(test_utf8_rejects_truncated_sequences),
        cmocka_unit_test(test_utf8_next_decodes_and_advances),
        cmocka_unit_test(test_utf8_next_skips_one_byte_on_error),
        cmocka_unit_test(test_utf8_encode_round_trips),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

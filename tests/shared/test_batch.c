/* Unit tests of the batch codec: shape checks of batch_decode with the
 * messages a kiosk developer would need, canonical encoding, and
 * validation against the Goshogawara sample survey. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "crypto.h"
#include "helper_shared.h"
#include "survey.h"

#define UUID "9b2c6a1e-4f4b-4c8e-9a51-0c7d2f3b8e10"
#define HEAD                                                                                       \
    "{\"format\":1,\"batch_id\":\"" UUID "\",\"survey_id\":\"goshogawara-staff\","                 \
    "\"survey_version\":1,\"responses\":["
#define ALL_ANSWERS                                                                                \
    "\"q01\":3,\"q02\":4,\"q03\":2,\"q04\":1,\"q05\":4,\"q06\":3,\"q07\":3,\"q08\":4,\"q09\":2,"   \
    "\"q10\":3,\"q11\":4,\"q12\":1"
#define RESPONSE "{\"month\":\"2025-02\",\"answers\":{" ALL_ANSWERS "}}"

static struct survey *gosho;

static int setup(void **state)
{
    char err[SURVEY_ERR_LEN];
    (void)state;
    if (survey_load_file(SURVEYS_DIR "/goshogawara-staff.json", &gosho, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    survey_free(gosho);
    return 0;
}

/* HEAD + n copies of response (comma-separated) + "]}"; malloc'ed. */
static char *make_batch(size_t n, const char *response)
{
    size_t rl = strlen(response), len = strlen(HEAD) + n * (rl + 1) + 3;
    char *out = malloc(len), *p = out;
    p += sprintf(p, "%s", HEAD);
    for (size_t i = 0; i < n; i++)
        p += sprintf(p, "%s%s", i ? "," : "", response);
    strcpy(p, "]}");
    return out;
}

static struct batch *decode_ok(const char *json)
{
    char err[BATCH_ERR_LEN] = "";
    struct batch *b = NULL;
    if (batch_decode(json, strlen(json), &b, err, sizeof err) != BATCH_OK)
        fail_msg("refused: %s", err);
    return b;
}

/* Decodes len bytes, expects code and a message containing want; nothing returned. */
static void expect_decode_len(const char *json, size_t len, enum batch_err code, const char *want)
{
    char err[BATCH_ERR_LEN] = "";
    struct batch *b = (struct batch *)1;
    enum batch_err rc = batch_decode(json, len, &b, err, sizeof err);
    if (rc != code)
        fail_msg("expected %d, got %d: %s", code, rc, err);
    assert_null(b);
    if (strstr(err, want) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", err, want);
}

static void expect_decode(const char *json, enum batch_err code, const char *want)
{
    expect_decode_len(json, strlen(json), code, want);
}

/* json with a NUL byte put right after the first occurrence of after;
 * expects it refused as JSON, with a message naming the NUL. */
static void expect_nul_after(const char *json, const char *after)
{
    const char *at = strstr(json, after);
    size_t len = strlen(json), cut;
    char *bad = malloc(len + 1);

    assert_non_null(at);
    assert_non_null(bad);
    cut = (size_t)(at - json) + strlen(after);
    memcpy(bad, json, cut);
    bad[cut] = '\0';
    memcpy(bad + cut + 1, json + cut, len - cut);
    expect_decode_len(bad, len + 1, BATCH_E_JSON, "NUL byte");
    free(bad);
}

/* Replaces from with to in a one-response batch, then expects code/want. */
static void expect_edit_decode(const char *from, const char *to, enum batch_err code,
                               const char *want)
{
    char *json = make_batch(1, RESPONSE);
    char *bad = helper_replace(json, from, to);
    expect_decode(bad, code, want);
    free(bad);
    free(json);
}

/* Decodes (must succeed) and validates against Goshogawara. */
static void expect_validate(const char *json, enum batch_err code, const char *want)
{
    char err[BATCH_ERR_LEN] = "";
    struct batch *b = decode_ok(json);
    enum batch_err rc = batch_validate(b, gosho, err, sizeof err);
    if (rc != code)
        fail_msg("expected %d, got %d: %s", code, rc, err);
    if (want && strstr(err, want) == NULL)
        fail_msg("message \"%s\" lacks \"%s\"", err, want);
    batch_free(b);
}

static void expect_edit_validate(const char *from, const char *to, enum batch_err code,
                                 const char *want)
{
    char *json = make_batch(1, RESPONSE);
    char *bad = helper_replace(json, from, to);
    expect_validate(bad, code, want);
    free(bad);
    free(json);
}

static void test_batch_decode_reads_design_example(void **state)
{
    (void)state;
    const char *json =
        "{\"format\": 1, \"batch_id\": \"9B2C6A1E-4F4B-4C8E-9A51-0C7D2F3B8E10\","
        " \"survey_id\": \"goshogawara-staff\", \"survey_version\": 1, \"responses\": ["
        " {\"month\": \"2025-02\", \"answers\": {\"q01\": 3, \"q02\": 4, \"q13\": null},"
        " \"attributes\": {\"employment\": \"regular\"}}]}";
    struct batch *b = decode_ok(json);
    assert_int_equal(b->format, 1);
    assert_string_equal(b->batch_id, UUID); /* stored in lower case */
    assert_string_equal(b->survey_id, "goshogawara-staff");
    assert_int_equal(b->survey_version, 1);
    assert_int_equal(b->n_responses, 1);
    assert_string_equal(b->responses[0].month, "2025-02");
    assert_int_equal(b->responses[0].n_answers, 3);
    assert_int_equal(b->responses[0].n_attrs, 1);
    assert_string_equal(b->responses[0].attrs[0].option_id, "regular");
    assert_null(b->responses[0].values);
    for (size_t i = 0; i < 3; i++) {
        const struct batch_answer *a = &b->responses[0].answers[i];
        if (strcmp(a->question_id, "q13") == 0)
            assert_true(a->is_null);
        else
            assert_false(a->is_null);
    }
    batch_free(b);
}

static void test_batch_decode_rejects_bad_header(void **state)
{
    (void)state;
    expect_edit_decode("\"format\":1", "\"format\":3", BATCH_E_SHAPE,
                       "format is 3, expected 1 or 2");
    /* Format 2 holds sealed texts: an object where one belongs is refused. */
    expect_edit_decode("\"format\":1", "\"format\":2", BATCH_E_SHAPE, "expected a sealed response");
    expect_edit_decode("\"format\":1,", "", BATCH_E_SHAPE, "format is missing");
    expect_edit_decode(UUID, "9b2c6a1e-4f4b-4c8e-9a51", BATCH_E_SHAPE,
                       "batch_id is \"9b2c6a1e-4f4b-4c8e-9a51\", expected a UUID");
    expect_edit_decode("\"survey_version\":1", "\"survey_version\":0", BATCH_E_SHAPE,
                       "survey_version is 0");
    expect_edit_decode("\"survey_version\":1", "\"survey_version\":\"1\"", BATCH_E_SHAPE,
                       "survey_version is \"1\"");
    expect_edit_decode("\"survey_id\":\"goshogawara-staff\"", "\"survey_id\":7", BATCH_E_SHAPE,
                       "survey_id is 7");
}

static void test_batch_decode_rejects_unknown_members(void **state)
{
    (void)state;
    expect_edit_decode("\"format\":1", "\"format\":1,\"kiosk\":\"k1\"", BATCH_E_SHAPE,
                       "unknown member \"kiosk\"");
    expect_edit_decode("{\"month\"", "{\"timestamp\":1738900000,\"month\"", BATCH_E_SHAPE,
                       "responses[0] has an unknown member \"timestamp\"");
}

static void test_batch_decode_rejects_bad_responses(void **state)
{
    (void)state;
    expect_decode(HEAD "]}", BATCH_E_SHAPE, "responses is empty");
    expect_decode("{\"format\":1,\"batch_id\":\"" UUID "\",\"survey_id\":\"s\",\"survey_version\":"
                  "1,\"responses\":{}}",
                  BATCH_E_SHAPE, "responses is an object, expected an array");
    expect_decode(HEAD "3]}", BATCH_E_SHAPE, "responses[0] is 3, expected an object");
    expect_edit_decode("\"2025-02\"", "\"2025-13\"", BATCH_E_SHAPE,
                       "responses[0].month is \"2025-13\", expected \"YYYY-MM\"");
    expect_edit_decode("\"month\":\"2025-02\",", "", BATCH_E_SHAPE,
                       "responses[0].month is missing");
    expect_edit_decode(",\"answers\":{" ALL_ANSWERS "}", "", BATCH_E_SHAPE,
                       "responses[0].answers is missing");
    expect_edit_decode("\"q03\":2", "\"q03\":2.5", BATCH_E_SHAPE,
                       "responses[0].answers.q03 is 2.5, expected an integer or null");
    expect_edit_decode("\"q03\":2", "\"q03\":2.0", BATCH_E_SHAPE,
                       "responses[0].answers.q03 is 2.0, expected an integer or null");
    expect_edit_decode("}}", "},\"attributes\":{\"employment\":3}}", BATCH_E_SHAPE,
                       "responses[0].attributes.employment is 3, expected an option id or null");
    expect_edit_decode("\"q01\":3", "\"q01\":3,\"q01\":4", BATCH_E_JSON, "duplicate");
}

static void test_batch_decode_names_response_index(void **state)
{
    (void)state;
    char *head = make_batch(12, RESPONSE), *json;
    head[strlen(head) - 2] = '\0'; /* drop "]}" to append more responses */
    assert_true(asprintf(&json, "%s,%s,%s]}", head,
                         "{\"month\":\"2025-02\",\"answers\":{\"q01\":3,\"q03\":\"x\"}}",
                         RESPONSE) > 0);
    free(head);
    expect_decode(json, BATCH_E_SHAPE,
                  "batch: responses[12].answers.q03 is \"x\", expected an integer or null");
    free(json);
}

static void test_batch_decode_caps_response_count(void **state)
{
    (void)state;
    char *ok = make_batch(BATCH_MAX_RESPONSES, RESPONSE);
    struct batch *b = decode_ok(ok);
    assert_int_equal(b->n_responses, BATCH_MAX_RESPONSES);
    batch_free(b);
    free(ok);
    char *over = make_batch(BATCH_MAX_RESPONSES + 1, RESPONSE);
    expect_decode(over, BATCH_E_TOO_LARGE, "responses has 1001 entries, more than 1000");
    free(over);
}

static void test_batch_decode_rejects_not_json(void **state)
{
    (void)state;
    expect_decode("<html>captive portal</html>", BATCH_E_JSON, "not valid JSON at line 1");
    expect_decode("[1,2]", BATCH_E_SHAPE, "must be a JSON object");
    char *json = make_batch(1, RESPONSE);
    json[strlen(json) / 2] = '\0';
    expect_decode(json, BATCH_E_JSON, "not valid JSON");
    free(json);
}

/* jansson's lexer drops a NUL byte that follows a number or a literal, so
 * "{\"q01\":3\0}" would load; a NUL anywhere is refused as bad JSON. */
static void test_batch_decode_refuses_nul_bytes(void **state)
{
    (void)state;
    char *json = make_batch(1, RESPONSE);
    char *with_null = helper_replace(json, "\"q12\":1", "\"q12\":null");

    expect_nul_after(json, "\"q01\":3");            /* after a number */
    expect_nul_after(json, "\"survey_version\":1"); /* after a number, before a comma */
    expect_nul_after(with_null, "null");            /* after a literal */
    expect_nul_after(json, "\"goshogawara");        /* inside a string */
    expect_nul_after(json, "]}");                   /* after the document */
    expect_nul_after(json, "");                     /* before it */
    free(with_null);
    free(json);
}

/* One JSON document and nothing after it but whitespace. */
static void test_batch_decode_refuses_bytes_after_the_document(void **state)
{
    (void)state;
    char *json = make_batch(1, RESPONSE), *more = NULL;
    const char *tails[] = {"x", "{}", " {\"format\":1}", "]", ",", "1", "\"\""};

    for (size_t i = 0; i < sizeof tails / sizeof tails[0]; i++) {
        assert_true(asprintf(&more, "%s%s", json, tails[i]) > 0);
        expect_decode(more, BATCH_E_JSON, "not valid JSON");
        free(more);
    }
    assert_true(asprintf(&more, "%s%s%s", json, " \t\r\n", json) > 0);
    expect_decode(more, BATCH_E_JSON, "not valid JSON"); /* a second batch */
    free(more);
    assert_true(asprintf(&more, "%s \t\r\n", json) > 0);
    batch_free(decode_ok(more)); /* trailing whitespace is fine */
    free(more);
    free(json);
}

static void test_batch_decode_refuses_json_over_cap(void **state)
{
    (void)state;
    char err[BATCH_ERR_LEN];
    struct batch *b = (struct batch *)1;
    /* The length alone decides; the bytes are never parsed. */
    assert_int_equal(batch_decode("{}", (size_t)BATCH_MAX_JSON_BYTES + 1, &b, err, sizeof err),
                     BATCH_E_TOO_LARGE);
    assert_null(b);
}

static void test_batch_encode_is_canonical(void **state)
{
    (void)state;
    const char *a = "{\"responses\":[{\"attributes\":{\"employment\":\"kaikei\"},"
                    "\"answers\":{\"q02\":4,\"q10\":null,\"q01\":3},\"month\":\"2025-02\"}],"
                    "\"survey_version\":1,\"survey_id\":\"goshogawara-staff\","
                    "\"batch_id\":\"" UUID "\",\"format\":1}";
    const char *b = "{ \"format\": 1, \"batch_id\": \"9B2C6A1E-4F4B-4C8E-9A51-0C7D2F3B8E10\","
                    " \"survey_id\": \"goshogawara-staff\", \"survey_version\": 1,"
                    " \"responses\": [ { \"month\": \"2025-02\","
                    " \"answers\": { \"q01\": 3, \"q10\": null, \"q02\": 4 },"
                    " \"attributes\": { \"employment\": \"kaikei\" } } ] }";
    struct batch *ba = decode_ok(a), *bb = decode_ok(b);
    char *ea, *eb;
    size_t la, lb;
    assert_int_equal(batch_encode(ba, &ea, &la), BATCH_OK);
    assert_int_equal(batch_encode(bb, &eb, &lb), BATCH_OK);
    assert_string_equal(ea, eb);
    assert_int_equal(la, strlen(ea));
    assert_string_equal(ea, "{\"format\":1,\"batch_id\":\"" UUID "\",\"survey_id\":"
                            "\"goshogawara-staff\",\"survey_version\":1,\"responses\":[{\"month\":"
                            "\"2025-02\",\"answers\":{\"q01\":3,\"q02\":4,\"q10\":null},"
                            "\"attributes\":{\"employment\":\"kaikei\"}}]}");
    free(ea);
    free(eb);
    batch_free(ba);
    batch_free(bb);
}

/* The direct encoder writes the bytes jansson's compact dump writes for
 * the same members in canonical order: escapes, Japanese text, nulls,
 * and integers from INT_MIN to INT_MAX. */
static void test_batch_encode_matches_jansson_bytes(void **state)
{
    static const char canonical[] =
        "{\"format\":1,\"batch_id\":\"9b2c6a1e-4f4b-4c8e-9a51-0c7d2f3b8e10\","
        "\"survey_id\":\"s\\\"\\\\\\n\\u0001職員\",\"survey_version\":3,\"responses\":["
        "{\"month\":\"2025-02\",\"answers\":{\"a\":null,\"q01\":3,\"q02\":-4,\"q03\":0,"
        "\"q04\":-2147483648,\"q05\":2147483647,\"q06\":10},"
        "\"attributes\":{\"emp\":\"正職員\\t\",\"z\":null}},"
        "{\"month\":\"2025-03\",\"answers\":{}}]}";
    struct batch *b = NULL;
    char err[BATCH_ERR_LEN], *ours = NULL;
    size_t len = 0;
    json_error_t jerr;
    (void)state;
    assert_int_equal(batch_decode(canonical, strlen(canonical), &b, err, sizeof err), BATCH_OK);
    assert_int_equal(batch_encode(b, &ours, &len), BATCH_OK);
    json_t *root = json_loads(canonical, 0, &jerr);
    assert_non_null(root);
    char *theirs = json_dumps(root, JSON_COMPACT | JSON_PRESERVE_ORDER);
    assert_non_null(theirs);
    assert_string_equal(ours, theirs);
    assert_int_equal(len, strlen(theirs));
    free(theirs);
    json_decref(root);
    free(ours);
    batch_free(b);
}

static void test_batch_encode_decode_round_trips(void **state)
{
    (void)state;
    char *json = make_batch(3, "{\"month\":\"2024-11\",\"answers\":{\"q05\":null,\"q01\":2},"
                               "\"attributes\":{\"employment\":null}}");
    struct batch *b = decode_ok(json), *again;
    char *e1, *e2;
    size_t l1, l2;
    assert_int_equal(batch_encode(b, &e1, &l1), BATCH_OK);
    again = decode_ok(e1);
    assert_int_equal(batch_encode(again, &e2, &l2), BATCH_OK);
    assert_int_equal(l1, l2);
    assert_memory_equal(e1, e2, l1);
    assert_int_equal(again->n_responses, 3);
    assert_string_equal(again->responses[2].month, "2024-11");
    assert_null(again->responses[0].attrs[0].option_id);
    free(e1);
    free(e2);
    batch_free(b);
    batch_free(again);
    free(json);
}

static void test_batch_encode_empty_attributes_same_as_absent(void **state)
{
    (void)state;
    char *with = make_batch(1, "{\"month\":\"2025-02\",\"answers\":{\"q01\":1},\"attributes\":{}}");
    char *without = make_batch(1, "{\"month\":\"2025-02\",\"answers\":{\"q01\":1}}");
    struct batch *a = decode_ok(with), *b = decode_ok(without);
    char *ea, *eb;
    size_t la, lb;
    assert_int_equal(batch_encode(a, &ea, &la), BATCH_OK);
    assert_int_equal(batch_encode(b, &eb, &lb), BATCH_OK);
    assert_string_equal(ea, eb);
    free(ea);
    free(eb);
    batch_free(a);
    batch_free(b);
    free(with);
    free(without);
}

static void test_batch_new_builds_encodable_batch(void **state)
{
    (void)state;
    struct batch *b = batch_new("goshogawara-staff", 1), *back;
    char *json, err[BATCH_ERR_LEN];
    size_t len;
    assert_non_null(b);
    assert_true(crypto_uuid_valid(b->batch_id));
    assert_int_equal(b->format, BATCH_FORMAT);
    /* Fill one response the way the kiosk does, through the public struct. */
    b->responses = calloc(1, sizeof *b->responses);
    b->n_responses = 1;
    strcpy(b->responses[0].month, "2025-02");
    b->responses[0].answers = calloc(12, sizeof *b->responses[0].answers);
    for (int i = 0; i < 12; i++) {
        char id[8];
        snprintf(id, sizeof id, "q%02d", 12 - i);
        b->responses[0].answers[i].question_id = strdup(id);
        b->responses[0].answers[i].value = 1 + i % 4;
    }
    b->responses[0].n_answers = 12;
    assert_int_equal(batch_encode(b, &json, &len), BATCH_OK);
    assert_int_equal(batch_decode(json, len, &back, err, sizeof err), BATCH_OK);
    assert_int_equal(batch_validate(back, gosho, err, sizeof err), BATCH_OK);
    assert_int_equal(back->responses[0].values[0], 1 + 11 % 4); /* q01 was the last set */
    assert_string_equal(back->batch_id, b->batch_id);
    struct batch *other = batch_new("goshogawara-staff", 1);
    assert_string_not_equal(other->batch_id, b->batch_id);
    batch_free(other);
    batch_free(back);
    batch_free(b);
    free(json);
    batch_free(NULL);
}

static void test_batch_validate_fills_values_and_options(void **state)
{
    (void)state;
    char err[BATCH_ERR_LEN];
    char *json = make_batch(2, "{\"month\":\"2025-02\",\"answers\":{" ALL_ANSWERS
                               "},\"attributes\":{\"employment\":\"kaikei\"}}");
    struct batch *b = decode_ok(json);
    assert_int_equal(batch_validate(b, gosho, err, sizeof err), BATCH_OK);
    const int expect[12] = {3, 4, 2, 1, 4, 3, 3, 4, 2, 3, 4, 1};
    for (size_t r = 0; r < 2; r++) {
        assert_non_null(b->responses[r].values);
        assert_memory_equal(b->responses[r].values, expect, sizeof expect);
        assert_int_equal(b->responses[r].options[0], 1); /* kaikei is option 1 */
    }
    /* Validating twice gives the same, with no leak of the first arrays. */
    assert_int_equal(batch_validate(b, gosho, err, sizeof err), BATCH_OK);
    assert_memory_equal(b->responses[1].values, expect, sizeof expect);
    batch_free(b);
    free(json);
}

static void test_batch_validate_optional_attribute_may_be_absent(void **state)
{
    (void)state;
    char err[BATCH_ERR_LEN];
    char *json = make_batch(1, "{\"month\":\"2025-02\",\"answers\":{" ALL_ANSWERS
                               "},\"attributes\":{\"employment\":null}}");
    struct batch *b = decode_ok(json);
    assert_int_equal(batch_validate(b, gosho, err, sizeof err), BATCH_OK);
    assert_int_equal(b->responses[0].options[0], BATCH_OPTION_NONE);
    batch_free(b);
    free(json);
    json = make_batch(1, RESPONSE);
    expect_validate(json, BATCH_OK, NULL);
    free(json);
}

static void test_batch_validate_rejects_wrong_survey_or_version(void **state)
{
    (void)state;
    expect_edit_validate("\"survey_id\":\"goshogawara-staff\"", "\"survey_id\":\"kamaishi\"",
                         BATCH_E_INVALID, "survey_id \"kamaishi\" is not the survey");
    expect_edit_validate("\"survey_version\":1", "\"survey_version\":2", BATCH_E_INVALID,
                         "survey_version 2");
}

static void test_batch_validate_rejects_answer_off_scale(void **state)
{
    (void)state;
    char *json = make_batch(6, RESPONSE);
    char *p = json;
    for (int i = 0; i < 5; i++)
        p = strstr(p + 1, "\"q07\":3");
    p[6] = '5';
    expect_validate(json, BATCH_E_INVALID,
                    "batch: responses[4].answers.q07: 5 is not on the scale (1..4)");
    free(json);
    expect_edit_validate("\"q01\":3", "\"q01\":0", BATCH_E_INVALID,
                         "answers.q01: 0 is not on the scale (1..4)");
}

static void test_batch_validate_rejects_unknown_question(void **state)
{
    (void)state;
    expect_edit_validate("\"q01\":3", "\"q01\":3,\"q99\":null", BATCH_E_INVALID,
                         "responses[0].answers.q99: no such question");
}

static void test_batch_validate_requires_required_answers(void **state)
{
    (void)state;
    expect_edit_validate("\"q06\":3,", "", BATCH_E_INVALID,
                         "responses[0].answers.q06 is missing, and the question is required");
    expect_edit_validate("\"q06\":3", "\"q06\":null", BATCH_E_INVALID,
                         "responses[0].answers.q06 is missing");
}

static void test_batch_validate_rejects_unknown_attribute_or_option(void **state)
{
    (void)state;
    expect_edit_validate("}}", "},\"attributes\":{\"age\":\"30s\"}}", BATCH_E_INVALID,
                         "responses[0].attributes.age: no such attribute");
    expect_edit_validate("}}", "},\"attributes\":{\"employment\":\"mayor\"}}", BATCH_E_INVALID,
                         "responses[0].attributes.employment: \"mayor\" is not one of its options");
}

static void test_batch_validate_requires_required_attribute(void **state)
{
    (void)state;
    char err[BATCH_ERR_LEN];
    char *src = helper_replace(gosho->source, "\"optional\": true", "\"optional\": false");
    struct survey *strict = NULL;
    assert_int_equal(survey_load_buffer(src, strlen(src), &strict, err, sizeof err), SURVEY_OK);
    char *json = make_batch(1, RESPONSE);
    struct batch *b = decode_ok(json);
    free(json);
    assert_int_equal(batch_validate(b, strict, err, sizeof err), BATCH_E_INVALID);
    assert_non_null(strstr(err, "responses[0].attributes.employment is missing"));
    batch_free(b);
    survey_free(strict);
    free(src);
}

static void test_batch_month_valid_range(void **state)
{
    (void)state;
    assert_true(batch_month_valid("2000-01"));
    assert_true(batch_month_valid("2025-02"));
    assert_true(batch_month_valid("2099-12"));
    assert_false(batch_month_valid("1999-12"));
    assert_false(batch_month_valid("2100-01"));
    assert_false(batch_month_valid("2025-00"));
    assert_false(batch_month_valid("2025-13"));
    assert_false(batch_month_valid("2025-1"));
    assert_false(batch_month_valid("2025-011"));
    assert_false(batch_month_valid("2025/01"));
    assert_false(batch_month_valid(NULL));
}

static void test_batch_strerror_names_codes(void **state)
{
    (void)state;
    assert_string_equal(batch_strerror(BATCH_OK), "ok");
    assert_non_null(strstr(batch_strerror(BATCH_E_DEFLATE), "zlib"));
    assert_string_equal(batch_strerror((enum batch_err)99), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_batch_decode_reads_design_example),
        cmocka_unit_test(test_batch_decode_rejects_bad_header),
        cmocka_unit_test(test_batch_decode_rejects_unknown_members),
        cmocka_unit_test(test_batch_decode_rejects_bad_responses),
        cmocka_unit_test(test_batch_decode_names_response_index),
        cmocka_unit_test(test_batch_decode_caps_response_count),
        cmocka_unit_test(test_batch_decode_rejects_not_json),
        cmocka_unit_test(test_batch_decode_refuses_nul_bytes),
        cmocka_unit_test(test_batch_decode_refuses_bytes_after_the_document),
        cmocka_unit_test(test_batch_decode_refuses_json_over_cap),
        cmocka_unit_test(test_batch_encode_is_canonical),
        cmocka_unit_test(test_batch_encode_matches_jansson_bytes),
        cmocka_unit_test(test_batch_encode_decode_round_trips),
        cmocka_unit_test(test_batch_encode_empty_attributes_same_as_absent),
        cmocka_unit_test(test_batch_new_builds_encodable_batch),
        cmocka_unit_test(test_batch_validate_fills_values_and_options),
        cmocka_unit_test(test_batch_validate_optional_attribute_may_be_absent),
        cmocka_unit_test(test_batch_validate_rejects_wrong_survey_or_version),
        cmocka_unit_test(test_batch_validate_rejects_answer_off_scale),
        cmocka_unit_test(test_batch_validate_rejects_unknown_question),
        cmocka_unit_test(test_batch_validate_requires_required_answers),
        cmocka_unit_test(test_batch_validate_rejects_unknown_attribute_or_option),
        cmocka_unit_test(test_batch_validate_requires_required_attribute),
        cmocka_unit_test(test_batch_month_valid_range),
        cmocka_unit_test(test_batch_strerror_names_codes),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}

/* Batch format 2: responses sealed for the collector's key (seal.h), one
 * text per response. Decoding keeps the texts, encoding gives them back
 * (what the duplicate rule hashes), and batch_open turns them into format-1
 * responses that validate like any other, or refuses the whole batch. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "crypto.h"
#include "seal.h"
#include "survey.h"

#define RESPONSE                                                                                   \
    "{\"month\":\"2025-02\",\"answers\":{\"q01\":3,\"q02\":4,\"q03\":3,\"q04\":2,\"q05\":4,"       \
    "\"q06\":3,\"q07\":3,\"q08\":1,\"q09\":2,\"q10\":3,\"q11\":4,\"q12\":3},\"attributes\":"       \
    "{\"employment\":\"regular\"}}"

struct env {
    unsigned char pk[SEAL_KEY_BYTES], sk[SEAL_KEY_BYTES];
    unsigned char other_pk[SEAL_KEY_BYTES], other_sk[SEAL_KEY_BYTES];
    struct seal_keyring *kr;
};

static int setup(void **state)
{
    struct env *e = calloc(1, sizeof *e);

    if (!e || seal_keypair_new(e->pk, e->sk) != 0 ||
        seal_keypair_new(e->other_pk, e->other_sk) != 0 || !(e->kr = seal_keyring_new()) ||
        seal_keyring_add(e->kr, e->pk, e->sk) != 0)
        return -1;
    *state = e;
    return 0;
}

static int teardown(void **state)
{
    struct env *e = *state;

    seal_keyring_free(e->kr);
    free(e);
    return 0;
}

/* A format-2 batch of n responses, each RESPONSE sealed for pk; response
 * bad (when < n) gets text instead of its sealed form. Caller frees. */
static char *sealed_batch(const unsigned char *pk, int n, int bad, const char *text)
{
    struct seal_session *s = seal_session_new(pk);
    char id[CRYPTO_UUID_LEN], *out = malloc(256 + (size_t)n * (SEAL_MAX_TEXT + 4));
    size_t len = 0;

    assert_non_null(s);
    assert_non_null(out);
    assert_int_equal(crypto_uuid4(id), 0);
    len += (size_t)sprintf(out,
                           "{\"format\":2,\"batch_id\":\"%s\",\"survey_id\":\"goshogawara-staff\","
                           "\"survey_version\":1,\"responses\":[",
                           id);
    for (int i = 0; i < n; i++) {
        char *sealed = NULL;
        size_t slen = 0;
        assert_int_equal(seal_response(s, RESPONSE, strlen(RESPONSE), &sealed, &slen), SEAL_OK);
        len += (size_t)sprintf(out + len, "%s\"%s\"", i ? "," : "", i == bad ? text : sealed);
        free(sealed);
    }
    sprintf(out + len, "]}");
    seal_session_free(s);
    return out;
}

static struct survey *sample(void)
{
    struct survey *s = NULL;
    char err[SURVEY_ERR_LEN];

    assert_int_equal(survey_load_file(SURVEYS_DIR "/goshogawara-staff.json", &s, err, sizeof err),
                     SURVEY_OK);
    return s;
}

static void test_sealed_batch_opens_to_responses_that_validate(void **state)
{
    struct env *e = *state;
    char *json = sealed_batch(e->pk, 3, -1, NULL), err[BATCH_ERR_LEN], *enc = NULL;
    struct batch *b = NULL;
    struct survey *s = sample();
    size_t len = 0;

    assert_int_equal(batch_decode(json, strlen(json), &b, err, sizeof err), BATCH_OK);
    assert_int_equal(b->format, BATCH_FORMAT_SEALED);
    assert_int_equal(b->n_sealed, 3);
    assert_int_equal(b->n_responses, 0);
    assert_int_equal(batch_open(b, e->kr, err, sizeof err), BATCH_OK);
    assert_int_equal(b->n_responses, 3);
    assert_string_equal(b->responses[2].month, "2025-02");
    assert_int_equal(batch_validate(b, s, err, sizeof err), BATCH_OK);
    /* The encoding is the sealed form, byte for byte: what the duplicate
     * rule compares, never the opened answers. */
    assert_int_equal(batch_encode(b, &enc, &len), BATCH_OK);
    assert_null(strstr(enc, "q01"));
    assert_non_null(strstr(enc, b->sealed[0]));
    assert_int_equal(strncmp(enc, "{\"format\":2,", 12), 0);
    free(enc);
    batch_free(b);
    survey_free(s);
    free(json);
}

/* One response that does not open (tampered, another key, not base64, an
 * empty object) refuses the whole batch, naming it. */
static void test_sealed_batch_refuses_what_does_not_open(void **state)
{
    struct env *e = *state;
    struct seal_session *other = seal_session_new(e->other_pk);
    char *foreign = NULL, *tampered = NULL, *empty = NULL, err[BATCH_ERR_LEN];
    size_t len = 0;
    struct batch *b = NULL;

    assert_int_equal(seal_response(other, RESPONSE, strlen(RESPONSE), &foreign, &len), SEAL_OK);
    {
        struct seal_session *mine = seal_session_new(e->pk);
        assert_int_equal(seal_response(mine, RESPONSE, strlen(RESPONSE), &tampered, &len), SEAL_OK);
        assert_int_equal(seal_response(mine, "{}", 2, &empty, &len), SEAL_OK);
        seal_session_free(mine);
    }
    tampered[len / 2] = tampered[len / 2] == 'A' ? 'B' : 'A';
    const char *bad[] = {foreign, tampered, "not*base64", empty};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char *json = sealed_batch(e->pk, 3, 1, bad[i]);
        assert_int_equal(batch_decode(json, strlen(json), &b, err, sizeof err), BATCH_OK);
        assert_int_equal(batch_open(b, e->kr, err, sizeof err), BATCH_E_INVALID);
        assert_non_null(strstr(err, "responses[1]"));
        batch_free(b);
        free(json);
    }
    free(foreign);
    free(tampered);
    free(empty);
    seal_session_free(other);
}

static void test_sealed_batch_shape_is_checked(void **state)
{
    struct env *e = *state;
    char err[BATCH_ERR_LEN];
    struct batch *b = NULL;
    const char *bad[] = {
        "{\"format\":2,\"batch_id\":\"9b2c6a1e-4f4b-4c8e-9a51-0c7d2f3b8e10\",\"survey_id\":\"s\","
        "\"survey_version\":1,\"responses\":[{\"month\":\"2025-02\"}]}",
        "{\"format\":2,\"batch_id\":\"9b2c6a1e-4f4b-4c8e-9a51-0c7d2f3b8e10\",\"survey_id\":\"s\","
        "\"survey_version\":1,\"responses\":[\"\"]}",
        "{\"format\":3,\"batch_id\":\"9b2c6a1e-4f4b-4c8e-9a51-0c7d2f3b8e10\",\"survey_id\":\"s\","
        "\"survey_version\":1,\"responses\":[\"x\"]}",
    };

    (void)e;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_int_equal(batch_decode(bad[i], strlen(bad[i]), &b, err, sizeof err), BATCH_E_SHAPE);
        assert_null(b);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_sealed_batch_opens_to_responses_that_validate, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sealed_batch_refuses_what_does_not_open, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_sealed_batch_shape_is_checked, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

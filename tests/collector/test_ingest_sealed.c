/* Batch format 2 through the real daemon: responses sealed for the key
 * `collector key show` prints are stored once, replays are 200, other
 * sealed bytes under the same id are 409, and a box that does not open
 * refuses the whole batch; a rotated key still opens late batches until it
 * is retired. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "crypto.h"
#include "seal.h"
#include "testutil.h"

#define RESPONSE                                                                                   \
    "{\"month\":\"2025-02\",\"answers\":{\"q01\":3,\"q02\":4,\"q03\":3,\"q04\":2,\"q05\":4,"       \
    "\"q06\":3,\"q07\":3,\"q08\":1,\"q09\":2,\"q10\":3,\"q11\":4,\"q12\":3},\"attributes\":"       \
    "{\"employment\":\"regular\"}}"

struct fx {
    struct tu_server srv;
    char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32], token[TU_TOKEN_MAX];
};

static int setup(void **state)
{
    struct fx *f = calloc(1, sizeof *f);

    if (!f || tu_fixture_start(&f->srv, "ingest-sealed", f->dir, f->db, sizeof f->db, f->token,
                               NULL, NULL) != 0)
        return -1;
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fx *f = *state;
    int rc = tu_fixture_stop(&f->srv, f->dir);

    free(f);
    return rc;
}

/* The collector's current public key, as `collector key show` prints it. */
static void current_key(const struct fx *f, unsigned char pk[SEAL_KEY_BYTES])
{
    char out[TU_OUTPUT_MAX], err[1024];

    assert_int_equal(
        tu_collector(out, sizeof out, err, sizeof err, "key", "show", "--db", f->db, NULL), 0);
    assert_int_equal(seal_pk_from_text(tu_chomp(out), pk), 0);
}

/* A format-2 batch with id (NULL: a new one) of n responses sealed for pk. */
static char *sealed_batch(const unsigned char *pk, const char *id, int n)
{
    struct seal_session *s = seal_session_new(pk);
    char fresh[CRYPTO_UUID_LEN], *out = malloc(256 + (size_t)n * (SEAL_MAX_TEXT + 4));
    size_t len = 0;

    assert_non_null(s);
    if (!id) {
        assert_int_equal(crypto_uuid4(fresh), 0);
        id = fresh;
    }
    len += (size_t)sprintf(out,
                           "{\"format\":2,\"batch_id\":\"%s\",\"survey_id\":\"%s\","
                           "\"survey_version\":1,\"responses\":[",
                           id, TU_SURVEY_ID);
    for (int i = 0; i < n; i++) {
        char *sealed = NULL;
        size_t slen = 0;
        assert_int_equal(seal_response(s, RESPONSE, strlen(RESPONSE), &sealed, &slen), SEAL_OK);
        len += (size_t)sprintf(out + len, "%s\"%s\"", i ? "," : "", sealed);
        free(sealed);
    }
    sprintf(out + len, "]}");
    seal_session_free(s);
    return out;
}

static long post(const struct fx *f, const char *json, char *body, size_t bodylen)
{
    struct tu_response r = {0};
    long status;

    assert_int_equal(tu_post_batch(&r, f->srv.url, f->token, json, true), 0);
    status = r.status;
    if (body)
        snprintf(body, bodylen, "%s", r.body ? r.body : "");
    tu_response_free(&r);
    return status;
}

static long long stored(const struct fx *f)
{
    return tu_db_count(f->db, "SELECT COUNT(*) FROM responses");
}

static void test_sealed_batch_stored_once_and_duplicates_compare_sealed_bytes(void **state)
{
    struct fx *f = *state;
    unsigned char pk[SEAL_KEY_BYTES];
    char id[CRYPTO_UUID_LEN], *a, *b, body[1024];

    current_key(f, pk);
    assert_int_equal(crypto_uuid4(id), 0);
    a = sealed_batch(pk, id, 5);
    assert_int_equal(post(f, a, body, sizeof body), 201);
    assert_int_equal(stored(f), 5);
    assert_int_equal(post(f, a, body, sizeof body), 200); /* a replay */
    b = sealed_batch(pk, id, 5); /* the same answers, sealed again: other bytes */
    assert_int_equal(post(f, b, body, sizeof body), 409);
    assert_int_equal(stored(f), 5);
    free(a);
    free(b);
}

static void test_sealed_batch_that_does_not_open_stores_nothing(void **state)
{
    struct fx *f = *state;
    unsigned char pk[SEAL_KEY_BYTES], other_pk[SEAL_KEY_BYTES], other_sk[SEAL_KEY_BYTES];
    char *json, body[1024];
    size_t at;

    current_key(f, pk);
    json = sealed_batch(pk, NULL, 3);
    at = (size_t)(strrchr(json, '"') - json) - 10; /* inside the last sealed text */
    json[at] = json[at] == 'A' ? 'B' : 'A';
    assert_int_equal(post(f, json, body, sizeof body), 422);
    assert_non_null(strstr(body, "sealed_invalid"));
    assert_non_null(strstr(body, "responses[2]"));
    free(json);
    assert_int_equal(seal_keypair_new(other_pk, other_sk), 0);
    json = sealed_batch(other_pk, NULL, 2);
    assert_int_equal(post(f, json, body, sizeof body), 422);
    assert_non_null(strstr(body, "responses[0]"));
    free(json);
    assert_int_equal(stored(f), 0);
}

static void test_rotated_key_opens_late_batches_until_retired(void **state)
{
    struct fx *f = *state;
    unsigned char old_pk[SEAL_KEY_BYTES], new_pk[SEAL_KEY_BYTES];
    char out[TU_OUTPUT_MAX], err[1024], old_id[17], *late, body[1024];

    current_key(f, old_pk);
    seal_key_id(old_pk, old_id);
    late = sealed_batch(old_pk, NULL, 4); /* sealed before the rotation, sent after it */
    assert_int_equal(tu_server_stop(&f->srv), 0);
    assert_int_equal(
        tu_collector(out, sizeof out, err, sizeof err, "key", "rotate", "--db", f->db, NULL), 0);
    assert_int_equal(tu_server_start(&f->srv, f->db, NULL), 0);
    current_key(f, new_pk);
    assert_memory_not_equal(old_pk, new_pk, SEAL_KEY_BYTES);
    assert_int_equal(post(f, late, body, sizeof body), 201);
    free(late);
    late = sealed_batch(old_pk, NULL, 2);
    assert_int_equal(tu_server_stop(&f->srv), 0);
    /* The 4 late responses still wait, sealed for the old key: it stays
     * until a release has opened them. */
    assert_int_equal(tu_collector(out, sizeof out, err, sizeof err, "key", "retire", old_id, "--db",
                                  f->db, NULL),
                     1);
    assert_non_null(strstr(err, "4 responses waiting for a release are sealed for key"));
    assert_int_equal(stored(f), 4);
    assert_int_equal(tu_release(f->db, 2024), 1);
    assert_int_equal(tu_collector(out, sizeof out, err, sizeof err, "key", "retire", old_id, "--db",
                                  f->db, NULL),
                     0);
    assert_int_equal(tu_server_start(&f->srv, f->db, NULL), 0);
    assert_int_equal(post(f, late, body, sizeof body), 422);
    assert_non_null(strstr(body, old_id)); /* says which key it would need */
    assert_int_equal(stored(f), 0);        /* the 4 were released; nothing more arrived */
    free(late);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(
            test_sealed_batch_stored_once_and_duplicates_compare_sealed_bytes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sealed_batch_that_does_not_open_stores_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_rotated_key_opens_late_batches_until_retired, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

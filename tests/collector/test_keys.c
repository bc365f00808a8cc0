/* The collector's key pairs through the real programs: `collector serve`
 * makes DB.keys (0600, one current key) on its first start, `collector key`
 * shows, rotates and retires keys with one atomic rewrite each, a malformed
 * file is refused with its line named, GET /api/v1/survey hands out the
 * current public key, and no secret key reaches the database or a log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "seal.h"
#include "testutil.h"

#define KT_MAX_KEYS 8

struct kt_key {
    char id[SEAL_KEY_ID_LEN], created[32], state[16];
    char pk[SEAL_PK_TEXT_LEN], sk[SEAL_SK_TEXT_LEN];
};

static char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32], keyfile[TU_PATH_MAX + 48];
static char token[TU_TOKEN_MAX], auth[TU_TOKEN_MAX + 16];
static char out[TU_OUTPUT_MAX], err[4096];
static struct tu_server server;

static int setup(void **state)
{
    (void)state;
    memset(&server, 0, sizeof server);
    if (tu_tempdir("keys", dir) != 0)
        return -1;
    snprintf(db, sizeof db, "%s/collector.db", dir);
    snprintf(keyfile, sizeof keyfile, "%s.keys", db);
    if (tu_setup_db(db, token, NULL) != 0)
        return -1;
    snprintf(auth, sizeof auth, "Bearer %s", token);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    tu_server_stop(&server);
    tu_rmdir(dir);
    return 0;
}

/* A whole file (NUL-terminated, malloc'ed); NULL when it cannot be read. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = f ? malloc(8 << 20) : NULL;
    size_t n = buf ? fread(buf, 1, (8 << 20) - 1, f) : 0;

    if (f)
        fclose(f);
    if (buf)
        buf[n] = '\0';
    if (len)
        *len = n;
    return buf;
}

/* The key file's lines into keys; returns how many. */
static int read_keys(struct kt_key *keys)
{
    char *text = slurp(keyfile, NULL), *line, *save = NULL;
    int n = 0;

    assert_non_null(text);
    for (line = strtok_r(text, "\n", &save); line && n < KT_MAX_KEYS;
         line = strtok_r(NULL, "\n", &save), n++)
        assert_int_equal(sscanf(line, "%16s %31s %15s %49s %56s", keys[n].id, keys[n].created,
                                keys[n].state, keys[n].pk, keys[n].sk),
                         5);
    free(text);
    return n;
}

static int mode_of(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (int)(st.st_mode & 07777) : -1;
}

static int lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* Whether len bytes of needle occur in the file at path (a missing file holds nothing). */
static bool file_holds(const char *path, const void *needle, size_t len)
{
    size_t n;
    char *buf = slurp(path, &n);
    bool hit = buf && memmem(buf, n, needle, len) != NULL;

    free(buf);
    return hit;
}

/* No trace of the secret key, as text or as its 32 bytes, in the
 * database, its WAL and SHM, or the daemon's log. */
static void assert_secret_nowhere(const struct kt_key *key)
{
    static const char *const suffix[] = {"", "-wal", "-shm", ".log"};
    unsigned char raw[SEAL_KEY_BYTES];
    const char *b64 = key->sk + strlen(SEAL_SK_PREFIX);
    char path[TU_PATH_MAX + 48];

    assert_int_equal(seal_sk_from_text(key->sk, raw), 0);
    for (size_t i = 0; i < sizeof suffix / sizeof suffix[0]; i++) {
        snprintf(path, sizeof path, "%s%s", db, suffix[i]);
        assert_false(file_holds(path, b64, strlen(b64)));
        assert_false(file_holds(path, raw, sizeof raw));
    }
}

static const char *key_show(void)
{
    assert_int_equal(
        tu_collector(out, sizeof out, err, sizeof err, "key", "show", "--db", db, NULL), 0);
    assert_int_equal(lines(out), 1);
    return tu_chomp(out);
}

/* The X-Collector-Key of GET /api/v1/survey into key[SEAL_PK_TEXT_LEN]; returns the status. */
static long survey_key(char *key, const char *if_none_match)
{
    char url[128], h[160];
    const char *headers[] = {h, NULL};
    struct tu_response r;
    long status;

    snprintf(url, sizeof url, "%s/api/v1/survey", server.url);
    snprintf(h, sizeof h, "If-None-Match: %s", if_none_match ? if_none_match : "");
    assert_int_equal(tu_http(&r, "GET", url, auth, if_none_match ? headers : NULL, NULL, 0), 0);
    if (!tu_header(&r, "X-Collector-Key", key, SEAL_PK_TEXT_LEN))
        key[0] = '\0';
    if (r.status == 200 && !if_none_match) {
        char etag[128], again[SEAL_PK_TEXT_LEN];
        assert_non_null(tu_header(&r, "ETag", etag, sizeof etag));
        assert_int_equal(survey_key(again, etag), 304); /* the 304 carries it too */
        assert_string_equal(again, key);
    }
    status = r.status;
    tu_response_free(&r);
    return status;
}

static void test_keys_first_serve_makes_a_private_file_and_logs_no_secret(void **state)
{
    struct kt_key keys[KT_MAX_KEYS];
    char text[64];
    mode_t was = umask(022);
    (void)state;

    assert_int_equal(mode_of(keyfile), -1);
    assert_int_equal(tu_server_start(&server, db, NULL), 0);
    umask(was);
    assert_int_equal(mode_of(keyfile), 0600);
    assert_int_equal(read_keys(keys), 1);
    assert_string_equal(keys[0].state, "current");
    assert_int_equal(strlen(keys[0].id), 16);
    snprintf(text, sizeof text, "key_id=%s", keys[0].id);
    assert_true(tu_server_log_has(&server, text));
    assert_true(tu_server_log_has(&server, keys[0].pk));
    assert_int_equal(tu_server_stop(&server), 0);
    assert_secret_nowhere(&keys[0]);
    /* The next start reads the same key and makes none. */
    assert_int_equal(tu_server_start(&server, db, NULL), 0);
    assert_int_equal(read_keys(keys), 1);
}

static void test_keys_init_and_show_print_exactly_the_public_key(void **state)
{
    struct kt_key keys[KT_MAX_KEYS];
    char first[SEAL_PK_TEXT_LEN];
    (void)state;

    /* show makes nothing: without a file it says how to make one. */
    assert_int_not_equal(
        tu_collector(out, sizeof out, err, sizeof err, "key", "show", "--db", db, NULL), 0);
    assert_non_null(strstr(err, "key init"));
    assert_int_equal(mode_of(keyfile), -1);

    assert_int_equal(
        tu_collector(out, sizeof out, err, sizeof err, "key", "init", "--db", db, NULL), 0);
    snprintf(first, sizeof first, "%s", tu_chomp(out));
    assert_int_equal(read_keys(keys), 1);
    assert_string_equal(first, keys[0].pk);
    assert_string_equal(key_show(), keys[0].pk);
    assert_int_equal(strncmp(out, SEAL_PK_PREFIX, strlen(SEAL_PK_PREFIX)), 0);
    /* A second init keeps the key. */
    assert_int_equal(
        tu_collector(out, sizeof out, err, sizeof err, "key", "init", "--db", db, NULL), 0);
    assert_string_equal(tu_chomp(out), first);
    assert_int_equal(read_keys(keys), 1);
}

static void test_keys_rotate_makes_a_new_current_and_keeps_the_old(void **state)
{
    struct kt_key keys[KT_MAX_KEYS];
    char before[SEAL_PK_TEXT_LEN], rotated[SEAL_PK_TEXT_LEN];
    (void)state;

    assert_int_equal(
        tu_collector(out, sizeof out, err, sizeof err, "key", "init", "--db", db, NULL), 0);
    snprintf(before, sizeof before, "%s", tu_chomp(out));
    assert_int_equal(
        tu_collector(out, sizeof out, err, sizeof err, "key", "rotate", "--db", db, NULL), 0);
    assert_int_equal(lines(out), 1);
    snprintf(rotated, sizeof rotated, "%s", tu_chomp(out));
    assert_string_not_equal(before, rotated);
    assert_int_equal(mode_of(keyfile), 0600);
    assert_int_equal(read_keys(keys), 2);
    assert_string_not_equal(keys[0].id, keys[1].id);
    assert_string_equal(keys[0].state, "old");
    assert_string_equal(keys[0].pk, before);
    assert_string_equal(keys[1].state, "current");
    assert_string_equal(keys[1].pk, rotated);
    assert_string_equal(key_show(), rotated);
    assert_int_equal(
        tu_collector(out, sizeof out, err, sizeof err, "key", "show", "--all", "--db", db, NULL),
        0);
    assert_int_equal(lines(out), 2);
    assert_non_null(strstr(out, keys[0].id));
    assert_non_null(strstr(out, before));
    assert_null(strstr(out, SEAL_SK_PREFIX));
}

static void test_keys_retire_removes_an_old_key_and_refuses_the_rest(void **state)
{
    struct kt_key keys[KT_MAX_KEYS];
    size_t len_before, len_after;
    char *before, *after;
    (void)state;

    assert_int_equal(
        tu_collector(out, sizeof out, err, sizeof err, "key", "init", "--db", db, NULL), 0);
    assert_int_equal(
        tu_collector(out, sizeof out, err, sizeof err, "key", "rotate", "--db", db, NULL), 0);
    assert_int_equal(read_keys(keys), 2);
    before = slurp(keyfile, &len_before);

    /* The current key: refused, saying to rotate first; nothing changes. */
    assert_int_equal(tu_collector(out, sizeof out, err, sizeof err, "key", "retire", keys[1].id,
                                  "--db", db, NULL),
                     1);
    assert_int_equal(lines(err), 1);
    assert_non_null(strstr(err, "current"));
    assert_non_null(strstr(err, "key rotate"));
    assert_string_equal(out, "");
    /* An unknown id: refused, pointing at the list. */
    assert_int_equal(tu_collector(out, sizeof out, err, sizeof err, "key", "retire",
                                  "0123456789abcdef", "--db", db, NULL),
                     1);
    assert_int_equal(lines(err), 1);
    assert_non_null(strstr(err, "no key 0123456789abcdef"));
    assert_non_null(strstr(err, "key show --all"));
    after = slurp(keyfile, &len_after);
    assert_int_equal(len_after, len_before);
    assert_memory_equal(after, before, len_before);
    free(after);

    /* The old key goes; the current one stays. */
    assert_int_equal(tu_collector(out, sizeof out, err, sizeof err, "key", "retire", keys[0].id,
                                  "--db", db, NULL),
                     0);
    assert_non_null(strstr(out, keys[0].id));
    assert_int_equal(read_keys(keys + 2), 1);
    assert_string_equal(keys[2].id, keys[1].id);
    assert_string_equal(keys[2].state, "current");
    assert_int_equal(mode_of(keyfile), 0600);
    free(before);
}

/* Writes text as the key file with mode, then expects `key show` and
 * `serve` to refuse it with a message holding what and no secret. */
static void assert_refused(const char *text, int mode, const char *what, const char *secret)
{
    FILE *f = fopen(keyfile, "w");

    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    assert_int_equal(chmod(keyfile, (mode_t)mode), 0);
    assert_int_equal(
        tu_collector(out, sizeof out, err, sizeof err, "key", "show", "--db", db, NULL), 1);
    assert_int_equal(lines(err), 1);
    assert_string_equal(out, "");
    assert_non_null(strstr(err, what));
    assert_null(strstr(err, secret + strlen(SEAL_SK_PREFIX)));
    assert_int_equal(tu_collector(out, sizeof out, err, sizeof err, "serve", "--db", db, "--listen",
                                  "127.0.0.1:0", NULL),
                     1);
    assert_non_null(strstr(err, what));
    assert_null(strstr(err, secret + strlen(SEAL_SK_PREFIX)));
}

static void test_keys_malformed_file_is_refused_with_its_line(void **state)
{
    struct kt_key k[KT_MAX_KEYS];
    char good[2][256], text[1024];
    (void)state;

    assert_int_equal(
        tu_collector(out, sizeof out, err, sizeof err, "key", "init", "--db", db, NULL), 0);
    assert_int_equal(
        tu_collector(out, sizeof out, err, sizeof err, "key", "rotate", "--db", db, NULL), 0);
    assert_int_equal(read_keys(k), 2);
    for (int i = 0; i < 2; i++)
        snprintf(good[i], sizeof good[i], "%s %s %s %s %s\n", k[i].id, k[i].created, k[i].state,
                 k[i].pk, k[i].sk);

    snprintf(text, sizeof text, "%sthis is not a key\n", good[0]);
    assert_refused(text, 0600, "line 2", k[0].sk);
    snprintf(text, sizeof text, "%s%s %s current %s %s\n", good[1], k[0].id, k[0].created, k[0].pk,
             k[0].sk);
    assert_refused(text, 0600, "line 2: a second current key", k[0].sk);
    /* A secret that does not belong to the public key beside it. */
    snprintf(text, sizeof text, "%s %s old %s %s\n%s", k[0].id, k[0].created, k[0].pk, k[1].sk,
             good[1]);
    assert_refused(text, 0600, "line 1: the secret key does not belong", k[1].sk);
    /* A cut file: the last line has lost its newline, or more. */
    snprintf(text, sizeof text, "%s%.*s", good[0], (int)strlen(good[1]) - 1, good[1]);
    assert_refused(text, 0600, "line 2: does not end with a newline", k[0].sk);
    snprintf(text, sizeof text, "%s%.*s", good[0], (int)strlen(good[1]) - 10, good[1]);
    assert_refused(text, 0600, "line 2", k[0].sk);
    snprintf(text, sizeof text, "%s%s", good[0], good[1]);
    assert_refused(text, 0644, "chmod 600", k[0].sk);
    assert_refused("", 0600, "holds no key", k[0].sk);
}

static void test_keys_survey_carries_the_current_key_until_restart(void **state)
{
    char shown[SEAL_PK_TEXT_LEN], key[SEAL_PK_TEXT_LEN], rotated[SEAL_PK_TEXT_LEN];
    (void)state;

    assert_int_equal(tu_server_start(&server, db, NULL), 0);
    snprintf(shown, sizeof shown, "%s", key_show());
    assert_int_equal(survey_key(key, NULL), 200);
    assert_string_equal(key, shown);

    assert_int_equal(
        tu_collector(out, sizeof out, err, sizeof err, "key", "rotate", "--db", db, NULL), 0);
    snprintf(rotated, sizeof rotated, "%s", tu_chomp(out));
    /* The daemon takes the rotation on its next start. */
    assert_int_equal(survey_key(key, NULL), 200);
    assert_string_equal(key, shown);
    assert_int_equal(tu_server_stop(&server), 0);
    assert_int_equal(tu_server_start(&server, db, NULL), 0);
    assert_int_equal(survey_key(key, NULL), 200);
    assert_string_equal(key, rotated);
    assert_string_equal(key_show(), rotated);

    /* A closed survey's 410 carries it too. */
    assert_int_equal(tu_collector(out, sizeof out, err, sizeof err, "survey", "close", TU_SURVEY_ID,
                                  "--db", db, NULL),
                     0);
    assert_int_equal(survey_key(key, NULL), 410);
    assert_string_equal(key, rotated);
}

static void test_keys_secrets_never_reach_the_database_or_log(void **state)
{
    struct kt_key keys[KT_MAX_KEYS];
    struct tu_response r;
    char *batch;
    (void)state;

    assert_int_equal(tu_server_start(&server, db, NULL), 0);
    assert_int_equal(
        tu_collector(out, sizeof out, err, sizeof err, "key", "rotate", "--db", db, NULL), 0);
    assert_int_equal(tu_server_stop(&server), 0);
    assert_int_equal(tu_server_start(&server, db, NULL), 0);
    batch = tu_batch_json(NULL, 10, 7, "2025-02", NULL);
    assert_int_equal(tu_post_batch(&r, server.url, token, batch, true), 0);
    assert_int_equal(r.status, 201);
    tu_response_free(&r);
    free(batch);
    /* Killed, so that the WAL and SHM stay as they were. */
    tu_server_kill(&server);
    assert_int_equal(read_keys(keys), 2);
    assert_secret_nowhere(&keys[0]);
    assert_secret_nowhere(&keys[1]);
}

int main(void)
{
#define KT_TEST(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
    const struct CMUnitTest tests[] = {
        KT_TEST(test_keys_first_serve_makes_a_private_file_and_logs_no_secret),
        KT_TEST(test_keys_init_and_show_print_exactly_the_public_key),
        KT_TEST(test_keys_rotate_makes_a_new_current_and_keeps_the_old),
        KT_TEST(test_keys_retire_removes_an_old_key_and_refuses_the_rest),
        KT_TEST(test_keys_malformed_file_is_refused_with_its_line),
        KT_TEST(test_keys_survey_carries_the_current_key_until_restart),
        KT_TEST(test_keys_secrets_never_reach_the_database_or_log),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

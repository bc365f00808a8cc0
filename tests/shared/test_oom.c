/* Out-of-memory paths of the survey loader and the batch codec, tested by
 * swapping the allocator: this program replaces malloc and friends (glibc
 * allows it) with versions that fail the k-th call, for every k, and count
 * live blocks so that a leak on any error path shows. Under AddressSanitizer
 * the replacement would bypass its own allocator, so the tests skip there. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "helper_shared.h"
#include "survey.h"

#if defined(__SANITIZE_ADDRESS__)
#define OOM_UNDER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define OOM_UNDER_ASAN 1
#endif
#endif

#define OOM_MAX_STEPS 20000 /* far more allocations than one load makes */

#ifndef OOM_UNDER_ASAN
static long oom_countdown = -1; /* fail when it reaches 0; -1: never */
static long oom_live;           /* blocks allocated minus blocks freed */
static bool oom_failed;

extern void *__libc_malloc(size_t size);
extern void *__libc_calloc(size_t n, size_t size);
extern void *__libc_realloc(void *p, size_t size);
extern void __libc_free(void *p);

static bool oom_should_fail(void)
{
    if (oom_countdown < 0)
        return false;
    if (oom_countdown-- == 0) {
        oom_failed = true;
        return true;
    }
    return false;
}

void *malloc(size_t size)
{
    void *p = oom_should_fail() ? NULL : __libc_malloc(size);
    oom_live += p != NULL;
    return p;
}

void *calloc(size_t n, size_t size)
{
    void *p = oom_should_fail() ? NULL : __libc_calloc(n, size);
    oom_live += p != NULL;
    return p;
}

void *realloc(void *old, size_t size)
{
    void *p;
    if (oom_should_fail())
        return NULL;
    p = __libc_realloc(old, size);
    if (old == NULL && p != NULL)
        oom_live++;
    return p;
}

void free(void *p)
{
    oom_live -= p != NULL;
    __libc_free(p);
}
#endif

/* Runs op with the k-th allocation failing, k = 0, 1, ... until op gets
 * through without a failure. op returns 0 on success, 1 on a clean
 * out-of-memory refusal, anything else on a wrong answer. */
static void oom_sweep(int (*op)(void *), void *arg, const char *what)
{
#ifdef OOM_UNDER_ASAN
    (void)op;
    (void)arg;
    (void)what;
#else
    long k;
    assert_int_equal(op(arg), 0); /* warm up one-time allocations */
    for (k = 0; k < OOM_MAX_STEPS; k++) {
        long before = oom_live;
        oom_failed = false;
        oom_countdown = k;
        int rc = op(arg);
        oom_countdown = -1;
        if (rc > 1 || (rc == 1 && !oom_failed))
            fail_msg("%s: wrong answer %d with allocation %ld failing", what, rc, k);
        if (oom_live != before)
            fail_msg("%s: %ld blocks leaked with allocation %ld failing", what, oom_live - before,
                     k);
        if (!oom_failed) {
            assert_int_equal(rc, 0);
            break;
        }
    }
    print_message("%s: %ld allocation failures each refused cleanly\n", what, k);
    assert_true(k > 5 && k < OOM_MAX_STEPS);
#endif
}

struct oom_text {
    const char *text;
    size_t len;
    const struct survey *survey;
};

static int oom_survey_load(void *arg)
{
    struct oom_text *t = arg;
    struct survey *s = NULL;
    char err[SURVEY_ERR_LEN];
    enum survey_err rc = survey_load_buffer(t->text, t->len, &s, err, sizeof err);
    survey_free(s);
    if (rc == SURVEY_OK)
        return 0;
    return rc == SURVEY_E_NOMEM && s == NULL && strstr(err, "out of memory") ? 1 : 2;
}

/* Decode, validate, encode, deflate and inflate: every step the collector
 * takes with a body. */
static int oom_batch_pipeline(void *arg)
{
    struct oom_text *t = arg;
    struct batch *b = NULL;
    char err[BATCH_ERR_LEN], *json = NULL, *back = NULL;
    void *z = NULL;
    size_t len = 0, zlen = 0, blen = 0;
    enum batch_err rc = batch_decode(t->text, t->len, &b, err, sizeof err);

    if (rc == BATCH_OK)
        rc = batch_validate(b, t->survey, err, sizeof err);
    if (rc == BATCH_OK)
        rc = batch_encode(b, &json, &len);
    if (rc == BATCH_OK)
        rc = batch_deflate(json, len, &z, &zlen);
    if (rc == BATCH_OK)
        rc = batch_inflate(z, zlen, BATCH_MAX_JSON_BYTES, &back, &blen);
    if (rc == BATCH_OK && (blen != len || memcmp(back, json, len) != 0))
        rc = BATCH_E_INVALID;
    batch_free(b);
    free(json);
    free(z);
    free(back);
    return rc == BATCH_OK ? 0 : rc == BATCH_E_NOMEM ? 1 : 2;
}

/* Skips before anything is allocated, so the skip leaks nothing. */
#ifdef OOM_UNDER_ASAN
#define OOM_SKIP_UNDER_ASAN() skip()
#else
#define OOM_SKIP_UNDER_ASAN() ((void)0)
#endif

static void test_oom_survey_load_refuses_cleanly(void **state)
{
    (void)state;
    OOM_SKIP_UNDER_ASAN();
    struct oom_text t;
    char *text = helper_read_file(SURVEYS_DIR "/goshogawara-staff.json", &t.len);
    t.text = text;
    oom_sweep(oom_survey_load, &t, "survey_load_buffer");
    free(text);
}

static void test_oom_batch_pipeline_refuses_cleanly(void **state)
{
    (void)state;
    OOM_SKIP_UNDER_ASAN();
    char err[SURVEY_ERR_LEN];
    struct survey *s = NULL;
    assert_int_equal(survey_load_file(SURVEYS_DIR "/goshogawara-staff.json", &s, err, sizeof err),
                     SURVEY_OK);
    struct oom_text t = {
        .text =
            "{\"format\":1,\"batch_id\":\"9b2c6a1e-4f4b-4c8e-9a51-0c7d2f3b8e10\","
            "\"survey_id\":\"goshogawara-staff\",\"survey_version\":1,\"responses\":["
            "{\"month\":\"2025-02\",\"answers\":{\"q01\":3,\"q02\":4,\"q03\":2,\"q04\":1,"
            "\"q05\":4,\"q06\":3,\"q07\":3,\"q08\":4,\"q09\":2,\"q10\":3,\"q11\":4,\"q12\":1},"
            "\"attributes\":{\"employment\":\"kaikei\"}},"
            "{\"month\":\"2025-03\",\"answers\":{\"q01\":1,\"q02\":1,\"q03\":1,\"q04\":1,"
            "\"q05\":1,\"q06\":1,\"q07\":1,\"q08\":1,\"q09\":1,\"q10\":1,\"q11\":1,\"q12\":1}}]}",
        .survey = s,
    };
    t.len = strlen(t.text);
    oom_sweep(oom_batch_pipeline, &t, "batch pipeline");
    survey_free(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_oom_survey_load_refuses_cleanly),
        cmocka_unit_test(test_oom_batch_pipeline_refuses_cleanly),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

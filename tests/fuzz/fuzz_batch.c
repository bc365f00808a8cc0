/* libFuzzer target: a request body as the collector sees it with
 * Content-Encoding: deflate. Inflate with the real cap, then decode,
 * validate against the Goshogawara survey (loaded once) and check that
 * encoding is canonical. Mutated zlib mostly dies at the checksum, so a
 * custom mutator usually mutates the inflated JSON and deflates it again,
 * and sometimes the raw bytes, to exercise the zlib layer itself. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#include "batch.h"
#include "survey.h"

#define FUZZ_JSON_MAX (64u << 10) /* inflated size the mutator works on */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
size_t LLVMFuzzerMutate(uint8_t *data, size_t size, size_t max_size);
size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed);

size_t LLVMFuzzerCustomMutator(uint8_t *data, size_t size, size_t max_size, unsigned int seed)
{
    static uint8_t json[FUZZ_JSON_MAX];
    uLongf n = sizeof json, zn = max_size;

    /* One time in eight, or when the input is not a stream, mutate the raw
     * bytes: truncations, bad checksums, trailing bytes. */
    if (seed % 8 == 0 || uncompress(json, &n, data, size) != Z_OK)
        return LLVMFuzzerMutate(data, size, max_size);
    n = LLVMFuzzerMutate(json, n, sizeof json);
    if (compress2(data, &zn, json, n, 6) != Z_OK)
        return LLVMFuzzerMutate(data, size, max_size);
    return zn;
}

static const struct survey *fuzz_survey(void)
{
    static struct survey *s;
    char err[SURVEY_ERR_LEN];

    if (s == NULL &&
        survey_load_file(SURVEYS_DIR "/goshogawara-staff.json", &s, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        abort();
    }
    return s;
}

/* decode(encode(b)) must succeed and encode to the same bytes. */
static void fuzz_check_canonical(const struct batch *b)
{
    char *e1 = NULL, *e2 = NULL, err[BATCH_ERR_LEN];
    size_t l1 = 0, l2 = 0;
    struct batch *again = NULL;

    if (batch_encode(b, &e1, &l1) != BATCH_OK)
        abort();
    if (batch_decode(e1, l1, &again, err, sizeof err) != BATCH_OK) {
        fprintf(stderr, "re-decode failed: %s\n%s\n", err, e1);
        abort();
    }
    if (batch_encode(again, &e2, &l2) != BATCH_OK || l1 != l2 || memcmp(e1, e2, l1) != 0)
        abort();
    batch_free(again);
    free(e1);
    free(e2);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const struct survey *s = fuzz_survey();
    char *json = NULL, err[BATCH_ERR_LEN];
    size_t len = 0;
    struct batch *b = NULL;

    if (batch_inflate(data, size, BATCH_MAX_JSON_BYTES, &json, &len) != BATCH_OK)
        return 0;
    if (len > BATCH_MAX_JSON_BYTES || json[len] != '\0')
        abort();
    if (batch_decode(json, len, &b, err, sizeof err) == BATCH_OK) {
        fuzz_check_canonical(b);
        (void)batch_validate(b, s, err, sizeof err);
        batch_free(b);
    }
    free(json);
    return 0;
}

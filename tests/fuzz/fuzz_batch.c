/* libFuzzer target: a request body as the collector sees it with
 * Content-Encoding: deflate. Inflate with the real cap, then decode,
 * validate against the Goshogawara survey (loaded once) and check that
 * encoding is canonical. Mutated zlib mostly dies at the checksum; the
 * JSON layer has its own target, fuzz_batch_json. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "batch.h"
#include "survey.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

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

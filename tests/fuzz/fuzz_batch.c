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

#include "fuzz_batch_checks.h"

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

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *json = NULL;
    size_t len = 0;

    if (batch_inflate(data, size, BATCH_MAX_JSON_BYTES, &json, &len) != BATCH_OK)
        return 0;
    if (len > BATCH_MAX_JSON_BYTES || json[len] != '\0')
        abort();
    fuzz_check_json(json, len);
    free(json);
    return 0;
}

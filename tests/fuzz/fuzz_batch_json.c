/* libFuzzer target: the batch JSON directly (an uncompressed body), so the
 * mutator reaches the decoder and validator instead of the zlib checksum.
 * Checks that a decoded batch encodes canonically and that validation
 * fills values[] with points of the scale only. */
#include <stdint.h>

#include "fuzz_batch_checks.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_check_json((const char *)data, size);
    return 0;
}

/* libFuzzer target for the kiosk's config reader: any bytes must give 0 or
 * -1 with a message, never a crash, and a parsed config must be sane. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "config.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct kiosk_config cfg;
    char err[CONFIG_ERR_LEN];
    err[0] = '\0';
    if (kiosk_config_parse((const char *)data, size, &cfg, err, sizeof err) == 0) {
        FUZZ_CHECK(cfg.token[0] != '\0' && cfg.db[0] != '\0');
        FUZZ_CHECK(cfg.min_batch >= 1 && cfg.min_batch <= 1000);
        FUZZ_CHECK(memchr(cfg.collector_url, '\0', sizeof cfg.collector_url) != NULL);
    } else {
        FUZZ_CHECK(err[0] != '\0');
    }
    return 0;
}

/* The kiosk's configuration file: `key = value` lines, `#` starts a
 * comment (DESIGN.md). It holds the kiosk token, which never goes on the
 * command line. Unknown keys are an error, so that a typo is not ignored. */
#ifndef KIOSK_CONFIG_H
#define KIOSK_CONFIG_H

#include <stddef.h>

#include "seal.h"

#define CONFIG_MAX_FILE_BYTES (64u * 1024)
#define CONFIG_VALUE_LEN      512
#define CONFIG_ERR_LEN        256

struct kiosk_config {
    char collector_url[CONFIG_VALUE_LEN]; /* required: http:// or https:// */
    char token[CONFIG_VALUE_LEN];         /* required */
    char db[CONFIG_VALUE_LEN];            /* required: path of the kiosk's SQLite file */
    char ca_file[CONFIG_VALUE_LEN];       /* optional: CA bundle for https ("" = system) */
    char name[CONFIG_VALUE_LEN];          /* optional: shown on the maintenance screen */
    char maintenance_pin[16];             /* optional, 4-8 digits; "" = maintenance locked */
    char fonts_dir[CONFIG_VALUE_LEN];     /* optional: where BIZUDGothic-*.ttf are */
    /* optional: the collector's public key "ssk1:..." (`collector key show`);
     * pins it: a survey served with another key is refused. "" = not pinned. */
    char collector_key[SEAL_PK_TEXT_LEN];
    /* optional: who respondents ask when the kiosk fails ("人事課 内線1234"). */
    char help_contact[CONFIG_VALUE_LEN];
    /* optional: the panel's visible area. screen_mm (WIDTHxHEIGHT) or
     * screen_inches (the diagonal) wins over what the display reports;
     * 0 = not set. Type and touch targets are laid out from it in mm. */
    int screen_w_mm, screen_h_mm;
    double screen_inches;
    int min_batch;            /* default 5, 1..1000 */
    int idle_timeout_s;       /* default 60, 10..3600 */
    int sync_interval_s;      /* default 30: how often the sync thread wakes */
    int heartbeat_interval_s; /* default 300 */
    int max_backoff_s;        /* default 600: longest wait after failures (tests shorten it) */
};

void kiosk_config_defaults(struct kiosk_config *cfg);

/* Parse text / a file into cfg (defaults first). Return 0, or -1 with a
 * message naming the line and the problem in err, e.g.
 * `config line 4: min_batch "abc" is not a number from 1 to 1000`. */
int kiosk_config_parse(const char *text, size_t len, struct kiosk_config *cfg, char *err,
                       size_t errlen);
int kiosk_config_load(const char *path, struct kiosk_config *cfg, char *err, size_t errlen);

#endif

/* The kiosk's configuration reader: `key = value` lines, `#` comments.
 * Assumes a small file written by an administrator: anything unexpected
 * (unknown or repeated key, bad number, NUL byte) is refused, never guessed. */
#include "config.h"
#include "kerr.h"
#include "seal.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONFIG_MAX_LINES 4096 /* a 64 KiB file cannot hold more meaningful lines */

enum key_kind { KEY_STRING, KEY_INT, KEY_PIN, KEY_SEAL_PK, KEY_SCREEN_MM, KEY_INCHES };

#define SCREEN_MM_MIN     40   /* a 2-inch display is not a kiosk */
#define SCREEN_MM_MAX     3000 /* nor is a wall */
#define SCREEN_INCHES_MIN 3.0
#define SCREEN_INCHES_MAX 120.0

struct key_spec {
    const char *name;
    enum key_kind kind;
    bool required;
    size_t offset; /* of the field in struct kiosk_config */
    size_t size;   /* of a string field */
    int min, max;  /* of a number field */
};

#define STR_KEY(field, req)                                                                        \
    {                                                                                              \
#field, KEY_STRING, req, offsetof(struct kiosk_config, field),                             \
            sizeof(((struct kiosk_config *)0)->field), 0, 0                                        \
    }
#define INT_KEY(field, lo, hi)                                                                     \
    {                                                                                              \
#field, KEY_INT, false, offsetof(struct kiosk_config, field), 0, lo, hi                    \
    }

static const struct key_spec KEYS[] = {
    STR_KEY(collector_url, true),
    STR_KEY(token, true),
    STR_KEY(db, true),
    STR_KEY(ca_file, false),
    STR_KEY(name, false),
    {"maintenance_pin", KEY_PIN, false, offsetof(struct kiosk_config, maintenance_pin),
     sizeof(((struct kiosk_config *)0)->maintenance_pin), 0, 0},
    STR_KEY(fonts_dir, false),
    STR_KEY(help_contact, false),
    {"screen_mm", KEY_SCREEN_MM, false, 0, 0, SCREEN_MM_MIN, SCREEN_MM_MAX},
    {"screen_inches", KEY_INCHES, false, 0, 0, 0, 0},
    {"collector_key", KEY_SEAL_PK, false, offsetof(struct kiosk_config, collector_key),
     sizeof(((struct kiosk_config *)0)->collector_key), 0, 0},
    INT_KEY(min_batch, 1, 1000),
    INT_KEY(idle_timeout_s, 10, 3600),
    INT_KEY(sync_interval_s, 1, 86400),
    INT_KEY(heartbeat_interval_s, 1, 86400),
    INT_KEY(max_backoff_s, 1, 86400),
};
#define N_KEYS (sizeof(KEYS) / sizeof(KEYS[0]))

void kiosk_config_defaults(struct kiosk_config *cfg)
{
    memset(cfg, 0, sizeof(*cfg));
    cfg->min_batch = 5;
    cfg->idle_timeout_s = 60;
    cfg->sync_interval_s = 30;
    cfg->heartbeat_interval_s = 300;
    cfg->max_backoff_s = 600;
}

static const struct key_spec *find_key(const char *name)
{
    for (size_t i = 0; i < N_KEYS; i++)
        if (strcmp(KEYS[i].name, name) == 0)
            return &KEYS[i];
    return NULL;
}

/* Cuts a comment: `#` at the start of the value or after a blank, so that
 * `ca_file = /etc/kiosk/ca.pem   # optional` works and a `#` inside a word
 * (a URL fragment, a name like "No#2") stays part of the value. */
static void cut_comment(char *value)
{
    for (char *p = value; *p; p++) {
        if (*p == '#' && (p == value || isspace((unsigned char)p[-1]))) {
            *p = '\0';
            return;
        }
    }
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

static int set_int(const struct key_spec *k, const char *value, int line, struct kiosk_config *cfg,
                   char *err, size_t errlen)
{
    char *end = NULL;
    errno = 0;
    long v = strtol(value, &end, 10);
    if (value[0] == '\0' || *end != '\0' || errno != 0 || v < k->min || v > k->max)
        return kerr_fail(err, errlen, "config line %d: %s \"%.40s\" is not a number from %d to %d",
                         line, k->name, value, k->min, k->max);
    *(int *)((char *)cfg + k->offset) = (int)v;
    return 0;
}

static int set_string(const struct key_spec *k, const char *value, int line,
                      struct kiosk_config *cfg, char *err, size_t errlen)
{
    size_t n = strlen(value);
    if (n >= k->size)
        return kerr_fail(err, errlen,
                         "config line %d: %s is %zu bytes long; at most %zu are allowed", line,
                         k->name, n, k->size - 1);
    if (k->kind == KEY_PIN) {
        bool digits = n >= 4 && n <= 8;
        for (size_t i = 0; digits && i < n; i++)
            digits = isdigit((unsigned char)value[i]) != 0;
        if (!digits)
            return kerr_fail(err, errlen, "config line %d: maintenance_pin must be 4 to 8 digits",
                             line);
    }
    unsigned char pk[SEAL_KEY_BYTES];
    if (k->kind == KEY_SEAL_PK && seal_pk_from_text(value, pk) != 0)
        return kerr_fail(err, errlen,
                         "config line %d: collector_key is not a key `" SEAL_PK_PREFIX
                         "...` as `collector key show` prints it",
                         line);
    memcpy((char *)cfg + k->offset, value, n + 1);
    return 0;
}

/* screen_mm = 154x86 (the visible area in millimetres) or screen_inches =
 * 10.1 (the diagonal, as panels are sold). */
static int set_screen(const struct key_spec *k, const char *value, int line,
                      struct kiosk_config *cfg, char *err, size_t errlen)
{
    char *end = NULL;
    if (k->kind == KEY_INCHES) {
        errno = 0;
        double d = strtod(value, &end);
        if (value[0] == '\0' || *end != '\0' || errno != 0 || !(d >= SCREEN_INCHES_MIN) ||
            d > SCREEN_INCHES_MAX)
            return kerr_fail(err, errlen,
                             "config line %d: screen_inches \"%.40s\" is not a diagonal from %.0f "
                             "to %.0f inches, such as 10.1",
                             line, value, SCREEN_INCHES_MIN, SCREEN_INCHES_MAX);
        cfg->screen_inches = d;
        return 0;
    }
    int w = 0, h = 0, n = 0;
    if (sscanf(value, "%dx%d%n", &w, &h, &n) != 2 || value[n] != '\0' ||
        !isdigit((unsigned char)value[0]) || w < k->min || w > k->max || h < k->min || h > k->max)
        return kerr_fail(err, errlen,
                         "config line %d: screen_mm \"%.40s\" is not WIDTHxHEIGHT in millimetres "
                         "(each %d to %d), such as 154x86",
                         line, value, k->min, k->max);
    cfg->screen_w_mm = w;
    cfg->screen_h_mm = h;
    return 0;
}

/* Handles one line (already NUL-terminated, without its newline). */
static int parse_line(char *text, int line, struct kiosk_config *cfg, int *seen, char *err,
                      size_t errlen)
{
    char *s = trim(text);
    if (*s == '\0' || *s == '#')
        return 0;
    char *eq = strchr(s, '=');
    if (!eq)
        return kerr_fail(err, errlen, "config line %d: expected `key = value`, found \"%.40s\"",
                         line, s);
    *eq = '\0';
    char *key = trim(s);
    char *value = eq + 1;
    cut_comment(value);
    value = trim(value);
    const struct key_spec *k = find_key(key);
    if (!k)
        return kerr_fail(err, errlen, "config line %d: unknown key \"%.40s\" (check its spelling)",
                         line, key);
    int idx = (int)(k - KEYS);
    if (seen[idx])
        return kerr_fail(err, errlen,
                         "config line %d: %s is already set on line %d; keep one of them", line,
                         k->name, seen[idx]);
    seen[idx] = line;
    if (k->kind == KEY_INT)
        return set_int(k, value, line, cfg, err, errlen);
    if (k->kind == KEY_SCREEN_MM || k->kind == KEY_INCHES)
        return set_screen(k, value, line, cfg, err, errlen);
    return set_string(k, value, line, cfg, err, errlen);
}

/* Checks what no single line can: required keys and the URL's scheme. */
static int check_complete(const struct kiosk_config *cfg, const int *seen, char *err, size_t errlen)
{
    for (size_t i = 0; i < N_KEYS; i++) {
        const char *v = (const char *)cfg + KEYS[i].offset;
        if (KEYS[i].required && (!seen[i] || v[0] == '\0'))
            return kerr_fail(err, errlen, "config: %s is missing; add a line `%s = ...`",
                             KEYS[i].name, KEYS[i].name);
    }
    int mm = (int)(find_key("screen_mm") - KEYS), in = (int)(find_key("screen_inches") - KEYS);
    if (seen[mm] && seen[in])
        return kerr_fail(err, errlen,
                         "config line %d: screen_inches and screen_mm (line %d) both give the "
                         "screen's size; keep one of them",
                         seen[in], seen[mm]);
    if (strncmp(cfg->collector_url, "http://", 7) != 0 &&
        strncmp(cfg->collector_url, "https://", 8) != 0)
        return kerr_fail(err, errlen,
                         "config line %d: collector_url must start with http:// or https://",
                         seen[0]);
    return 0;
}

static int parse_lines(char *buf, struct kiosk_config *tmp, int *seen, char *err, size_t errlen)
{
    char *p = buf;
    for (int line = 1; p; line++) {
        if (line > CONFIG_MAX_LINES)
            return kerr_fail(err, errlen, "config: more than %d lines", CONFIG_MAX_LINES);
        char *nl = strchr(p, '\n');
        if (nl)
            *nl = '\0';
        if (parse_line(p, line, tmp, seen, err, errlen) != 0)
            return -1;
        p = nl ? nl + 1 : NULL;
    }
    return check_complete(tmp, seen, err, errlen);
}

int kiosk_config_parse(const char *text, size_t len, struct kiosk_config *cfg, char *err,
                       size_t errlen)
{
    struct kiosk_config tmp;
    int seen[N_KEYS] = {0};

    if (len > CONFIG_MAX_FILE_BYTES)
        return kerr_fail(err, errlen, "config: the file is %zu bytes; at most %u are allowed", len,
                         CONFIG_MAX_FILE_BYTES);
    const char *nul = memchr(text, '\0', len);
    if (nul) {
        int line = 1;
        for (const char *p = text; p < nul; p++)
            line += *p == '\n';
        return kerr_fail(err, errlen, "config line %d: contains a NUL byte; save it as plain text",
                         line);
    }
    char *buf = malloc(len + 1);
    if (!buf)
        return kerr_fail(err, errlen, "config: out of memory");
    memcpy(buf, text, len);
    buf[len] = '\0';
    kiosk_config_defaults(&tmp);
    int rc = parse_lines(buf, &tmp, seen, err, errlen);
    free(buf);
    if (rc == 0)
        *cfg = tmp; /* only a valid file changes the caller's config */
    return rc;
}

int kiosk_config_load(const char *path, struct kiosk_config *cfg, char *err, size_t errlen)
{
    char *buf = malloc(CONFIG_MAX_FILE_BYTES + 1);
    int rc = -1;
    FILE *f = NULL;

    if (!buf) {
        kerr_fail(err, errlen, "config: out of memory");
        goto out;
    }
    f = fopen(path, "rb");
    if (!f) {
        kerr_fail(err, errlen, "config: cannot open %s: %s", path, strerror(errno));
        goto out;
    }
    size_t n = fread(buf, 1, CONFIG_MAX_FILE_BYTES + 1, f);
    if (ferror(f)) {
        kerr_fail(err, errlen, "config: cannot read %s: %s", path, strerror(errno));
        goto out;
    }
    if (n > CONFIG_MAX_FILE_BYTES) {
        kerr_fail(err, errlen, "config: %s is larger than %u bytes", path, CONFIG_MAX_FILE_BYTES);
        goto out;
    }
    rc = kiosk_config_parse(buf, n, cfg, err, errlen);
out:
    if (f)
        fclose(f);
    free(buf);
    return rc;
}

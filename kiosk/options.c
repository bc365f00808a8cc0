/* The kiosk's command line. Assumes a person or a test script typed it:
 * every mistake gets a message that names the option and what it wants. */
#include "options.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define USAGE                                                                                      \
    "usage: kiosk --config FILE [--fullscreen] [--headless --script FILE] [--simulate N] "         \
    "[--survey FILE] [--date YYYY-MM-DD] [--size WxH] [--simulate-log FILE] [--seed N] "           \
    "[--drain SECONDS]"

static int fail(char *err, size_t errlen, const char *what, const char *arg)
{
    snprintf(err, errlen, "%s%s%s; %s", what, arg ? " " : "", arg ? arg : "", USAGE);
    return -1;
}

static int number(const char *s, long long lo, long long hi, long long *out)
{
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int parse_size(const char *s, struct kiosk_options *opt)
{
    int w, h;
    char tail;
    if (sscanf(s, "%dx%d%c", &w, &h, &tail) != 2 || w < 320 || h < 240 || w > 8192 || h > 8192)
        return -1;
    opt->width = w;
    opt->height = h;
    return 0;
}

/* Options that take a value. */
static int take_value(const char *name, const char *val, struct kiosk_options *opt)
{
    long long n;
    if (!strcmp(name, "--config"))
        opt->config = val;
    else if (!strcmp(name, "--script"))
        opt->script = val;
    else if (!strcmp(name, "--survey"))
        opt->survey = val;
    else if (!strcmp(name, "--date"))
        opt->date = val;
    else if (!strcmp(name, "--simulate-log"))
        opt->simulate_log = val;
    else if (!strcmp(name, "--stats"))
        opt->stats = val;
    else if (!strcmp(name, "--size"))
        return parse_size(val, opt);
    else if (!strcmp(name, "--simulate") && !number(val, 1, OPTIONS_MAX_SIMULATE, &n))
        opt->simulate = (int)n;
    else if (!strcmp(name, "--seed") && !number(val, 0, 0xFFFFFFFFll, &n))
        opt->seed = (unsigned long)n;
    else if (!strcmp(name, "--drain") && !number(val, 0, 86400, &n))
        opt->drain_s = (int)n;
    else if (!strcmp(name, "--t0-ns") && !number(val, 0, 0x7FFFFFFFFFFFFFFFll, &n))
        opt->t0_ns = n;
    else if (!strcmp(name, "--store-max-pages") && !number(val, 1, 0x7FFFFFFF, &n))
        opt->store_max_pages = (long)n;
    else
        return -1;
    return 0;
}

static bool takes_value(const char *name)
{
    static const char *const names[] = {
        "--config", "--script",   "--survey", "--date",  "--simulate-log", "--stats",
        "--size",   "--simulate", "--seed",   "--drain", "--t0-ns",        "--store-max-pages"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        if (!strcmp(name, names[i]))
            return true;
    }
    return false;
}

static int check(const struct kiosk_options *opt, char *err, size_t errlen)
{
    if (!opt->config)
        return fail(err, errlen, "kiosk: --config FILE is required", NULL);
    if (opt->script && !opt->headless)
        return fail(err, errlen, "kiosk: --script needs --headless", NULL);
    if (opt->headless && !opt->script && !opt->simulate)
        return fail(err, errlen, "kiosk: --headless needs --script FILE or --simulate N", NULL);
    if (opt->simulate_log && !opt->simulate)
        return fail(err, errlen, "kiosk: --simulate-log needs --simulate N", NULL);
    return 0;
}

int options_parse(int argc, char **argv, struct kiosk_options *opt, char *err, size_t errlen)
{
    memset(opt, 0, sizeof *opt);
    opt->drain_s = -1;
    opt->seed = 1;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "--fullscreen")) {
            opt->fullscreen = true;
        } else if (!strcmp(a, "--headless")) {
            opt->headless = true;
        } else if (takes_value(a)) {
            if (i + 1 >= argc)
                return fail(err, errlen, "kiosk: missing the value after", a);
            if (take_value(a, argv[i + 1], opt) != 0) {
                snprintf(err, errlen,
                         "kiosk: %s: bad value \"%s\" (--size wants WxH such as 1920x1080, "
                         "--simulate, --seed and --drain want a whole number)",
                         a, argv[i + 1]);
                return -1;
            }
            i++;
        } else {
            return fail(err, errlen, "kiosk: unknown option", a);
        }
    }
    return check(opt, err, errlen);
}

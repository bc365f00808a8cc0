/* The kiosk's command line (DESIGN.md "Command line" plus test and demo
 * options). Parsing only checks and copies: nothing is opened here. */
#ifndef KIOSK_OPTIONS_H
#define KIOSK_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>

#define OPTIONS_ERR_LEN      256
#define OPTIONS_MAX_SIMULATE 100000

struct kiosk_options {
    const char *config;       /* --config FILE (required) */
    bool fullscreen;          /* --fullscreen */
    bool headless;            /* --headless: SDL's dummy driver, virtual clock */
    const char *script;       /* --script FILE */
    int simulate;             /* --simulate N, 0 = none */
    const char *simulate_log; /* --simulate-log FILE */
    unsigned long seed;       /* --seed N */
    const char *survey;       /* --survey FILE: stored when none is cached */
    const char *date;         /* --date YYYY-MM-DD */
    int width, height;        /* --size WxH; 0 = the default */
    int drain_s;              /* --drain SECONDS, -1 = no drain */
    const char *stats;        /* --stats FILE: timings as JSON (benchmark) */
    long long t0_ns;          /* --t0-ns N: CLOCK_MONOTONIC when the parent started us */
    long store_max_pages;     /* --store-max-pages N: tests make the disk "full"; 0 = no cap */
};

/* Returns 0, or -1 with a one-line message for a person in err. */
int options_parse(int argc, char **argv, struct kiosk_options *opt, char *err, size_t errlen);

#endif

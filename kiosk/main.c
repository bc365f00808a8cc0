/* The kiosk program: init, loop, quit. Everything else lives in app.c and
 * the modules it uses; headless runs hand the loop to a script or to the
 * simulated respondents, which drive the same UI on a virtual clock. */
#include <stdio.h>

#include "app.h"
#include "options.h"
#include "script.h"
#include "simulate.h"

int main(int argc, char **argv)
{
    struct kiosk_options opt;
    char err[APP_ERR_LEN];
    if (options_parse(argc, argv, &opt, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        return APP_EXIT_SETUP;
    }
    struct app *a = app_open(&opt, err, sizeof err);
    if (!a) {
        fprintf(stderr, "%s\n", err);
        return APP_EXIT_SETUP;
    }
    int rc = APP_EXIT_OK;
    if (opt.script)
        rc = script_run(a, opt.script);
    if (rc == APP_EXIT_OK && opt.simulate)
        rc = simulate_run(a, opt.simulate, opt.seed, opt.simulate_log);
    if (!opt.headless && !opt.simulate) {
        while (app_running(a))
            app_turn(a);
    }
    if (rc == APP_EXIT_OK && opt.drain_s >= 0 && !app_drain(a, opt.drain_s)) {
        fprintf(stderr,
                "kiosk: not everything was delivered to the collector within %d s; "
                "see the maintenance screen or the collector's log\n",
                opt.drain_s);
        rc = APP_EXIT_UNDELIVERED;
    }
    if (opt.stats && app_write_stats(a, opt.stats) != 0)
        fprintf(stderr, "kiosk: cannot write the statistics to %s\n", opt.stats);
    app_close(a);
    return rc;
}

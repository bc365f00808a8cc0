/* The collector's command line (DESIGN.md "Command line"): serve, kiosk
 * add|revoke|rotate|purge|list, admin-token, key init|show|rotate|retire,
 * survey publish, report. Every command exits non-zero with one line on
 * stderr when it fails. */
#ifndef COLLECTOR_CLI_H
#define COLLECTOR_CLI_H

/* argv[0] is the program. Returns the process exit status. */
int cli_main(int argc, char **argv);

#endif

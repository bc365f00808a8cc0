/* `collector headcount set|import`: records a fiscal year's headcount for
 * response rates (docs/design.md, "Response rates"). */
#ifndef COLLECTOR_HEADCOUNT_CLI_H
#define COLLECTOR_HEADCOUNT_CLI_H

/* argv[0] is "headcount"; returns the exit status (2 for a usage mistake). */
int headcount_cli_run(int argc, char **argv);

#endif

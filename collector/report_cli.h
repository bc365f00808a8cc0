/* `collector report --db PATH --fiscal-year YYYY --format csv|json|html
 * [--survey ID] [--group-by ATTR] [--min-group-size N]`: the same three
 * downloads as the admin routes, written to stdout. */
#ifndef COLLECTOR_REPORT_CLI_H
#define COLLECTOR_REPORT_CLI_H

/* argv[0] is "report". Returns the process exit status; on failure one line
 * on stderr says what is wrong. */
int report_cli_run(int argc, char **argv);

#endif

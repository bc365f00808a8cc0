/* `collector report`: the admin downloads on stdout, for an administrator
 * without a browser and for scripts. Opens the database read-only, so it
 * can run beside a serving collector (WAL lets readers in). */
#include "report_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sqlite3.h>

#include "report_make.h"

#define REPORT_CLI_USAGE                                                                           \
    "usage: collector report --db PATH --fiscal-year YYYY --format csv|json|html|text|xlsx"        \
    " [--survey ID] [--group-by ATTR] [--min-group-size N] [--encoding utf-8|cp932]"

struct report_cli_args {
    const char *db, *year, *format, *encoding;
    struct kpi_query_params p;
};

static int usage_error(const char *what, const char *value)
{
    fprintf(stderr, "collector report: %s%s%s\n%s\n", what, value ? " " : "", value ? value : "",
            REPORT_CLI_USAGE);
    return 2;
}

/* Returns 0, or the exit status after a message. */
static int parse_args(int argc, char **argv, struct report_cli_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *opt = argv[i];
        const char **slot = strcmp(opt, "--db") == 0            ? &a->db
                            : strcmp(opt, "--fiscal-year") == 0 ? &a->year
                            : strcmp(opt, "--format") == 0      ? &a->format
                            : strcmp(opt, "--encoding") == 0    ? &a->encoding
                            : strcmp(opt, "--survey") == 0      ? &a->p.survey_id
                            : strcmp(opt, "--group-by") == 0    ? &a->p.group_by
                                                                : NULL;
        if (strcmp(opt, "--min-group-size") == 0 && i + 1 < argc) {
            char *end;
            a->p.min_group_size = strtol(argv[++i], &end, 10);
            if (*end || a->p.min_group_size < 2 || a->p.min_group_size > 1000000)
                return usage_error("--min-group-size must be a whole number from 2 up, not",
                                   argv[i]);
            continue;
        }
        if (!slot)
            return usage_error("unknown option", opt);
        if (i + 1 >= argc)
            return usage_error("missing value after", opt);
        *slot = argv[++i];
    }
    if (!a->db || !a->year || !a->format)
        return usage_error("--db, --fiscal-year and --format are required", NULL);
    if (!kpi_query_parse_year(a->year, &a->p.fiscal_year))
        return usage_error("--fiscal-year takes the year in which the fiscal year starts"
                           " (2024 for 令和6年度), not",
                           a->year);
    return 0;
}

static int pick_format(const struct report_cli_args *a, enum report_format *f)
{
    if (!report_format_parse(a->format, f))
        return usage_error("--format must be csv, json, html, text or xlsx, not", a->format);
    if (a->encoding && strcmp(a->encoding, "cp932") == 0) {
        if (*f != REPORT_CSV)
            return usage_error("--encoding cp932 applies to --format csv only", NULL);
        *f = REPORT_CSV_SJIS;
    } else if (a->encoding && strcmp(a->encoding, "utf-8") != 0) {
        return usage_error("--encoding must be utf-8 or cp932, not", a->encoding);
    }
    return 0;
}

static int write_report(struct store *st, sqlite3 *db, const struct report_cli_args *a,
                        enum report_format f)
{
    struct reply rep = {0};
    char err[REPORT_ERR_LEN];
    const char *errname = "";
    int status = report_make(st, db, &a->p, f, &rep, err, sizeof err, &errname);
    int rc = 0;

    if (status != 200) {
        fprintf(stderr, "collector report: %s\n", err);
        rc = 1;
    } else if (fwrite(rep.body, 1, rep.body_len, stdout) != rep.body_len || fflush(stdout)) {
        fprintf(stderr, "collector report: cannot write the report to stdout\n");
        rc = 1;
    }
    reply_release(&rep);
    return rc;
}

int report_cli_run(int argc, char **argv)
{
    struct report_cli_args a = {0};
    struct store *st = NULL;
    enum report_format f;
    char err[STORE_ERR_LEN];
    sqlite3 *db = NULL;
    int rc;

    if ((rc = parse_args(argc, argv, &a)) != 0 || (rc = pick_format(&a, &f)) != 0)
        return rc;
    /* The store, not a bare read connection: participation and whether
     * later data waits are counted by it, as for the browser. */
    if (access(a.db, F_OK) != 0) {
        fprintf(stderr, "collector report: there is no database %s; check --db\n", a.db);
        return 1;
    }
    if (store_open(a.db, NULL, &st, err, sizeof err) != STORE_OK || !(db = store_reader_open(st))) {
        fprintf(stderr, "collector report: cannot open the database %s (%s); check --db\n", a.db,
                st ? "cannot read it" : err);
        store_close(st);
        return 1;
    }
    rc = write_report(st, db, &a, f);
    sqlite3_close(db);
    store_close(st);
    return rc;
}

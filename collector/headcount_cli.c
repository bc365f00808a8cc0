/* `collector headcount`: reads the figures from the command line or a CSV
 * file, checks them against the survey (the active one unless --survey),
 * and stores them in one transaction; bad input changes nothing. */
#include "headcount_cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fiscal.h"
#include "headcount.h"
#include "kpi_query.h"
#include "store.h"

#define HEADCOUNT_CLI_USAGE                                                                        \
    "usage: collector headcount set --fiscal-year YYYY [--total N]"                                \
    " [--group ATTR=OPT:N,OPT:N]... [--survey ID] --db PATH\n"                                     \
    "       collector headcount import FILE --fiscal-year YYYY [--survey ID] --db PATH\n"          \
    "         (FILE: CSV lines attribute,option,headcount; empty attribute and option: the total)"

struct hc_args {
    const char *verb, *file, *db, *year_text, *survey_id;
    int year;
};

static int hc_usage(const char *what, const char *value)
{
    fprintf(stderr, "collector headcount: %s%s%s\n%s\n", what, value ? " " : "", value ? value : "",
            HEADCOUNT_CLI_USAGE);
    return 2;
}

/* Reads the options; --total and --group go straight into h. */
static int hc_parse(int argc, char **argv, struct hc_args *a, struct headcount *h)
{
    char err[HEADCOUNT_ERR_LEN];

    a->verb = argc > 1 ? argv[1] : "";
    if (strcmp(a->verb, "set") && strcmp(a->verb, "import"))
        return hc_usage("say set or import", NULL);
    for (int i = 2; i < argc; i++) {
        const char *opt = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        enum headcount_err e = HEADCOUNT_OK;
        if (opt[0] != '-' && !strcmp(a->verb, "import") && !a->file) {
            a->file = opt;
            continue;
        }
        if (!v)
            return hc_usage("missing value after", opt);
        i++;
        if (!strcmp(opt, "--db"))
            a->db = v;
        else if (!strcmp(opt, "--fiscal-year"))
            a->year_text = v;
        else if (!strcmp(opt, "--survey"))
            a->survey_id = v;
        else if (!strcmp(opt, "--total") && !strcmp(a->verb, "set"))
            e = headcount_add_total(h, v, err, sizeof err);
        else if (!strcmp(opt, "--group") && !strcmp(a->verb, "set"))
            e = headcount_add_group(h, v, err, sizeof err);
        else
            return hc_usage("unknown option", opt);
        if (e != HEADCOUNT_OK)
            return hc_usage(err, NULL);
    }
    if (!a->db || !a->year_text || (!strcmp(a->verb, "import") && !a->file))
        return hc_usage("--db and --fiscal-year are required (and FILE for import)", NULL);
    if (!kpi_query_parse_year(a->year_text, &a->year))
        return hc_usage("--fiscal-year takes the year in which the fiscal year starts"
                        " (2026 for 令和8年度), not",
                        a->year_text);
    return 0;
}

static int hc_read_file(const char *path, struct headcount *h)
{
    char err[HEADCOUNT_ERR_LEN], *buf = malloc(HEADCOUNT_MAX_FILE + 1);
    FILE *f = fopen(path, "rb");
    size_t n = 0;
    int rc = 1;

    if (!f || !buf) {
        fprintf(stderr, "collector headcount: cannot read %s; nothing changed\n", path);
    } else if ((n = fread(buf, 1, HEADCOUNT_MAX_FILE + 1, f)) > HEADCOUNT_MAX_FILE) {
        fprintf(stderr, "collector headcount: %s is larger than %d bytes; nothing changed\n", path,
                HEADCOUNT_MAX_FILE);
    } else if (headcount_add_csv(h, buf, n, err, sizeof err) != HEADCOUNT_OK) {
        fprintf(stderr, "collector headcount: %s: %s; nothing changed\n", path, err);
    } else {
        rc = 0;
    }
    if (f)
        fclose(f);
    free(buf);
    return rc;
}

static void hc_describe(const struct headcount *h, const char *survey_id, int year)
{
    char label[FISCAL_LABEL_LEN];

    printf("FY%d (%s): headcount of %s recorded:", year, fiscal_label(year, label, sizeof label),
           survey_id);
    for (size_t i = 0; i < h->n; i++)
        printf("%s %s%s%s %ld", i ? "," : "",
               h->rows[i].attribute[0] ? h->rows[i].attribute : "total",
               h->rows[i].attribute[0] ? "=" : "", h->rows[i].option, h->rows[i].count);
    printf("\n");
}

/* Checks h against the survey and stores it. */
static int hc_store(const struct hc_args *a, const struct headcount *h)
{
    char err[KPI_QUERY_ERR_LEN];
    struct store *st = NULL;
    struct survey *s = NULL;
    sqlite3 *db = NULL;
    enum store_err se;
    int rc = 1;

    if (store_open(a->db, NULL, &st, err, sizeof err) != STORE_OK ||
        !(db = store_reader_open(st))) {
        fprintf(stderr, "collector headcount: cannot open the database %s (%s)\n", a->db,
                st ? "cannot read it" : err);
        goto done;
    }
    if (kpi_query_survey(db, a->survey_id, &s, NULL, 0, err, sizeof err) != KPI_QUERY_OK) {
        fprintf(stderr, "collector headcount: %s\n", err);
        goto done;
    }
    if (headcount_check(h, s, err, sizeof err) != HEADCOUNT_OK) {
        fprintf(stderr, "collector headcount: %s; nothing changed\n", err);
        rc = 2;
        goto done;
    }
    if ((se = store_headcount_put(st, s->id, a->year, h->rows, h->n)) != STORE_OK) {
        fprintf(stderr, "collector headcount: %s; nothing changed\n", store_strerror(se));
        goto done;
    }
    hc_describe(h, s->id, a->year);
    rc = 0;
done:
    survey_free(s);
    sqlite3_close(db);
    store_close(st);
    return rc;
}

int headcount_cli_run(int argc, char **argv)
{
    struct hc_args a = {0};
    struct headcount *h = malloc(sizeof *h);
    int rc;

    if (!h) {
        fprintf(stderr, "collector headcount: out of memory\n");
        return 1;
    }
    headcount_init(h);
    if ((rc = hc_parse(argc, argv, &a, h)) == 0 && (!a.file || (rc = hc_read_file(a.file, h)) == 0))
        rc = hc_store(&a, h);
    free(h);
    return rc;
}

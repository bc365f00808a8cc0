/* The purge command's checks and its summary for the officer who runs it.
 * Assumption: the kiosk was revoked first, so nothing it sends can arrive
 * while its batches are taken out; the store refuses an active one. */
#include "purge.h"

#include <stdio.h>
#include <string.h>

#include "fiscal.h"

#define PURGE_LINE_MAX 4096 /* the per-year part of the summary */

bool purge_date_valid(const char *text)
{
    int y, m, d;

    return fiscal_parse_date(text, &y, &m, &d) == 0;
}

static const char *purge_plural(long long n, const char *one, const char *many)
{
    return n == 1 ? one : many;
}

/* "FY2024 (令和6年度): 2 batches, 15 responses; ..." into line. */
static void purge_years(const struct store_purge *p, char *line, size_t len)
{
    size_t n = 0;

    line[0] = '\0';
    for (size_t i = 0; i < p->n_years && n < len; i++) {
        const struct store_purge_year *y = &p->years[i];
        char label[FISCAL_LABEL_LEN];
        int w = snprintf(line + n, len - n, "%sFY%d (%s): %lld %s, %lld %s", i ? "; " : "",
                         y->fiscal_year, fiscal_label(y->fiscal_year, label, sizeof label),
                         y->batches, purge_plural(y->batches, "batch", "batches"), y->responses,
                         purge_plural(y->responses, "response", "responses"));
        n += w > 0 ? (size_t)w : 0;
    }
}

static void purge_summary(const char *name, const char *since, bool dry_run,
                          const struct store_purge *p)
{
    char years[PURGE_LINE_MAX], released[256] = "";

    if (!p->batches) {
        printf("kiosk %s: nothing to purge (no batches stored%s%s); nothing changed\n", name,
               since ? " on or after " : "", since ? since : "");
        return;
    }
    purge_years(p, years, sizeof years);
    if (p->released)
        snprintf(released, sizeof released,
                 "; %lld %s of these batches %s released already and stay%s: a release keeps no"
                 " link to a batch or kiosk",
                 p->released, purge_plural(p->released, "response", "responses"),
                 p->released == 1 ? "was" : "were", dry_run ? "" : " in the figures");
    printf("%s kiosk %s: %lld %s, %lld waiting %s%s%s%s%s%s\n",
           dry_run ? "dry run, would purge" : "purged", name, p->batches,
           purge_plural(p->batches, "batch", "batches"), p->responses,
           purge_plural(p->responses, "response", "responses"), p->n_years ? " (" : "", years,
           p->n_years ? ")" : "", released, dry_run ? "; nothing changed" : "");
}

int purge_run(struct store *st, const char *name, const char *since, bool dry_run)
{
    struct store_purge p;
    enum store_err e = store_kiosk_purge(st, name, since, dry_run, &p);

    if (e == STORE_E_NOT_FOUND) {
        fprintf(stderr,
                "collector kiosk purge: no kiosk is named \"%s\" (see collector kiosk list); "
                "nothing changed\n",
                name);
        return 1;
    }
    if (e != STORE_OK) {
        fprintf(stderr, "collector kiosk purge: %s; nothing changed%s\n", store_strerror(e),
                e == STORE_E_UNAVAILABLE ? ", run it again later" : "");
        return 1;
    }
    if (!p.revoked) {
        fprintf(stderr,
                "collector kiosk purge: kiosk \"%s\" is active and may still upload; run "
                "collector kiosk revoke \"%s\" first, then purge; nothing changed\n",
                name, name);
        return 1;
    }
    purge_summary(name, since, dry_run, &p);
    return 0;
}

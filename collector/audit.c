/* The audit log's chain, its CSV and its command. Assumption: the log is
 * small (people's clicks, a few thousand rows a year), so verify and
 * export read it whole in one pass. */
#include "audit.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "log.h"
#include "report_csv.h"
#include "store_console.h"
#include "utf8.h"

void audit_row_hash(const struct audit_row *r, char out[CRYPTO_SHA256_HEX])
{
    const char *f[] = {r->prev_sha256, r->at, r->actor, r->address, r->action, r->detail};
    struct report_buf b;

    report_buf_init(&b);
    report_buf_printf(&b, "audit1\n%lld\n", r->seq);
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        report_buf_printf(&b, "%zu:%s\n", strlen(f[i]), f[i]);
    if (b.failed) /* a hash that matches nothing: the check will say so */
        snprintf(out, CRYPTO_SHA256_HEX, "%s", "unhashable");
    else
        crypto_sha256_hex(b.data, b.len, out);
    report_buf_release(&b);
}

int audit_record(struct store *st, const char *actor, const char *address, const char *action,
                 const char *fmt, ...)
{
    char detail[AUDIT_DETAIL_MAX], q[AUDIT_DETAIL_MAX + 8];
    size_t bad = 0;
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(detail, sizeof detail, fmt, ap);
    va_end(ap);
    if (!utf8_valid(detail, strlen(detail), &bad)) /* cut inside a character */
        detail[bad] = '\0';
    if (store_audit_append(st, actor, address, action, detail) == STORE_OK)
        return 0;
    log_line("error", "audit", "action=%s actor=%s msg=%s", action, actor,
             log_quote(detail, q, sizeof q));
    return -1;
}

void audit_check_init(struct audit_check *c)
{
    memset(c, 0, sizeof *c);
    snprintf(c->prev, sizeof c->prev, "%s", AUDIT_GENESIS);
}

bool audit_check_row(struct audit_check *c, const struct audit_row *r)
{
    char want[CRYPTO_SHA256_HEX];

    if (c->broken_seq)
        return false;
    c->rows++;
    audit_row_hash(r, want);
    if (r->seq != c->prev_seq + 1)
        snprintf(c->why, sizeof c->why, "row %lld follows row %lld: a row is missing", r->seq,
                 c->prev_seq);
    else if (strcmp(r->prev_sha256, c->prev) != 0)
        snprintf(c->why, sizeof c->why,
                 "row %lld does not name the hash of the row before it: a row before it was "
                 "changed or removed",
                 r->seq);
    else if (!crypto_equal(want, r->sha256))
        snprintf(c->why, sizeof c->why, "row %lld was changed after it was written", r->seq);
    else {
        snprintf(c->prev, sizeof c->prev, "%s", r->sha256);
        c->prev_seq = r->seq;
        return true;
    }
    c->broken_seq = r->seq;
    return false;
}

static void audit_csv_cell(struct report_buf *b, const char *cell, bool last)
{
    report_buf_puts(b, "\"");
    if (report_csv_is_formula(cell))
        report_buf_puts(b, "'");
    for (const char *p = cell; *p; p++)
        report_buf_append(b, *p == '"' ? "\"\"" : p, *p == '"' ? 2 : 1);
    report_buf_puts(b, last ? "\"\r\n" : "\",");
}

void audit_csv_header(struct report_buf *b)
{
    report_buf_puts(b, "\xEF\xBB\xBF"
                       "番号,日時（UTC）,操作者,接続元,操作,内容,前の行のハッシュ,ハッシュ\r\n");
}

void audit_csv_row(struct report_buf *b, const struct audit_row *r)
{
    const char *f[] = {r->at, r->actor, r->address, r->action, r->detail, r->prev_sha256};

    report_buf_printf(b, "%lld,", r->seq);
    for (size_t i = 0; i < sizeof f / sizeof f[0]; i++)
        audit_csv_cell(b, f[i], false);
    audit_csv_cell(b, r->sha256, true);
}

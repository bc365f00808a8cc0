/* The audit log: who did what, when, from where, for every administrative
 * action and every report download (issue 14). Rows are append-only and
 * hash-chained: each row's SHA-256 covers the previous row's hash and its
 * own fields, so an edited, inserted or removed row breaks the chain at
 * that row and `collector audit verify` names it. */
#ifndef COLLECTOR_AUDIT_H
#define COLLECTOR_AUDIT_H

#include <stdbool.h>

#include "crypto.h"
#include "report_buf.h"

struct store;

#define AUDIT_DETAIL_MAX 1024 /* bytes of a row's detail; longer text is cut */
#define AUDIT_GENESIS    "0000000000000000000000000000000000000000000000000000000000000000"

/* One row; strings valid during the callback that passes it. */
struct audit_row {
    long long seq;
    const char *at, *actor, *address, *action, *detail, *prev_sha256, *sha256;
};

/* The hash of row r's fields after prev_sha256 (r->sha256 is not read):
 * each field length-prefixed, so no two rows hash alike by moving text
 * from one field to the next. */
void audit_row_hash(const struct audit_row *r, char out[CRYPTO_SHA256_HEX]);

/* Appends a row now (collector's clock) with detail from fmt; logs and
 * returns -1 when it could not be written. address "" from the CLI. */
int audit_record(struct store *st, const char *actor, const char *address, const char *action,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* Checks the chain row by row, in order. */
struct audit_check {
    long long rows;       /* rows read */
    long long broken_seq; /* 0 while intact; else the first row that does not hold */
    char prev[CRYPTO_SHA256_HEX];
    long long prev_seq;
    char why[160];
};
void audit_check_init(struct audit_check *c);
/* Returns false once the chain is broken (at r or before). */
bool audit_check_row(struct audit_check *c, const struct audit_row *r);

/* The audit log as CSV (UTF-8 with BOM, CRLF, Japanese headers, cells
 * neutralised as the reports do) into b, one line per row. */
void audit_csv_header(struct report_buf *b);
void audit_csv_row(struct report_buf *b, const struct audit_row *r);

#endif

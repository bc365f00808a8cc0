/* A growable text buffer for the report renderers, with a hard cap so that
 * no report can eat the collector's memory. A yearly report is a few hundred
 * kilobytes at most; the cap is far above that. */
#ifndef COLLECTOR_REPORT_BUF_H
#define COLLECTOR_REPORT_BUF_H

#include <stdbool.h>
#include <stddef.h>

#define REPORT_BUF_CAP (16u << 20) /* no report is larger than 16 MiB */

struct report_buf {
    char *data; /* NUL-terminated while not failed */
    size_t len;
    size_t cap;
    bool failed; /* an append ran out of memory or hit the cap; later appends do nothing */
};

void report_buf_init(struct report_buf *b);
void report_buf_release(struct report_buf *b); /* accepts NULL */

void report_buf_append(struct report_buf *b, const char *s, size_t len);
void report_buf_puts(struct report_buf *b, const char *s);
void report_buf_printf(struct report_buf *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Hands the text over to the caller (malloc'ed, to be freed) and empties b.
 * Returns NULL when an append failed. */
char *report_buf_take(struct report_buf *b, size_t *len);

/* Reads a whole file of at most max bytes (a font, a finished workbook)
 * into a malloc'ed buffer, *len its size; NULL when it cannot be read, is
 * empty or is larger than max. */
char *report_file_read(const char *path, long max, size_t *len);

#endif

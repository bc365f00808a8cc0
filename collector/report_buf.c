/* Growable, capped text buffer. Errors are sticky so that a renderer can
 * append a whole report and check once at the end, as curl's dynbuf does. */
#include "report_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void report_buf_init(struct report_buf *b)
{
    memset(b, 0, sizeof *b);
}

void report_buf_release(struct report_buf *b)
{
    if (!b)
        return;
    free(b->data);
    report_buf_init(b);
}

static bool report_buf_reserve(struct report_buf *b, size_t extra)
{
    size_t want, cap;
    char *p;

    if (b->failed)
        return false;
    if (extra > REPORT_BUF_CAP || b->len + extra + 1 > REPORT_BUF_CAP) {
        b->failed = true;
        return false;
    }
    want = b->len + extra + 1;
    if (want <= b->cap)
        return true;
    cap = b->cap ? b->cap : 4096;
    while (cap < want)
        cap *= 2;
    if (cap > REPORT_BUF_CAP)
        cap = REPORT_BUF_CAP;
    p = realloc(b->data, cap);
    if (!p) {
        b->failed = true;
        return false;
    }
    b->data = p;
    b->cap = cap;
    return true;
}

void report_buf_append(struct report_buf *b, const char *s, size_t len)
{
    if (!report_buf_reserve(b, len))
        return;
    memcpy(b->data + b->len, s, len);
    b->len += len;
    b->data[b->len] = '\0';
}

void report_buf_puts(struct report_buf *b, const char *s)
{
    report_buf_append(b, s, strlen(s));
}

void report_buf_printf(struct report_buf *b, const char *fmt, ...)
{
    char small[256];
    va_list ap;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(small, sizeof small, fmt, ap);
    va_end(ap);
    if (n < 0) {
        b->failed = true;
        return;
    }
    if ((size_t)n < sizeof small) {
        report_buf_append(b, small, (size_t)n);
        return;
    }
    if (!report_buf_reserve(b, (size_t)n))
        return;
    va_start(ap, fmt);
    vsnprintf(b->data + b->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
}

char *report_buf_take(struct report_buf *b, size_t *len)
{
    char *out;

    if (!b->failed && !b->data)
        report_buf_append(b, "", 0);
    if (b->failed) {
        report_buf_release(b);
        return NULL;
    }
    out = b->data;
    if (len)
        *len = b->len;
    b->data = NULL;
    report_buf_init(b);
    return out;
}

char *report_file_read(const char *path, long max, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *out = NULL;
    long n = -1;

    if (f && fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) > 0 && n <= max &&
        fseek(f, 0, SEEK_SET) == 0 && (out = malloc((size_t)n)) &&
        fread(out, 1, (size_t)n, f) == (size_t)n) {
        fclose(f);
        *len = (size_t)n;
        return out;
    }
    if (f)
        fclose(f);
    free(out);
    return NULL;
}

/* Structured one-line logs on stderr: `ts=... level=... event=... k=v ...`.
 * Each line goes out in one write(2), so lines from threads never mix. */
#ifndef COLLECTOR_LOG_H
#define COLLECTOR_LOG_H

#define LOG_LINE_MAX 2048 /* a longer line is cut */

/* level: "info", "warn" or "error"; event: one word; fmt: the rest of the
 * line as key=value pairs (quote values that may hold spaces with log_quote). */
void log_line(const char *level, const char *event, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Writes text into out as a double-quoted value with ", \ and control
 * characters escaped, cut to fit len. Returns out. */
char *log_quote(const char *text, char *out, unsigned len);

#endif

/* The printable yearly KPI report: one self-contained A4 HTML page in
 * Japanese (no script, no outside request, charts as inline SVG), for an HR
 * department to hand to its council. */
#ifndef COLLECTOR_REPORT_HTML_H
#define COLLECTOR_REPORT_HTML_H

#include <stddef.h>

#include "kpi_query.h"
#include "report_buf.h"

/* Returns the page (malloc'ed, NUL-terminated), or NULL when memory runs out. */
char *report_html(const struct kpi_result *r, size_t *len);

/* Appends s with & < > " ' escaped, for text and attribute values alike. */
void report_html_escape(struct report_buf *b, const char *s);

/* The font list every page uses: BIZ UDGothic, installed or served by the
 * collector itself (report_fonts.h), never from anywhere else. */
#define REPORT_HTML_FONTS "\"BIZ UDGothic\", \"BIZ UDPGothic\", \"Noto Sans CJK JP\", sans-serif"

#endif

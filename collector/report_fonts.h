/* The fonts the HTML report names in @font-face, served by the collector
 * (GET /fonts/BIZUDGothic-Regular.ttf and -Bold.ttf, admin token), so a
 * report prints the same on a machine without Japanese fonts. */
#ifndef COLLECTOR_REPORT_FONTS_H
#define COLLECTOR_REPORT_FONTS_H

#include <stdbool.h>

#include "reply.h"

#define REPORT_FONTS_PREFIX "/fonts/"
#define REPORT_FONTS_MAX    (16L << 20) /* a font file larger than 16 MiB is not served */

/* The @font-face rules for the report's <style>. */
extern const char report_fonts_css[];

/* Whether path is a font route. */
bool report_fonts_handles(const char *path);

/* Answers a font route: 200 with the file, 404 for a name not offered,
 * 503 when the file cannot be read. */
void report_fonts_reply(const char *path, struct reply *rep);

#endif

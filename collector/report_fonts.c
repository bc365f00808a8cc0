/* Serving the report's two font files from COLLECTOR_FONTS_DIR (the
 * build's fonts/). Only the names listed are served, so a path can never
 * reach another file. */
#include "report_fonts.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "report_buf.h"

#ifndef COLLECTOR_FONTS_DIR
#define COLLECTOR_FONTS_DIR "fonts"
#endif

static const char *const report_font_files[] = {"BIZUDGothic-Regular.ttf", "BIZUDGothic-Bold.ttf"};

const char report_fonts_css[] =
    "@font-face{font-family:\"BIZ UDGothic\";font-weight:400;"
    "src:local(\"BIZ UDGothic\"),url(/fonts/BIZUDGothic-Regular.ttf) format(\"truetype\")}"
    "@font-face{font-family:\"BIZ UDGothic\";font-weight:700;"
    "src:local(\"BIZ UDGothic Bold\"),url(/fonts/BIZUDGothic-Bold.ttf) format(\"truetype\")}";

static const char *font_name(const char *path)
{
    const char *name = path + strlen(REPORT_FONTS_PREFIX);

    for (size_t i = 0; i < sizeof report_font_files / sizeof report_font_files[0]; i++)
        if (!strcmp(name, report_font_files[i]))
            return report_font_files[i];
    return NULL;
}

bool report_fonts_handles(const char *path)
{
    return path && !strncmp(path, REPORT_FONTS_PREFIX, strlen(REPORT_FONTS_PREFIX));
}

void report_fonts_reply(const char *path, struct reply *rep)
{
    char file[4096];
    const char *name = font_name(path);
    char *body;
    size_t len = 0;

    if (!name) {
        reply_error(rep, 404, "not_found", "no such font; the report uses %s and %s",
                    report_font_files[0], report_font_files[1]);
        return;
    }
    snprintf(file, sizeof file, "%s/%s", COLLECTOR_FONTS_DIR, name);
    if ((body = report_file_read(file, REPORT_FONTS_MAX, &len))) {
        reply_set(rep, 200, "font/ttf", body, len);
        return;
    }
    reply_error(rep, 503, "font_unavailable",
                "the collector cannot read its font %s; the report falls back to the fonts"
                " installed on this computer",
                name);
}

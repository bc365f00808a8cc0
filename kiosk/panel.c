/* The panel's size in millimetres from what the installer wrote, what the
 * display reports or, failing both, an assumption that errs towards larger
 * type: a small panel taken for a large one would make text unreadable. */
#include "panel.h"

#include <assert.h>
#include <math.h>
#include <stdbool.h>

#define MM_PER_INCH       25.4
#define SMALL_PANEL_SHORT 600 /* up to 1024x600: sold as 7-inch panels */
#define SMALL_PANEL_IN    7.0
#define LARGE_PANEL_DPI   141.0 /* 15.6-inch 1920x1080, the densest larger kiosk panel */

static void from_diagonal(int w_px, int h_px, double inches, struct panel *out)
{
    double diag_px = hypot(w_px, h_px);
    out->px_per_mm = diag_px / (inches * MM_PER_INCH);
}

void panel_measure(int w_px, int h_px, int w_mm, int h_mm, double inches, double dpi,
                   struct panel *out)
{
    assert(w_px > 0 && h_px > 0);
    if (w_mm > 0 && h_mm > 0) {
        bool flip = (w_px > h_px) != (w_mm > h_mm); /* written for the other orientation */
        double a = flip ? h_mm : w_mm, b = flip ? w_mm : h_mm;
        out->px_per_mm = hypot(w_px, h_px) / hypot(a, b);
        out->source = PANEL_FROM_MM;
    } else if (inches > 0) {
        from_diagonal(w_px, h_px, inches, out);
        out->source = PANEL_FROM_INCHES;
    } else if (dpi >= PANEL_MIN_DPI && dpi <= PANEL_MAX_DPI && dpi != PANEL_X11_DPI) {
        out->px_per_mm = dpi / MM_PER_INCH;
        out->source = PANEL_FROM_DPI;
    } else if ((w_px < h_px ? w_px : h_px) <= SMALL_PANEL_SHORT) {
        from_diagonal(w_px, h_px, SMALL_PANEL_IN, out);
        out->source = PANEL_ASSUMED;
    } else {
        out->px_per_mm = LARGE_PANEL_DPI / MM_PER_INCH;
        out->source = PANEL_ASSUMED;
    }
    out->w_mm = w_px / out->px_per_mm;
    out->h_mm = h_px / out->px_per_mm;
}

int panel_px(const struct panel *p, double mm)
{
    return (int)ceil(mm * p->px_per_mm - 1e-9);
}

double panel_mm(const struct panel *p, int px)
{
    return px / p->px_per_mm;
}

const char *panel_source_name(enum panel_source s)
{
    switch (s) {
    case PANEL_FROM_MM:
        return "screen_mm";
    case PANEL_FROM_INCHES:
        return "screen_inches";
    case PANEL_FROM_DPI:
        return "the display's DPI";
    case PANEL_ASSUMED:
        break;
    }
    return "assumed";
}

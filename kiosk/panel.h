/* The panel's physical size: how many pixels make a millimetre, so that
 * type and touch targets are laid out in millimetres on a 7-inch 800x480
 * display as on a 21.5-inch monitor. Pure arithmetic, no SDL. */
#ifndef KIOSK_PANEL_H
#define KIOSK_PANEL_H

#define PANEL_MIN_DPI 60.0 /* a display reporting less (or more) is not believed */
#define PANEL_MAX_DPI 400.0
#define PANEL_X11_DPI 96.0 /* what X11 reports when it does not know */

enum panel_source {
    PANEL_FROM_MM,     /* screen_mm in the config */
    PANEL_FROM_INCHES, /* screen_inches in the config */
    PANEL_FROM_DPI,    /* the display driver's DPI */
    PANEL_ASSUMED,     /* nothing known: the densest panel sold at that resolution */
};

struct panel {
    double px_per_mm;
    double w_mm, h_mm; /* the visible area as laid out */
    enum panel_source source;
};

/* The panel for a w_px x h_px window: from w_mm x h_mm when both are set
 * (either orientation), else from a diagonal in inches when > 0, else from
 * the display's dpi when believable, else assumed. */
void panel_measure(int w_px, int h_px, int w_mm, int h_mm, double inches, double dpi,
                   struct panel *out);
/* Whole pixels covering mm at least. */
int panel_px(const struct panel *p, double mm);
double panel_mm(const struct panel *p, int px);
const char *panel_source_name(enum panel_source s);

#endif

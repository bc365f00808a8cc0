/* What each screen shows and where: the view of the app's current screen,
 * built from its state. app.c calls these; screens.c reads the state
 * (app_state.h) and never calls back into app.c. */
#ifndef KIOSK_SCREENS_H
#define KIOSK_SCREENS_H

struct app;

/* Builds, fits and renders the view of the current screen. */
void screens_build(struct app *a);
/* Prepares the fonts of the answer screens, so that the first tap does
 * not pay for them; run once welcome is shown. */
void screens_warm(struct app *a);

#endif

/* How long a first-time respondent of 70 needs for a survey, from its
 * texts: the welcome screen states this instead of a fixed promise. A
 * model, checked by a scripted respondent who reads at these speeds. */
#ifndef KIOSK_ESTIMATE_H
#define KIOSK_ESTIMATE_H

#include "survey.h"

#define ESTIMATE_READ_CPS     4.0  /* characters a second: careful first reading at 70 */
#define ESTIMATE_DECIDE_S     6.0  /* per item: weighing the choices and tapping */
#define ESTIMATE_FIRST_LOOK_S 10.0 /* the first question: reading the scale's labels */
#define ESTIMATE_FRAME_S      30.0 /* welcome, confirm and send, besides reading */

/* Seconds to read and answer item i (attributes first, then questions). */
double estimate_item_s(const struct survey *s, int i);
/* Seconds for the whole survey, and the nearest whole minutes (at least 1). */
double estimate_survey_s(const struct survey *s);
int estimate_minutes(const struct survey *s);

#endif

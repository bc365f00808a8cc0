/* POST /api/v1/heartbeat after authentication: the kiosk's health as
 * DESIGN.md lists it. Only the known fields are kept (re-serialised), so a
 * kiosk cannot store anything else about its surroundings here. */
#ifndef COLLECTOR_HEARTBEAT_H
#define COLLECTOR_HEARTBEAT_H

#include <stddef.h>
#include <stdint.h>

#include "reply.h"
#include "store.h"

#define HEARTBEAT_MAX_BYTES  (16u << 10) /* a heartbeat body larger than this is refused */
#define HEARTBEAT_MAX_STRING 128         /* bytes in app_version or survey_id */

/* Validates body and records it for kiosk_id. Fills rep: 200 with the
 * collector's time, 400 bad_json when body is not one JSON object (a NUL
 * byte anywhere included), 400 naming the bad field, or 503. */
void heartbeat_handle(struct store *st, int64_t kiosk_id, const char *body, size_t len,
                      struct reply *rep);

/* Parses RFC 3339 ("2025-02-07T09:30:00Z", "...+09:00", fractions allowed)
 * into seconds since the epoch. Returns 0, or -1 when text is not one. */
int heartbeat_parse_time(const char *text, int64_t *out);

#endif

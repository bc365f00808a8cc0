/* POST /api/v1/batches after authentication: inflate under the cap,
 * decode, validate against the stored survey version, hash, store in one
 * transaction, and the reply of DESIGN.md's table. Survey definitions are
 * cached in memory: a published (id, version) never changes. */
#ifndef COLLECTOR_INGEST_H
#define COLLECTOR_INGEST_H

#include <stdbool.h>
#include <stdint.h>

#include "metrics.h"
#include "reply.h"
#include "store.h"

#define INGEST_SURVEY_CACHE 32 /* definitions kept parsed; others are parsed per request */
#define INGEST_WINDOW_TTL_S 60 /* how long a version's month window is reused */

struct ingest;

struct ingest *ingest_new(struct store *st);

struct seal_keyring;
/* The keys that open sealed batches (format 2); not owned, and it must
 * outlive in. Without one, a sealed batch is answered 503. */
void ingest_set_keyring(struct ingest *in, struct seal_keyring *kr);
void ingest_free(struct ingest *in); /* accepts NULL */

struct ingest_result {
    bool stored;                /* 201 */
    bool duplicate;             /* 200 */
    long responses;             /* in the batch, when decoded */
    char batch_id[37];          /* when decoded, else "" */
    enum metrics_reason reason; /* when neither stored nor duplicate */
};

/* Handles one upload body. deflated: Content-Encoding was deflate. Fills
 * rep (always) and res. */
void ingest_batch(struct ingest *in, int64_t kiosk_id, const char *body, size_t len, bool deflated,
                  struct reply *rep, struct ingest_result *res);

#endif

/* Counters for GET /metrics in the Prometheus text format: batches and
 * responses stored, duplicates, rejects by reason, requests by status, and
 * a request latency histogram. Lock-free (C11 atomics): every request
 * thread updates them. Nothing here says anything about a respondent. */
#ifndef COLLECTOR_METRICS_H
#define COLLECTOR_METRICS_H

#include <stddef.h>

/* Why a batch or request was refused; the label of collector_rejects_total. */
#define METRICS_REASONS(X)                                                                         \
    X(REJECT_UNAUTHORIZED, "unauthorized")                                                         \
    X(REJECT_REVOKED, "revoked")                                                                   \
    X(REJECT_BAD_REQUEST, "bad_request")                                                           \
    X(REJECT_TOO_LARGE, "too_large")                                                               \
    X(REJECT_UNSUPPORTED, "unsupported_media_type")                                                \
    X(REJECT_INVALID, "invalid")                                                                   \
    X(REJECT_CONFLICT, "conflict")                                                                 \
    X(REJECT_OVERLOADED, "overloaded")                                                             \
    X(REJECT_STORAGE, "storage_unavailable")                                                       \
    X(REJECT_NOT_FOUND, "not_found")                                                               \
    X(REJECT_QUOTA, "quota_exceeded")

enum metrics_reason {
#define METRICS_ENUM(code, label) code,
    METRICS_REASONS(METRICS_ENUM)
#undef METRICS_ENUM
        METRICS_N_REASONS
};

/* The label of a reason, e.g. "too_large"; static. */
const char *metrics_reason_label(enum metrics_reason reason);

void metrics_batch_stored(long responses);
void metrics_batch_duplicate(void);
void metrics_reject(enum metrics_reason reason);
/* One finished request: its status and how long it took. */
void metrics_request(int status, double seconds);

/* The exposition text, malloc'ed; *len its length. NULL when out of memory. */
char *metrics_render(size_t *len);

#endif

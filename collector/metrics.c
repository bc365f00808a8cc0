/* Prometheus counters. The histogram buckets are cumulative as the format
 * wants; statuses are counted per class-exact code among a fixed list so
 * the output stays small whatever clients send. */
#include "metrics.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

#define METRICS_TEXT_MAX 8192

static const double metrics_buckets[] = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                         0.1,   0.25,   0.5,   1.0,  2.5,   5.0};
#define METRICS_N_BUCKETS (sizeof metrics_buckets / sizeof metrics_buckets[0])

static const int metrics_statuses[] = {200, 201, 304, 400, 401, 403, 404, 405,
                                       409, 413, 415, 422, 429, 500, 503};
#define METRICS_N_STATUSES (sizeof metrics_statuses / sizeof metrics_statuses[0])

static const char *const metrics_reason_labels[] = {
#define METRICS_LABEL(code, label) label,
    METRICS_REASONS(METRICS_LABEL)
#undef METRICS_LABEL
};

static atomic_long batches_stored, responses_stored, batches_duplicate;
static atomic_long rejects[METRICS_N_REASONS];
static atomic_long by_status[METRICS_N_STATUSES + 1]; /* the last: any other status */
static atomic_long bucket_counts[METRICS_N_BUCKETS];  /* per bucket, made cumulative on output */
static atomic_long requests_total;
static atomic_llong latency_us_sum;

const char *metrics_reason_label(enum metrics_reason reason)
{
    return (unsigned)reason < METRICS_N_REASONS ? metrics_reason_labels[reason] : "other";
}

void metrics_batch_stored(long responses)
{
    atomic_fetch_add(&batches_stored, 1);
    atomic_fetch_add(&responses_stored, responses);
}

void metrics_batch_duplicate(void)
{
    atomic_fetch_add(&batches_duplicate, 1);
}

void metrics_reject(enum metrics_reason reason)
{
    if ((unsigned)reason < METRICS_N_REASONS)
        atomic_fetch_add(&rejects[reason], 1);
}

void metrics_request(int status, double seconds)
{
    size_t i = 0;

    while (i < METRICS_N_STATUSES && metrics_statuses[i] != status)
        i++;
    atomic_fetch_add(&by_status[i], 1);
    for (size_t b = 0; b < METRICS_N_BUCKETS; b++) {
        if (seconds <= metrics_buckets[b]) {
            atomic_fetch_add(&bucket_counts[b], 1);
            break;
        }
    }
    atomic_fetch_add(&requests_total, 1);
    atomic_fetch_add(&latency_us_sum, (long long)(seconds * 1e6));
}

/* Appends to buf[*n..cap); stops quietly at the cap (the text is fixed-size). */
#define METRICS_PUT(...)                                                                           \
    do {                                                                                           \
        if (n < cap) {                                                                             \
            int k_ = snprintf(buf + n, cap - n, __VA_ARGS__);                                      \
            n += k_ > 0 ? (size_t)k_ : 0;                                                          \
        }                                                                                          \
    } while (0)

char *metrics_render(size_t *len)
{
    size_t cap = METRICS_TEXT_MAX, n = 0;
    char *buf = malloc(cap);
    long cumulative = 0;

    if (!buf)
        return NULL;
    METRICS_PUT("# HELP collector_batches_stored_total Batches stored (201).\n"
                "# TYPE collector_batches_stored_total counter\n"
                "collector_batches_stored_total %ld\n",
                atomic_load(&batches_stored));
    METRICS_PUT("# HELP collector_responses_stored_total Responses stored.\n"
                "# TYPE collector_responses_stored_total counter\n"
                "collector_responses_stored_total %ld\n",
                atomic_load(&responses_stored));
    METRICS_PUT("# HELP collector_batches_duplicate_total Batches sent again (200).\n"
                "# TYPE collector_batches_duplicate_total counter\n"
                "collector_batches_duplicate_total %ld\n",
                atomic_load(&batches_duplicate));
    METRICS_PUT("# HELP collector_rejects_total Requests refused, by reason.\n"
                "# TYPE collector_rejects_total counter\n");
    for (size_t i = 0; i < METRICS_N_REASONS; i++)
        METRICS_PUT("collector_rejects_total{reason=\"%s\"} %ld\n", metrics_reason_labels[i],
                    atomic_load(&rejects[i]));
    METRICS_PUT("# HELP collector_requests_total Requests answered, by status.\n"
                "# TYPE collector_requests_total counter\n");
    for (size_t i = 0; i <= METRICS_N_STATUSES; i++) {
        long v = atomic_load(&by_status[i]);
        if (i == METRICS_N_STATUSES)
            METRICS_PUT("collector_requests_total{status=\"other\"} %ld\n", v);
        else
            METRICS_PUT("collector_requests_total{status=\"%d\"} %ld\n", metrics_statuses[i], v);
    }
    METRICS_PUT("# HELP collector_request_duration_seconds Time from request to reply.\n"
                "# TYPE collector_request_duration_seconds histogram\n");
    for (size_t b = 0; b < METRICS_N_BUCKETS; b++) {
        cumulative += atomic_load(&bucket_counts[b]);
        METRICS_PUT("collector_request_duration_seconds_bucket{le=\"%g\"} %ld\n",
                    metrics_buckets[b], cumulative);
    }
    long total = atomic_load(&requests_total);
    METRICS_PUT("collector_request_duration_seconds_bucket{le=\"+Inf\"} %ld\n"
                "collector_request_duration_seconds_sum %.6f\n"
                "collector_request_duration_seconds_count %ld\n",
                total, (double)atomic_load(&latency_us_sum) / 1e6, total);
    *len = n < cap ? n : cap - 1;
    return buf;
}

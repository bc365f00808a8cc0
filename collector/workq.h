/* A fixed set of worker threads taking jobs from one queue, in order. The
 * collector's requests do their blocking work (SQLite, the group commit's
 * fsync) here, while libmicrohttpd's one polling thread keeps every other
 * connection moving. The queue holds at most one job per open connection,
 * so it needs no cap of its own. */
#ifndef COLLECTOR_WORKQ_H
#define COLLECTOR_WORKQ_H

#include <stddef.h>

#define WORKQ_MAX_THREADS 256
#define WORKQ_STACK       (2u << 20) /* jansson nests 2048 deep */

struct workq;

/* threads workers, each running fn(job) for one job at a time. NULL when
 * out of memory or a thread cannot start. */
struct workq *workq_new(unsigned threads, void (*fn)(void *job));
/* Queues job; 0, or -1 when out of memory (the job did not run). */
int workq_push(struct workq *q, void *job);
/* Lets the jobs running now finish, drops the ones not begun, joins the
 * threads and frees q. Accepts NULL. */
void workq_free(struct workq *q);

#endif

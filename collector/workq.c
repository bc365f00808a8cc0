/* The queue behind workq.h: a singly linked list under one mutex, one
 * condition variable for the workers to wait on. */
#include "workq.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>

struct workq_job {
    struct workq_job *next;
    void *job;
};

struct workq {
    void (*fn)(void *job);
    pthread_mutex_t lock;
    pthread_cond_t ready;
    struct workq_job *head, *tail;
    bool stop;
    unsigned n_threads;
    pthread_t threads[WORKQ_MAX_THREADS];
};

static void *workq_main(void *arg)
{
    struct workq *q = arg;

    pthread_mutex_lock(&q->lock);
    for (;;) {
        while (!q->stop && !q->head)
            pthread_cond_wait(&q->ready, &q->lock);
        if (q->stop)
            break;
        struct workq_job *j = q->head;
        q->head = j->next;
        if (!q->head)
            q->tail = NULL;
        pthread_mutex_unlock(&q->lock);
        q->fn(j->job);
        free(j);
        pthread_mutex_lock(&q->lock);
    }
    pthread_mutex_unlock(&q->lock);
    return NULL;
}

struct workq *workq_new(unsigned threads, void (*fn)(void *job))
{
    struct workq *q = calloc(1, sizeof *q);
    pthread_attr_t attr;

    if (!q)
        return NULL;
    q->fn = fn;
    pthread_mutex_init(&q->lock, NULL);
    pthread_cond_init(&q->ready, NULL);
    pthread_attr_init(&attr);
    pthread_attr_setstacksize(&attr, WORKQ_STACK);
    threads = threads < 1 ? 1 : threads > WORKQ_MAX_THREADS ? WORKQ_MAX_THREADS : threads;
    for (; q->n_threads < threads; q->n_threads++)
        if (pthread_create(&q->threads[q->n_threads], &attr, workq_main, q) != 0)
            break;
    pthread_attr_destroy(&attr);
    if (q->n_threads < threads) {
        workq_free(q);
        return NULL;
    }
    return q;
}

int workq_push(struct workq *q, void *job)
{
    struct workq_job *j = malloc(sizeof *j);

    if (!j)
        return -1;
    j->next = NULL;
    j->job = job;
    pthread_mutex_lock(&q->lock);
    if (q->tail)
        q->tail->next = j;
    else
        q->head = j;
    q->tail = j;
    pthread_cond_signal(&q->ready);
    pthread_mutex_unlock(&q->lock);
    return 0;
}

void workq_free(struct workq *q)
{
    if (!q)
        return;
    pthread_mutex_lock(&q->lock);
    q->stop = true;
    pthread_cond_broadcast(&q->ready);
    pthread_mutex_unlock(&q->lock);
    for (unsigned i = 0; i < q->n_threads; i++)
        pthread_join(q->threads[i], NULL);
    while (q->head) {
        struct workq_job *j = q->head;
        q->head = j->next;
        free(j);
    }
    pthread_cond_destroy(&q->ready);
    pthread_mutex_destroy(&q->lock);
    free(q);
}

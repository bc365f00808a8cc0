/* The connection list behind conns.h. The list is in order of opening, so
 * the oldest evictable connection is the first one found. Cutting is a
 * shutdown() of the socket while the entry is on the list: libmicrohttpd
 * reports a connection closed (conns_close, under the same mutex) before it
 * closes the descriptor, so the sweeper never touches a reused one. */
#include "conns.h"

#include <pthread.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>

#include "log.h"

enum conn_phase {
    PHASE_HEADERS, /* waiting for a request's headers */
    PHASE_BODY,    /* receiving its body */
    PHASE_WORK,    /* being answered: no deadline of ours */
};

struct conn {
    struct conn *prev, *next;
    int fd;
    enum conn_phase phase;
    double since; /* when the phase began (monotonic seconds) */
    size_t body;  /* body bytes of the request so far */
    bool trusted, over, cut;
};

struct conns {
    struct conns_limits lim;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    pthread_t sweeper;
    bool stop;
    struct conn *head, *tail;
    unsigned open, untrusted; /* not yet cut */
    unsigned long cut;
    unsigned evicted; /* by conns_open since the last sweep: the sweeper logs them */
};

static double conns_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Cuts c (the lock held): its socket stops, libmicrohttpd closes it. */
static void conns_cut(struct conns *cs, struct conn *c)
{
    if (c->cut)
        return;
    c->cut = true;
    cs->open--;
    if (!c->trusted)
        cs->untrusted--;
    cs->cut++;
    shutdown(c->fd, SHUT_RDWR);
}

/* Why c is late now, or NULL. */
static const char *conns_late(const struct conns *cs, const struct conn *c, double now)
{
    double age = now - c->since;

    if (c->cut || c->phase == PHASE_WORK)
        return NULL;
    if (c->phase == PHASE_HEADERS)
        return cs->lim.header_s && age > cs->lim.header_s ? "header_deadline" : NULL;
    if (cs->lim.body_s && age > cs->lim.body_s)
        return "body_deadline";
    if (cs->lim.min_rate && age > CONNS_RATE_GRACE_S && (double)c->body / age < cs->lim.min_rate)
        return "min_rate";
    return NULL;
}

/* Cuts the oldest connection without a token that has waited long enough
 * for a request (the lock held). Whether there was one. */
static bool conns_evict(struct conns *cs, double now)
{
    for (struct conn *c = cs->head; c; c = c->next)
        if (!c->trusted && !c->cut && c->phase == PHASE_HEADERS &&
            now - c->since >= CONNS_EVICT_AGE_S) {
            conns_cut(cs, c);
            return true;
        }
    return false;
}

/* Cuts the late connections, and the oldest without a token while those
 * hold more than max - reserve (a burst of them is not evictable at once,
 * and libmicrohttpd stops accepting at its own limit). */
static void conns_sweep(struct conns *cs)
{
    double now = conns_now();
    unsigned n[4] = {0};
    const char *why;

    pthread_mutex_lock(&cs->lock);
    for (struct conn *c = cs->head; c; c = c->next)
        if ((why = conns_late(cs, c, now))) {
            n[why[0] == 'h' ? 0 : why[0] == 'b' ? 1 : 2]++;
            conns_cut(cs, c);
        }
    while (cs->untrusted > cs->lim.max - cs->lim.reserve && conns_evict(cs, now))
        n[3]++;
    n[3] += cs->evicted; /* one log line per sweep, however many connect */
    cs->evicted = 0;
    pthread_mutex_unlock(&cs->lock);
    if (n[0] + n[1] + n[2] + n[3])
        log_line("warn", "cut", "header_deadline=%u body_deadline=%u min_rate=%u evicted=%u", n[0],
                 n[1], n[2], n[3]);
}

static void *conns_sweeper(void *arg)
{
    struct conns *cs = arg;
    struct timespec until;

    pthread_mutex_lock(&cs->lock);
    while (!cs->stop) {
        clock_gettime(CLOCK_REALTIME, &until);
        until.tv_nsec += CONNS_SWEEP_MS * 1000000L;
        until.tv_sec += until.tv_nsec / 1000000000L;
        until.tv_nsec %= 1000000000L;
        pthread_cond_timedwait(&cs->wake, &cs->lock, &until);
        if (cs->stop)
            break;
        pthread_mutex_unlock(&cs->lock);
        conns_sweep(cs);
        pthread_mutex_lock(&cs->lock);
    }
    pthread_mutex_unlock(&cs->lock);
    return NULL;
}

struct conns *conns_new(const struct conns_limits *lim)
{
    struct conns *cs = calloc(1, sizeof *cs);

    if (!cs)
        return NULL;
    cs->lim = *lim;
    if (cs->lim.reserve >= cs->lim.max)
        cs->lim.reserve = cs->lim.max ? cs->lim.max - 1 : 0;
    pthread_mutex_init(&cs->lock, NULL);
    pthread_cond_init(&cs->wake, NULL);
    if (pthread_create(&cs->sweeper, NULL, conns_sweeper, cs) != 0) {
        pthread_cond_destroy(&cs->wake);
        pthread_mutex_destroy(&cs->lock);
        free(cs);
        return NULL;
    }
    return cs;
}

void conns_free(struct conns *cs)
{
    if (!cs)
        return;
    pthread_mutex_lock(&cs->lock);
    cs->stop = true;
    pthread_cond_signal(&cs->wake);
    pthread_mutex_unlock(&cs->lock);
    pthread_join(cs->sweeper, NULL);
    while (cs->head) {
        struct conn *c = cs->head;
        cs->head = c->next;
        free(c);
    }
    pthread_cond_destroy(&cs->wake);
    pthread_mutex_destroy(&cs->lock);
    free(cs);
}

struct conn *conns_open(struct conns *cs, int fd)
{
    struct conn *c = calloc(1, sizeof *c);
    double now = conns_now();

    if (!c)
        return NULL;
    c->fd = fd;
    c->since = now;
    pthread_mutex_lock(&cs->lock);
    if (cs->untrusted >= cs->lim.max - cs->lim.reserve && conns_evict(cs, now))
        cs->evicted++;
    c->over = cs->open >= cs->lim.max;
    cs->open++;
    cs->untrusted++;
    c->prev = cs->tail;
    if (cs->tail)
        cs->tail->next = c;
    else
        cs->head = c;
    cs->tail = c;
    pthread_mutex_unlock(&cs->lock);
    return c;
}

void conns_close(struct conns *cs, struct conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&cs->lock);
    if (!c->cut) {
        cs->open--;
        if (!c->trusted)
            cs->untrusted--;
    }
    if (c->prev)
        c->prev->next = c->next;
    else
        cs->head = c->next;
    if (c->next)
        c->next->prev = c->prev;
    else
        cs->tail = c->prev;
    pthread_mutex_unlock(&cs->lock);
    free(c);
}

static void conns_phase(struct conns *cs, struct conn *c, enum conn_phase p)
{
    double now = conns_now();

    if (!c)
        return;
    pthread_mutex_lock(&cs->lock);
    c->phase = p;
    c->since = now;
    c->body = 0;
    pthread_mutex_unlock(&cs->lock);
}

void conns_request(struct conns *cs, struct conn *c)
{
    conns_phase(cs, c, PHASE_BODY);
}

void conns_working(struct conns *cs, struct conn *c)
{
    conns_phase(cs, c, PHASE_WORK);
}

void conns_idle(struct conns *cs, struct conn *c)
{
    conns_phase(cs, c, PHASE_HEADERS);
}

void conns_body(struct conns *cs, struct conn *c, size_t n)
{
    if (!c)
        return;
    pthread_mutex_lock(&cs->lock);
    c->body += n;
    pthread_mutex_unlock(&cs->lock);
}

void conns_trust(struct conns *cs, struct conn *c)
{
    if (!c)
        return;
    pthread_mutex_lock(&cs->lock);
    if (!c->trusted && !c->cut)
        cs->untrusted--;
    c->trusted = true;
    pthread_mutex_unlock(&cs->lock);
}

bool conns_over(const struct conn *c)
{
    return c && c->over;
}

void conns_counts(struct conns *cs, unsigned *open, unsigned long *cut)
{
    pthread_mutex_lock(&cs->lock);
    *open = cs->open;
    *cut = cs->cut;
    pthread_mutex_unlock(&cs->lock);
}

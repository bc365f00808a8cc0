/* The open connections and the limits they live under, apart from
 * libmicrohttpd: a deadline for a request's headers and for its body, a
 * minimum body rate, a cap on connections, and a reserve that keeps
 * connections which have shown a valid token from being starved by those
 * that have not. A sweeper thread cuts the late ones (shutdown() of their
 * socket; libmicrohttpd then closes them as a client's hang-up). One
 * mutex guards the list; every call is cheap. */
#ifndef COLLECTOR_CONNS_H
#define COLLECTOR_CONNS_H

#include <stdbool.h>
#include <stddef.h>

#define CONNS_SWEEP_MS     200 /* how often the sweeper looks */
#define CONNS_EVICT_AGE_S  1.0 /* a connection without a request is evictable this old */
#define CONNS_RATE_GRACE_S 5.0 /* the minimum rate applies after this much of a body */

struct conns_limits {
    unsigned max;      /* open connections served; beyond, requests get 429 and a close */
    unsigned reserve;  /* of max, kept for connections that have shown a valid token */
    unsigned header_s; /* a request's headers must arrive within this from the connection's
                          opening or its previous reply */
    unsigned body_s;   /* a request's body must arrive within this from its headers */
    unsigned min_rate; /* bytes per second a body must average after the grace */
};

struct conns;
struct conn;

/* NULL when out of memory or the sweeper thread cannot start. */
struct conns *conns_new(const struct conns_limits *lim);
void conns_free(struct conns *cs); /* stops the sweeper; accepts NULL */

/* A connection opened on fd: its entry (NULL when out of memory). When the
 * connections without a valid token fill max - reserve, the oldest of them
 * still waiting for a request is cut to make room. */
struct conn *conns_open(struct conns *cs, int fd);
/* The connection is closed; frees c (accepts NULL). */
void conns_close(struct conns *cs, struct conn *c);

/* A request's headers arrived / n more body bytes / its body is complete
 * and the work begins / its reply is sent and the next request may come. */
void conns_request(struct conns *cs, struct conn *c);
void conns_body(struct conns *cs, struct conn *c, size_t n);
void conns_working(struct conns *cs, struct conn *c);
void conns_idle(struct conns *cs, struct conn *c);
/* The connection showed a valid token; it is never evicted. */
void conns_trust(struct conns *cs, struct conn *c);
/* Whether the connection came when max were open: its requests get 429. */
bool conns_over(const struct conn *c);

/* Counts for /metrics and the log: open now, and cut since the start. */
void conns_counts(struct conns *cs, unsigned *open, unsigned long *cut);

#endif

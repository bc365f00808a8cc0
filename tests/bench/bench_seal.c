/* Benchmark: sealing at the kiosk and opening at the collector of one
 * ~300-byte response, per response with the kiosk session (and so the
 * collector's cached shared key) reused, and with a new session per
 * response for comparison; then opening on two threads, since the
 * collector must store 40,000 responses/s on 2 cores.
 * Usage: bench_seal [ROUNDS]   (default 201 rounds of 100 operations; the
 * median round's time per operation is printed). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "seal.h"

#define BENCH_PER_ROUND 100 /* operations timed together: one clock read per round */
#define BENCH_SESSIONS  64  /* kiosk sessions the reused-session openings cycle through */
#define BENCH_THREADS   2
#define BENCH_RESPONSE                                                                             \
    "{\"month\":\"2025-04\",\"answers\":{\"q01\":3,\"q02\":4,\"q03\":2,\"q04\":1,\"q05\":3,"       \
    "\"q06\":4,\"q07\":3,\"q08\":2,\"q09\":3,\"q10\":4,\"q11\":3,\"q12\":null},\"attributes\":{"   \
    "\"employment\":\"regular\",\"section\":\"kenko-fukushi\",\"age\":\"40s\",\"years\":\"10-"     \
    "19\",\"role\":\"staff\"},\"comment\":null,\"kiosk_note\":\"break room, 2nd floor\"}"

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void die(const char *what)
{
    fprintf(stderr, "bench_seal: %s\n", what);
    exit(1);
}

static char *seal_one(struct seal_session *s, size_t *len)
{
    char *out = NULL;
    if (seal_response(s, BENCH_RESPONSE, strlen(BENCH_RESPONSE), &out, len) != SEAL_OK)
        die("seal_response failed");
    return out;
}

static void open_one(struct seal_keyring *kr, const char *text, size_t len)
{
    char *plain = NULL;
    size_t n = 0;
    if (seal_open(kr, text, len, &plain, &n) != SEAL_OK)
        die("seal_open failed");
    seal_plain_free(plain, n);
}

/* What one timed round does BENCH_PER_ROUND times. */
struct bench_ctx {
    const unsigned char *pk;
    struct seal_keyring *kr;
    struct seal_session *session;
    char **texts; /* sealed texts to open */
    size_t n_texts;
    size_t next;
};

static void round_seal_reused(struct bench_ctx *c)
{
    size_t len;
    free(seal_one(c->session, &len));
}

static void round_seal_new(struct bench_ctx *c)
{
    struct seal_session *s = seal_session_new(c->pk);
    size_t len;
    if (s == NULL)
        die("seal_session_new failed");
    free(seal_one(s, &len));
    seal_session_free(s);
}

static void round_open(struct bench_ctx *c)
{
    const char *t = c->texts[c->next++ % c->n_texts];
    open_one(c->kr, t, strlen(t));
}

/* Median over rounds of the time per operation, in microseconds. */
static double bench_median_us(void (*op)(struct bench_ctx *), struct bench_ctx *c, int rounds)
{
    double *per = malloc((size_t)rounds * sizeof *per), med;
    if (per == NULL)
        die("out of memory");
    for (int r = 0; r < rounds; r++) {
        double t0 = now_s();
        for (int i = 0; i < BENCH_PER_ROUND; i++)
            op(c);
        per[r] = (now_s() - t0) / BENCH_PER_ROUND * 1e6;
    }
    qsort(per, (size_t)rounds, sizeof *per, cmp_double);
    med = per[rounds / 2];
    free(per);
    return med;
}

/* n texts from `sessions` sessions, as many per session as fit. */
static char **bench_texts(const unsigned char *pk, size_t n, size_t sessions)
{
    char **texts = calloc(n, sizeof *texts);
    struct seal_session *s = NULL;
    size_t len;

    if (texts == NULL)
        die("out of memory");
    for (size_t i = 0; i < n; i++) {
        if (i % (n / sessions) == 0) {
            seal_session_free(s);
            if ((s = seal_session_new(pk)) == NULL)
                die("seal_session_new failed");
        }
        texts[i] = seal_one(s, &len);
    }
    seal_session_free(s);
    return texts;
}

/* Opens the first text of each session once, so its shared key is cached. */
static void bench_warm(struct seal_keyring *kr, char **texts, size_t n)
{
    for (size_t i = 0; i < n; i += n / BENCH_SESSIONS)
        open_one(kr, texts[i], strlen(texts[i]));
}

static void texts_free(char **texts, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(texts[i]);
    free(texts);
}

struct opener {
    struct seal_keyring *kr;
    char **texts;
    size_t n;
};

static void *opener_run(void *arg)
{
    struct opener *o = arg;
    for (size_t i = 0; i < o->n; i++)
        open_one(o->kr, o->texts[i], strlen(o->texts[i]));
    return NULL;
}

/* Responses opened per second by BENCH_THREADS threads sharing one keyring. */
static double bench_threads(struct seal_keyring *kr, char **texts, size_t n)
{
    pthread_t t[BENCH_THREADS];
    struct opener o[BENCH_THREADS];
    size_t share = n / BENCH_THREADS;
    double t0 = now_s();

    for (int i = 0; i < BENCH_THREADS; i++) {
        o[i] = (struct opener){kr, texts + (size_t)i * share, share};
        if (pthread_create(&t[i], NULL, opener_run, &o[i]) != 0)
            die("pthread_create failed");
    }
    for (int i = 0; i < BENCH_THREADS; i++)
        pthread_join(t[i], NULL);
    return (double)(share * BENCH_THREADS) / (now_s() - t0);
}

int main(int argc, char **argv)
{
    int rounds = argc > 1 ? atoi(argv[1]) : 201;
    unsigned char pk[SEAL_KEY_BYTES], sk[SEAL_KEY_BYTES];
    size_t n_reused = (size_t)rounds * BENCH_PER_ROUND, len;
    struct seal_keyring *kr = seal_keyring_new(), *cold = seal_keyring_new();
    struct bench_ctx c = {.pk = pk};

    if (rounds < 1 || kr == NULL || cold == NULL || seal_keypair_new(pk, sk) != 0 ||
        seal_keyring_add(kr, pk, sk) != 0 || seal_keyring_add(cold, pk, sk) != 0)
        die("cannot set up keys");
    c.session = seal_session_new(pk);
    char *one = seal_one(c.session, &len);
    printf("bench_seal: %zu-byte response, %zu-character sealed text, %d rounds of %d\n",
           strlen(BENCH_RESPONSE), len, rounds, BENCH_PER_ROUND);
    free(one);

    printf("seal, session reused:         %8.2f us/response\n",
           bench_median_us(round_seal_reused, &c, rounds));
    printf("seal, new session each:       %8.2f us/response\n",
           bench_median_us(round_seal_new, &c, rounds));

    /* Reused: 64 kiosk sessions, each with its shared key cached before timing. */
    c.texts = bench_texts(pk, n_reused, BENCH_SESSIONS);
    c.n_texts = n_reused;
    c.kr = kr;
    bench_warm(kr, c.texts, n_reused);
    printf("open, session cached:         %8.2f us/response\n",
           bench_median_us(round_open, &c, rounds));
    texts_free(c.texts, c.n_texts);

    /* A new session per response: every open derives its shared key. */
    c.texts = bench_texts(pk, n_reused, n_reused);
    c.next = 0;
    c.kr = cold;
    double cold_us = bench_median_us(round_open, &c, rounds);
    printf("open, new session each:       %8.2f us/response (%llu derivations)\n", cold_us,
           (unsigned long long)seal_keyring_derivations(cold));
    texts_free(c.texts, c.n_texts);

    c.texts = bench_texts(pk, n_reused, BENCH_SESSIONS);
    c.n_texts = n_reused;
    bench_warm(kr, c.texts, n_reused);
    printf("open, %d threads, cached:      %8.0f responses/s (goal for storing: 40000)\n",
           BENCH_THREADS, bench_threads(kr, c.texts, n_reused));
    texts_free(c.texts, c.n_texts);

    seal_session_free(c.session);
    seal_keyring_free(kr);
    seal_keyring_free(cold);
    return 0;
}

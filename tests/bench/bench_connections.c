/* Connections benchmark (not a test): 2,000 kiosks open connections to the
 * real `collector serve` at once and each uploads one batch over it (curl's
 * multi interface, one connection per kiosk, all open together). Prints
 * the collector's resident memory at its peak (VmHWM) beside a baseline
 * measured in the same run: the same collector after one kiosk's batch.
 * RUNS runs; medians. Every batch must be stored, or the bench fails. */
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "../common/testutil.c"

#define KIOSKS 2000
#define RUNS   3

/* A "VmXXX:" line of /proc/PID/status in KiB, or -1. */
static long proc_kib(pid_t pid, const char *field)
{
    char path[64], line[256];
    long kib = -1;
    FILE *f;

    snprintf(path, sizeof path, "/proc/%d/status", (int)pid);
    if (!(f = fopen(path, "r")))
        return -1;
    while (fgets(line, sizeof line, f))
        if (!strncmp(line, field, strlen(field)))
            kib = atol(line + strlen(field) + 1);
    fclose(f);
    return kib;
}

static size_t discard(char *p, size_t s, size_t n, void *u)
{
    (void)p;
    (void)u;
    return s * n;
}

/* KIOSKS uploads at once; returns how many got 201. */
static int upload_all(const char *base, const char *token, char **json)
{
    CURLM *m = curl_multi_init();
    CURL *e[KIOSKS];
    struct curl_slist *h = NULL;
    char url[256], auth[TU_TOKEN_MAX + 32];
    int running = 1, created = 0, hist[6] = {0};
    long status;
    CURLMsg *msg;
    int left;
    CURLcode first_err = CURLE_OK;

    snprintf(url, sizeof url, "%s/api/v1/batches", base);
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    h = curl_slist_append(h, auth);
    h = curl_slist_append(h, "Content-Type: application/json");
    h = curl_slist_append(h, "Expect:");
    curl_multi_setopt(m, CURLMOPT_MAX_TOTAL_CONNECTIONS, 0L);
    for (int i = 0; i < KIOSKS; i++) {
        e[i] = curl_easy_init();
        curl_easy_setopt(e[i], CURLOPT_URL, url);
        curl_easy_setopt(e[i], CURLOPT_HTTPHEADER, h);
        curl_easy_setopt(e[i], CURLOPT_POSTFIELDS, json[i]);
        curl_easy_setopt(e[i], CURLOPT_WRITEFUNCTION, discard);
        curl_easy_setopt(e[i], CURLOPT_TIMEOUT, 120L);
        curl_easy_setopt(e[i], CURLOPT_FRESH_CONNECT, 1L);
        curl_multi_add_handle(m, e[i]);
    }
    while (running) {
        curl_multi_perform(m, &running);
        curl_multi_poll(m, NULL, 0, 100, NULL);
    }
    while ((msg = curl_multi_info_read(m, &left)))
        if (msg->msg == CURLMSG_DONE && msg->data.result != CURLE_OK && first_err == CURLE_OK)
            first_err = msg->data.result;
    for (int i = 0; i < KIOSKS; i++) {
        status = 0;
        curl_easy_getinfo(e[i], CURLINFO_RESPONSE_CODE, &status);
        created += status == 201;
        hist[status / 100 < 6 ? status / 100 : 0]++;
        curl_multi_remove_handle(m, e[i]);
        curl_easy_cleanup(e[i]);
    }
    curl_multi_cleanup(m);
    curl_slist_free_all(h);
    if (created != KIOSKS)
        printf("  no answer %d, 2xx %d, 4xx %d, 5xx %d; first transfer error: %s\n", hist[0],
               hist[2], hist[4], hist[5], curl_easy_strerror(first_err));
    return created;
}

static int cmp_long(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

int main(void)
{
    /* One address for all: the bench is about connections, not the per-address cap. */
    const char *extra[] = {"--max-responses-per-kiosk-day", "1000000", "--max-per-ip", "4096",
                           NULL};
    char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32], token[TU_TOKEN_MAX];
    static char *json[KIOSKS];
    long base[RUNS], peak[RUNS];
    struct tu_server s;
    struct tu_response r;
    struct rlimit rl;
    int bad = 0;

    getrlimit(RLIMIT_NOFILE, &rl);
    rl.rlim_cur = rl.rlim_max;
    setrlimit(RLIMIT_NOFILE, &rl);
    curl_global_init(CURL_GLOBAL_DEFAULT);
    for (int i = 0; i < KIOSKS; i++)
        json[i] = tu_batch_json(NULL, 1, (unsigned)i, "2025-02", NULL);
    for (int run = 0; run < RUNS; run++) {
        char *one = tu_batch_json(NULL, 1, 99, "2025-02", NULL);
        int created;

        if (tu_fixture_start(&s, "bench-conns", dir, db, sizeof db, token, NULL, extra) != 0)
            return 1;
        tu_post_batch(&r, s.url, token, one, false);
        tu_response_free(&r);
        free(one);
        base[run] = proc_kib(s.pid, "VmHWM:");
        created = upload_all(s.url, token, json);
        peak[run] = proc_kib(s.pid, "VmHWM:");
        printf("run %d: %d of %d batches stored at once; collector peak RSS %ld KiB "
               "(after one batch %ld KiB)\n",
               run + 1, created, KIOSKS, peak[run], base[run]);
        bad |= created != KIOSKS || tu_db_count(db, "SELECT count(*) FROM batches") != KIOSKS + 1;
        tu_fixture_stop(&s, dir);
        for (int i = 0; i < KIOSKS; i++) { /* fresh batch ids for the next run */
            free(json[i]);
            json[i] = tu_batch_json(NULL, 1, (unsigned)(i + run * KIOSKS), "2025-02", NULL);
        }
    }
    qsort(base, RUNS, sizeof base[0], cmp_long);
    qsort(peak, RUNS, sizeof peak[0], cmp_long);
    printf("median: %d concurrent kiosks, collector peak RSS %ld KiB; baseline (one batch) "
           "%ld KiB; ratio %.2f; %.1f KiB per connection\n",
           KIOSKS, peak[RUNS / 2], base[RUNS / 2], (double)peak[RUNS / 2] / (double)base[RUNS / 2],
           (double)(peak[RUNS / 2] - base[RUNS / 2]) / KIOSKS);
    for (int i = 0; i < KIOSKS; i++)
        free(json[i]);
    return bad;
}

/* Test utilities (see testutil.h). Children are started with fork/exec and
 * always reaped; reads from them use poll() with deadlines, so a hung
 * program fails the test instead of hanging it. */
#include "testutil.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "batch.h"
#include "crypto.h"

#define TU_MAX_ARGS       32
#define TU_COMMAND_TIME_S 30
#define TU_START_TIME_S   15
#define TU_STOP_TIME_S    10

double tu_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void tu_sleep_ms(int ms)
{
    struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int tu_tempdir(const char *name, char *out)
{
    mkdir(TEST_OUTPUT_DIR, 0755);
    if (snprintf(out, TU_PATH_MAX, "%s/%s-XXXXXX", TEST_OUTPUT_DIR, name) >= TU_PATH_MAX)
        return -1;
    return mkdtemp(out) ? 0 : -1;
}

void tu_rmdir(const char *path)
{
    DIR *d = opendir(path);
    struct dirent *e;
    char file[TU_PATH_MAX * 2];

    while (d && (e = readdir(d))) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
            continue;
        snprintf(file, sizeof file, "%s/%s", path, e->d_name);
        unlink(file);
    }
    if (d)
        closedir(d);
    rmdir(path);
}

char *tu_chomp(char *s)
{
    size_t n = strlen(s);
    while (n && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' '))
        s[--n] = '\0';
    return s;
}

/* Reads both pipes until EOF or the deadline; keeps what fits. */
static void tu_drain(int fds[2], char *bufs[2], size_t caps[2], double deadline)
{
    size_t used[2] = {0, 0};
    int open_n = 2;

    while (open_n > 0 && tu_now() < deadline) {
        struct pollfd p[2] = {{fds[0], POLLIN, 0}, {fds[1], POLLIN, 0}};
        if (poll(p, 2, 200) <= 0)
            continue;
        for (int i = 0; i < 2; i++) {
            char tmp[4096];
            if (fds[i] < 0 || !(p[i].revents & (POLLIN | POLLHUP | POLLERR)))
                continue;
            ssize_t n = read(fds[i], tmp, sizeof tmp);
            if (n <= 0) {
                close(fds[i]);
                fds[i] = -1;
                open_n--;
                continue;
            }
            if (bufs[i] && caps[i] > 1) {
                size_t k = (size_t)n < caps[i] - 1 - used[i] ? (size_t)n : caps[i] - 1 - used[i];
                memcpy(bufs[i] + used[i], tmp, k);
                used[i] += k;
                bufs[i][used[i]] = '\0';
            }
        }
    }
    for (int i = 0; i < 2; i++)
        if (fds[i] >= 0)
            close(fds[i]);
}

static int tu_wait(pid_t pid, double deadline)
{
    int st = 0;
    for (;;) {
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid)
            return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
        if (w < 0)
            return -1;
        if (tu_now() > deadline) {
            kill(pid, SIGKILL);
            waitpid(pid, &st, 0);
            return -1;
        }
        tu_sleep_ms(10);
    }
}

int tu_collector(char *out, size_t outlen, char *err, size_t errlen, ...)
{
    char *argv[TU_MAX_ARGS + 2] = {COLLECTOR_BIN};
    int n = 1, po[2], pe[2];
    va_list ap;
    pid_t pid;

    va_start(ap, errlen);
    for (const char *a; n < TU_MAX_ARGS && (a = va_arg(ap, const char *));)
        argv[n++] = (char *)a;
    va_end(ap);
    argv[n] = NULL;
    if (out && outlen)
        out[0] = '\0';
    if (err && errlen)
        err[0] = '\0';
    if (pipe(po) != 0 || pipe(pe) != 0)
        return -1;
    if ((pid = fork()) == 0) {
        dup2(po[1], STDOUT_FILENO);
        dup2(pe[1], STDERR_FILENO);
        close(po[0]), close(pe[0]), close(po[1]), close(pe[1]);
        execv(COLLECTOR_BIN, argv);
        _exit(127);
    }
    close(po[1]);
    close(pe[1]);
    if (pid < 0) {
        close(po[0]), close(pe[0]);
        return -1;
    }
    double deadline = tu_now() + TU_COMMAND_TIME_S;
    tu_drain((int[2]){po[0], pe[0]}, (char *[2]){out, err}, (size_t[2]){outlen, errlen}, deadline);
    return tu_wait(pid, deadline);
}

int tu_setup_db(const char *db, char *kiosk_token, char *admin_token)
{
    char out[TU_TOKEN_MAX * 2], err[1024];

    /* Published "in" 2020 with the test-only clock, so that the months the
     * tests date their responses (2020 to 2025) fall in its window. */
    if (tu_collector(out, sizeof out, err, sizeof err, "survey", "publish", TU_SURVEY_FILE, "--db",
                     db, "--date", TU_PUBLISHED_ON, NULL) != 0) {
        fprintf(stderr, "tu_setup_db: survey publish failed: %s\n", err);
        return -1;
    }
    if (tu_collector(out, sizeof out, err, sizeof err, "kiosk", "add", "kiosk-1", "--db", db,
                     NULL) != 0) {
        fprintf(stderr, "tu_setup_db: kiosk add failed: %s\n", err);
        return -1;
    }
    if (kiosk_token)
        snprintf(kiosk_token, TU_TOKEN_MAX, "%s", tu_chomp(out));
    if (tu_collector(out, sizeof out, err, sizeof err, "admin-token", "--db", db, NULL) != 0) {
        fprintf(stderr, "tu_setup_db: admin-token failed: %s\n", err);
        return -1;
    }
    if (admin_token)
        snprintf(admin_token, TU_TOKEN_MAX, "%s", tu_chomp(out));
    return 0;
}

int tu_release(const char *db, int fiscal_year)
{
    char out[4096], err[1024], year[16];

    snprintf(year, sizeof year, "%d", fiscal_year);
    if (tu_collector(out, sizeof out, err, sizeof err, "release", "--survey", TU_SURVEY_ID,
                     "--fiscal-year", year, "--db", db, NULL) != 0) {
        fprintf(stderr, "tu_release: %s\n", err);
        return -1;
    }
    return strstr(out, "made with") ? 1 : 0;
}

/* The port in the first "listening on HOST:PORT" after offset, or -1. */
static int tu_log_port(const char *path, long offset, bool *https)
{
    char buf[8192], *p, *end, *colon;
    FILE *f = fopen(path, "r");
    size_t n;

    if (!f)
        return -1;
    fseek(f, offset, SEEK_SET);
    n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = '\0';
    if (!(p = strstr(buf, "listening on ")))
        return -1;
    p += strlen("listening on ");
    end = p + strcspn(p, "\" \n");
    *end = '\0';
    if (!(colon = strrchr(p, ':')))
        return -1;
    *https = strstr(end + 1, "scheme=https") != NULL;
    return atoi(colon + 1);
}

static long tu_file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (long)sb.st_size : 0;
}

static pid_t tu_spawn_server(const char *db, const char *const *extra, const char *log_path)
{
    char *argv[TU_MAX_ARGS + 8] = {COLLECTOR_BIN, "serve",    "--db",
                                   (char *)db,    "--listen", "127.0.0.1:0"};
    int n = 6;
    pid_t pid;

    for (; extra && *extra && n < TU_MAX_ARGS; extra++)
        argv[n++] = (char *)*extra;
    argv[n] = NULL;
    pid_t parent = getpid();
    if ((pid = fork()) == 0) {
        /* A test that fails an assertion or is killed by ctest's timeout
         * never reaches tu_server_stop(): the daemon must not outlive it. */
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        if (getppid() != parent)
            _exit(127);
        int fd = open(log_path, O_WRONLY | O_CREAT | O_APPEND, 0644);
        int devnull = open("/dev/null", O_RDWR);
        if (fd < 0 || devnull < 0)
            _exit(127);
        dup2(fd, STDERR_FILENO);
        dup2(devnull, STDOUT_FILENO);
        dup2(devnull, STDIN_FILENO);
        execv(COLLECTOR_BIN, argv);
        _exit(127);
    }
    return pid;
}

int tu_server_start(struct tu_server *s, const char *db, const char *const *extra)
{
    double deadline = tu_now() + TU_START_TIME_S;
    bool https = false;
    long offset;

    memset(s, 0, sizeof *s);
    snprintf(s->log_path, sizeof s->log_path, "%s.log", db);
    offset = tu_file_size(s->log_path);
    if ((s->pid = tu_spawn_server(db, extra, s->log_path)) < 0) {
        s->pid = 0;
        return -1;
    }
    while (tu_now() < deadline) {
        int st;
        if ((s->port = tu_log_port(s->log_path, offset, &https)) > 0)
            break;
        if (waitpid(s->pid, &st, WNOHANG) == s->pid) {
            fprintf(stderr, "tu_server_start: the collector exited; see %s\n", s->log_path);
            s->pid = 0;
            return -1;
        }
        tu_sleep_ms(20);
    }
    if (s->port <= 0) {
        tu_server_kill(s);
        return -1;
    }
    snprintf(s->url, sizeof s->url, "%s://127.0.0.1:%d", https ? "https" : "http", s->port);
    return 0;
}

int tu_server_stop(struct tu_server *s)
{
    int rc;
    if (s->pid <= 0)
        return -1;
    kill(s->pid, SIGTERM);
    rc = tu_wait(s->pid, tu_now() + TU_STOP_TIME_S);
    s->pid = 0;
    return rc;
}

void tu_server_kill(struct tu_server *s)
{
    if (s->pid <= 0)
        return;
    kill(s->pid, SIGKILL);
    waitpid(s->pid, NULL, 0);
    s->pid = 0;
}

static bool tu_file_has(const char *path, const char *text)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    bool found = false;

    while (f && !found && fgets(line, sizeof line, f))
        found = strstr(line, text) != NULL;
    if (f)
        fclose(f);
    return found;
}

bool tu_server_log_has(const struct tu_server *s, const char *text)
{
    /* The daemon logs a request after its answer went out: allow it a moment. */
    double deadline = tu_now() + 2.0;
    while (!tu_file_has(s->log_path, text)) {
        if (tu_now() > deadline)
            return false;
        tu_sleep_ms(10);
    }
    return true;
}

/* --- HTTP ------------------------------------------------------------- */

struct tu_buf {
    char *data;
    size_t len;
};

static size_t tu_collect(char *ptr, size_t size, size_t nmemb, void *ud)
{
    struct tu_buf *b = ud;
    size_t n = size * nmemb;
    char *grown = realloc(b->data, b->len + n + 1);
    if (!grown)
        return 0;
    memcpy(grown + b->len, ptr, n);
    b->data = grown;
    b->len += n;
    b->data[b->len] = '\0';
    return n;
}

int tu_http(struct tu_response *r, const char *method, const char *url, const char *auth,
            const char *const *headers, const void *body, size_t len)
{
    struct tu_buf b = {0}, h = {0};
    struct curl_slist *list = NULL;
    char line[512];
    CURL *c = curl_easy_init();
    CURLcode rc;

    memset(r, 0, sizeof *r);
    if (!c)
        return -1;
    if (auth) {
        snprintf(line, sizeof line, "Authorization: %s", auth);
        list = curl_slist_append(list, line);
    }
    for (; headers && *headers; headers++)
        list = curl_slist_append(list, *headers);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L); /* tests use a self-signed certificate */
    curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, tu_collect);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, tu_collect);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &h);
    if (!strcmp(method, "POST")) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, body ? body : "");
    } else if (strcmp(method, "GET")) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
    }
    rc = curl_easy_perform(c);
    if (rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r->status);
    else
        snprintf(r->error, sizeof r->error, "%s", curl_easy_strerror(rc));
    r->body = b.data ? b.data : calloc(1, 1);
    r->body_len = b.len;
    r->headers = h.data ? h.data : calloc(1, 1);
    curl_slist_free_all(list);
    curl_easy_cleanup(c);
    return rc == CURLE_OK ? 0 : -1;
}

void tu_response_free(struct tu_response *r)
{
    free(r->body);
    free(r->headers);
    r->body = r->headers = NULL;
}

const char *tu_header(const struct tu_response *r, const char *name, char *out, size_t len)
{
    size_t n = strlen(name);
    for (const char *p = r->headers; p && *p;) {
        const char *eol = strchr(p, '\n');
        size_t line = eol ? (size_t)(eol - p) : strlen(p);
        if (line > n && !strncasecmp(p, name, n) && p[n] == ':') {
            const char *v = p + n + 1;
            while (*v == ' ')
                v++;
            size_t k = (size_t)(p + line - v);
            while (k && (v[k - 1] == '\r' || v[k - 1] == ' '))
                k--;
            snprintf(out, len, "%.*s", (int)k, v);
            return out;
        }
        p = eol ? eol + 1 : p + line;
    }
    return NULL;
}

int tu_post_batch(struct tu_response *r, const char *base_url, const char *token, const char *json,
                  bool deflate)
{
    char url[256], auth[TU_TOKEN_MAX + 16];
    const char *plain[] = {"Content-Type: application/json", NULL};
    const char *deflated[] = {"Content-Type: application/json", "Content-Encoding: deflate", NULL};
    void *z = NULL;
    size_t zlen = 0;
    int rc;

    snprintf(url, sizeof url, "%s/api/v1/batches", base_url);
    snprintf(auth, sizeof auth, "Bearer %s", token);
    if (!deflate)
        return tu_http(r, "POST", url, auth, plain, json, strlen(json));
    if (batch_deflate(json, strlen(json), &z, &zlen) != BATCH_OK) {
        memset(r, 0, sizeof *r);
        return -1;
    }
    rc = tu_http(r, "POST", url, auth, deflated, z, zlen);
    free(z);
    return rc;
}

/* --- Sample data and the database --------------------------------------- */

char *tu_batch_json(const char *batch_id, int n, unsigned seed, const char *month, char *id_out)
{
    static const char *const employment[] = {"\"regular\"", "\"kaikei\""};
    size_t cap = 256 + (size_t)n * 256, len = 0;
    char id[CRYPTO_UUID_LEN], *out = malloc(cap);

    if (!out)
        return NULL;
    if (batch_id)
        snprintf(id, sizeof id, "%s", batch_id);
    else if (crypto_uuid4(id) != 0)
        snprintf(id, sizeof id, "00000000-0000-4000-8000-%012x", seed);
    if (id_out)
        snprintf(id_out, CRYPTO_UUID_LEN, "%s", id);
    len += (size_t)snprintf(out + len, cap - len,
                            "{\"format\":1,\"batch_id\":\"%s\",\"survey_id\":\"%s\","
                            "\"survey_version\":1,\"responses\":[",
                            id, TU_SURVEY_ID);
    for (int i = 0; i < n; i++) {
        bool sparse = i % 5 == 4;
        len += (size_t)snprintf(out + len, cap - len, "%s{\"month\":\"%s\",\"answers\":{",
                                i ? "," : "", month);
        for (int q = 1; q <= TU_QUESTIONS; q++)
            len += (size_t)snprintf(out + len, cap - len, "\"q%02d\":%d%s", q,
                                    1 + (int)(rand_r(&seed) % 4), q < TU_QUESTIONS ? "," : "");
        len += (size_t)snprintf(
            out + len, cap - len, "},\"attributes\":{%s%s}}",
            sparse ? "" : "\"employment\":", sparse ? "" : employment[rand_r(&seed) % 2]);
    }
    snprintf(out + len, cap - len, "]}");
    return out;
}

long long tu_db_count(const char *db, const char *sql)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *s = NULL;
    long long v = -1;

    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_busy_timeout(h, 5000) == SQLITE_OK &&
        sqlite3_prepare_v2(h, sql, -1, &s, NULL) == SQLITE_OK && sqlite3_step(s) == SQLITE_ROW)
        v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    sqlite3_close(h);
    return v;
}

/* Copies the file at from to to (mode 0600); 0 or -1. */
static int tu_copy_file(const char *from, const char *to)
{
    char buf[8192];
    size_t n;
    int rc = 0;
    FILE *in = fopen(from, "rb"), *out = NULL;
    int fd = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0600);

    if (!in || fd < 0 || !(out = fdopen(fd, "wb"))) {
        if (in)
            fclose(in);
        if (fd >= 0)
            close(fd);
        return -1;
    }
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        rc |= fwrite(buf, 1, n, out) != n ? -1 : 0;
    fclose(in);
    return fclose(out) == 0 ? rc : -1;
}

long long tu_distinct_opened(const char *db, int fiscal_year, const char *keep)
{
    char copy[TU_PATH_MAX + 64], from_keys[TU_PATH_MAX + 64], to_keys[TU_PATH_MAX + 80];
    char sql[TU_PATH_MAX + 128], side[TU_PATH_MAX + 80];
    sqlite3 *h = NULL;
    long long n = -1;

    snprintf(copy, sizeof copy, "%s.peek", db);
    snprintf(from_keys, sizeof from_keys, "%s.keys", db);
    snprintf(to_keys, sizeof to_keys, "%s.keys", copy);
    unlink(copy);
    snprintf(sql, sizeof sql, "VACUUM INTO '%s'", copy);
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_busy_timeout(h, 5000) == SQLITE_OK &&
        sqlite3_exec(h, sql, NULL, NULL, NULL) == SQLITE_OK &&
        tu_copy_file(from_keys, to_keys) == 0) {
        sqlite3_close(h);
        h = NULL;
        if ((!keep || (sqlite3_open(copy, &h) == SQLITE_OK &&
                       sqlite3_exec(h, keep, NULL, NULL, NULL) == SQLITE_OK)) &&
            tu_release(copy, fiscal_year) >= 0)
            n = tu_db_count(copy, "SELECT count(DISTINCT answers) FROM released_responses");
    }
    sqlite3_close(h);
    unlink(copy);
    unlink(to_keys);
    snprintf(side, sizeof side, "%s-wal", copy);
    unlink(side);
    snprintf(side, sizeof side, "%s-shm", copy);
    unlink(side);
    return n;
}

int tu_fixture_start(struct tu_server *s, const char *name, char *dir, char *db, size_t dblen,
                     char *kiosk_token, char *admin_token, const char *const *extra)
{
    if (tu_tempdir(name, dir) != 0)
        return -1;
    snprintf(db, dblen, "%s/collector.db", dir);
    if (tu_setup_db(db, kiosk_token, admin_token) != 0)
        return -1;
    return tu_server_start(s, db, extra);
}

int tu_fixture_stop(struct tu_server *s, const char *dir)
{
    int rc = tu_server_stop(s);
    if (rc == 0)
        tu_rmdir(dir);
    return rc == 0 ? 0 : -1;
}

int tu_free_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0), port = -1;

    if (fd >= 0 && bind(fd, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(fd, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (fd >= 0)
        close(fd);
    return port;
}

/* Runs the real kiosk program headless for the UI tests. Assumes KIOSK_BIN
 * is built; every child is waited for with a deadline and killed after it. */
#include "helper_ui.h"

#include <jansson.h>

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include "app.h"

#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "kiosk_store.h"
#include "seal.h"

#define UI_MAX_ARGS 32

static int write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    if (!f)
        return -1;
    int rc = fputs(text, f) < 0 ? -1 : 0;
    return fclose(f) != 0 ? -1 : rc;
}

int ui_init(struct ui_kiosk *k, const char *name, int idle_timeout_s)
{
    return ui_init_batch(k, name, idle_timeout_s, 1000);
}

static int init_config(struct ui_kiosk *k, const char *name, int idle_timeout_s, int min_batch,
                       const char *url, const char *token)
{
    memset(k, 0, sizeof *k);
    if (tu_tempdir(name, k->dir) != 0)
        return -1;
    snprintf(k->conf, sizeof k->conf, "%s/kiosk.conf", k->dir);
    snprintf(k->db, sizeof k->db, "%s/kiosk.db", k->dir);
    snprintf(k->script_path, sizeof k->script_path, "%s/run.script", k->dir);
    char conf[2048], pin[128] = "";
    /* Offline kiosks get a pinned key; one with a collector takes the collector's. */
    if (strcmp(url, "http://127.0.0.1:9") == 0)
        snprintf(pin, sizeof pin, "collector_key = %s\n", UI_TEST_COLLECTOR_KEY);
    snprintf(conf, sizeof conf,
             "# written by a UI test\n"
             "collector_url = %s\n"
             "token = %s\n"
             "db = %s\n"
             "name = UI test kiosk\n"
             "maintenance_pin = 1234\n"
             "min_batch = %d\n"
             "idle_timeout_s = %d\n"
             "sync_interval_s = 1\n"
             "%s",
             url, token, k->db, min_batch, idle_timeout_s, pin);
    return write_file(k->conf, conf);
}

int ui_init_batch(struct ui_kiosk *k, const char *name, int idle_timeout_s, int min_batch)
{
    return init_config(k, name, idle_timeout_s, min_batch, "http://127.0.0.1:9",
                       "ui-test-token-0123456789abcdef");
}

int ui_init_collector(struct ui_kiosk *k, const char *name, const char *url, const char *token)
{
    return init_config(k, name, 60, 1, url, token);
}

void ui_add(struct ui_kiosk *k, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(k->script + k->len, sizeof k->script - k->len - 1, fmt, ap);
    va_end(ap);
    if (n > 0 && k->len + (size_t)n < sizeof k->script - 1) {
        k->len += (size_t)n;
        k->script[k->len++] = '\n';
        k->script[k->len] = '\0';
    }
}

static void read_err(struct ui_kiosk *k, const char *path)
{
    FILE *f = fopen(path, "r");
    size_t n = f ? fread(k->err, 1, sizeof k->err - 1, f) : 0;
    k->err[n] = '\0';
    if (f)
        fclose(f);
}

static int wait_child(pid_t pid)
{
    int status;
    double deadline = tu_now() + UI_TIMEOUT_S;
    while (tu_now() < deadline) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
        if (r < 0)
            return -1;
        struct timespec ts = {0, 10 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
    return -1;
}

int ui_run(struct ui_kiosk *k, const char *survey_file, const char *size, const char *const *extra)
{
    char err_path[TU_PATH_MAX + 32];
    snprintf(err_path, sizeof err_path, "%s/stderr.txt", k->dir);
    if (write_file(k->script_path, k->script) != 0)
        return -1;
    const char *argv[UI_MAX_ARGS] = {KIOSK_BIN,  "--config",     k->conf,  "--headless",
                                     "--script", k->script_path, "--date", UI_IN_PERIOD};
    int n = 8;
    if (survey_file) {
        argv[n++] = "--survey";
        argv[n++] = survey_file;
    }
    if (size) {
        argv[n++] = "--size";
        argv[n++] = size;
    }
    for (int i = 0; extra && extra[i] && n < UI_MAX_ARGS - 1; i++)
        argv[n++] = extra[i];
    argv[n] = NULL;
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        int fd = open(err_path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (fd >= 0)
            dup2(fd, 2);
        setenv("SDL_VIDEODRIVER", "dummy", 1);
        execv(KIOSK_BIN, (char *const *)argv);
        _exit(127);
    }
    int rc = wait_child(pid);
    read_err(k, err_path);
    if (rc != 0)
        fprintf(stderr, "kiosk exited %d:\n%s\n", rc, k->err);
    return rc;
}

int ui_stored(const struct ui_kiosk *k)
{
    struct kiosk_store *st = NULL;
    struct kiosk_store_status s;
    char err[KSTORE_ERR_LEN];
    if (kiosk_store_open(k->db, &st, NULL, err, sizeof err) != 0)
        return -1;
    kiosk_store_get_status(st, &s);
    kiosk_store_close(st);
    return s.unsealed;
}

static int submit_one(struct kiosk_store *st, const struct survey *s)
{
    int values[SURVEY_MAX_QUESTIONS], options[SURVEY_MAX_ATTRIBUTES];
    char err[KSTORE_ERR_LEN], key[SEAL_PK_TEXT_LEN];
    if (kiosk_store_collector_key(st, key) != 1 &&
        kiosk_store_set_collector_key(st, UI_TEST_COLLECTOR_KEY) != 0)
        return -1;
    for (size_t i = 0; i < s->n_questions; i++)
        values[i] = s->points[0].value;
    for (size_t j = 0; j < s->n_attributes; j++)
        options[j] = 0;
    return kiosk_store_submit(st, s, "2025-02", values, options, err, sizeof err);
}

int ui_quarantine(const struct ui_kiosk *k, const char *survey_file, int n, int http_status,
                  const char *error)
{
    struct kiosk_store *st = NULL;
    struct survey *s = NULL;
    char err[KSTORE_ERR_LEN], ids[1][37];
    int rc = -1;
    if (survey_load_file(survey_file, &s, err, sizeof err) != SURVEY_OK ||
        kiosk_store_open(k->db, &st, NULL, err, sizeof err) != 0)
        goto out;
    for (int i = 0; i < n; i++) { /* one at a time: each response its own batch */
        if (submit_one(st, s) != 0 || kiosk_store_seal(st, 1, time(NULL), err, sizeof err) != 1 ||
            kiosk_store_list_sealed(st, ids, 1) != 1 ||
            kiosk_store_batch_attempt(st, ids[0], true, http_status, error) != 0)
            goto out;
    }
    rc = kiosk_store_note_sync(st, 0, error); /* as the sync thread notes the refusal */
out:
    kiosk_store_close(st);
    survey_free(s);
    return rc;
}

long long ui_batches(const struct ui_kiosk *k, const char *state)
{
    char sql[128];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM batches WHERE state = '%s'", state);
    return tu_db_count(k->db, sql);
}

void ui_cleanup(struct ui_kiosk *k)
{
    tu_rmdir(k->dir);
}

/* The whole of a small text file, malloc'ed and NUL-terminated, or NULL. */
static char *read_text(const char *path)
{
    FILE *f = fopen(path, "r");
    char *text = malloc(UI_SCRIPT_MAX);
    size_t n = f && text ? fread(text, 1, UI_SCRIPT_MAX - 1, f) : 0;
    if (f)
        fclose(f);
    if (!text || n == 0 || n == UI_SCRIPT_MAX - 1) {
        free(text);
        return NULL;
    }
    text[n] = '\0';
    return text;
}

json_t *ui_open_sealed(const json_t *sealed)
{
    unsigned char pk[SEAL_KEY_BYTES], sk[SEAL_KEY_BYTES];
    struct seal_keyring *kr = seal_keyring_new();
    const char *text = json_string_value(sealed);
    char *plain = NULL;
    size_t len = 0;
    json_t *r = NULL;
    if (kr && text && seal_pk_from_text(UI_TEST_COLLECTOR_KEY, pk) == 0 &&
        seal_sk_from_text(UI_TEST_COLLECTOR_SECRET, sk) == 0 && seal_keyring_add(kr, pk, sk) == 0 &&
        seal_open(kr, text, strlen(text), &plain, &len) == SEAL_OK)
        r = json_loadb(plain, len, 0, NULL);
    seal_plain_free(plain, len);
    seal_keyring_free(kr);
    return r;
}

int ui_pin_collector_key(const struct ui_kiosk *k, const char *db)
{
    char out[512], err[512];
    /* The daemon makes the key file on its first start; `key init` if not yet. */
    if (tu_collector(out, sizeof out, err, sizeof err, "key", "show", "--db", db, NULL) != 0 &&
        (tu_collector(out, sizeof out, err, sizeof err, "key", "init", "--db", db, NULL) != 0 ||
         tu_collector(out, sizeof out, err, sizeof err, "key", "show", "--db", db, NULL) != 0))
        return -1;
    return ui_conf_set(k, "collector_key", tu_chomp(out));
}

int ui_conf_set(const struct ui_kiosk *k, const char *key, const char *value)
{
    char *text = read_text(k->conf), line[TU_PATH_MAX + 64];
    if (!text)
        return -1;
    snprintf(line, sizeof line, "\n%s = ", key);
    char *at = strstr(text, line), *end = at ? strchr(at + 1, '\n') : NULL;
    FILE *f = fopen(k->conf, "w");
    int rc = -1;
    if (f && at)
        rc = fprintf(f, "%.*s\n%s = %s%s", (int)(at - text), text, key, value, end ? end : "\n");
    else if (f)
        rc = fprintf(f, "%s%s = %s\n", text, key, value);
    rc = f && fclose(f) == 0 && rc > 0 ? 0 : -1;
    free(text);
    return rc;
}

int ui_survey_version(const char *src, int version, const char *dst)
{
    char *text = read_text(src);
    char *at = text ? strstr(text, "\"version\": 1,") : NULL;
    int rc = -1;
    FILE *f = at ? fopen(dst, "w") : NULL;
    if (f) {
        rc = fprintf(f, "%.*s\"version\": %d,%s", (int)(at - text), text, version,
                     at + strlen("\"version\": 1,")) > 0
                 ? 0
                 : -1;
        rc = fclose(f) == 0 ? rc : -1;
    }
    free(text);
    return rc;
}

struct app *ui_open_app(const struct ui_kiosk *k, const char *survey_file, const char *size,
                        char *err, size_t errlen)
{
    struct kiosk_options opt = {.config = k->conf,
                                .headless = true,
                                .survey = survey_file,
                                .date = UI_IN_PERIOD,
                                .drain_s = -1};
    if (size && sscanf(size, "%dx%d", &opt.width, &opt.height) != 2) {
        snprintf(err, errlen, "size \"%s\" is not WxH", size);
        return NULL;
    }
    return app_open(&opt, err, errlen);
}

int ui_shot(struct app *a, const char *name, char *path, char *err, size_t errlen)
{
    mkdir(TEST_OUTPUT_DIR, 0755);
    mkdir(TEST_OUTPUT_DIR "/kiosk", 0755);
    snprintf(path, TU_PATH_MAX, "%s/kiosk/%s", TEST_OUTPUT_DIR, name);
    return app_shot(a, path, err, errlen);
}

void ui_shot_or_fail(struct app *a, const char *name)
{
    char path[TU_PATH_MAX], err[APP_ERR_LEN];

    if (ui_shot(a, name, path, err, sizeof err) != 0)
        fail_msg("%s", err);
}

struct app *ui_open_or_fail(const struct ui_kiosk *k, const char *survey_file, const char *size)
{
    char err[APP_ERR_LEN];
    struct app *a = ui_open_app(k, survey_file, size, err, sizeof err);

    if (!a)
        fail_msg("app_open: %s", err);
    return a;
}

void ui_tap(struct app *a, enum app_action action, int arg)
{
    int x, y;

    app_await_button(a, action, arg, 30000);
    if (!app_button_center(a, action, arg, &x, &y))
        fail_msg("no button for action %d (%d) on the %s screen", action, arg,
                 screen_name(app_screen(a)));
    app_tap(a, x, y);
}

void ui_open_maintenance(struct app *a)
{
    app_wait(a, 1000); /* staff walk up: the screen takes touches by then */
    app_press(a, 5, 5, 2500);
    assert_int_equal(app_screen(a), SCREEN_PIN);
    for (int d = 1; d <= 4; d++)
        ui_tap(a, ACTION_PIN_DIGIT, d);
    ui_tap(a, ACTION_PIN_OK, 0);
    assert_int_equal(app_screen(a), SCREEN_MAINTENANCE);
}

int ui_fill_store(const char *db)
{
    struct kiosk_store *st = NULL;
    struct survey *s = NULL;
    char err[KSTORE_ERR_LEN];
    int values[SURVEY_MAX_QUESTIONS], options[SURVEY_MAX_ATTRIBUTES] = {0}, rc = -1;
    if (survey_load_file(UI_GOSHOGAWARA, &s, err, sizeof err) != SURVEY_OK ||
        kiosk_store_open(db, &st, NULL, err, sizeof err) != 0 ||
        kiosk_store_set_collector_key(st, UI_TEST_COLLECTOR_KEY) != 0 ||
        kiosk_store_set_survey(st, s->source, s->source_len, NULL) != 0 ||
        kiosk_store_set_max_pages(st, 1) != 0) /* SQLite keeps the current size */
        goto out;
    for (size_t i = 0; i < s->n_questions; i++)
        values[i] = 4;
    for (int i = 0; i < 5000; i++) {
        if (kiosk_store_submit(st, s, "2025-02", values, options, err, sizeof err) != 0) {
            rc = 0; /* full */
            break;
        }
    }
out:
    kiosk_store_close(st);
    survey_free(s);
    return rc;
}

json_t *ui_stored_response(const struct ui_kiosk *k)
{
    struct kiosk_store *st = NULL;
    char err[KSTORE_ERR_LEN], ids[4][37];
    char *body = NULL;
    size_t len = 0;
    assert_int_equal(kiosk_store_open(k->db, &st, NULL, err, sizeof err), 0);
    assert_int_equal(kiosk_store_seal(st, 1, time(NULL), err, sizeof err), 1);
    assert_int_equal(kiosk_store_list_sealed(st, ids, 4), 1);
    assert_int_equal(kiosk_store_batch_body(st, ids[0], &body, &len), 0);
    kiosk_store_close(st);
    json_t *batch = json_loadb(body, len, 0, NULL);
    free(body);
    assert_non_null(batch);
    json_t *r = ui_open_sealed(json_array_get(json_object_get(batch, "responses"), 0));
    json_decref(batch);
    assert_non_null(r);
    return r;
}

void ui_write_survey(const struct ui_kiosk *k, const char *name, const char *json, char *path)
{
    snprintf(path, TU_PATH_MAX + 32, "%s/%s", k->dir, name);
    if (write_file(path, json) != 0)
        fail_msg("cannot write %s", path);
}

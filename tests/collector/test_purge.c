/* `collector kiosk purge` end to end: two kiosks upload through a real
 * collector on loopback, kiosk B is revoked and purged while the daemon
 * serves, and what remains must be what a database that only ever heard
 * from kiosk A holds: the same waiting responses and, once released, the
 * same released responses and KPI JSON. After a release, a purge removes
 * the batches and leaves the released responses (no link to a kiosk is
 * kept). Refusals, --dry-run and a second purge must change nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "batch.h"
#include "helper_recount.h"
#include "testutil.h"

#define N_BATCHES 4 /* per kiosk */

/* One collector with its folder, database and tokens. */
struct env {
    struct tu_server srv;
    char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32];
    char token_a[TU_TOKEN_MAX], token_b[TU_TOKEN_MAX], admin[TU_TOKEN_MAX];
    bool started;
};

struct fixture {
    struct env main, ref; /* ref only ever hears from kiosk A */
    char *a[N_BATCHES + 1], *b[N_BATCHES];
};

static char out[TU_OUTPUT_MAX], err[4096];

/* The sample batch in month; version 2 of the survey when v2; when span,
 * its first response moves to the next month (2025-03 -> 2025-04), so the
 * batch lies in two fiscal years. Every edit keeps the length. */
static char *batch(int version, const char *month, int n, unsigned seed, bool span)
{
    char *json = tu_batch_json(NULL, n, seed, month, NULL), *p;

    if (json && version == 2 && (p = strstr(json, "\"survey_version\":1")))
        p[strlen("\"survey_version\":")] = '2';
    if (json && span && (p = strstr(json, "\"month\":\"2025-03\"")))
        p[strlen("\"month\":\"2025-0")] = '4';
    return json;
}

/* Publishes version 2 of the sample survey (the same questions). */
static int publish_v2(const struct env *e)
{
    char path[TU_PATH_MAX + 32], *text = NULL, *p;
    size_t len = 0;
    FILE *f = fopen(TU_SURVEY_FILE, "r");
    int rc = -1;

    if (!f)
        return -1;
    text = calloc(1, 1 << 20);
    if (text)
        len = fread(text, 1, (1 << 20) - 1, f);
    fclose(f);
    snprintf(path, sizeof path, "%s/survey-v2.json", e->dir);
    if (text && (p = strstr(text, "\"version\": 1,")) && (f = fopen(path, "w"))) {
        p[strlen("\"version\": ")] = '2';
        rc = fwrite(text, 1, len, f) == len ? 0 : -1;
        fclose(f);
        if (rc == 0)
            rc = tu_collector(out, sizeof out, err, sizeof err, "survey", "publish", path, "--db",
                              e->db, "--date", TU_PUBLISHED_ON, NULL);
    }
    free(text);
    return rc;
}

static int env_start(struct env *e, const char *name, bool with_b)
{
    memset(e, 0, sizeof *e);
    if (tu_fixture_start(&e->srv, name, e->dir, e->db, sizeof e->db, e->token_a, e->admin, NULL))
        return -1;
    e->started = true;
    if (publish_v2(e) != 0)
        return -1;
    if (!with_b)
        return 0;
    if (tu_collector(out, sizeof out, err, sizeof err, "kiosk", "add", "kiosk-b", "--db", e->db,
                     NULL) != 0)
        return -1;
    snprintf(e->token_b, sizeof e->token_b, "%s", tu_chomp(out));
    return 0;
}

static long post(const struct env *e, const char *token, const char *json)
{
    struct tu_response r = {0};
    long status = tu_post_batch(&r, e->srv.url, token, json, true) == 0 ? r.status : 0;

    tu_response_free(&r);
    return status;
}

/* Kiosk A: FY2024 and FY2025, both survey versions, one batch across the
 * two years, and a full batch, so that the recount of FY2024 takes more
 * than one chunk; a[N_BATCHES] is kept for after the purge. Kiosk B likewise,
 * 24 responses: FY2024 17 in 3 batches, FY2025 7 in 2 batches. */
static int make_batches(struct fixture *f)
{
    f->a[0] = batch(1, "2024-11", BATCH_MAX_RESPONSES, 1, false);
    f->a[1] = batch(1, "2025-02", 6, 2, false);
    f->a[2] = batch(2, "2025-06", 7, 3, false);
    f->a[3] = batch(1, "2025-03", 5, 4, true);
    f->a[4] = batch(2, "2025-01", 3, 5, false);
    f->b[0] = batch(1, "2024-11", 9, 11, false);
    f->b[1] = batch(2, "2025-05", 6, 12, false);
    f->b[2] = batch(1, "2025-03", 5, 13, true);
    f->b[3] = batch(1, "2025-01", 4, 14, false);
    for (int i = 0; i < N_BATCHES; i++)
        if (!f->a[i] || !f->b[i])
            return -1;
    return f->a[N_BATCHES] ? 0 : -1;
}

/* Uploads A's and B's batches to main, interleaved, and A's to ref. */
static int upload_all(struct fixture *f)
{
    for (int i = 0; i < N_BATCHES; i++)
        if (post(&f->main, f->main.token_a, f->a[i]) != 201 ||
            post(&f->main, f->main.token_b, f->b[i]) != 201 ||
            post(&f->ref, f->ref.token_a, f->a[i]) != 201)
            return -1;
    return 0;
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof *f);

    *state = f;
    if (!f || env_start(&f->main, "purge", true) != 0 || env_start(&f->ref, "purge-ref", false))
        return -1;
    return make_batches(f) == 0 && upload_all(f) == 0 ? 0 : -1;
}

/* Whether the stopped daemon's log holds a sanitizer report (read at
 * once: the log is complete when the daemon has exited). */
static bool log_dirty(const struct tu_server *s)
{
    char line[1024];
    bool dirty = false;
    FILE *f = fopen(s->log_path, "r");

    while (f && !dirty && fgets(line, sizeof line, f))
        dirty = strstr(line, "Sanitizer") != NULL;
    if (f)
        fclose(f);
    return dirty;
}

/* Stops the daemon; keeps its folder and returns -1 when it did not stop
 * cleanly or its log holds a sanitizer report. */
static int env_stop(struct env *e)
{
    bool clean = true;

    if (e->started) {
        clean = tu_server_stop(&e->srv) == 0 && !log_dirty(&e->srv);
        if (clean)
            tu_rmdir(e->dir);
        else
            fprintf(stderr, "the collector did not stop cleanly: see %s\n", e->srv.log_path);
    }
    e->started = false;
    return clean ? 0 : -1;
}

static int teardown(void **state)
{
    struct fixture *f = *state;

    if (!f)
        return 0;
    int rc = env_stop(&f->main) | env_stop(&f->ref);
    for (int i = 0; i < N_BATCHES; i++) {
        free(f->a[i]);
        free(f->b[i]);
    }
    free(f->a[N_BATCHES]);
    free(f);
    return rc;
}

/* Every row sql gives, one line each, columns split by '|' (malloc'ed). */
static char *dump(const char *db, const char *sql)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *s = NULL;
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    if (f && sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_busy_timeout(h, 5000) == SQLITE_OK &&
        sqlite3_prepare_v2(h, sql, -1, &s, NULL) == SQLITE_OK) {
        while (sqlite3_step(s) == SQLITE_ROW)
            for (int c = 0; c < sqlite3_column_count(s); c++) {
                const char *v = (const char *)sqlite3_column_text(s, c);
                fprintf(f, "%s%c", v ? v : "NULL", c + 1 < sqlite3_column_count(s) ? '|' : '\n');
            }
    } else if (f) {
        fprintf(f, "cannot read %s: %s", db, h ? sqlite3_errmsg(h) : "");
    }
    sqlite3_finalize(s);
    sqlite3_close(h);
    if (f)
        fclose(f);
    return text;
}

/* The waiting responses per batch and year (their sealed texts differ
 * between two collectors: each sealed them with its own key), and the
 * released ones as a release wrote them. */
#define WAITING_SQL                                                                                \
    "SELECT batch_id, survey_id, fiscal_year, count(*) FROM responses GROUP BY 1, 2, 3"            \
    " ORDER BY 1, 2, 3"
#define RELEASED_SQL                                                                               \
    "SELECT survey_id, fiscal_year, release_rev, answers, attributes FROM released_responses"      \
    " ORDER BY 1, 2, 3, 4, 5"

/* Every table the purge may write, as text: equal before and after means
 * nothing changed. */
static char *snapshot(const char *db)
{
    static const char *const tables[] = {
        "surveys",   "kiosks",   "admin_tokens",          "batches",
        "responses", "releases", "release_answer_counts", "released_responses"};
    char *text = NULL, sql[128];
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);

    for (size_t i = 0; f && i < sizeof tables / sizeof tables[0]; i++) {
        snprintf(sql, sizeof sql, "SELECT * FROM %s ORDER BY 1, 2", tables[i]);
        char *rows = dump(db, sql);
        fprintf(f, "[%s]\n%s", tables[i], rows ? rows : "?");
        free(rows);
    }
    if (f)
        fclose(f);
    return text;
}

/* The database is as before (a snapshot, freed here). */
static void assert_unchanged(const char *db, char *before)
{
    char *after = snapshot(db);

    assert_non_null(before);
    assert_non_null(after);
    assert_string_equal(before, after);
    free(before);
    free(after);
}

static void assert_same_rows(const char *db1, const char *db2, const char *sql)
{
    char *x = dump(db1, sql), *y = dump(db2, sql);

    assert_non_null(x);
    assert_non_null(y);
    assert_true(strlen(x) > 0);
    assert_string_equal(x, y);
    free(x);
    free(y);
}

static char *kpi(const struct env *e, const char *query)
{
    char url[256], auth[TU_TOKEN_MAX + 16];
    struct tu_response r = {0};
    char *body = NULL;

    snprintf(url, sizeof url, "%s/api/v1/kpi?%s", e->srv.url, query);
    snprintf(auth, sizeof auth, "Bearer %s", e->admin);
    if (tu_http(&r, "GET", url, auth, NULL, NULL, 0) == 0 && r.status == 200)
        body = strdup(r.body);
    tu_response_free(&r);
    return body;
}

/* Releases FY2024 and FY2025 of e. Purges run on data not released yet:
 * the tests release only after them, to compare the figures. */
static void release(const struct env *e)
{
    char year[8];

    for (int fy = 2024; fy <= 2025; fy++) {
        snprintf(year, sizeof year, "%d", fy);
        if (tu_collector(out, sizeof out, err, sizeof err, "release", "--survey", TU_SURVEY_ID,
                         "--fiscal-year", year, "--db", e->db, NULL) != 0)
            fail_msg("collector release --fiscal-year %d: %s", fy, err);
    }
}

/* s with the time of its release blanked ("made_at":"" ), in place: two
 * releases made in the same test on a busy machine may be a second apart. */
static char *without_made_at(char *s)
{
    char *p = strstr(s, "\"made_at\":\""), *end;

    if (p && (end = strchr(p + strlen("\"made_at\":\""), '"')))
        memmove(p + strlen("\"made_at\":\""), end, strlen(end) + 1);
    return s;
}

/* main and ref agree on every waiting response and, once both are
 * released, every released response and the KPIs of both fiscal years,
 * overall and by employment. */
static void assert_same_as_ref(const struct fixture *f)
{
    static const char *const queries[] = {"fiscal_year=2024", "fiscal_year=2025",
                                          "fiscal_year=2024&group_by=employment",
                                          "fiscal_year=2025&group_by=employment"};

    assert_same_rows(f->main.db, f->ref.db, WAITING_SQL);
    assert_same_rows(f->main.db, f->ref.db,
                     "SELECT batch_id, survey_id, survey_version, content_sha256, responses"
                     " FROM batches ORDER BY 1");
    assert_same_rows(f->main.db, f->ref.db,
                     "SELECT batches, responses FROM kiosks WHERE name = 'kiosk-1'");
    release(&f->main);
    release(&f->ref);
    assert_same_rows(f->main.db, f->ref.db, RELEASED_SQL);
    assert_int_equal(helper_aggregates_mismatch(f->main.db), 0);
    for (size_t i = 0; i < sizeof queries / sizeof queries[0]; i++) {
        char *x = kpi(&f->main, queries[i]), *y = kpi(&f->ref, queries[i]);
        assert_non_null(x);
        assert_non_null(y);
        assert_string_equal(without_made_at(x), without_made_at(y));
        free(x);
        free(y);
    }
}

static int purge(const struct env *e, const char *name, const char *opt, const char *value)
{
    out[0] = err[0] = '\0';
    return tu_collector(out, sizeof out, err, sizeof err, "kiosk", "purge", name, "--db", e->db,
                        opt, value, NULL);
}

static int revoke_b(const struct env *e)
{
    return tu_collector(out, sizeof out, err, sizeof err, "kiosk", "revoke", "kiosk-b", "--db",
                        e->db, NULL);
}

static bool one_line(const char *s)
{
    const char *nl = strchr(s, '\n');
    return *s && nl && nl[1] == '\0';
}

static void test_purge_leaves_what_kiosk_a_alone_would_have(void **state)
{
    struct fixture *f = *state;

    assert_int_equal(revoke_b(&f->main), 0);
    assert_int_equal(post(&f->main, f->main.token_b, f->a[N_BATCHES]), 403);
    assert_int_equal(purge(&f->main, "kiosk-b", NULL, NULL), 0);
    assert_true(one_line(out));
    assert_non_null(strstr(out, "purged kiosk kiosk-b: 4 batches, 24 waiting responses ("
                                "FY2024 (令和6年度): 3 batches, 17 responses; "
                                "FY2025 (令和7年度): 2 batches, 7 responses)"));
    assert_int_equal(tu_db_count(f->main.db, "SELECT count(*) FROM batches b JOIN kiosks k"
                                             " USING (kiosk_id) WHERE k.name = 'kiosk-b'"),
                     0);
    assert_int_equal(tu_db_count(f->main.db, "SELECT batches + responses FROM kiosks"
                                             " WHERE name = 'kiosk-b'"),
                     0);
    assert_same_as_ref(f);

    /* The daemon keeps storing; the next revision takes it in. */
    assert_int_equal(post(&f->main, f->main.token_a, f->a[N_BATCHES]), 201);
    assert_int_equal(post(&f->ref, f->ref.token_a, f->a[N_BATCHES]), 201);
    assert_same_as_ref(f);
}

static void test_purge_of_unknown_kiosk_fails_and_changes_nothing(void **state)
{
    struct fixture *f = *state;
    char *before = snapshot(f->main.db);

    assert_int_not_equal(purge(&f->main, "kiosk-z", NULL, NULL), 0);
    assert_true(one_line(err));
    assert_non_null(strstr(err, "no kiosk is named \"kiosk-z\""));
    assert_string_equal(out, "");
    assert_unchanged(f->main.db, before);
}

static void test_purge_of_active_kiosk_is_refused_and_changes_nothing(void **state)
{
    struct fixture *f = *state;
    char *before = snapshot(f->main.db);

    assert_int_not_equal(purge(&f->main, "kiosk-b", NULL, NULL), 0);
    assert_true(one_line(err));
    assert_non_null(strstr(err, "collector kiosk revoke \"kiosk-b\" first"));
    assert_int_not_equal(purge(&f->main, "kiosk-b", "--dry-run", NULL), 0);
    assert_unchanged(f->main.db, before);
    assert_int_equal(post(&f->main, f->main.token_b, f->a[N_BATCHES]), 201);
}

static void test_purge_dry_run_says_what_and_changes_nothing(void **state)
{
    struct fixture *f = *state;
    char *before;

    assert_int_equal(revoke_b(&f->main), 0);
    before = snapshot(f->main.db);
    assert_int_equal(purge(&f->main, "kiosk-b", "--dry-run", NULL), 0);
    assert_true(one_line(out));
    assert_non_null(strstr(out, "dry run, would purge kiosk kiosk-b: 4 batches, 24 waiting"
                                " responses"));
    assert_non_null(strstr(out, "nothing changed"));
    assert_unchanged(f->main.db, before);
}

/* Dates B's first and last batches as received in January 2025. */
static void backdate(const struct env *e, const char *const *json, int n)
{
    sqlite3 *h = NULL;

    assert_int_equal(sqlite3_open(e->db, &h), SQLITE_OK);
    sqlite3_busy_timeout(h, 5000);
    for (int i = 0; i < n; i++) {
        char sql[256], id[37];
        const char *p = strstr(json[i], "\"batch_id\":\"");
        assert_non_null(p);
        snprintf(id, sizeof id, "%s", p + strlen("\"batch_id\":\""));
        snprintf(sql, sizeof sql,
                 "UPDATE batches SET received_at = '2025-01-%02dT23:59:59Z' WHERE batch_id = '%s'",
                 10 + i, id);
        assert_int_equal(sqlite3_exec(h, sql, NULL, NULL, NULL), SQLITE_OK);
        assert_int_equal(sqlite3_changes(h), 1);
    }
    sqlite3_close(h);
}

static void test_purge_since_removes_only_later_batches(void **state)
{
    struct fixture *f = *state;
    const char *early[] = {f->b[0], f->b[3]}; /* 9 + 4 responses, FY2024 */

    backdate(&f->main, early, 2);
    assert_int_equal(revoke_b(&f->main), 0);
    assert_int_not_equal(purge(&f->main, "kiosk-b", "--since", "2025-1-11"), 0);
    assert_true(one_line(err));
    assert_int_equal(purge(&f->main, "kiosk-b", "--since", "2025-01-12"), 0);
    assert_non_null(strstr(out, "purged kiosk kiosk-b: 2 batches, 11 waiting responses ("
                                "FY2024 (令和6年度): 1 batch, 4 responses; "
                                "FY2025 (令和7年度): 2 batches, 7 responses)"));
    assert_int_equal(tu_db_count(f->main.db, "SELECT batches * 1000 + responses FROM kiosks"
                                             " WHERE name = 'kiosk-b'"),
                     2 * 1000 + 13);
    assert_int_equal(tu_db_count(f->main.db, "SELECT count(*) FROM batches"
                                             " WHERE received_at < '2025-02-01'"),
                     2);
    /* The day of a batch is included: the one of 2025-01-11 goes now. */
    assert_int_equal(purge(&f->main, "kiosk-b", "--since", "2025-01-11"), 0);
    assert_non_null(strstr(out, "purged kiosk kiosk-b: 1 batch, 4 waiting responses"));
    assert_int_equal(tu_db_count(f->main.db, "SELECT count(*) FROM responses"),
                     BATCH_MAX_RESPONSES + 6 + 7 + 5 + 9);
}

static void test_purge_twice_removes_nothing_the_second_time(void **state)
{
    struct fixture *f = *state;
    char *before;

    assert_int_equal(revoke_b(&f->main), 0);
    assert_int_equal(purge(&f->main, "kiosk-b", NULL, NULL), 0);
    before = snapshot(f->main.db);
    assert_int_equal(purge(&f->main, "kiosk-b", NULL, NULL), 0);
    assert_true(one_line(out));
    assert_non_null(strstr(out, "kiosk kiosk-b: nothing to purge (no batches stored)"));
    assert_unchanged(f->main.db, before);
    assert_same_as_ref(f);
}

/* Holds the write lock for a second, as a busy daemon may. */
static void *hold_lock(void *arg)
{
    sqlite3 *h = arg;

    usleep(1000 * 1000);
    sqlite3_exec(h, "COMMIT", NULL, NULL, NULL);
    return NULL;
}

static void test_purge_waits_for_another_writer(void **state)
{
    struct fixture *f = *state;
    sqlite3 *h = NULL;
    pthread_t t;
    double t0;

    assert_int_equal(revoke_b(&f->main), 0);
    assert_int_equal(sqlite3_open(f->main.db, &h), SQLITE_OK);
    assert_int_equal(sqlite3_exec(h, "BEGIN IMMEDIATE", NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(pthread_create(&t, NULL, hold_lock, h), 0);
    t0 = tu_now();
    assert_int_equal(purge(&f->main, "kiosk-b", NULL, NULL), 0);
    assert_true(tu_now() - t0 >= 0.9);
    pthread_join(t, NULL);
    sqlite3_close(h);
    assert_non_null(strstr(out, "purged kiosk kiosk-b: 4 batches, 24 waiting responses"));
    assert_same_as_ref(f);
}

/* After a release nothing ties a released response to kiosk B: the purge
 * removes B's batches and says that their released responses stay; the
 * release is as it was, and a later revision is made from A's alone. */
static void test_purge_after_release_keeps_the_release(void **state)
{
    struct fixture *f = *state;
    char *before, *after;

    release(&f->main);
    before = dump(f->main.db, RELEASED_SQL);
    assert_int_equal(revoke_b(&f->main), 0);
    assert_int_equal(purge(&f->main, "kiosk-b", NULL, NULL), 0);
    assert_true(one_line(out));
    assert_non_null(strstr(out, "purged kiosk kiosk-b: 4 batches, 0 waiting responses; 24"
                                " responses of these batches were released already and stay in"
                                " the figures"));
    assert_int_equal(tu_db_count(f->main.db, "SELECT count(*) FROM batches b JOIN kiosks k"
                                             " USING (kiosk_id) WHERE k.name = 'kiosk-b'"),
                     0);
    after = dump(f->main.db, RELEASED_SQL);
    assert_string_equal(before, after);
    free(before);
    free(after);
    assert_int_equal(helper_aggregates_mismatch(f->main.db), 0);
    /* A's late batch still joins a next revision. */
    assert_int_equal(post(&f->main, f->main.token_a, f->a[N_BATCHES]), 201);
    assert_int_equal(tu_db_count(f->main.db, "SELECT count(*) FROM responses"), 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_purge_leaves_what_kiosk_a_alone_would_have, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_purge_of_unknown_kiosk_fails_and_changes_nothing,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_purge_of_active_kiosk_is_refused_and_changes_nothing,
                                        setup, teardown),
        cmocka_unit_test_setup_teardown(test_purge_dry_run_says_what_and_changes_nothing, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_purge_since_removes_only_later_batches, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_purge_twice_removes_nothing_the_second_time, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_purge_waits_for_another_writer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_purge_after_release_keeps_the_release, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

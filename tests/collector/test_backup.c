/* End to end: `collector backup` takes a consistent copy while 50 kiosks
 * upload, `collector restore` puts it back, and every batch acknowledged
 * before the backup began is in the restored database; restore refuses a
 * database a collector serves, and an existing one without --force; the
 * key file is copied only with --with-keys (SECURITY.md, threat (d)). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <pthread.h>
#include <sqlite3.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "testutil.h"

#define UPLOADERS    50
#define MAX_ACKED    20000
#define BEFORE_ACKED 200 /* acknowledged batches before the backup begins */

static char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32], token[TU_TOKEN_MAX];
static struct tu_server server;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char acked[MAX_ACKED][37]; /* acknowledged before the backup began */
static atomic_int n_acked, n_after;
static atomic_bool backup_began, stop;

static void *uploader(void *arg)
{
    unsigned seed = (unsigned)(uintptr_t)arg * 7919u;
    char id[37];
    struct tu_response r;

    while (!atomic_load(&stop)) {
        char *json = tu_batch_json(NULL, 3, seed++, "2025-02", id);
        if (tu_post_batch(&r, server.url, token, json, true) == 0 && r.status == 201) {
            /* Read after the acknowledgement came: if the backup had not
             * begun then, the batch must be in the copy. */
            if (!atomic_load(&backup_began)) {
                pthread_mutex_lock(&lock);
                int i = atomic_fetch_add(&n_acked, 1);
                if (i < MAX_ACKED)
                    memcpy(acked[i], id, sizeof id);
                pthread_mutex_unlock(&lock);
            } else {
                atomic_fetch_add(&n_after, 1);
            }
        }
        tu_response_free(&r);
        free(json);
    }
    return NULL;
}

/* How many of the acknowledged batches the database at path holds. */
static int held(const char *path)
{
    sqlite3 *d = NULL;
    sqlite3_stmt *s = NULL;
    int n = 0, total = atomic_load(&n_acked);

    assert_int_equal(sqlite3_open_v2(path, &d, SQLITE_OPEN_READONLY, NULL), SQLITE_OK);
    assert_int_equal(
        sqlite3_prepare_v2(d, "SELECT count(*) FROM batches WHERE batch_id = ?1", -1, &s, NULL),
        SQLITE_OK);
    for (int i = 0; i < total && i < MAX_ACKED; i++) {
        sqlite3_bind_text(s, 1, acked[i], -1, SQLITE_STATIC);
        if (sqlite3_step(s) == SQLITE_ROW)
            n += sqlite3_column_int(s, 0);
        sqlite3_reset(s);
    }
    sqlite3_finalize(s);
    sqlite3_close(d);
    return n;
}

/* `collector restore --from from --db to [--force]`: its exit status,
 * stderr into err[512]. */
static int restore(const char *from, const char *to, bool force, char *err)
{
    char out[512];
    return tu_collector(out, sizeof out, err, 512, "restore", "--from", from, "--db", to,
                        force ? "--force" : NULL, NULL);
}

static bool exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void test_backup_during_uploads_then_restore(void **state)
{
    const char *extra[] = {"--max-responses-per-kiosk-day", "1000000", NULL};
    char copy[TU_PATH_MAX + 32], keys[TU_PATH_MAX + 48], back[TU_PATH_MAX + 32], out[512], err[512];
    pthread_t th[UPLOADERS];
    long long live_before;
    (void)state;

    assert_int_equal(tu_fixture_start(&server, "backup", dir, db, sizeof db, token, NULL, extra),
                     0);
    snprintf(copy, sizeof copy, "%s/copy.db", dir);
    snprintf(keys, sizeof keys, "%s/copy.db.keys", dir);
    snprintf(back, sizeof back, "%s/restored.db", dir);
    for (int i = 0; i < UPLOADERS; i++)
        assert_int_equal(pthread_create(&th[i], NULL, uploader, (void *)(uintptr_t)i), 0);
    while (atomic_load(&n_acked) < BEFORE_ACKED)
        usleep(10 * 1000);
    atomic_store(&backup_began, true);
    assert_int_equal(
        tu_collector(out, sizeof out, err, sizeof err, "backup", "--db", db, "--to", copy, NULL),
        0);
    /* Uploads went on while the copy was taken. */
    while (atomic_load(&n_after) < 50)
        usleep(10 * 1000);
    atomic_store(&stop, true);
    for (int i = 0; i < UPLOADERS; i++)
        pthread_join(th[i], NULL);
    assert_false(exists(keys)); /* the database alone opens nothing */

    /* The live database is refused, with or without --force. */
    live_before = tu_db_count(db, "SELECT count(*) FROM batches");
    assert_int_not_equal(restore(copy, db, false, err), 0);
    assert_non_null(strstr(err, "serving"));
    assert_int_not_equal(restore(copy, db, true, err), 0);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM batches"), live_before);

    assert_int_equal(restore(copy, back, false, err), 0);
    assert_int_equal(held(back), atomic_load(&n_acked));
    assert_true(atomic_load(&n_acked) >= BEFORE_ACKED);
    assert_int_equal(tu_server_stop(&server), 0);

    /* An existing database needs --force once no collector serves it. */
    assert_int_not_equal(restore(copy, db, false, err), 0);
    assert_non_null(strstr(err, "--force"));
    assert_int_equal(restore(copy, db, true, err), 0);
    assert_int_equal(held(db), atomic_load(&n_acked));
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM batches"),
                     tu_db_count(copy, "SELECT count(*) FROM batches"));
    tu_rmdir(dir);
}

static void test_backup_copies_keys_only_when_asked(void **state)
{
    char dbk[TU_PATH_MAX + 48], to[TU_PATH_MAX + 32], tok[TU_PATH_MAX + 48], out[512], err[512];
    char a[4096] = {0}, b[4096] = {0};
    FILE *f;
    (void)state;

    assert_int_equal(
        tu_fixture_start(&server, "backup-keys", dir, db, sizeof db, token, NULL, NULL), 0);
    snprintf(dbk, sizeof dbk, "%s.keys", db);
    snprintf(to, sizeof to, "%s/copy.db", dir);
    snprintf(tok, sizeof tok, "%s/copy.db.keys", dir);
    assert_int_equal(tu_collector(out, sizeof out, err, sizeof err, "backup", "--db", db, "--to",
                                  to, "--with-keys", NULL),
                     0);
    assert_non_null(f = fopen(dbk, "r"));
    assert_true(fread(a, 1, sizeof a - 1, f) > 0);
    fclose(f);
    assert_non_null(f = fopen(tok, "r"));
    assert_true(fread(b, 1, sizeof b - 1, f) > 0);
    fclose(f);
    assert_string_equal(a, b);
    /* A second backup to the same file is refused; the first stays. */
    assert_int_not_equal(
        tu_collector(out, sizeof out, err, sizeof err, "backup", "--db", db, "--to", to, NULL), 0);
    assert_int_equal(tu_fixture_stop(&server, dir), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_backup_during_uploads_then_restore),
        cmocka_unit_test(test_backup_copies_keys_only_when_asked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

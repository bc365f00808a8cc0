/* The file side of backups (backup.h). A copy is written under a
 * temporary name, synced, verified, renamed, and its folder synced, so a
 * crash leaves either no copy or a whole one. */
#include "backup.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "store.h"

#define BACKUP_MAX_GENERATIONS 1000
#define BACKUP_KEYS_MAX        (1u << 20)

static int backup_sync_path(const char *path, int flags)
{
    int fd = open(path, flags | O_CLOEXEC);
    int rc = fd >= 0 ? fsync(fd) : -1;

    if (fd >= 0)
        close(fd);
    return rc;
}

/* Syncs the folder that holds path, so a rename in it lasts. */
static int backup_sync_dir(const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');

    if (!slash)
        return backup_sync_path(".", O_RDONLY | O_DIRECTORY);
    snprintf(dir, sizeof dir, "%.*s", (int)(slash - path) ? (int)(slash - path) : 1, path);
    return backup_sync_path(dir, O_RDONLY | O_DIRECTORY);
}

/* Copies the small file from to the new file to, mode 0600, synced. */
static int backup_copy_file(const char *from, const char *to)
{
    char *buf = malloc(BACKUP_KEYS_MAX);
    int in = open(from, O_RDONLY | O_CLOEXEC), out = -1, rc = -1;
    ssize_t n = in >= 0 && buf ? read(in, buf, BACKUP_KEYS_MAX) : -1;

    if (n > 0 && n < (ssize_t)BACKUP_KEYS_MAX &&
        (out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) >= 0 &&
        write(out, buf, (size_t)n) == n && fsync(out) == 0)
        rc = 0;
    if (out >= 0)
        close(out);
    if (in >= 0)
        close(in);
    free(buf);
    return rc;
}

/* The copy of db at `to`, made under to.part; with keys, to.keys too. */
static int backup_make(const char *db, const char *to, bool keys)
{
    char part[PATH_MAX], err[512], from_keys[PATH_MAX], to_keys[PATH_MAX];
    struct stat st;

    if (stat(to, &st) == 0) {
        fprintf(stderr, "collector backup: %s exists; name a new file or a folder\n", to);
        return 1;
    }
    snprintf(part, sizeof part, "%s.part", to);
    unlink(part);
    if (store_backup(db, part, err, sizeof err) != STORE_OK) {
        fprintf(stderr, "collector backup: %s\n", err);
        unlink(part);
        return 1;
    }
    chmod(part, 0600);
    if (backup_sync_path(part, O_RDONLY) != 0 || rename(part, to) != 0 || backup_sync_dir(to)) {
        fprintf(stderr, "collector backup: cannot put the copy at %s: %s\n", to, strerror(errno));
        unlink(part);
        return 1;
    }
    if (keys) {
        snprintf(from_keys, sizeof from_keys, "%s.keys", db);
        snprintf(to_keys, sizeof to_keys, "%s.keys", to);
        if (backup_copy_file(from_keys, to_keys) != 0 || backup_sync_dir(to_keys) != 0) {
            fprintf(stderr,
                    "collector backup: the database is copied to %s, but not the key "
                    "file %s\n",
                    to, from_keys);
            return 1;
        }
    }
    printf("%s%s%s\n", to, keys ? " " : "", keys ? to_keys : "");
    return 0;
}

static int backup_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Removes all but the keep newest collector-*.db (and their .keys) in dir. */
static void backup_prune(const char *dir, long keep)
{
    char *names[BACKUP_MAX_GENERATIONS], path[PATH_MAX];
    size_t n = 0, len;
    struct dirent *e;
    DIR *d = opendir(dir);

    while (d && (e = readdir(d)) && n < BACKUP_MAX_GENERATIONS) {
        len = strlen(e->d_name);
        if (!strncmp(e->d_name, BACKUP_PREFIX, strlen(BACKUP_PREFIX)) && len > 3 &&
            !strcmp(e->d_name + len - 3, ".db") && (names[n] = strdup(e->d_name)))
            n++;
    }
    if (d)
        closedir(d);
    qsort(names, n, sizeof names[0], backup_cmp); /* the stamp sorts by time */
    for (size_t i = 0; i < n; i++) {
        if ((long)(n - i) > keep) {
            snprintf(path, sizeof path, "%s/%s", dir, names[i]);
            unlink(path);
            snprintf(path, sizeof path, "%s/%s.keys", dir, names[i]);
            unlink(path);
        }
        free(names[i]);
    }
}

int backup_run(const char *db, const char *to, bool keys, long keep)
{
    char path[PATH_MAX], stamp[32];
    struct stat st;
    time_t now = time(NULL);
    struct tm tm;
    int rc;

    if (stat(db, &st) != 0) {
        fprintf(stderr, "collector backup: no database at %s\n", db);
        return 1;
    }
    if (stat(to, &st) != 0 || !S_ISDIR(st.st_mode))
        return backup_make(db, to, keys);
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
    snprintf(path, sizeof path, "%s/" BACKUP_PREFIX "%s.db", to, stamp);
    if ((rc = backup_make(db, path, keys)) == 0)
        backup_prune(to, keep);
    return rc;
}

int backup_hold_live(const char *db)
{
    char path[PATH_MAX];
    int fd;

    snprintf(path, sizeof path, "%s.live", db);
    fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd >= 0 && flock(fd, LOCK_SH | LOCK_NB) != 0) {
        close(fd);
        fd = -1;
    }
    return fd;
}

/* Whether a collector serves db now (it holds DB.live). */
static bool backup_is_live(const char *db)
{
    char path[PATH_MAX];
    int fd;
    bool live;

    snprintf(path, sizeof path, "%s.live", db);
    if ((fd = open(path, O_RDWR | O_CLOEXEC)) < 0)
        return false;
    live = flock(fd, LOCK_EX | LOCK_NB) != 0 && errno == EWOULDBLOCK;
    close(fd);
    return live;
}

/* Removes the WAL and shared-memory files of db: they belong to the
 * database being replaced, and SQLite would apply them to the new one. */
static void restore_drop_wal(const char *db)
{
    char path[PATH_MAX];

    snprintf(path, sizeof path, "%s-wal", db);
    unlink(path);
    snprintf(path, sizeof path, "%s-shm", db);
    unlink(path);
}

int restore_run(const char *from, const char *db, bool force, bool keys)
{
    char part[PATH_MAX], err[512], from_keys[PATH_MAX], db_keys[PATH_MAX];
    struct stat st;

    if (backup_is_live(db)) {
        fprintf(stderr,
                "collector restore: a collector is serving %s; stop it first "
                "(systemctl stop collector)\n",
                db);
        return 1;
    }
    if (stat(db, &st) == 0 && !force) {
        fprintf(stderr, "collector restore: %s exists; give --force to replace it\n", db);
        return 1;
    }
    snprintf(from_keys, sizeof from_keys, "%s.keys", from);
    if (keys && stat(from_keys, &st) != 0) {
        fprintf(stderr, "collector restore: --with-keys, but there is no %s\n", from_keys);
        return 1;
    }
    snprintf(part, sizeof part, "%s.part", db);
    unlink(part);
    if (store_restore_copy(from, part, err, sizeof err) != STORE_OK) {
        fprintf(stderr, "collector restore: %s; %s is unchanged\n", err, db);
        unlink(part);
        return 1;
    }
    chmod(part, 0600);
    if (backup_sync_path(part, O_RDONLY) != 0) {
        fprintf(stderr, "collector restore: cannot sync %s: %s\n", part, strerror(errno));
        unlink(part);
        return 1;
    }
    restore_drop_wal(db);
    if (rename(part, db) != 0 || backup_sync_dir(db) != 0) {
        fprintf(stderr, "collector restore: cannot put the copy at %s: %s\n", db, strerror(errno));
        return 1;
    }
    if (keys) {
        snprintf(db_keys, sizeof db_keys, "%s.keys", db);
        snprintf(part, sizeof part, "%s.keys.part", db);
        unlink(part);
        if (backup_copy_file(from_keys, part) != 0 || rename(part, db_keys) != 0 ||
            backup_sync_dir(db_keys) != 0) {
            fprintf(stderr, "collector restore: the database is restored, but not the key file\n");
            return 1;
        }
    }
    printf("restored %s from %s%s\n", db, from, keys ? " with its key file" : "");
    return 0;
}

/* The key file: one line per key pair, "<id> <created> <current|old>
 * ssk1:<public> ssk1-secret:<secret>", exactly one current. Assumption: one
 * administrator changes keys at a time; every change is one atomic rewrite
 * (a private temporary file, fsync, rename, fsync of the folder), so a
 * crash leaves the old file or the new one, never half of either. */
#include "keys.h"

#include <assert.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sodium.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cclock.h"

#define KEYS_FIELDS 5

struct keys_pair {
    char id[KEYS_ID_LEN];
    char created[KEYS_CREATED_LEN];
    bool current;
    unsigned char pk[SEAL_KEY_BYTES];
    unsigned char sk[SEAL_KEY_BYTES];
};

struct keys {
    char path[PATH_MAX];
    size_t n;
    struct keys_pair pair[KEYS_MAX];
};

static const char *const keys_messages[] = {
#define KEYS_TEXT(code, text) text,
    KEYS_ERRORS(KEYS_TEXT)
#undef KEYS_TEXT
};

const char *keys_strerror(enum keys_err err)
{
    size_t i = (size_t)err;
    return i < sizeof keys_messages / sizeof keys_messages[0] ? keys_messages[i] : "unknown error";
}

static enum keys_err keys_fail(enum keys_err e, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static enum keys_err keys_fail(enum keys_err e, char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return e;
}

/* --- Reading -------------------------------------------------------------- */

/* Whether text is "YYYY-MM-DDTHH:MM:SSZ" naming a real moment. */
static bool keys_created_valid(const char *text)
{
    struct tm tm = {0};
    char again[KEYS_CREATED_LEN];
    const char *end =
        strlen(text) == KEYS_CREATED_LEN - 1 ? strptime(text, "%Y-%m-%dT%H:%M:%SZ", &tm) : NULL;
    time_t t;

    if (!end || *end)
        return false;
    t = timegm(&tm);
    return gmtime_r(&t, &tm) && strftime(again, sizeof again, "%Y-%m-%dT%H:%M:%SZ", &tm) &&
           !strcmp(again, text);
}

/* Splits line (without its newline) at single spaces into exactly
 * KEYS_FIELDS non-empty fields. */
static bool keys_split(char *line, char *field[KEYS_FIELDS])
{
    size_t n = 0;

    for (char *p = line;; p++) {
        if (n == KEYS_FIELDS)
            return false;
        field[n++] = p;
        if (!(p = strchr(p, ' ')))
            break;
        *p = '\0';
    }
    for (size_t i = 0; i < n; i++)
        if (!*field[i])
            return false;
    return n == KEYS_FIELDS;
}

/* One line into p; the message names the line but never shows it, since
 * it holds a secret key. */
static enum keys_err keys_parse_line(const char *path, size_t no, char *line, struct keys_pair *p,
                                     char *err, size_t errlen)
{
    char *f[KEYS_FIELDS], id[KEYS_ID_LEN];
    unsigned char check[SEAL_KEY_BYTES];
    enum keys_err e = KEYS_E_MALFORMED;

    if (!keys_split(line, f))
        return keys_fail(e, err, errlen,
                         "%s line %zu: expected \"<key id> <created> <current|old> ssk1:<public> "
                         "ssk1-secret:<secret>\" separated by single spaces",
                         path, no);
    if (strlen(f[0]) >= sizeof p->id || !keys_created_valid(f[1]))
        return keys_fail(e, err, errlen, "%s line %zu: the %s is not %s", path, no,
                         strlen(f[0]) >= sizeof p->id ? "key id" : "creation time",
                         strlen(f[0]) >= sizeof p->id ? "16 hex digits" : "YYYY-MM-DDTHH:MM:SSZ");
    if (strcmp(f[2], "current") && strcmp(f[2], "old"))
        return keys_fail(e, err, errlen, "%s line %zu: the state is \"current\" or \"old\"", path,
                         no);
    if (seal_pk_from_text(f[3], p->pk) != 0)
        return keys_fail(e, err, errlen, "%s line %zu: the public key is not ssk1:<base64>", path,
                         no);
    if (seal_sk_from_text(f[4], p->sk) != 0)
        return keys_fail(e, err, errlen, "%s line %zu: the secret key is not ssk1-secret:<base64>",
                         path, no);
    seal_key_id(p->pk, id);
    if (crypto_scalarmult_base(check, p->sk) != 0 || sodium_memcmp(check, p->pk, sizeof check))
        return keys_fail(e, err, errlen,
                         "%s line %zu: the secret key does not belong to the public key", path, no);
    if (strcmp(id, f[0]))
        return keys_fail(e, err, errlen, "%s line %zu: the key id is not the public key's (%s)",
                         path, no, id);
    snprintf(p->id, sizeof p->id, "%s", f[0]);
    snprintf(p->created, sizeof p->created, "%s", f[1]);
    p->current = !strcmp(f[2], "current");
    return KEYS_OK;
}

/* The checks across lines: ids once each, exactly one current. */
static enum keys_err keys_check_whole(const struct keys *k, char *err, size_t errlen)
{
    size_t current = 0, first = 0;

    if (k->n == 0)
        return keys_fail(KEYS_E_MALFORMED, err, errlen, "%s holds no key", k->path);
    for (size_t i = 0; i < k->n; i++) {
        for (size_t j = 0; j < i; j++)
            if (!strcmp(k->pair[i].id, k->pair[j].id))
                return keys_fail(KEYS_E_MALFORMED, err, errlen,
                                 "%s line %zu: key %s appears again (first on line %zu)", k->path,
                                 i + 1, k->pair[i].id, j + 1);
        if (k->pair[i].current && current++ == 0)
            first = i;
        else if (k->pair[i].current)
            return keys_fail(KEYS_E_MALFORMED, err, errlen,
                             "%s line %zu: a second current key (line %zu is current); exactly "
                             "one key is current",
                             k->path, i + 1, first + 1);
    }
    if (current == 0)
        return keys_fail(KEYS_E_MALFORMED, err, errlen,
                         "%s: no line is marked current; exactly one key is current", k->path);
    return KEYS_OK;
}

static enum keys_err keys_parse(struct keys *k, char *buf, size_t len, char *err, size_t errlen)
{
    char *line = buf, *nl;
    enum keys_err e;

    k->n = 0;
    for (size_t no = 1; line < buf + len; no++, line = nl + 1) {
        if (!(nl = memchr(line, '\n', (size_t)(buf + len - line))))
            return keys_fail(KEYS_E_MALFORMED, err, errlen,
                             "%s line %zu: does not end with a newline (was the file cut?)",
                             k->path, no);
        if ((size_t)(nl - line) + 1 > KEYS_LINE_MAX || memchr(line, '\0', (size_t)(nl - line)))
            return keys_fail(KEYS_E_MALFORMED, err, errlen,
                             "%s line %zu: longer than %d bytes or holds a NUL byte", k->path, no,
                             KEYS_LINE_MAX - 1);
        if (k->n == KEYS_MAX)
            return keys_fail(KEYS_E_MALFORMED, err, errlen,
                             "%s line %zu: more than %d keys in one file", k->path, no, KEYS_MAX);
        *nl = '\0';
        if ((e = keys_parse_line(k->path, no, line, &k->pair[k->n], err, errlen)) != KEYS_OK)
            return e;
        k->n++;
    }
    return keys_check_whole(k, err, errlen);
}

/* Reads and parses k->path; the file's bytes are wiped after. */
static enum keys_err keys_read(struct keys *k, char *err, size_t errlen)
{
    int fd = open(k->path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    char *buf = NULL;
    struct stat sb;
    ssize_t got = 0;
    size_t len = 0;
    enum keys_err e = KEYS_E_IO;

    if (fd < 0 && errno == ENOENT)
        return keys_fail(KEYS_E_MISSING, err, errlen,
                         "%s does not exist: `collector key init --db PATH` or `collector serve` "
                         "makes it",
                         k->path);
    if (fd < 0 || fstat(fd, &sb) != 0) {
        keys_fail(e, err, errlen, "cannot read %s: %s", k->path, strerror(errno));
        goto out;
    }
    if (!S_ISREG(sb.st_mode)) {
        keys_fail(e, err, errlen, "%s is not a regular file", k->path);
        goto out;
    }
    if (sb.st_mode & 077) {
        e = keys_fail(KEYS_E_MODE, err, errlen,
                      "%s has mode %04o but holds secret keys: make it the owner's alone (chmod "
                      "600 %s), and rotate if others may have read it",
                      k->path, (unsigned)(sb.st_mode & 07777), k->path);
        goto out;
    }
    if (sb.st_size > KEYS_FILE_MAX || !(buf = malloc(KEYS_FILE_MAX + 1))) {
        e = keys_fail(buf || sb.st_size > KEYS_FILE_MAX ? KEYS_E_MALFORMED : KEYS_E_NOMEM, err,
                      errlen, "%s: %s", k->path,
                      sb.st_size > KEYS_FILE_MAX ? "larger than a key file may be"
                                                 : "out of memory");
        goto out;
    }
    while (len <= KEYS_FILE_MAX && (got = read(fd, buf + len, KEYS_FILE_MAX + 1 - len)) > 0)
        len += (size_t)got;
    if (got < 0 || len > KEYS_FILE_MAX)
        keys_fail(e, err, errlen, "cannot read %s: %s", k->path,
                  got < 0 ? strerror(errno) : "it grew while being read");
    else
        e = keys_parse(k, buf, len, err, errlen);
out:
    if (buf) {
        sodium_memzero(buf, KEYS_FILE_MAX + 1);
        free(buf);
    }
    if (fd >= 0)
        close(fd);
    return e;
}

/* --- Writing -------------------------------------------------------------- */

/* The file's text into buf (KEYS_FILE_MAX + 1 bytes); returns its length. */
static size_t keys_format(const struct keys *k, char *buf)
{
    char pk[SEAL_PK_TEXT_LEN], sk[SEAL_SK_TEXT_LEN];
    size_t len = 0;

    for (size_t i = 0; i < k->n; i++) {
        const struct keys_pair *p = &k->pair[i];
        seal_pk_to_text(p->pk, pk);
        seal_sk_to_text(p->sk, sk);
        len += (size_t)snprintf(buf + len, KEYS_FILE_MAX + 1 - len, "%s %s %s %s %s\n", p->id,
                                p->created, p->current ? "current" : "old", pk, sk);
        assert(len <= KEYS_FILE_MAX);
    }
    sodium_memzero(sk, sizeof sk);
    return len;
}

static int keys_write_all(int fd, const char *buf, size_t len)
{
    while (len > 0) {
        ssize_t n = write(fd, buf, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return -1;
        buf += n;
        len -= (size_t)n;
    }
    return 0;
}

/* fsync of the folder that holds path, so that a rename or link in it
 * survives a power cut. */
static int keys_sync_folder(const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    int fd, rc;

    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else
        snprintf(dir, sizeof dir, "%.*s", slash == path ? 1 : (int)(slash - path), path);
    if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
        return -1;
    rc = fsync(fd);
    close(fd);
    return rc;
}

/* Writes k to a new private file beside k->path, then puts it in place:
 * by rename, or with fresh by link, which fails when the file appeared
 * meanwhile (another process made it first: *raced says so then). */
static enum keys_err keys_write(const struct keys *k, bool fresh, bool *raced, char *err,
                                size_t errlen)
{
    char tmp[PATH_MAX + 16], *buf = malloc(KEYS_FILE_MAX + 1);
    size_t len;
    int fd = -1, placed = -1;
    enum keys_err e = KEYS_E_IO;

    if (!buf)
        return keys_fail(KEYS_E_NOMEM, err, errlen, "%s: out of memory", k->path);
    len = keys_format(k, buf);
    snprintf(tmp, sizeof tmp, "%s.tmp-XXXXXX", k->path);
    if ((fd = mkostemp(tmp, O_CLOEXEC)) < 0) {
        keys_fail(e, err, errlen, "cannot write a key file beside %s: %s", k->path,
                  strerror(errno));
        goto out;
    }
    /* mkostemp makes it 0600 whatever the umask; say so once more anyway. */
    if (fchmod(fd, 0600) != 0 || keys_write_all(fd, buf, len) != 0 || fsync(fd) != 0) {
        keys_fail(e, err, errlen, "cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    placed = fresh ? link(tmp, k->path) : rename(tmp, k->path);
    if (placed != 0 && raced)
        *raced = errno == EEXIST;
    if (placed != 0)
        keys_fail(e, err, errlen, "cannot put the key file in place as %s: %s", k->path,
                  strerror(errno));
    else if (keys_sync_folder(k->path) != 0)
        keys_fail(e, err, errlen, "cannot sync the folder of %s: %s", k->path, strerror(errno));
    else
        e = KEYS_OK;
out:
    if (fd >= 0) {
        close(fd);
        if (fresh || placed != 0)
            unlink(tmp);
    }
    sodium_memzero(buf, KEYS_FILE_MAX + 1);
    free(buf);
    return e;
}

/* --- Changes -------------------------------------------------------------- */

static enum keys_err keys_new_pair(struct keys_pair *p, char *err, size_t errlen)
{
    memset(p, 0, sizeof *p);
    if (seal_keypair_new(p->pk, p->sk) != 0)
        return keys_fail(KEYS_E_RANDOM, err, errlen, "%s", keys_strerror(KEYS_E_RANDOM));
    seal_key_id(p->pk, p->id);
    cclock_rfc3339(p->created);
    p->current = true;
    return KEYS_OK;
}

/* Applies a change to a copy, writes the copy and only then takes it, so
 * that a failed write leaves k as the file is. */
static enum keys_err keys_commit(struct keys *k, struct keys *next, char *err, size_t errlen)
{
    enum keys_err e = keys_write(next, false, NULL, err, errlen);

    if (e == KEYS_OK)
        memcpy(k, next, sizeof *k);
    sodium_memzero(next, sizeof *next);
    free(next);
    return e;
}

enum keys_err keys_rotate(struct keys *k, char *err, size_t errlen)
{
    struct keys *next;
    enum keys_err e;

    if (k->n == KEYS_MAX)
        return keys_fail(KEYS_E_FULL, err, errlen,
                         "%s holds %d keys already; retire an old one first "
                         "(`collector key retire ID`)",
                         k->path, KEYS_MAX);
    if (!(next = malloc(sizeof *next)))
        return keys_fail(KEYS_E_NOMEM, err, errlen, "out of memory");
    memcpy(next, k, sizeof *next);
    if ((e = keys_new_pair(&next->pair[next->n], err, errlen)) != KEYS_OK) {
        sodium_memzero(next, sizeof *next);
        free(next);
        return e;
    }
    for (size_t i = 0; i < next->n; i++)
        next->pair[i].current = false;
    next->n++;
    return keys_commit(k, next, err, errlen);
}

enum keys_err keys_retire(struct keys *k, const char *id, char *err, size_t errlen)
{
    struct keys *next;
    size_t i = 0;

    while (i < k->n && strcmp(k->pair[i].id, id))
        i++;
    if (i == k->n)
        return keys_fail(KEYS_E_NOT_FOUND, err, errlen,
                         "%s holds no key %s; `collector key show --all` lists the ids", k->path,
                         id);
    if (k->pair[i].current)
        return keys_fail(KEYS_E_CURRENT, err, errlen,
                         "%s is the current key, which kiosks seal for; `collector key rotate` "
                         "makes a new one, after which %s can be retired once no late batch "
                         "needs it",
                         id, id);
    if (!(next = malloc(sizeof *next)))
        return keys_fail(KEYS_E_NOMEM, err, errlen, "out of memory");
    memcpy(next, k, sizeof *next);
    memmove(&next->pair[i], &next->pair[i + 1], (next->n - i - 1) * sizeof next->pair[0]);
    sodium_memzero(&next->pair[--next->n], sizeof next->pair[0]);
    return keys_commit(k, next, err, errlen);
}

/* --- Opening ------------------------------------------------------------- */

/* Makes the file with one current key, unless another process made it
 * first (then *made stays false and the caller reads theirs). */
static enum keys_err keys_make(struct keys *k, bool *made, char *err, size_t errlen)
{
    enum keys_err e = keys_new_pair(&k->pair[0], err, errlen);
    bool raced = false;

    if (e != KEYS_OK)
        return e;
    k->n = 1;
    e = keys_write(k, true, &raced, err, errlen);
    if (e != KEYS_OK && raced)
        e = KEYS_OK; /* lost the race: read the winner's file */
    else if (e == KEYS_OK)
        *made = true;
    sodium_memzero(k->pair, sizeof k->pair);
    k->n = 0;
    return e;
}

enum keys_err keys_open(const char *db_path, bool create, struct keys **out, bool *created,
                        char *err, size_t errlen)
{
    struct keys *k = calloc(1, sizeof *k);
    bool made = false;
    enum keys_err e;

    *out = NULL;
    if (created)
        *created = false;
    if (!k)
        return keys_fail(KEYS_E_NOMEM, err, errlen, "out of memory");
    if (sodium_init() < 0) {
        e = keys_fail(KEYS_E_RANDOM, err, errlen, "libsodium cannot start");
        goto fail;
    }
    if ((size_t)snprintf(k->path, sizeof k->path, "%s%s", db_path, KEYS_SUFFIX) >= sizeof k->path) {
        e = keys_fail(KEYS_E_IO, err, errlen, "the database path is too long for a key file");
        goto fail;
    }
    e = keys_read(k, err, errlen);
    if (e == KEYS_E_MISSING && create && (e = keys_make(k, &made, err, errlen)) == KEYS_OK)
        e = keys_read(k, err, errlen);
    if (e != KEYS_OK)
        goto fail;
    if (created)
        *created = made;
    *out = k;
    return KEYS_OK;
fail:
    keys_close(k);
    return e;
}

void keys_close(struct keys *k)
{
    if (!k)
        return;
    sodium_memzero(k, sizeof *k);
    free(k);
}

/* --- Reading the public halves --------------------------------------------- */

const char *keys_path(const struct keys *k)
{
    return k->path;
}

size_t keys_count(const struct keys *k)
{
    return k->n;
}

void keys_public(const struct keys *k, size_t i, struct keys_public *out)
{
    assert(i < k->n);
    snprintf(out->id, sizeof out->id, "%s", k->pair[i].id);
    snprintf(out->created, sizeof out->created, "%s", k->pair[i].created);
    out->current = k->pair[i].current;
    seal_pk_to_text(k->pair[i].pk, out->text);
}

void keys_current(const struct keys *k, struct keys_public *out)
{
    size_t i = 0;

    while (i < k->n && !k->pair[i].current)
        i++;
    keys_public(k, i, out);
}

struct seal_keyring *keys_keyring(const struct keys *k)
{
    struct seal_keyring *ring = seal_keyring_new();

    for (size_t i = 0; ring && i < k->n; i++)
        if (seal_keyring_add(ring, k->pair[i].pk, k->pair[i].sk) != 0) {
            seal_keyring_free(ring);
            ring = NULL;
        }
    return ring;
}

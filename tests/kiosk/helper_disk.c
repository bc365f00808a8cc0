/* Reading a kiosk store's files raw, as someone with the kiosk's disk would.
 * Assumes files of a test's size (under DISK_MAX_FILE) and the SQLite file
 * formats of https://sqlite.org/fileformat.html and walformat.html. */
#include "helper_disk.h"

#include <sodium.h>
#include <sqlite3.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DISK_PREFIX_BYTES 6  /* of the key id: exactly 8 base64 characters */
#define DISK_WAL_HEADER   32 /* the WAL file header */
#define DISK_FRAME_HEADER 24 /* each WAL frame's header */
#define DISK_SHM_HEADER   136
#define DISK_MIN_TEXT     (((SEAL_OVERHEAD + 2) / 3) * 4)

unsigned char *disk_read(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    *len = 0;
    if (!f)
        return NULL;
    buf = malloc(DISK_MAX_FILE);
    if (buf)
        *len = fread(buf, 1, DISK_MAX_FILE, f);
    fclose(f);
    return buf;
}

static uint32_t be32(const unsigned char *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

long disk_page_size(const char *db)
{
    unsigned char h[18];
    FILE *f = fopen(db, "rb");
    long size = 0;
    if (f && fread(h, 1, sizeof h, f) == sizeof h)
        size = h[16] << 8 | h[17];
    if (f)
        fclose(f);
    return size == 1 ? 65536 : size;
}

/* The 8 base64 characters every text sealed for pk starts with. */
static int key_prefix(const unsigned char pk[SEAL_KEY_BYTES], char out[16])
{
    char hex[SEAL_KEY_ID_LEN];
    unsigned char raw[SEAL_KEY_ID_BYTES];
    seal_key_id(pk, hex);
    if (sodium_hex2bin(raw, sizeof raw, hex, strlen(hex), NULL, NULL, NULL) != 0)
        return -1;
    sodium_bin2base64(out, 16, raw, DISK_PREFIX_BYTES, sodium_base64_VARIANT_ORIGINAL);
    return 0;
}

static bool is_b64(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '/';
}

/* The longest prefix of the base64 run at p that opens: bytes that follow a
 * text on a page may look like base64 too, so shorter lengths are tried. */
static size_t open_at(struct seal_keyring *kr, const unsigned char *p, size_t avail, char **plain)
{
    size_t run = 0, plen = 0;
    while (run < avail && run < SEAL_MAX_TEXT && is_b64(p[run]))
        run++;
    for (int pad = 0; pad < 2 && run < avail && p[run] == '='; pad++)
        run++;
    for (size_t len = run - run % 4; len >= DISK_MIN_TEXT; len -= 4) {
        if (seal_open(kr, (const char *)p, len, plain, &plen) == SEAL_OK)
            return len;
    }
    *plain = NULL;
    return 0;
}

static long page_of(enum disk_kind kind, long page_size, size_t offset)
{
    if (kind == DISK_DATABASE)
        return (long)(offset / (size_t)page_size);
    if (offset < DISK_WAL_HEADER)
        return -1;
    return (long)((offset - DISK_WAL_HEADER) / (size_t)(page_size + DISK_FRAME_HEADER));
}

static int add_hit(struct disk_hit **hits, int *n, struct disk_hit h)
{
    struct disk_hit *grown = realloc(*hits, (size_t)(*n + 1) * sizeof(**hits));
    if (!grown)
        return -1;
    *hits = grown;
    grown[(*n)++] = h;
    return 0;
}

int disk_find_sealed(const char *path, enum disk_kind kind, long page_size,
                     const unsigned char collector_pk[SEAL_KEY_BYTES], struct seal_keyring *kr,
                     struct disk_hit **out)
{
    char prefix[16];
    size_t len, plen = 8;
    unsigned char *buf = disk_read(path, &len);
    int n = 0;
    *out = NULL;
    if (!buf || key_prefix(collector_pk, prefix) != 0) {
        free(buf);
        return 0;
    }
    for (size_t i = 0; i + plen <= len; i++) {
        char *plain = NULL;
        size_t tlen;
        if (memcmp(buf + i, prefix, plen) != 0 || !(tlen = open_at(kr, buf + i, len - i, &plain)))
            continue;
        struct disk_hit h = {.offset = i, .page = page_of(kind, page_size, i), .id = -1};
        h.plain = plain;
        h.text = strndup((const char *)buf + i, tlen);
        if (!h.text || add_hit(out, &n, h) != 0) {
            free(h.text);
            free(plain);
            n = -1;
            break;
        }
        i += tlen - 1;
    }
    free(buf);
    return n;
}

void disk_hits_free(struct disk_hit *hits, int n)
{
    for (int i = 0; hits && i < n; i++) {
        free(hits[i].text);
        free(hits[i].plain);
    }
    free(hits);
}

int disk_match_ids(const char *db, struct disk_hit *hits, int n)
{
    sqlite3 *h = NULL;
    sqlite3_stmt *q = NULL;
    int matched = 0;
    if (sqlite3_open_v2(db, &h, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(h, "SELECT id FROM sealed_responses WHERE sealed = ?", -1, &q, NULL) ==
            SQLITE_OK) {
        for (int i = 0; i < n; i++) {
            sqlite3_bind_text(q, 1, hits[i].text, -1, SQLITE_STATIC);
            if (sqlite3_step(q) == SQLITE_ROW) {
                hits[i].id = sqlite3_column_int64(q, 0);
                matched++;
            }
            sqlite3_reset(q);
        }
    }
    sqlite3_finalize(q);
    sqlite3_close(h);
    return matched;
}

/* Whether a (earlier in the file) may come before b: see disk_in_id_order. */
static bool pair_in_order(const struct disk_hit *a, const struct disk_hit *b)
{
    if (strcmp(a->text, b->text) == 0 || a->id < 0 || b->id < 0)
        return false;
    return a->page == b->page ? a->id > b->id : a->id < b->id;
}

bool disk_in_id_order(const struct disk_hit *hits, int n, char *why, size_t whylen)
{
    for (int i = 0; i < n; i++)
        for (int j = i + 1; j < n; j++)
            if (!pair_in_order(&hits[i], &hits[j])) {
                snprintf(why, whylen,
                         "id %lld at offset %zu (page %ld) before id %lld at offset %zu (page %ld)",
                         hits[i].id, hits[i].offset, hits[i].page, hits[j].id, hits[j].offset,
                         hits[j].page);
                return false;
            }
    why[0] = '\0';
    return true;
}

int disk_shm_pages(const char *path, unsigned *pages, int max)
{
    size_t len;
    unsigned char *buf = disk_read(path, &len);
    int n = 0;
    for (size_t off = DISK_SHM_HEADER; buf && off + 4 <= len && n < max && n < DISK_MAX_PAGES;
         off += 4) {
        uint32_t pgno;
        memcpy(&pgno, buf + off, sizeof pgno); /* the SHM is in native byte order */
        if (pgno == 0)
            break;
        pages[n++] = pgno;
    }
    free(buf);
    return n;
}

int disk_wal_pages(const char *path, unsigned *pages, int max)
{
    size_t len;
    unsigned char *buf = disk_read(path, &len);
    int n = 0;
    if (buf && len >= DISK_WAL_HEADER) {
        size_t frame = DISK_FRAME_HEADER + be32(buf + 8);
        for (size_t off = DISK_WAL_HEADER; off + frame <= len && n < max; off += frame)
            pages[n++] = be32(buf + off);
    }
    free(buf);
    return n;
}

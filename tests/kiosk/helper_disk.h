/* Reading a kiosk store's files as someone with the kiosk's disk would: the
 * raw bytes of the database, its WAL and its SHM, without SQLite. Sealed
 * responses are found by the key id every sealed text starts with and opened
 * with the collector's keyring, as an attacker holding that key could. */
#ifndef HELPER_DISK_H
#define HELPER_DISK_H

#include <stdbool.h>
#include <stddef.h>

#include "seal.h"

#define DISK_MAX_FILE  (64u << 20) /* a kiosk store in a test is far smaller */
#define DISK_MAX_PAGES 4062        /* frames the SHM's first hash block lists */

enum disk_kind {
    DISK_DATABASE, /* pages from offset 0 */
    DISK_WAL,      /* a 32-byte header, then frames of a 24-byte header and a page */
};

struct disk_hit {
    size_t offset; /* where the sealed text starts in the file */
    long page;     /* the database page, or the WAL frame, it lies in (from 0) */
    char *text;    /* the sealed text, NUL-terminated */
    char *plain;   /* what it opens to, NUL-terminated */
    long long id;  /* the id of the store's row holding this text; -1 if none */
};

/* The first DISK_MAX_FILE bytes of path, malloc'ed (*len of them); NULL
 * for a missing file. */
unsigned char *disk_read(const char *path, size_t *len);

/* The page size in the database header of db; 0 if it cannot be read. */
long disk_page_size(const char *db);

/* Finds every sealed response for collector_pk in the file at path and opens
 * it with kr: *out (malloc'ed, free with disk_hits_free) in file order.
 * Returns how many, 0 for a missing or empty file, -1 when out of memory. */
int disk_find_sealed(const char *path, enum disk_kind kind, long page_size,
                     const unsigned char collector_pk[SEAL_KEY_BYTES], struct seal_keyring *kr,
                     struct disk_hit **out);
void disk_hits_free(struct disk_hit *hits, int n);

/* Gives each hit the id under which the database db (read through SQLite)
 * holds its text in sealed_responses. Returns how many matched. */
int disk_match_ids(const char *db, struct disk_hit *hits, int n);

/* Whether the hits lie as SQLite lays out rows written in the order of their
 * ids: a lower id on an earlier page (or WAL frame), and on one page at a
 * higher offset (a page fills from its end). Each text at most once. On
 * false, why says which two hits break it. */
bool disk_in_id_order(const struct disk_hit *hits, int n, char *why, size_t whylen);

/* The page numbers the SHM at path lists for WAL frames, in frame order, as
 * left in its first hash block (entries past the last frame included: they
 * stay readable); 0 for a missing file. */
int disk_shm_pages(const char *path, unsigned *pages, int max);
/* The page number of each frame in the WAL at path, in file order. */
int disk_wal_pages(const char *path, unsigned *pages, int max);

#endif

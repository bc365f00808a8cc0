/* `collector backup` and `collector restore`: the files around the store's
 * copy (store_backup.c): a temporary name renamed into place after it is
 * synced, mode 0600, the key file DB.keys only when asked (a database
 * without its keys opens nothing: SECURITY.md, threat (d)), generations
 * in a folder, and the lock by which a serving collector marks its
 * database live. */
#ifndef COLLECTOR_BACKUP_H
#define COLLECTOR_BACKUP_H

#include <stdbool.h>

#define BACKUP_DEFAULT_KEEP 7 /* generations kept in a backup folder */
#define BACKUP_PREFIX       "collector-"

/* Copies db to `to` (a file that must not exist, or a folder: then
 * to/collector-YYYYMMDDTHHMMSSZ.db, and only the keep newest such copies
 * stay). With keys, DB.keys goes beside the copy as COPY.keys. Prints
 * what it made. Returns the exit status (0, or 1 with a message). */
int backup_run(const char *db, const char *to, bool keys, long keep);

/* Puts the copy from in place of db. Refuses while a collector serves db,
 * and over an existing db without force. With keys, FROM.keys becomes
 * DB.keys. Returns the exit status. */
int restore_run(const char *from, const char *db, bool force, bool keys);

/* A serving collector holds this (a shared lock on DB.live) while it runs:
 * returns the descriptor to keep open, or -1. */
int backup_hold_live(const char *db);

#endif

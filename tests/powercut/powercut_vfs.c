/* Test only: a SQLite VFS that models a power cut, as SQLite's own test
 * suite does. Writes to a database, WAL or journal file stay in memory
 * until the file's next xSync, which writes them and syncs; reads see
 * them. When the process is killed (SIGKILL: no xClose), whatever was not
 * synced never reaches the disk, as if the power went. Loaded with
 * LD_PRELOAD into a real program, it makes itself the default VFS before
 * main(); nothing in the program changes. Memory-mapped I/O is refused so
 * that every read goes through the overlay. */
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>

struct pc_write {
    struct pc_write *next;
    sqlite3_int64 off;
    int len;
    unsigned char data[];
};

struct pc_file {
    sqlite3_file base;
    sqlite3_file *real; /* the default VFS's file, right after this struct */
    int buffered;       /* a database, WAL or journal: writes wait for xSync */
    struct pc_write *head, *tail;
    sqlite3_int64 size;  /* the size the program sees */
    sqlite3_int64 trunc; /* a truncation that waits for xSync, or -1 */
};

static sqlite3_vfs pc_vfs, *pc_real;

static void pc_drop(struct pc_file *f)
{
    while (f->head) {
        struct pc_write *w = f->head;
        f->head = w->next;
        free(w);
    }
    f->tail = NULL;
    f->trunc = -1;
}

/* Writes what waits to the real file (without syncing it). */
static int pc_flush(struct pc_file *f)
{
    int rc = SQLITE_OK;

    if (f->trunc >= 0)
        rc = f->real->pMethods->xTruncate(f->real, f->trunc);
    for (struct pc_write *w = f->head; w && rc == SQLITE_OK; w = w->next)
        rc = f->real->pMethods->xWrite(f->real, w->data, w->len, w->off);
    pc_drop(f);
    return rc;
}

static int pc_close(sqlite3_file *p)
{
    struct pc_file *f = (struct pc_file *)p;
    /* A clean close: the system would write the data sometime. */
    int rc = f->buffered ? pc_flush(f) : SQLITE_OK;
    int rc2 = f->real->pMethods->xClose(f->real);
    return rc != SQLITE_OK ? rc : rc2;
}

static int pc_read(sqlite3_file *p, void *buf, int amt, sqlite3_int64 off)
{
    struct pc_file *f = (struct pc_file *)p;
    unsigned char *out = buf;
    int rc;

    if (!f->buffered)
        return f->real->pMethods->xRead(f->real, buf, amt, off);
    memset(buf, 0, (size_t)amt);
    rc = f->real->pMethods->xRead(f->real, buf, amt, off);
    if (rc != SQLITE_OK && rc != SQLITE_IOERR_SHORT_READ)
        return rc;
    if (f->trunc >= 0 && off + amt > f->trunc) { /* cut off, though still on disk */
        sqlite3_int64 from = f->trunc > off ? f->trunc : off;
        memset(out + (from - off), 0, (size_t)(off + amt - from));
    }
    for (struct pc_write *w = f->head; w; w = w->next) {
        sqlite3_int64 lo = w->off > off ? w->off : off;
        sqlite3_int64 hi = w->off + w->len < off + amt ? w->off + w->len : off + amt;
        if (lo < hi)
            memcpy(out + (lo - off), w->data + (lo - w->off), (size_t)(hi - lo));
    }
    return off + amt > f->size ? SQLITE_IOERR_SHORT_READ : SQLITE_OK;
}

static int pc_write(sqlite3_file *p, const void *buf, int amt, sqlite3_int64 off)
{
    struct pc_file *f = (struct pc_file *)p;
    struct pc_write *w;

    if (!f->buffered)
        return f->real->pMethods->xWrite(f->real, buf, amt, off);
    if (!(w = malloc(sizeof *w + (size_t)amt)))
        return SQLITE_IOERR_NOMEM;
    w->next = NULL;
    w->off = off;
    w->len = amt;
    memcpy(w->data, buf, (size_t)amt);
    if (f->tail)
        f->tail->next = w;
    else
        f->head = w;
    f->tail = w;
    if (off + amt > f->size)
        f->size = off + amt;
    return SQLITE_OK;
}

static int pc_truncate(sqlite3_file *p, sqlite3_int64 size)
{
    struct pc_file *f = (struct pc_file *)p;

    if (!f->buffered)
        return f->real->pMethods->xTruncate(f->real, size);
    /* Writes before the truncation go first, so the order stays. */
    if (f->head) {
        struct pc_write *keep = NULL, **tail = &keep;
        for (struct pc_write *w = f->head, *next; w; w = next) {
            next = w->next;
            if (w->off >= size) {
                free(w);
                continue;
            }
            if (w->off + w->len > size)
                w->len = (int)(size - w->off);
            w->next = NULL;
            *tail = w;
            tail = &w->next;
        }
        f->head = keep;
        f->tail = NULL;
        for (struct pc_write *w = keep; w; w = w->next)
            f->tail = w;
    }
    f->trunc = f->trunc >= 0 && f->trunc < size ? f->trunc : size;
    f->size = size;
    return SQLITE_OK;
}

static int pc_sync(sqlite3_file *p, int flags)
{
    struct pc_file *f = (struct pc_file *)p;
    int rc = f->buffered ? pc_flush(f) : SQLITE_OK;
    return rc != SQLITE_OK ? rc : f->real->pMethods->xSync(f->real, flags);
}

static int pc_file_size(sqlite3_file *p, sqlite3_int64 *size)
{
    struct pc_file *f = (struct pc_file *)p;
    if (!f->buffered)
        return f->real->pMethods->xFileSize(f->real, size);
    *size = f->size;
    return SQLITE_OK;
}

static int pc_lock(sqlite3_file *p, int l)
{
    struct pc_file *f = (struct pc_file *)p;
    return f->real->pMethods->xLock(f->real, l);
}

static int pc_unlock(sqlite3_file *p, int l)
{
    struct pc_file *f = (struct pc_file *)p;
    return f->real->pMethods->xUnlock(f->real, l);
}

static int pc_check_lock(sqlite3_file *p, int *out)
{
    struct pc_file *f = (struct pc_file *)p;
    return f->real->pMethods->xCheckReservedLock(f->real, out);
}

static int pc_control(sqlite3_file *p, int op, void *arg)
{
    struct pc_file *f = (struct pc_file *)p;
    if (op == SQLITE_FCNTL_MMAP_SIZE) { /* no mapping: reads must see the overlay */
        *(sqlite3_int64 *)arg = 0;
        return SQLITE_OK;
    }
    return f->real->pMethods->xFileControl(f->real, op, arg);
}

static int pc_sector(sqlite3_file *p)
{
    struct pc_file *f = (struct pc_file *)p;
    return f->real->pMethods->xSectorSize(f->real);
}

static int pc_device(sqlite3_file *p)
{
    struct pc_file *f = (struct pc_file *)p;
    return f->real->pMethods->xDeviceCharacteristics(f->real);
}

static int pc_shm_map(sqlite3_file *p, int pg, int sz, int extend, void volatile **pp)
{
    struct pc_file *f = (struct pc_file *)p;
    return f->real->pMethods->xShmMap(f->real, pg, sz, extend, pp);
}

static int pc_shm_lock(sqlite3_file *p, int off, int n, int flags)
{
    struct pc_file *f = (struct pc_file *)p;
    return f->real->pMethods->xShmLock(f->real, off, n, flags);
}

static void pc_shm_barrier(sqlite3_file *p)
{
    struct pc_file *f = (struct pc_file *)p;
    f->real->pMethods->xShmBarrier(f->real);
}

static int pc_shm_unmap(sqlite3_file *p, int del)
{
    struct pc_file *f = (struct pc_file *)p;
    return f->real->pMethods->xShmUnmap(f->real, del);
}

static int pc_fetch(sqlite3_file *p, sqlite3_int64 off, int amt, void **pp)
{
    (void)p, (void)off, (void)amt;
    *pp = NULL;
    return SQLITE_OK;
}

static int pc_unfetch(sqlite3_file *p, sqlite3_int64 off, void *page)
{
    (void)p, (void)off, (void)page;
    return SQLITE_OK;
}

static const sqlite3_io_methods pc_methods = {
    3,           pc_close,       pc_read,       pc_write,   pc_truncate, pc_sync,   pc_file_size,
    pc_lock,     pc_unlock,      pc_check_lock, pc_control, pc_sector,   pc_device, pc_shm_map,
    pc_shm_lock, pc_shm_barrier, pc_shm_unmap,  pc_fetch,   pc_unfetch,
};

static int pc_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *p, int flags, int *out)
{
    struct pc_file *f = (struct pc_file *)p;
    int rc;

    (void)vfs;
    memset(f, 0, sizeof *f);
    f->real = (sqlite3_file *)(f + 1);
    f->trunc = -1;
    rc = pc_real->xOpen(pc_real, name, f->real, flags, out);
    if (rc != SQLITE_OK) {
        f->base.pMethods = NULL;
        return rc;
    }
    f->buffered = (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL | SQLITE_OPEN_MAIN_JOURNAL)) != 0;
    if (f->buffered && f->real->pMethods->xFileSize(f->real, &f->size) != SQLITE_OK)
        f->size = 0;
    f->base.pMethods = &pc_methods;
    return SQLITE_OK;
}

__attribute__((constructor)) static void pc_register(void)
{
    pc_real = sqlite3_vfs_find(NULL);
    if (!pc_real)
        return;
    pc_vfs = *pc_real;
    pc_vfs.zName = "powercut";
    pc_vfs.szOsFile = (int)sizeof(struct pc_file) + pc_real->szOsFile;
    pc_vfs.xOpen = pc_open;
    pc_vfs.pNext = NULL;
    sqlite3_vfs_register(&pc_vfs, 1);
}

/* zlib (RFC 1950) for batches on the wire. Inflation is bounded: the output
 * buffer never grows past cap + 1 bytes, so a compressed bomb costs at most
 * cap bytes of memory and the time to produce them. */
#include "batch.h"

#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <zlib.h>

#define BATCH_INFLATE_FIRST (64u << 10) /* first output buffer; doubles up to the cap */

enum batch_err batch_deflate(const void *in, size_t len, void **out, size_t *outlen)
{
    uLongf n;
    unsigned char *buf;

    *out = NULL;
    if (len > BATCH_MAX_JSON_BYTES)
        return BATCH_E_TOO_LARGE;
    n = compressBound((uLong)len);
    buf = malloc(n);
    if (buf == NULL)
        return BATCH_E_NOMEM;
    if (compress2(buf, &n, in, (uLong)len, Z_BEST_COMPRESSION) != Z_OK) {
        free(buf);
        return BATCH_E_NOMEM; /* the only failure with a large enough buffer */
    }
    *out = buf;
    *outlen = n;
    return BATCH_OK;
}

/* Grows *buf so that it holds at least *size * 2 output bytes (at most
 * limit) plus the terminating NUL. */
static enum batch_err batch_grow(char **buf, size_t *size, size_t limit)
{
    size_t n = *size > limit / 2 ? limit : *size * 2;
    char *p = realloc(*buf, n + 1);

    if (p == NULL)
        return BATCH_E_NOMEM;
    *buf = p;
    *size = n;
    return BATCH_OK;
}

/* One inflate() call into the free part of buf; maps zlib's answers. */
static enum batch_err batch_inflate_step(z_stream *z, char *buf, size_t size, size_t *produced,
                                         bool *done)
{
    size_t room = size - *produced;
    int zr;

    z->next_out = (Bytef *)buf + *produced;
    z->avail_out = room > UINT_MAX ? UINT_MAX : (uInt)room;
    zr = inflate(z, Z_NO_FLUSH);
    *produced = (size_t)((char *)z->next_out - buf);
    switch (zr) {
    case Z_STREAM_END:
        *done = true;
        /* Bytes after the stream's end are not part of any batch. */
        return z->avail_in == 0 ? BATCH_OK : BATCH_E_DEFLATE;
    case Z_OK:
        return BATCH_OK;
    case Z_BUF_ERROR:
        /* No progress: with output room left, the input ran out early. */
        return z->avail_out == 0 ? BATCH_OK : BATCH_E_DEFLATE;
    case Z_MEM_ERROR:
        return BATCH_E_NOMEM;
    default: /* Z_DATA_ERROR (bad data or checksum), Z_NEED_DICT, Z_STREAM_ERROR */
        return BATCH_E_DEFLATE;
    }
}

enum batch_err batch_inflate(const void *in, size_t len, size_t cap, char **out, size_t *outlen)
{
    /* limit = cap + 1: one byte past the cap is how an overflow is seen. */
    size_t limit = cap + 1, size = 0, produced = 0;
    enum batch_err rc = BATCH_OK;
    bool done = false;
    char *buf = NULL;
    z_stream z;

    *out = NULL;
    if (len > BATCH_MAX_WIRE_BYTES || cap >= SIZE_MAX - 1)
        return BATCH_E_TOO_LARGE;
    memset(&z, 0, sizeof z);
    if (inflateInit(&z) != Z_OK)
        return BATCH_E_NOMEM;
    z.next_in = (Bytef *)in;
    z.avail_in = (uInt)len;
    size = limit < BATCH_INFLATE_FIRST ? limit : BATCH_INFLATE_FIRST;
    if ((buf = malloc(size + 1)) == NULL) {
        rc = BATCH_E_NOMEM;
        goto out;
    }
    while (!done) {
        if (produced == size) {
            if (size == limit) {
                rc = BATCH_E_TOO_LARGE;
                goto out;
            }
            if ((rc = batch_grow(&buf, &size, limit)) != BATCH_OK)
                goto out;
        }
        if ((rc = batch_inflate_step(&z, buf, size, &produced, &done)) != BATCH_OK)
            goto out;
    }
    if (produced > cap) {
        rc = BATCH_E_TOO_LARGE;
        goto out;
    }
    buf[produced] = '\0';
    *out = buf;
    *outlen = produced;
    buf = NULL;
out:
    free(buf);
    inflateEnd(&z);
    return rc;
}

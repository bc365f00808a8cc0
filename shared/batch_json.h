/* Internal to the batch codec: the shape check of a parsed batch document
 * and the message helper shared by decode and validate. */
#ifndef SHARED_BATCH_JSON_H
#define SHARED_BATCH_JSON_H

#include <jansson.h>

#include "batch.h"

/* Writes "batch: <message>" into err (when not NULL) and returns code. */
enum batch_err batch_fail(char *err, size_t errlen, enum batch_err code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Fills b from the parsed document, checking its shape. On failure b holds
 * what was read so far, for batch_free(). */
enum batch_err batch_json_read(json_t *root, struct batch *b, char *err, size_t errlen);

/* Reads one response object (the ri-th) into r, checking its shape. */
enum batch_err batch_json_read_response(json_t *o, size_t ri, struct batch_response *r, char *err,
                                        size_t errlen);

#endif

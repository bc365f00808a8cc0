/* The one parse of JSON from outside (batches, surveys, heartbeats):
 * jansson, with NUL bytes refused and an allocation failure told apart
 * from bad JSON. jansson's lexer reports a failed allocation as a syntax
 * error, and may even drop a byte of a string it could not grow and still
 * succeed; the collector would then answer 400 (and a kiosk quarantine a
 * good batch) when it is only short of memory. */
#ifndef SHARED_JSONMEM_H
#define SHARED_JSONMEM_H

#include <stdbool.h>
#include <stddef.h>

#include <jansson.h>

/* json_loadb with duplicate keys and NUL bytes rejected, and nothing but
 * whitespace allowed after the value. Returns NULL on failure, with
 * *oom true when any allocation failed during the parse (the text may be
 * fine) and false when the text is at fault (details in *jerr). */
json_t *jsonmem_load(const char *buf, size_t len, json_error_t *jerr, bool *oom);

#endif

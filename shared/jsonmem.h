/* Internal: tells an allocation failure inside jansson apart from bad JSON.
 * jansson's lexer reports a failed allocation as a syntax error, which would
 * make the collector answer 400 (and a kiosk quarantine a good batch) when
 * it is only short of memory; a thread-local flag set by its allocator
 * tells the truth. */
#ifndef SHARED_JSONMEM_H
#define SHARED_JSONMEM_H

#include <stdbool.h>

/* Installs the flagging allocator (once per process) and clears the flag. */
void jsonmem_begin(void);

/* Whether a jansson allocation failed on this thread since jsonmem_begin(). */
bool jsonmem_failed(void);

#endif

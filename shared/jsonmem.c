/* A malloc for jansson that remembers, per thread, that it failed, and the
 * parse built on it. It assumes no other part of the program installs
 * jansson allocators. */
#include "jsonmem.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static _Thread_local bool jsonmem_flag;
static pthread_once_t jsonmem_once = PTHREAD_ONCE_INIT;

static void *jsonmem_malloc(size_t size)
{
    void *p = malloc(size);
    if (p == NULL)
        jsonmem_flag = true;
    return p;
}

static void jsonmem_free(void *p)
{
    free(p);
}

static void jsonmem_install(void)
{
    json_set_alloc_funcs(jsonmem_malloc, jsonmem_free);
}

/* JSON text never holds a NUL byte, but jansson's lexer drops one that
 * follows a number or a literal ("{\"a\":1\0}" loads), so one is refused
 * here, before the parse. Fills jerr as jansson would, line and column
 * counted in characters from 1. */
static bool jsonmem_has_nul(const char *buf, size_t len, json_error_t *jerr)
{
    const char *nul = memchr(buf, '\0', len);
    size_t at;

    if (nul == NULL)
        return false;
    at = (size_t)(nul - buf);
    memset(jerr, 0, sizeof *jerr);
    jerr->line = 1;
    jerr->column = 1;
    for (size_t i = 0; i < at; i++) {
        if (buf[i] == '\n') {
            jerr->line++;
            jerr->column = 1;
        } else if (((unsigned char)buf[i] & 0xC0) != 0x80) {
            jerr->column++;
        }
    }
    jerr->position = (int)at;
    snprintf(jerr->source, sizeof jerr->source, "<buffer>");
    /* The last byte of text is jansson's error code; it stays 0 (unknown). */
    snprintf(jerr->text, sizeof jerr->text - 1, "a NUL byte at offset %zu", at);
    return true;
}

json_t *jsonmem_load(const char *buf, size_t len, json_error_t *jerr, bool *oom)
{
    json_t *root;

    *oom = false;
    if (jsonmem_has_nul(buf, len, jerr))
        return NULL;
    pthread_once(&jsonmem_once, jsonmem_install);
    jsonmem_flag = false;
    root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, jerr);
    /* An empty error text means the lexer could not even start. */
    *oom = jsonmem_flag || (root == NULL && (json_error_code(jerr) == json_error_out_of_memory ||
                                             jerr->text[0] == '\0'));
    if (*oom) {
        json_decref(root);
        return NULL;
    }
    return root;
}

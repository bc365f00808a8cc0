/* A malloc for jansson that remembers, per thread, that it failed, and the
 * parse built on it. It assumes no other part of the program installs
 * jansson allocators. */
#include "jsonmem.h"

#include <pthread.h>
#include <stdlib.h>

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

json_t *jsonmem_load(const char *buf, size_t len, json_error_t *jerr, bool *oom)
{
    json_t *root;

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

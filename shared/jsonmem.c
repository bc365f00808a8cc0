/* A malloc for jansson that remembers, per thread, that it failed. It
 * assumes no other part of the program installs jansson allocators. */
#include "jsonmem.h"

#include <pthread.h>
#include <stdlib.h>

#include <jansson.h>

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

void jsonmem_begin(void)
{
    pthread_once(&jsonmem_once, jsonmem_install);
    jsonmem_flag = false;
}

bool jsonmem_failed(void)
{
    return jsonmem_flag;
}

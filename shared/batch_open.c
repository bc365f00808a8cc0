/* Opening a sealed batch (format 2). Assumption: the caller decoded the
 * batch (so every sealed text is under SEAL_MAX_TEXT) and hashed its sealed
 * form first; here each text is opened, read as one response of format 1,
 * and its plaintext wiped. */
#include "batch.h"

#include <stdlib.h>
#include <string.h>

#include "batch_json.h"
#include "jsonmem.h"
#include "seal.h"

/* One sealed text into r. */
static enum batch_err batch_open_one(struct seal_keyring *kr, const char *sealed, size_t i,
                                     struct batch_response *r, char *err, size_t errlen)
{
    char *plain = NULL, why[256];
    size_t len = 0;
    json_error_t jerr;
    bool oom = false;
    json_t *o;
    enum seal_err se = seal_open(kr, sealed, strlen(sealed), &plain, &len);
    enum batch_err rc;

    if (se == SEAL_E_NOMEM)
        return batch_fail(err, errlen, BATCH_E_NOMEM, "out of memory");
    if (se != SEAL_OK) {
        seal_describe(se, sealed, strlen(sealed), why, sizeof why);
        return batch_fail(err, errlen, BATCH_E_INVALID, "responses[%zu] cannot be opened: %s", i,
                          why);
    }
    o = jsonmem_load(plain, len, &jerr, &oom);
    seal_plain_free(plain, len);
    if (oom)
        return batch_fail(err, errlen, BATCH_E_NOMEM, "out of memory");
    if (!o)
        return batch_fail(err, errlen, BATCH_E_INVALID,
                          "responses[%zu] opens to something that is not JSON", i);
    rc = batch_json_read_response(o, i, r, err, errlen);
    json_decref(o);
    return rc == BATCH_E_SHAPE ? BATCH_E_INVALID : rc;
}

enum batch_err batch_open(struct batch *b, struct seal_keyring *kr, char *err, size_t errlen)
{
    enum batch_err rc;

    if (b->format != BATCH_FORMAT_SEALED || b->n_responses == b->n_sealed)
        return BATCH_OK;
    b->responses = calloc(b->n_sealed, sizeof *b->responses);
    if (b->responses == NULL)
        return batch_fail(err, errlen, BATCH_E_NOMEM, "out of memory");
    for (size_t i = 0; i < b->n_sealed; i++) {
        b->n_responses = i + 1; /* so batch_free() releases what was read */
        rc = batch_open_one(kr, b->sealed[i], i, &b->responses[i], err, errlen);
        if (rc != BATCH_OK)
            return rc;
    }
    return BATCH_OK;
}

/* Uploading one sealed batch and acting on the collector's answer as
 * DESIGN.md's status table says. The rule that guards the data: a batch is
 * deleted only after a 200 or 201 whose JSON body names the same batch_id. */
#ifndef KIOSK_UPLOAD_H
#define KIOSK_UPLOAD_H

#include <stddef.h>

#include "http_client.h"
#include "kiosk_store.h"

#define UPLOAD_WHY_LEN 256

enum upload_verdict {
    UPLOAD_DELIVERED,  /* 200/201 naming the batch: delete it */
    UPLOAD_QUARANTINE, /* 400/409/413/415/422: keep it aside, never retry in a loop */
    UPLOAD_KEEP_AUTH,  /* 401/403: keep, retry later; the token needs an administrator */
    UPLOAD_KEEP_RETRY, /* 429/503, other statuses, no reply: keep, back off, retry */
};

/* Decides from the status and body (may be NULL) what happens to batch_id;
 * writes a sentence for the maintenance screen into why ("" when delivered). */
enum upload_verdict upload_verdict(long status, const char *body, const char *batch_id, char *why,
                                   size_t whylen);

/* Reads the sealed batch, deflates it, POSTs it to /api/v1/batches and
 * applies the verdict to the store. why as above; *retry_after_s receives
 * the collector's Retry-After (0 when none). Returns the verdict; a batch
 * that cannot be read or compressed is kept (UPLOAD_KEEP_RETRY). */
enum upload_verdict upload_batch(struct http_client *http, struct kiosk_store *st,
                                 const char *batch_id, char *why, size_t whylen,
                                 long *retry_after_s);

#endif

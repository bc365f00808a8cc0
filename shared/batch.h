/* The batch a kiosk uploads (DESIGN.md "Batch upload"): JSON codec, zlib
 * deflate/inflate with hard caps, and validation against a survey.
 * A batch holds at most BATCH_MAX_RESPONSES responses; one is decoded per
 * request, so everything is held in memory. */
#ifndef SHARED_BATCH_H
#define SHARED_BATCH_H

#include <stdbool.h>
#include <stddef.h>

#include "survey.h"

#define BATCH_FORMAT         1
#define BATCH_FORMAT_SEALED  2 /* responses are sealed texts (seal.h), one per response */
#define BATCH_MAX_RESPONSES  1000
#define BATCH_MAX_WIRE_BYTES (1u << 20)  /* 1 MiB on the wire */
#define BATCH_MAX_JSON_BYTES (16u << 20) /* 16 MiB inflated */
#define BATCH_ERR_LEN        256
#define BATCH_ANSWER_NONE    0  /* in batch_response.values: no answer (null or absent) */
#define BATCH_OPTION_NONE    -1 /* in batch_response.options: attribute not answered */

#define BATCH_ERRORS(X)                                                                            \
    X(BATCH_OK, "ok")                                                                              \
    X(BATCH_E_JSON, "the body is not valid JSON")                                                  \
    X(BATCH_E_SHAPE, "the batch does not have the shape of DESIGN.md")                             \
    X(BATCH_E_DEFLATE, "the body is not a valid zlib (RFC 1950) stream")                           \
    X(BATCH_E_TOO_LARGE, "the batch is larger than the limits allow")                              \
    X(BATCH_E_INVALID, "the batch does not fit the survey")                                        \
    X(BATCH_E_NOMEM, "out of memory")

enum batch_err {
#define BATCH_ENUM(code, text) code,
    BATCH_ERRORS(BATCH_ENUM)
#undef BATCH_ENUM
};
const char *batch_strerror(enum batch_err err);

/* One id -> value pair as it came in the JSON. */
struct batch_answer {
    char *question_id;
    bool is_null;
    int value;
};

struct batch_attr {
    char *attribute_id;
    char *option_id; /* NULL when the JSON says null */
};

struct batch_response {
    char month[8]; /* "YYYY-MM" */
    struct batch_answer *answers;
    size_t n_answers;
    struct batch_attr *attrs;
    size_t n_attrs;
    /* Filled by batch_validate(), NULL before: values[i] is the answer to
     * survey question i (BATCH_ANSWER_NONE when none), options[j] the option
     * index chosen for survey attribute j (BATCH_OPTION_NONE when none). */
    int *values;
    int *options;
};

struct batch {
    int format;        /* BATCH_FORMAT or BATCH_FORMAT_SEALED */
    char batch_id[37]; /* canonical lower-case UUID text */
    char *survey_id;
    int survey_version;
    struct batch_response *responses; /* format 2: empty until batch_open() */
    size_t n_responses;
    char **sealed; /* format 2: the sealed texts as received, in order */
    size_t n_sealed;
};

/* Decodes the JSON document: len bytes holding one JSON value and nothing
 * after it but whitespace; a NUL byte anywhere is BATCH_E_JSON. Checks
 * shape only (types, required fields, UUID and month syntax, counts under
 * the caps), not the survey. On failure *out is NULL and err holds a
 * message a person can act on. */
enum batch_err batch_decode(const char *json, size_t len, struct batch **out, char *err,
                            size_t errlen);

/* Encodes to compact JSON with keys in a fixed order; the same batch always
 * gives the same bytes, so the text can be hashed to compare contents. A
 * batch of format 2 is encoded with its sealed texts, never its opened
 * responses.
 * *out is malloc'ed and NUL-terminated; the caller frees it. */
enum batch_err batch_encode(const struct batch *b, char **out, size_t *len);

/* One response as the object of format 1 that a sealed text opens to, in
 * batch_encode()'s form; for sealing a response of format 1. *out is
 * malloc'ed and NUL-terminated; the caller frees it. */
enum batch_err batch_encode_response(const struct batch_response *r, char **out, size_t *len);

struct seal_keyring;

/* Format 2: opens each sealed text with kr and reads it as one response
 * object of format 1, into b->responses (b->sealed stays, so batch_encode
 * still gives the sealed form the duplicate rule compares). A text that
 * does not open, or opens to something that is not a response, is
 * BATCH_E_INVALID with a message naming the response; the plaintext is
 * wiped. A batch of format 1 is left as it is. */
enum batch_err batch_open(struct batch *b, struct seal_keyring *kr, char *err, size_t errlen);

/* Checks b against s (survey id and version, answers on the scale, known
 * question/attribute/option ids, required questions answered) and fills
 * each response's values[] and options[]. */
enum batch_err batch_validate(struct batch *b, const struct survey *s, char *err, size_t errlen);

/* zlib (RFC 1950). batch_inflate stops as soon as the output would exceed
 * cap and returns BATCH_E_TOO_LARGE having produced no more than cap bytes;
 * *out is malloc'ed, NUL-terminated, and freed by the caller. */
enum batch_err batch_deflate(const void *in, size_t len, void **out, size_t *outlen);
enum batch_err batch_inflate(const void *in, size_t len, size_t cap, char **out, size_t *outlen);

/* A new empty batch with a fresh UUIDv4 id, for the kiosk to fill. */
struct batch *batch_new(const char *survey_id, int survey_version);
void batch_free(struct batch *b); /* accepts NULL */

/* Whether "YYYY-MM" is a month the system accepts (2000-01 .. 2099-12). */
bool batch_month_valid(const char *month);

#endif

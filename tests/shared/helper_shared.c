/* Helpers for the shared library's unit tests; see helper_shared.h. They
 * abort rather than return errors because a missing fixture is a broken
 * test tree, not a behaviour under test. */
#include "helper_shared.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *helper_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf;
    long n;

    if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0) {
        fprintf(stderr, "cannot read fixture %s\n", path);
        abort();
    }
    buf = malloc((size_t)n + 1);
    if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        fprintf(stderr, "cannot read fixture %s\n", path);
        abort();
    }
    fclose(f);
    buf[n] = '\0';
    if (len)
        *len = (size_t)n;
    return buf;
}

char *helper_replace(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    size_t head, out_len;
    char *out;

    if (at == NULL) {
        fprintf(stderr, "fixture no longer contains \"%s\"\n", from);
        abort();
    }
    head = (size_t)(at - text);
    out_len = strlen(text) - strlen(from) + strlen(to);
    out = malloc(out_len + 1);
    if (out == NULL)
        abort();
    memcpy(out, text, head);
    memcpy(out + head, to, strlen(to));
    strcpy(out + head + strlen(to), at + strlen(from));
    return out;
}

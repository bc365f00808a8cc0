/* Helpers for the shared library's unit tests: read a whole file (the
 * sample surveys, a few KiB) and make edited copies of it. */
#ifndef TESTS_SHARED_HELPER_H
#define TESTS_SHARED_HELPER_H

#include <math.h>
#include <stddef.h>

/* cmocka 1.1's assert_float_equal compares in single precision, too coarse
 * for KPI figures; this compares doubles. */
#define assert_near(a, b, eps) assert_true(fabs((double)(a) - (double)(b)) <= (eps))

/* Reads path whole into a malloc'ed NUL-terminated buffer; aborts the test
 * program when the file cannot be read, since every later check would be
 * meaningless. */
char *helper_read_file(const char *path, size_t *len);

/* A malloc'ed copy of text with the first occurrence of from replaced by
 * to; aborts when from does not occur (the fixture changed under the test). */
char *helper_replace(const char *text, const char *from, const char *to);

#endif

/* A check that holds in every fuzz build. Not assert: the fuzz build is
 * RelWithDebInfo, where NDEBUG removes asserts, and a fuzz target whose
 * checks are compiled out finds crashes only. */
#ifndef TESTS_FUZZ_CHECK_H
#define TESTS_FUZZ_CHECK_H

#include <stdlib.h>

#define FUZZ_CHECK(cond)                                                                           \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

#endif

/* The kiosk's own words by language, from the one table in words.h, so
 * that a word and its translations cannot drift apart. */
#include "words.h"

#include <string.h>

static const char *const TABLE[STR_COUNT][3] = {
#define STRINGS_ROW(id, ja, en, easy) [id] = {ja, en, easy},
    KIOSK_STRINGS(STRINGS_ROW)
#undef STRINGS_ROW
};

const char *strings_get(enum str_id id, const char *lang)
{
    int col = lang && strcmp(lang, "en") == 0 ? 1 : lang && strcmp(lang, "ja-easy") == 0 ? 2 : 0;
    return TABLE[id][col];
}

/* Fonts and rendered text for the kiosk: BIZ UDGothic opened once per type
 * size, and laid-out text blocks rendered to textures that live as long as
 * the screen that uses them (a rebuild of the same screen renders only what
 * changed). One renderer, one thread. */
#ifndef KIOSK_TEXTCACHE_H
#define KIOSK_TEXTCACHE_H

#include <stdbool.h>
#include <stddef.h>

#include <SDL.h>

#include "layout.h"

#define TEXTCACHE_MAX_FONTS    24  /* open sizes per face; the least used is closed beyond */
#define TEXTCACHE_MAX_TEXTURES 128 /* a screen holds far fewer text blocks */

struct textcache;

/* Opens the regular and bold faces in fonts_dir. Returns NULL with a message
 * in err when a font cannot be read. */
struct textcache *textcache_open(SDL_Renderer *ren, const char *fonts_dir, char *err,
                                 size_t errlen);
void textcache_close(struct textcache *tc); /* accepts NULL */

/* The measure context of a face, for layout_break / layout_fit with
 * textcache_measure. Valid until textcache_close(). */
void *textcache_face(struct textcache *tc, bool bold);
int textcache_measure(void *face, int px, const char *text, size_t len);

/* Starts a screen: textures not asked for again before textcache_end() are freed then. */
void textcache_begin(struct textcache *tc);
void textcache_end(struct textcache *tc);

/* The texture of text laid out as ll, lines aligned centred or left, on a
 * solid background. Owned by the cache; valid until the textcache_end()
 * after a screen that no longer uses it. NULL on failure or empty text. */
SDL_Texture *textcache_render(struct textcache *tc, bool bold, const char *text,
                              const struct layout_lines *ll, bool centred, SDL_Color fg,
                              SDL_Color bg);

/* Number of text blocks rendered since open (for tests and the benchmark). */
unsigned long textcache_renders(const struct textcache *tc);

#endif

/* Fonts and text textures for the kiosk's screens. Assumes one screen uses
 * a few dozen text blocks at a handful of sizes, so linear look-ups in
 * small fixed tables are the fastest and simplest thing. */
#include "textcache.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <SDL_ttf.h>

#define MEASURE_BUF (LAYOUT_MAX_CPS * 4 + 1)

struct font_slot {
    int px;
    TTF_Font *font;
    unsigned long used; /* tick of the last use, for closing the least used */
};

struct face {
    struct textcache *tc;
    bool bold;
    char path[1024];
    struct font_slot slot[TEXTCACHE_MAX_FONTS];
};

struct tex_entry {
    char *text;
    uint64_t sig; /* bold, size, colours, alignment and line breaks */
    SDL_Texture *tex;
    unsigned gen;
};

struct textcache {
    SDL_Renderer *ren;
    struct face face[2];
    struct tex_entry tex[TEXTCACHE_MAX_TEXTURES];
    unsigned gen;
    unsigned long tick, renders;
    char buf[MEASURE_BUF];
};

static TTF_Font *face_font(struct face *f, int px)
{
    struct font_slot *victim = &f->slot[0];
    f->tc->tick++;
    for (int i = 0; i < TEXTCACHE_MAX_FONTS; i++) {
        struct font_slot *s = &f->slot[i];
        if (s->font && s->px == px) {
            s->used = f->tc->tick;
            return s->font;
        }
        if (!s->font || (victim->font && s->used < victim->used))
            victim = s;
    }
    TTF_Font *font = TTF_OpenFont(f->path, px);
    if (!font)
        return NULL;
    TTF_CloseFont(victim->font);
    victim->font = font;
    victim->px = px;
    victim->used = f->tc->tick;
    return font;
}

static int face_init(struct textcache *tc, struct face *f, bool bold, const char *dir, char *err,
                     size_t errlen)
{
    f->tc = tc;
    f->bold = bold;
    snprintf(f->path, sizeof f->path, "%s/BIZUDGothic-%s.ttf", dir, bold ? "Bold" : "Regular");
    if (!face_font(f, 32)) {
        snprintf(err, errlen, "kiosk: cannot open the font %s: %s (set fonts_dir in the config)",
                 f->path, TTF_GetError());
        return -1;
    }
    return 0;
}

struct textcache *textcache_open(SDL_Renderer *ren, const char *fonts_dir, char *err, size_t errlen)
{
    if (!TTF_WasInit() && TTF_Init() != 0) {
        snprintf(err, errlen, "kiosk: cannot start SDL_ttf: %s", TTF_GetError());
        return NULL;
    }
    struct textcache *tc = calloc(1, sizeof *tc);
    if (!tc) {
        snprintf(err, errlen, "kiosk: out of memory");
        return NULL;
    }
    tc->ren = ren;
    if (face_init(tc, &tc->face[0], false, fonts_dir, err, errlen) != 0 ||
        face_init(tc, &tc->face[1], true, fonts_dir, err, errlen) != 0) {
        textcache_close(tc);
        return NULL;
    }
    return tc;
}

static void drop_texture(struct tex_entry *e)
{
    if (e->tex)
        SDL_DestroyTexture(e->tex);
    free(e->text);
    memset(e, 0, sizeof *e);
}

void textcache_close(struct textcache *tc)
{
    if (!tc)
        return;
    for (int i = 0; i < TEXTCACHE_MAX_TEXTURES; i++)
        drop_texture(&tc->tex[i]);
    for (int f = 0; f < 2; f++) {
        for (int i = 0; i < TEXTCACHE_MAX_FONTS; i++)
            TTF_CloseFont(tc->face[f].slot[i].font);
    }
    free(tc);
}

void *textcache_face(struct textcache *tc, bool bold)
{
    return &tc->face[bold ? 1 : 0];
}

int textcache_measure(void *face, int px, const char *text, size_t len)
{
    struct face *f = face;
    TTF_Font *font = face_font(f, px);
    if (!font || len >= MEASURE_BUF)
        return 1 << 20; /* too wide for anything: the layout reports it */
    memcpy(f->tc->buf, text, len);
    f->tc->buf[len] = '\0';
    int w = 0, h = 0;
    if (TTF_SizeUTF8(font, f->tc->buf, &w, &h) != 0)
        return 1 << 20;
    return w;
}

void textcache_begin(struct textcache *tc)
{
    tc->gen++;
}

void textcache_end(struct textcache *tc)
{
    for (int i = 0; i < TEXTCACHE_MAX_TEXTURES; i++) {
        if (tc->tex[i].text && tc->tex[i].gen != tc->gen)
            drop_texture(&tc->tex[i]);
    }
}

static uint64_t fnv(uint64_t h, const void *data, size_t len)
{
    const unsigned char *p = data;
    for (size_t i = 0; i < len; i++)
        h = (h ^ p[i]) * 1099511628211ull;
    return h;
}

static uint64_t signature(bool bold, const struct layout_lines *ll, bool centred, SDL_Color fg,
                          SDL_Color bg)
{
    uint64_t h = 14695981039346656037ull;
    h = fnv(h, &bold, sizeof bold);
    h = fnv(h, &centred, sizeof centred);
    h = fnv(h, &fg, sizeof fg);
    h = fnv(h, &bg, sizeof bg);
    h = fnv(h, &ll->px, sizeof ll->px);
    h = fnv(h, &ll->width, sizeof ll->width);
    for (int i = 0; i < ll->n; i++) {
        h = fnv(h, &ll->line[i].start, sizeof ll->line[i].start);
        h = fnv(h, &ll->line[i].len, sizeof ll->line[i].len);
    }
    return h;
}

static int draw_line(struct textcache *tc, TTF_Font *font, SDL_Surface *block, const char *text,
                     const struct layout_lines *ll, int i, bool centred, SDL_Color fg, SDL_Color bg)
{
    const struct layout_line *l = &ll->line[i];
    if (l->len == 0)
        return 0;
    memcpy(tc->buf, text + l->start, l->len);
    tc->buf[l->len] = '\0';
    SDL_Surface *s = TTF_RenderUTF8_Shaded(font, tc->buf, fg, bg);
    if (!s)
        return -1;
    SDL_Rect at = {centred ? (ll->width - s->w) / 2 : 0,
                   i * ll->line_height + (ll->line_height - s->h) / 2, s->w, s->h};
    int rc = SDL_BlitSurface(s, NULL, block, &at);
    SDL_FreeSurface(s);
    return rc;
}

static SDL_Texture *render_block(struct textcache *tc, bool bold, const char *text,
                                 const struct layout_lines *ll, bool centred, SDL_Color fg,
                                 SDL_Color bg)
{
    TTF_Font *font = face_font(&tc->face[bold ? 1 : 0], ll->px);
    if (!font || ll->width <= 0 || ll->height <= 0)
        return NULL;
    SDL_Surface *block =
        SDL_CreateRGBSurfaceWithFormat(0, ll->width, ll->height, 32, SDL_PIXELFORMAT_ARGB8888);
    if (!block)
        return NULL;
    SDL_Texture *tex = NULL;
    SDL_FillRect(block, NULL, SDL_MapRGB(block->format, bg.r, bg.g, bg.b));
    for (int i = 0; i < ll->n; i++) {
        if (draw_line(tc, font, block, text, ll, i, centred, fg, bg) != 0)
            goto out;
    }
    tex = SDL_CreateTextureFromSurface(tc->ren, block);
    tc->renders++;
out:
    SDL_FreeSurface(block);
    return tex;
}

static struct tex_entry *free_entry(struct textcache *tc)
{
    for (int i = 0; i < TEXTCACHE_MAX_TEXTURES; i++) {
        if (!tc->tex[i].text)
            return &tc->tex[i];
    }
    return NULL;
}

SDL_Texture *textcache_render(struct textcache *tc, bool bold, const char *text,
                              const struct layout_lines *ll, bool centred, SDL_Color fg,
                              SDL_Color bg)
{
    uint64_t sig = signature(bold, ll, centred, fg, bg);
    for (int i = 0; i < TEXTCACHE_MAX_TEXTURES; i++) {
        struct tex_entry *e = &tc->tex[i];
        if (e->text && e->sig == sig && strcmp(e->text, text) == 0) {
            e->gen = tc->gen;
            return e->tex;
        }
    }
    struct tex_entry *e = free_entry(tc);
    if (!e)
        return NULL;
    e->text = strdup(text);
    if (!e->text)
        return NULL;
    e->tex = render_block(tc, bold, text, ll, centred, fg, bg);
    e->sig = sig;
    e->gen = tc->gen;
    if (!e->tex) {
        drop_texture(e);
        return NULL;
    }
    return e->tex;
}

unsigned long textcache_renders(const struct textcache *tc)
{
    return tc->renders;
}

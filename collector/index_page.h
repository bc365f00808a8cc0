/* The administrators' index (GET /): the fiscal years held with links to
 * their three downloads, the active survey, and the kiosks' health from
 * their last heartbeat, so that a kiosk that went quiet is noticed. */
#ifndef COLLECTOR_INDEX_PAGE_H
#define COLLECTOR_INDEX_PAGE_H

#include <sqlite3.h>

#include "reply.h"
#include "store.h"

#define INDEX_PAGE_SILENT_S (24 * 3600) /* a kiosk quiet for longer is highlighted */

/* Fills rep with the page (200, HTML), or an error reply. */
void index_page_reply(struct store *st, sqlite3 *db, struct reply *rep);

#endif

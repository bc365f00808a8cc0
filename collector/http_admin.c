/* The bridge to the admin routes of admin.c: each admin request gets its
 * own read-only SQLite connection, so reports read beside the writer (WAL)
 * and never hold the writer's lock. */
#include <arpa/inet.h>
#include <string.h>

#include "admin.h"
#include "audit.h"
#include "http.h"

static const char *http_admin_arg(void *ctx, const char *name)
{
    return MHD_lookup_connection_value(ctx, MHD_GET_ARGUMENT_KIND, name);
}

bool http_admin_route(const char *path)
{
    return admin_handles(path);
}

void http_admin_answer(struct http *h, struct MHD_Connection *conn, const char *path,
                       struct reply *rep)
{
    sqlite3 *db = store_reader_open(h->store);
    struct admin_request req = {
        .path = path,
        .arg = http_admin_arg,
        .ctx = conn,
        .min_group_size = h->min_group_size,
        .store = h->store,
    };

    if (!db) {
        reply_error(rep, 503, "storage_unavailable",
                    "the collector cannot open its database for reading; retry later");
        return;
    }
    admin_handle(db, &req, rep);
    sqlite3_close(db);
    if (strcmp(path, "/") != 0) { /* a report or the KPI JSON: a download, on record */
        char address[INET6_ADDRSTRLEN];
        const char *survey = http_admin_arg(conn, "survey");
        http_client_address(conn, address, sizeof address);
        audit_record(h->store, "admin-token", address, "report_download",
                     "path=%s survey=%s status=%d", path, survey ? survey : "-", rep->status);
    }
}

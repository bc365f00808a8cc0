/* Admin routes: the yearly KPI JSON, the CSV and HTML reports, and the
 * admin index. The HTTP layer (http.c) authenticates the admin token first
 * and then hands these requests over; everything here reads the store and
 * nothing else. */
#ifndef COLLECTOR_ADMIN_H
#define COLLECTOR_ADMIN_H

#include <stdbool.h>
#include <sqlite3.h>

#include "reply.h"
#include "store.h"

struct admin_request {
    const char *path; /* e.g. "/api/v1/kpi", "/reports/2024.csv", "/" */
    /* Query argument by name, NULL when absent. */
    const char *(*arg)(void *ctx, const char *name);
    void *ctx;
    long min_group_size; /* from --min-group-size, default KPI_DEFAULT_MIN_GROUP */
    struct store *store; /* participation and release state (the writer's store) */
};

/* Whether path is one of the admin routes handled here (GET only). */
bool admin_handles(const char *path);

/* Answers one admin GET request from the database db (a read connection
 * that the caller owns). Fills rep; never returns without a reply. */
void admin_handle(sqlite3 *db, const struct admin_request *req, struct reply *rep);

#endif

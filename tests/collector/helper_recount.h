/* The release tables of a collector database checked against a recount of
 * its released responses, for databases of the Goshogawara sample survey
 * (its one attribute is "employment"). */
#ifndef TESTS_COLLECTOR_HELPER_RECOUNT_H
#define TESTS_COLLECTOR_HELPER_RECOUNT_H

/* Rows of the latest revision's release_answer_counts and
 * release_respondent_counts that a recount of released_responses does not
 * give, plus recounted rows they lack: 0 when the release figures are
 * exact, -1 when the database cannot be read. */
long long helper_aggregates_mismatch(const char *db);

#endif

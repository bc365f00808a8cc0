/* The aggregate tables of a collector database checked against a recount
 * of its raw responses, for databases of the Goshogawara sample survey
 * (its one attribute is "employment"). */
#ifndef TESTS_COLLECTOR_HELPER_RECOUNT_H
#define TESTS_COLLECTOR_HELPER_RECOUNT_H

/* Rows of answer_counts and respondent_counts that a recount of the
 * responses table does not give, plus recounted rows the tables lack:
 * 0 when the aggregates are exact, -1 when the database cannot be read. */
long long helper_aggregates_mismatch(const char *db);

#endif

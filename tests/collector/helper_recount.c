/* A recount of the aggregates from the raw responses in SQL, independent
 * of the collector's tally: per survey and fiscal year, the population and
 * each employment option ("" when it was left unanswered). */
#include "helper_recount.h"

#include "testutil.h"

#define RECOUNT_ANSWERS                                                                            \
    "ra AS (SELECT survey_id, fiscal_year, '', '', j.key, j.value, count(*)"                       \
    " FROM responses, json_each(answers) j GROUP BY 1, 2, 5, 6 UNION ALL"                          \
    " SELECT survey_id, fiscal_year, 'employment',"                                                \
    " coalesce(json_extract(attributes, '$.employment'), ''), j.key, j.value, count(*)"            \
    " FROM responses, json_each(answers) j GROUP BY 1, 2, 4, 5, 6),"                               \
    " ka AS (SELECT survey_id, fiscal_year, attribute_id, option_id, question_id, value, count"    \
    " FROM answer_counts),"
#define RECOUNT_RESPONDENTS                                                                        \
    " rr AS (SELECT survey_id, fiscal_year, '', '', count(*) FROM responses GROUP BY 1, 2"         \
    " UNION ALL SELECT survey_id, fiscal_year, 'employment',"                                      \
    " coalesce(json_extract(attributes, '$.employment'), ''), count(*)"                            \
    " FROM responses GROUP BY 1, 2, 4),"                                                           \
    " kr AS (SELECT survey_id, fiscal_year, attribute_id, option_id, count"                        \
    " FROM respondent_counts) "

long long helper_aggregates_mismatch(const char *db)
{
    return tu_db_count(db,
                       "WITH " RECOUNT_ANSWERS RECOUNT_RESPONDENTS
                       "SELECT (SELECT count(*) FROM (SELECT * FROM ka EXCEPT SELECT * FROM ra))"
                       " + (SELECT count(*) FROM (SELECT * FROM ra EXCEPT SELECT * FROM ka))"
                       " + (SELECT count(*) FROM (SELECT * FROM kr EXCEPT SELECT * FROM rr))"
                       " + (SELECT count(*) FROM (SELECT * FROM rr EXCEPT SELECT * FROM kr))");
}

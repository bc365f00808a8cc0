/* A recount of the release figures from the released responses in SQL,
 * independent of the collector's release code: per survey and fiscal
 * year, the population and each employment option ("" when it was left
 * unanswered), against the latest revision's cumulative counts. */
#include "helper_recount.h"

#include "testutil.h"

#define RECOUNT_LATEST                                                                             \
    "lr AS (SELECT survey_id, fiscal_year, max(revision) AS revision FROM releases GROUP BY 1, "   \
    "2),"
#define RECOUNT_ANSWERS                                                                            \
    " ra AS (SELECT survey_id, fiscal_year, '', '', j.key, j.value, count(*)"                      \
    " FROM released_responses, json_each(answers) j GROUP BY 1, 2, 5, 6 UNION ALL"                 \
    " SELECT survey_id, fiscal_year, 'employment',"                                                \
    " coalesce(json_extract(attributes, '$.employment'), ''), j.key, j.value, count(*)"            \
    " FROM released_responses, json_each(answers) j GROUP BY 1, 2, 4, 5, 6),"                      \
    " ka AS (SELECT c.survey_id, c.fiscal_year, attribute_id, option_id, question_id, value,"      \
    " count FROM release_answer_counts c JOIN lr USING (survey_id, fiscal_year, revision)),"
#define RECOUNT_RESPONDENTS                                                                        \
    " rr AS (SELECT survey_id, fiscal_year, '', '', count(*) FROM released_responses GROUP BY 1, " \
    "2"                                                                                            \
    " UNION ALL SELECT survey_id, fiscal_year, 'employment',"                                      \
    " coalesce(json_extract(attributes, '$.employment'), ''), count(*)"                            \
    " FROM released_responses GROUP BY 1, 2, 4),"                                                  \
    " kr AS (SELECT c.survey_id, c.fiscal_year, attribute_id, option_id, count"                    \
    " FROM release_respondent_counts c JOIN lr USING (survey_id, fiscal_year, revision)) "

long long helper_aggregates_mismatch(const char *db)
{
    return tu_db_count(db,
                       "WITH " RECOUNT_LATEST RECOUNT_ANSWERS RECOUNT_RESPONDENTS
                       "SELECT (SELECT count(*) FROM (SELECT * FROM ka EXCEPT SELECT * FROM ra))"
                       " + (SELECT count(*) FROM (SELECT * FROM ra EXCEPT SELECT * FROM ka))"
                       " + (SELECT count(*) FROM (SELECT * FROM kr EXCEPT SELECT * FROM rr))"
                       " + (SELECT count(*) FROM (SELECT * FROM rr EXCEPT SELECT * FROM kr))");
}

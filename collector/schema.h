/* The collector's database schema, as forward migrations. Version 1
 * kept raw responses in clear beside live aggregates; version 2 added the
 * release model; version 3 keeps every response sealed until a release
 * opens it (docs/design.md, "What the collector stores"); version 4 holds
 * the headcounts that response rates need; version 5 the web console's
 * accounts, sessions, pairing codes and audit log.
 *
 * Aggregate keys: attribute_id = '' and option_id = '' is the whole
 * population; attribute_id = A and option_id = O is the group that chose
 * option O of attribute A; attribute_id = A and option_id = '' is the group
 * that left A unanswered. Aggregates are keyed by survey id, not version:
 * question and attribute ids are stable across versions (DESIGN.md). */
#ifndef COLLECTOR_SCHEMA_H
#define COLLECTOR_SCHEMA_H

#define SCHEMA_VERSION 5

/* Applied to a database whose PRAGMA user_version is 0. */
#define SCHEMA_V1_SQL                                                                              \
    "CREATE TABLE surveys ("                                                                       \
    "  survey_id TEXT NOT NULL,"                                                                   \
    "  version INTEGER NOT NULL,"                                                                  \
    "  definition TEXT NOT NULL," /* the JSON exactly as published */                              \
    "  sha256 TEXT NOT NULL,"                                                                      \
    "  published_at TEXT NOT NULL,"        /* RFC 3339 UTC */                                      \
    "  active INTEGER NOT NULL DEFAULT 0," /* exactly one row has 1 once any is published */       \
    "  PRIMARY KEY (survey_id, version));"                                                         \
    "CREATE TABLE kiosks ("                                                                        \
    "  kiosk_id INTEGER PRIMARY KEY,"                                                              \
    "  name TEXT NOT NULL UNIQUE,"                                                                 \
    "  token_sha256 TEXT NOT NULL UNIQUE,"                                                         \
    "  created_at TEXT NOT NULL,"                                                                  \
    "  revoked_at TEXT,"                                                                           \
    "  last_seen_at TEXT,"    /* last heartbeat, collector's clock */                              \
    "  heartbeat TEXT,"       /* the last heartbeat body as JSON */                                \
    "  clock_skew_s INTEGER," /* kiosk clock minus collector clock at that heartbeat */            \
    "  batches INTEGER NOT NULL DEFAULT 0,"                                                        \
    "  responses INTEGER NOT NULL DEFAULT 0);"                                                     \
    "CREATE TABLE admin_tokens ("                                                                  \
    "  slot INTEGER PRIMARY KEY CHECK (slot = 1)," /* one admin token at a time */                 \
    "  token_sha256 TEXT NOT NULL,"                                                                \
    "  created_at TEXT NOT NULL);"                                                                 \
    "CREATE TABLE batches ("                                                                       \
    "  batch_id TEXT PRIMARY KEY,"                                                                 \
    "  kiosk_id INTEGER NOT NULL REFERENCES kiosks(kiosk_id),"                                     \
    "  survey_id TEXT NOT NULL,"                                                                   \
    "  survey_version INTEGER NOT NULL,"                                                           \
    "  content_sha256 TEXT NOT NULL," /* of batch_encode() of the decoded batch */                 \
    "  responses INTEGER NOT NULL,"                                                                \
    "  received_at TEXT NOT NULL,"                                                                 \
    "  FOREIGN KEY (survey_id, survey_version) REFERENCES surveys(survey_id, version));"           \
    "CREATE TABLE responses ("                                                                     \
    "  response_id INTEGER PRIMARY KEY,"                                                           \
    "  batch_id TEXT NOT NULL REFERENCES batches(batch_id),"                                       \
    "  survey_id TEXT NOT NULL,"                                                                   \
    "  fiscal_year INTEGER NOT NULL,"                                                              \
    "  month TEXT NOT NULL,"       /* YYYY-MM */                                                   \
    "  answers TEXT NOT NULL,"     /* {"q01":3,...} nulls left out */                              \
    "  attributes TEXT NOT NULL);" /* {"employment":"regular"} unanswered left out */              \
    "CREATE INDEX responses_by_year ON responses(survey_id, fiscal_year);"                         \
    "CREATE TABLE answer_counts ("                                                                 \
    "  survey_id TEXT NOT NULL,"                                                                   \
    "  fiscal_year INTEGER NOT NULL,"                                                              \
    "  attribute_id TEXT NOT NULL,"                                                                \
    "  option_id TEXT NOT NULL,"                                                                   \
    "  question_id TEXT NOT NULL,"                                                                 \
    "  value INTEGER NOT NULL,"                                                                    \
    "  count INTEGER NOT NULL,"                                                                    \
    "  PRIMARY KEY (survey_id, fiscal_year, attribute_id, option_id, question_id, value)"          \
    ") WITHOUT ROWID;"                                                                             \
    "CREATE TABLE respondent_counts ("                                                             \
    "  survey_id TEXT NOT NULL,"                                                                   \
    "  fiscal_year INTEGER NOT NULL,"                                                              \
    "  attribute_id TEXT NOT NULL,"                                                                \
    "  option_id TEXT NOT NULL,"                                                                   \
    "  count INTEGER NOT NULL,"                                                                    \
    "  PRIMARY KEY (survey_id, fiscal_year, attribute_id, option_id)"                              \
    ") WITHOUT ROWID;"

/* Version 2, the release model (docs/design.md, "Releases"). Figures come
 * only from a release: a frozen, numbered snapshot of one survey's fiscal
 * year. release_rev on a response names the revision that first took it in
 * (NULL: it waits outside the figures). release_answer_counts and
 * release_respondent_counts hold each revision's cumulative counts, keyed
 * like the live aggregates but by the option id as the respondent answered
 * it, so that a report of any version can map unknown ids to one group.
 * baselines holds the figures an administrator fixed with `baseline set`;
 * participation the once-a-day count shown before the first release. */
#define SCHEMA_V2_SQL                                                                              \
    "ALTER TABLE surveys ADD COLUMN closed_at TEXT;" /* collection ended, collector's clock */     \
    "ALTER TABLE responses ADD COLUMN release_rev INTEGER;"                                        \
    "CREATE INDEX batches_by_kiosk ON batches(kiosk_id, received_at);"                             \
    "CREATE TABLE releases ("                                                                      \
    "  survey_id TEXT NOT NULL,"                                                                   \
    "  fiscal_year INTEGER NOT NULL,"                                                              \
    "  revision INTEGER NOT NULL,"    /* 1, 2, ... */                                              \
    "  made_at TEXT NOT NULL,"        /* RFC 3339 UTC */                                           \
    "  respondents INTEGER NOT NULL," /* cumulative, in this revision */                           \
    "  reason TEXT NOT NULL,"         /* close, period_end, release */                             \
    "  PRIMARY KEY (survey_id, fiscal_year, revision));"                                           \
    "CREATE TABLE release_answer_counts ("                                                         \
    "  survey_id TEXT NOT NULL,"                                                                   \
    "  fiscal_year INTEGER NOT NULL,"                                                              \
    "  revision INTEGER NOT NULL,"                                                                 \
    "  attribute_id TEXT NOT NULL,"                                                                \
    "  option_id TEXT NOT NULL,"                                                                   \
    "  question_id TEXT NOT NULL,"                                                                 \
    "  value INTEGER NOT NULL,"                                                                    \
    "  count INTEGER NOT NULL,"                                                                    \
    "  PRIMARY KEY (survey_id, fiscal_year, revision, attribute_id, option_id, question_id,"       \
    "               value)"                                                                        \
    ") WITHOUT ROWID;"                                                                             \
    "CREATE TABLE release_respondent_counts ("                                                     \
    "  survey_id TEXT NOT NULL,"                                                                   \
    "  fiscal_year INTEGER NOT NULL,"                                                              \
    "  revision INTEGER NOT NULL,"                                                                 \
    "  attribute_id TEXT NOT NULL,"                                                                \
    "  option_id TEXT NOT NULL,"                                                                   \
    "  count INTEGER NOT NULL,"                                                                    \
    "  PRIMARY KEY (survey_id, fiscal_year, revision, attribute_id, option_id)"                    \
    ") WITHOUT ROWID;"                                                                             \
    "CREATE TABLE baselines ("                                                                     \
    "  survey_id TEXT NOT NULL,"                                                                   \
    "  question_id TEXT NOT NULL,"                                                                 \
    "  fiscal_year INTEGER NOT NULL,"                                                              \
    "  revision INTEGER NOT NULL,"                                                                 \
    "  value REAL NOT NULL," /* round2 of that release's mean */                                   \
    "  set_at TEXT NOT NULL,"                                                                      \
    "  PRIMARY KEY (survey_id, question_id));"                                                     \
    "CREATE TABLE participation ("                                                                 \
    "  survey_id TEXT NOT NULL,"                                                                   \
    "  fiscal_year INTEGER NOT NULL,"                                                              \
    "  counted_on TEXT NOT NULL,"     /* YYYY-MM-DD, UTC */                                        \
    "  respondents INTEGER NOT NULL," /* stored, all of them, at that count */                     \
    "  released INTEGER NOT NULL,"    /* of those, in the latest release then */                   \
    "  PRIMARY KEY (survey_id, fiscal_year));"

/* Version 3, sealed until release (issue 11). responses now holds only
 * what waits for a release: the sealed text as received (or as the
 * collector sealed a response of format 1 on arrival), the id of the key
 * it is sealed for, its batch (for duplicates, purge and kiosk health), its
 * survey version and its fiscal year (for participation and the release of
 * that year); no
 * answer, attribute or month in clear. A release opens the responses it
 * takes into released_responses, in random order, with no batch, kiosk,
 * month or arrival time, and deletes their sealed rows (secure_delete
 * zeroes them). The live aggregates are gone: no figure exists before a
 * release. The responses of a version 2 database that wait are sealed by
 * the C step of this migration (store.c), which then drops responses_v2. */
#define SCHEMA_V3_SQL                                                                              \
    "ALTER TABLE responses RENAME TO responses_v2;"                                                \
    "DROP INDEX responses_by_year;"                                                                \
    "CREATE TABLE responses ("                                                                     \
    "  response_id INTEGER PRIMARY KEY,"                                                           \
    "  batch_id TEXT NOT NULL REFERENCES batches(batch_id),"                                       \
    "  survey_id TEXT NOT NULL,"                                                                   \
    "  survey_version INTEGER NOT NULL," /* its batch's, so a release need not join */             \
    "  fiscal_year INTEGER NOT NULL,"                                                              \
    "  key_id TEXT NOT NULL," /* 16 hex digits: the collector key it is sealed for */              \
    "  sealed TEXT NOT NULL);"                                                                     \
    "CREATE INDEX responses_waiting ON responses(survey_id, fiscal_year);"                         \
    "CREATE INDEX responses_by_batch ON responses(batch_id);"                                      \
    "CREATE TABLE released_responses ("                                                            \
    "  response_id INTEGER PRIMARY KEY,"                                                           \
    "  survey_id TEXT NOT NULL,"                                                                   \
    "  fiscal_year INTEGER NOT NULL,"                                                              \
    "  release_rev INTEGER NOT NULL,"                                                              \
    "  answers TEXT NOT NULL,"     /* {"q01":3,...} nulls left out */                              \
    "  attributes TEXT NOT NULL);" /* {"employment":"regular"} unanswered left out */              \
    "CREATE INDEX released_by_year ON released_responses(survey_id, fiscal_year);"                 \
    "INSERT INTO released_responses (survey_id, fiscal_year, release_rev, answers, attributes)"    \
    "  SELECT survey_id, fiscal_year, release_rev, answers, attributes FROM responses_v2"          \
    "  WHERE release_rev IS NOT NULL ORDER BY random();"                                           \
    "DELETE FROM responses_v2 WHERE release_rev IS NOT NULL;"                                      \
    "DROP TABLE answer_counts;"                                                                    \
    "DROP TABLE respondent_counts;"

/* Version 4: the headcount an administrator records per fiscal year
 * (`collector headcount set|import`), for response rates. Keyed like the
 * release counts: attribute_id = '' and option_id = '' is everyone. */
#define SCHEMA_V4_SQL                                                                              \
    "CREATE TABLE headcounts ("                                                                    \
    "  survey_id TEXT NOT NULL,"                                                                   \
    "  fiscal_year INTEGER NOT NULL,"                                                              \
    "  attribute_id TEXT NOT NULL,"                                                                \
    "  option_id TEXT NOT NULL,"                                                                   \
    "  count INTEGER NOT NULL CHECK (count > 0),"                                                  \
    "  set_at TEXT NOT NULL," /* RFC 3339 UTC */                                                   \
    "  PRIMARY KEY (survey_id, fiscal_year, attribute_id, option_id)"                              \
    ") WITHOUT ROWID;"

/* Version 5, the web console (issue 14). console_users are the named
 * people who administer the collector, each with a role and an Argon2id
 * password (NULL until set through a one-time setup link, of which only the
 * hash is kept). console_sessions keep the hash of a session cookie, its
 * CSRF token and its times (seconds since the epoch, collector's clock).
 * console_failures holds failed logins and pairing attempts per subject
 * ("user:NAME", "addr:IP", "pair:IP") for the rate limits. pairing_codes
 * keep the hash of each 8-digit code a kiosk exchanges once for its token.
 * audit_log is append-only (triggers refuse UPDATE and DELETE) and
 * hash-chained: sha256 covers prev_sha256 and the row (audit.h). */
#define SCHEMA_V5_SQL                                                                              \
    "CREATE TABLE console_users ("                                                                 \
    "  user_id INTEGER PRIMARY KEY,"                                                               \
    "  name TEXT NOT NULL UNIQUE,"                                                                 \
    "  role TEXT NOT NULL CHECK (role IN ('admin', 'viewer')),"                                    \
    "  password TEXT,"            /* Argon2id encoded ($argon2id$v=19$...) */                      \
    "  setup_sha256 TEXT UNIQUE," /* the one-time setup token's hash, NULL once used */            \
    "  setup_expires INTEGER,"                                                                     \
    "  created_at TEXT NOT NULL,"                                                                  \
    "  disabled_at TEXT);" /* no login, no session, no setup link while set */                     \
    "CREATE TABLE console_sessions ("                                                              \
    "  session_sha256 TEXT PRIMARY KEY,"                                                           \
    "  user_id INTEGER NOT NULL REFERENCES console_users(user_id),"                                \
    "  csrf TEXT NOT NULL,"                                                                        \
    "  created INTEGER NOT NULL,"                                                                  \
    "  last_seen INTEGER NOT NULL"                                                                 \
    ") WITHOUT ROWID;"                                                                             \
    "CREATE TABLE console_failures ("                                                              \
    "  subject TEXT NOT NULL,"                                                                     \
    "  at INTEGER NOT NULL);"                                                                      \
    "CREATE INDEX console_failures_by_subject ON console_failures(subject, at);"                   \
    "CREATE TABLE pairing_codes ("                                                                 \
    "  code_sha256 TEXT PRIMARY KEY,"                                                              \
    "  kiosk_id INTEGER NOT NULL REFERENCES kiosks(kiosk_id),"                                     \
    "  expires INTEGER NOT NULL"                                                                   \
    ") WITHOUT ROWID;"                                                                             \
    "CREATE TABLE audit_log ("                                                                     \
    "  seq INTEGER PRIMARY KEY,"                                                                   \
    "  at TEXT NOT NULL,"      /* RFC 3339 UTC */                                                  \
    "  actor TEXT NOT NULL,"   /* a console user, "cli" or "token" */                              \
    "  address TEXT NOT NULL," /* the client's address, "" from the command line */                \
    "  action TEXT NOT NULL,"                                                                      \
    "  detail TEXT NOT NULL,"                                                                      \
    "  prev_sha256 TEXT NOT NULL,"                                                                 \
    "  sha256 TEXT NOT NULL);"                                                                     \
    "CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log"                                \
    "  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"                            \
    "CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log"                                \
    "  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;"

#endif

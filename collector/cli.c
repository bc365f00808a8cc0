/* Command-line parsing and the administrative commands. Assumption: these
 * run beside a serving daemon on the same database; WAL and busy_timeout
 * let them write while it serves. Tokens are printed once and stored only
 * as hashes: a lost token is replaced, never recovered. */
#include "cli.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"
#include "audit.h"
#include "cclock.h"
#include "headcount_cli.h"
#include "console_auth.h"
#include "report_buf.h"
#include "store_console.h"
#include "keys.h"
#include "purge.h"
#include "release.h"
#include "kpi_query.h"
#include "report_cli.h"
#include "serve.h"
#include "backup.h"
#include "store.h"
#include "utf8.h"

#define CLI_MAX_POSITIONAL 4
#define CLI_MAX_OPTIONS    24

static const char cli_usage[] =
    "usage: collector serve --db PATH [--listen HOST:PORT] [--tls-cert F --tls-key F]\n"
    "                       [--min-group-size N] [--max-db-pages N]\n"
    "                       [--max-connections N] [--reserve N] [--max-per-ip N] [--timeout S]\n"
    "                       [--header-timeout S] [--body-timeout S] [--min-rate B] [--workers N]\n"
    "                       [--metrics-public] [--public-url URL]\n"
    "                       [--max-db-mb N] [--max-responses-per-kiosk-day N]\n"
    "       collector kiosk add NAME --db PATH\n"
    "       collector kiosk revoke NAME --db PATH\n"
    "       collector kiosk rotate NAME --db PATH\n"
    "       collector kiosk purge NAME --db PATH [--since YYYY-MM-DD] [--dry-run]\n"
    "       collector kiosk list --db PATH\n"
    "       collector admin-token --db PATH\n"
    "       collector user add NAME --role admin|viewer --db PATH [--public-url URL]\n"
    "       collector user reset NAME --db PATH [--public-url URL]\n"
    "       collector user list --db PATH\n"
    "       collector user disable|enable NAME --db PATH\n"
    "       collector audit verify|export --db PATH\n"
    "       collector backup --db PATH --to FILE|DIR [--with-keys] [--keep N]\n"
    "       collector restore --from FILE --db PATH [--force] [--with-keys]\n"
    "       collector key init|show [--all]|rotate --db PATH\n"
    "       collector key retire ID --db PATH\n"
    "         (the keys live in PATH.keys; a serving collector takes a rotation on its next"
    " start)\n"
    "       collector survey publish FILE --db PATH\n"
    "       collector survey close ID --db PATH [--min-group-size N]\n"
    "       collector release --survey ID --fiscal-year YYYY --db PATH [--min-group-size N]\n"
    "       collector baseline set --survey ID --fiscal-year YYYY --db PATH\n"
    "       collector headcount set --fiscal-year YYYY [--total N] [--group ATTR=OPT:N,...]..."
    " [--survey ID] --db PATH\n"
    "       collector headcount import FILE --fiscal-year YYYY [--survey ID] --db PATH\n"
    "       collector report --db PATH --fiscal-year YYYY --format csv|json|html [--survey ID]\n"
    "                        [--group-by ATTR] [--min-group-size N]\n";

struct cli_args {
    const char *pos[CLI_MAX_POSITIONAL];
    int n_pos;
    const char *name[CLI_MAX_OPTIONS], *value[CLI_MAX_OPTIONS];
    int n_opt;
};

/* Whether name is a word of list (space-separated). */
static bool cli_listed(const char *list, const char *name)
{
    size_t n = strlen(name);

    for (const char *hit = list; n && (hit = strstr(hit, name)); hit++)
        if ((hit == list || hit[-1] == ' ') && (!hit[n] || hit[n] == ' '))
            return true;
    return false;
}

/* Splits argv[from..] into positionals and "--name value" pairs, checking
 * the names against allowed (a space-separated list); the names in flags
 * take no value and read as "" when given. */
static int cli_parse_flags(int argc, char **argv, int from, const char *cmd, const char *allowed,
                           const char *flags, struct cli_args *a)
{
    memset(a, 0, sizeof *a);
    for (int i = from; i < argc; i++) {
        const char *arg = argv[i];
        bool flag = !strncmp(arg, "--", 2) && cli_listed(flags, arg + 2);
        if (strncmp(arg, "--", 2) != 0) {
            if (a->n_pos == CLI_MAX_POSITIONAL) {
                fprintf(stderr, "collector %s: unexpected argument \"%s\"\n", cmd, arg);
                return -1;
            }
            a->pos[a->n_pos++] = arg;
            continue;
        }
        if (!flag && !cli_listed(allowed, arg + 2)) {
            fprintf(stderr, "collector %s: unknown option %s (see collector --help)\n", cmd, arg);
            return -1;
        }
        if ((!flag && i + 1 >= argc) || a->n_opt == CLI_MAX_OPTIONS) {
            fprintf(stderr, "collector %s: option %s needs a value\n", cmd, arg);
            return -1;
        }
        a->name[a->n_opt] = arg + 2;
        a->value[a->n_opt++] = flag ? "" : argv[++i];
    }
    return 0;
}

static int cli_parse(int argc, char **argv, int from, const char *cmd, const char *allowed,
                     struct cli_args *a)
{
    return cli_parse_flags(argc, argv, from, cmd, allowed, "", a);
}

static const char *cli_opt(const struct cli_args *a, const char *name)
{
    const char *v = NULL;
    for (int i = 0; i < a->n_opt; i++)
        if (!strcmp(a->name[i], name))
            v = a->value[i]; /* the last one wins, as in most tools */
    return v;
}

/* A positive whole number option, or -1 (with a message) when invalid. */
static long cli_number(const struct cli_args *a, const char *cmd, const char *name, long dflt,
                       long max)
{
    const char *v = cli_opt(a, name);
    char *end;
    long n;

    if (!v)
        return dflt;
    n = strtol(v, &end, 10);
    if (*v == '\0' || *end || n < 1 || n > max) {
        fprintf(stderr, "collector %s: --%s must be a whole number from 1 to %ld, not \"%s\"\n",
                cmd, name, max, v);
        return -1;
    }
    return n;
}

static int cli_open(const struct cli_args *a, const char *cmd, struct store **st)
{
    char err[STORE_ERR_LEN];
    const char *db = cli_opt(a, "db");

    if (!db) {
        fprintf(stderr, "collector %s: --db PATH is required\n", cmd);
        return -1;
    }
    if (store_open(db, NULL, st, err, sizeof err) != STORE_OK) {
        fprintf(stderr, "collector %s: %s\n", cmd, err);
        return -1;
    }
    return 0;
}

static int cli_serve(int argc, char **argv)
{
    struct cli_args a;
    struct serve_options o;
    long v[12];

    if (cli_parse_flags(argc, argv, 2, "serve",
                        "db listen tls-cert tls-key min-group-size max-db-pages max-connections "
                        "max-per-ip timeout max-db-mb max-responses-per-kiosk-day public-url "
                        "reserve header-timeout body-timeout min-rate workers",
                        "metrics-public", &a) != 0)
        return 2;
    serve_options_default(&o);
    if (a.n_pos) {
        fprintf(stderr, "collector serve: unexpected argument \"%s\"\n", a.pos[0]);
        return 2;
    }
    if (!(o.db = cli_opt(&a, "db"))) {
        fprintf(stderr, "collector serve: --db PATH is required\n");
        return 2;
    }
    o.listen = cli_opt(&a, "listen") ? cli_opt(&a, "listen") : o.listen;
    o.tls_cert = cli_opt(&a, "tls-cert");
    o.tls_key = cli_opt(&a, "tls-key");
    o.public_url = cli_opt(&a, "public-url");
    o.metrics_public = cli_opt(&a, "metrics-public") != NULL;
    v[0] = cli_number(&a, "serve", "min-group-size", o.min_group_size, 1000000);
    v[1] = cli_number(&a, "serve", "max-db-pages", 0, 2000000000L);
    v[2] = cli_number(&a, "serve", "max-connections", o.max_connections, 100000);
    v[3] = cli_number(&a, "serve", "max-per-ip", o.per_ip, 100000);
    v[4] = cli_number(&a, "serve", "timeout", o.timeout_s, 3600);
    v[5] = cli_number(&a, "serve", "max-db-mb", 0, STORE_MAX_DB_MB);
    v[6] = cli_number(&a, "serve", "max-responses-per-kiosk-day", o.max_responses_per_kiosk_day,
                      STORE_MAX_KIOSK_DAY);
    /* --reserve 0 is allowed: no connection is kept for kiosks. */
    v[7] = cli_opt(&a, "reserve") && strcmp(cli_opt(&a, "reserve"), "0")
               ? cli_number(&a, "serve", "reserve", 0, 100000)
               : 0;
    v[8] = cli_number(&a, "serve", "header-timeout", o.header_s, 3600);
    v[9] = cli_number(&a, "serve", "body-timeout", o.body_s, 3600);
    v[10] = cli_number(&a, "serve", "min-rate", o.min_rate, 1L << 30);
    v[11] = cli_number(&a, "serve", "workers", o.workers, 256);
    for (int i = 0; i < 12; i++)
        if (v[i] < 0)
            return 2;
    if (cli_opt(&a, "reserve"))
        o.reserve = (unsigned)v[7];
    o.header_s = (unsigned)v[8];
    o.body_s = (unsigned)v[9];
    o.min_rate = (unsigned)v[10];
    o.workers = (unsigned)v[11];
    o.min_group_size = v[0];
    o.max_db_pages = v[1];
    o.max_connections = (unsigned)v[2];
    o.per_ip = (unsigned)v[3];
    o.timeout_s = (unsigned)v[4];
    o.max_db_mb = v[5];
    o.max_responses_per_kiosk_day = v[6];
    return serve_run(&o);
}

static bool cli_name_ok(const char *name)
{
    return console_name_ok(name);
}

static int cli_kiosk_add(struct store *st, const char *name)
{
    char token[AUTH_TOKEN_MAX + 1], hash[CRYPTO_SHA256_HEX];
    enum store_err e;

    if (!cli_name_ok(name)) {
        fprintf(stderr,
                "collector kiosk add: the name must be 1 to %d bytes of UTF-8 text "
                "without control characters\n",
                STORE_NAME_MAX);
        return 2;
    }
    if (auth_token_new(token, hash) != 0) {
        fprintf(stderr, "collector kiosk add: the system gave no random bytes for a token\n");
        return 1;
    }
    e = store_kiosk_add(st, name, hash);
    if (e == STORE_E_EXISTS) {
        fprintf(stderr,
                "collector kiosk add: a kiosk named \"%s\" already exists; choose "
                "another name\n",
                name);
        return 1;
    }
    if (e != STORE_OK) {
        fprintf(stderr, "collector kiosk add: %s\n", store_strerror(e));
        return 1;
    }
    printf("%s\n", token);
    return 0;
}

static int cli_kiosk_revoke(struct store *st, const char *name)
{
    bool was = false;
    enum store_err e = store_kiosk_revoke(st, name, &was);

    if (e == STORE_E_NOT_FOUND) {
        fprintf(stderr,
                "collector kiosk revoke: no kiosk is named \"%s\" (see collector kiosk "
                "list)\n",
                name);
        return 1;
    }
    if (e != STORE_OK) {
        fprintf(stderr, "collector kiosk revoke: %s\n", store_strerror(e));
        return 1;
    }
    printf(was ? "kiosk %s was already revoked\n" : "kiosk %s revoked\n", name);
    return 0;
}

/* A new token for an existing kiosk, printed on one line like `kiosk add`. */
static int cli_kiosk_rotate(struct store *st, const char *name)
{
    char token[AUTH_TOKEN_MAX + 1], hash[CRYPTO_SHA256_HEX];
    enum store_err e;

    if (auth_token_new(token, hash) != 0) {
        fprintf(stderr, "collector kiosk rotate: the system gave no random bytes for a token\n");
        return 1;
    }
    e = store_kiosk_rotate(st, name, hash);
    if (e == STORE_E_NOT_FOUND) {
        fprintf(stderr,
                "collector kiosk rotate: no kiosk is named \"%s\" (see collector kiosk list)\n",
                name);
        return 1;
    }
    if (e != STORE_OK) {
        fprintf(stderr, "collector kiosk rotate: %s\n", store_strerror(e));
        return 1;
    }
    printf("%s\n", token);
    return 0;
}

static void cli_kiosk_row(const struct store_kiosk_info *k, void *ctx)
{
    (void)ctx;
    printf("%-24s %-8s created=%s last_seen=%s batches=%lld responses=%lld", k->name,
           k->revoked_at ? "revoked" : "active", k->created_at,
           k->last_seen_at ? k->last_seen_at : "never", k->batches, k->responses);
    if (k->has_skew)
        printf(" clock_skew_s=%lld", k->clock_skew_s);
    if (k->heartbeat)
        printf(" heartbeat=%s", k->heartbeat);
    printf("\n");
}

/* --since and --dry-run belong to purge alone; a date must be a real one. */
static int cli_purge_options(const struct cli_args *a, const char *sub)
{
    const char *since = cli_opt(a, "since");
    bool purge = !strcmp(sub, "purge");

    if (!purge && (since || cli_opt(a, "dry-run"))) {
        fprintf(stderr, "collector kiosk %s: --since and --dry-run go with kiosk purge only\n",
                sub);
        return -1;
    }
    if (since && !purge_date_valid(since)) {
        fprintf(stderr,
                "collector kiosk purge: --since must be a date YYYY-MM-DD (UTC), "
                "such as 2025-04-01, not \"%s\"\n",
                since);
        return -1;
    }
    return 0;
}

static int cli_kiosk(int argc, char **argv)
{
    struct cli_args a;
    struct store *st = NULL;
    const char *sub = argc > 2 ? argv[2] : "";
    int status = 2;

    if (cli_parse_flags(argc, argv, 3, "kiosk", "db since", "dry-run", &a) != 0)
        return 2;
    bool needs_name = !strcmp(sub, "add") || !strcmp(sub, "revoke") || !strcmp(sub, "rotate") ||
                      !strcmp(sub, "purge");
    if (!needs_name && strcmp(sub, "list")) {
        fprintf(stderr,
                "collector kiosk: say add NAME, revoke NAME, rotate NAME, purge NAME or list\n");
        return 2;
    }
    if (a.n_pos != (needs_name ? 1 : 0)) {
        fprintf(stderr, "collector kiosk %s: %s\n", sub,
                needs_name ? "give exactly one NAME" : "takes no NAME");
        return 2;
    }
    if (cli_purge_options(&a, sub) != 0)
        return 2;
    if (cli_open(&a, "kiosk", &st) != 0)
        return 1;
    if (!strcmp(sub, "add"))
        status = cli_kiosk_add(st, a.pos[0]);
    else if (!strcmp(sub, "revoke"))
        status = cli_kiosk_revoke(st, a.pos[0]);
    else if (!strcmp(sub, "rotate"))
        status = cli_kiosk_rotate(st, a.pos[0]);
    else if (!strcmp(sub, "purge"))
        status = purge_run(st, a.pos[0], cli_opt(&a, "since"), cli_opt(&a, "dry-run") != NULL);
    else if ((status = store_kiosk_each(st, cli_kiosk_row, NULL) == STORE_OK ? 0 : 1))
        fprintf(stderr, "collector kiosk list: cannot read the kiosks\n");
    if (status == 0 && strcmp(sub, "list") && !cli_opt(&a, "dry-run"))
        audit_record(st, "cli", "",
                     !strcmp(sub, "add")      ? "kiosk_add"
                     : !strcmp(sub, "revoke") ? "kiosk_revoke"
                     : !strcmp(sub, "rotate") ? "kiosk_rotate"
                                              : "kiosk_purge",
                     "name=%s%s%s", a.pos[0], cli_opt(&a, "since") ? " since=" : "",
                     cli_opt(&a, "since") ? cli_opt(&a, "since") : "");
    store_close(st);
    return status;
}

static int cli_admin_token(int argc, char **argv)
{
    char token[AUTH_TOKEN_MAX + 1], hash[CRYPTO_SHA256_HEX];
    struct cli_args a;
    struct store *st = NULL;
    enum store_err e;

    if (cli_parse(argc, argv, 2, "admin-token", "db", &a) != 0)
        return 2;
    if (a.n_pos) {
        fprintf(stderr, "collector admin-token: unexpected argument \"%s\"\n", a.pos[0]);
        return 2;
    }
    if (cli_open(&a, "admin-token", &st) != 0)
        return 1;
    if (auth_token_new(token, hash) != 0) {
        fprintf(stderr, "collector admin-token: the system gave no random bytes for a token\n");
        store_close(st);
        return 1;
    }
    e = store_admin_set(st, hash);
    if (e == STORE_OK)
        audit_record(st, "cli", "", "admin_token", "%s", "a new admin token; the old one stops");
    store_close(st);
    if (e != STORE_OK) {
        fprintf(stderr, "collector admin-token: %s\n", store_strerror(e));
        return 1;
    }
    printf("%s\n", token);
    return 0;
}

static void cli_user_row(const struct store_console_user *u, void *ctx)
{
    (void)ctx;
    printf("%-24s %-6s password=%s created=%s%s\n", u->name, u->role,
           u->password[0] ? "set" : "unset", u->created_at, u->disabled ? " disabled" : "");
}

/* `user add NAME --role R` and `user reset NAME`: a one-time setup link on
 * --public-url (else http://127.0.0.1:8080), printed on one line. */
static int cli_user_invite(struct store *st, const char *sub, const char *name,
                           const struct cli_args *a)
{
    const char *role = cli_opt(a, "role"), *url = cli_opt(a, "public-url");
    bool reset = !strcmp(sub, "reset");
    char link[CONSOLE_LINK_MAX];
    enum store_err e;

    if (!cli_name_ok(name) ||
        (!reset && (!role || (strcmp(role, "admin") && strcmp(role, "viewer"))))) {
        fprintf(stderr, "collector user %s: give a NAME of 1 to %d bytes of text%s\n", sub,
                STORE_NAME_MAX, reset ? "" : " and --role admin or --role viewer");
        return 2;
    }
    e = console_user_invite(st, name, role ? role : "", reset,
                            url ? url : "http://" SERVE_DEFAULT_LISTEN, cclock_now(), link);
    if (e != STORE_OK) {
        fprintf(stderr, "collector user %s: %s\n", sub,
                e == STORE_E_EXISTS
                    ? "a user of that name already exists (user reset gives a new link)"
                : e == STORE_E_NOT_FOUND ? "no user has that name (see collector user list)"
                                         : store_strerror(e));
        return 1;
    }
    audit_record(st, "cli", "", reset ? "user_reset" : "user_add", "name=%s role=%s", name,
                 reset ? "-" : role);
    printf("%s\n", link);
    return 0;
}

static int cli_user(int argc, char **argv)
{
    struct cli_args a;
    struct store *st = NULL;
    const char *sub = argc > 2 ? argv[2] : "";
    bool list = !strcmp(sub, "list"), disable = !strcmp(sub, "disable");
    bool toggle = disable || !strcmp(sub, "enable");
    int status;

    if (cli_parse(argc, argv, 3, "user", "db role public-url", &a) != 0)
        return 2;
    if ((!list && !toggle && strcmp(sub, "add") && strcmp(sub, "reset")) ||
        a.n_pos != (list ? 0 : 1)) {
        fprintf(stderr, "collector user: say add NAME --role admin|viewer, reset NAME, disable "
                        "NAME, enable NAME or list\n");
        return 2;
    }
    if (cli_open(&a, "user", &st) != 0)
        return 1;
    if (list)
        status = store_console_users_each(st, cli_user_row, NULL) == STORE_OK ? 0 : 1;
    else if (toggle && store_console_user_disable(st, a.pos[0], disable) != STORE_OK)
        status = 1,
        fprintf(stderr, "collector user %s: no user is named \"%s\" (see collector user list)\n",
                sub, a.pos[0]);
    else if (toggle)
        status = audit_record(st, "cli", "", disable ? "user_disable" : "user_enable", "name=%s",
                              a.pos[0]) == 0
                     ? 0
                     : 1;
    else
        status = cli_user_invite(st, sub, a.pos[0], &a);
    store_close(st);
    return status;
}

static void cli_audit_check(const struct audit_row *r, void *ctx)
{
    audit_check_row(ctx, r);
}

static void cli_audit_csv(const struct audit_row *r, void *ctx)
{
    struct report_buf *b = ctx;

    audit_csv_row(b, r);
    fwrite(b->data, 1, b->len, stdout);
    b->len = 0;
    b->data[0] = '\0';
}

/* `audit verify`: exit 0 when the chain holds, 1 naming the first broken
 * row; `audit export`: the log as CSV on stdout. */
static int cli_audit(int argc, char **argv)
{
    struct cli_args a;
    struct store *st = NULL;
    struct audit_check chk;
    struct report_buf b;
    const char *sub = argc > 2 ? argv[2] : "";
    bool verify = !strcmp(sub, "verify");
    sqlite3 *db;
    int rc;

    if (cli_parse(argc, argv, 3, "audit", "db", &a) != 0)
        return 2;
    if ((!verify && strcmp(sub, "export")) || a.n_pos) {
        fprintf(stderr, "collector audit: say verify --db PATH or export --db PATH\n");
        return 2;
    }
    if (cli_open(&a, "audit", &st) != 0)
        return 1;
    db = store_reader_open(st);
    audit_check_init(&chk);
    report_buf_init(&b);
    if (!verify)
        audit_csv_header(&b);
    rc = db ? store_audit_each(db, false, 0, verify ? cli_audit_check : cli_audit_csv,
                               verify ? (void *)&chk : (void *)&b)
            : -1;
    if (!verify && b.len)
        fwrite(b.data, 1, b.len, stdout);
    report_buf_release(&b);
    sqlite3_close(db);
    store_close(st);
    if (rc != 0) {
        fprintf(stderr, "collector audit %s: cannot read the audit log\n", sub);
        return 1;
    }
    if (verify && chk.broken_seq) {
        fprintf(stderr, "collector audit verify: the chain breaks at row %lld: %s\n",
                chk.broken_seq, chk.why);
        return 1;
    }
    if (verify)
        printf("audit log intact: %lld rows\n", chk.rows);
    return 0;
}

/* `key show --all`: one line per key, in the file's order. */
static void cli_key_list(const struct keys *k)
{
    struct keys_public p;

    for (size_t i = 0; i < keys_count(k); i++) {
        keys_public(k, i, &p);
        printf("%s %s %-7s %s\n", p.id, p.created, p.current ? "current" : "old", p.text);
    }
}

/* The verb on k; prints the public key or the retired id on stdout. */
static int cli_key_act(struct keys *k, const char *sub, const struct cli_args *a)
{
    char err[KEYS_ERR_LEN];
    struct keys_public cur;
    enum keys_err e = KEYS_OK;

    if (!strcmp(sub, "show") && cli_opt(a, "all")) {
        cli_key_list(k);
        return 0;
    }
    if (!strcmp(sub, "rotate"))
        e = keys_rotate(k, err, sizeof err);
    else if (!strcmp(sub, "retire"))
        e = keys_retire(k, a->pos[0], err, sizeof err);
    if (e != KEYS_OK) {
        fprintf(stderr, "collector key %s: %s; nothing changed\n", sub, err);
        return 1;
    }
    keys_current(k, &cur);
    if (!strcmp(sub, "retire"))
        printf("retired key %s; the current key is %s\n", a->pos[0], cur.id);
    else
        printf("%s\n", cur.text);
    return 0;
}

/* Whether responses still wait, sealed for key id: then it must stay, or
 * they could never be opened. Returns 0 when the key may go. */
static int cli_key_needed(const struct cli_args *a, const char *id)
{
    struct store *st = NULL;
    long long n;

    if (cli_open(a, "key retire", &st) != 0)
        return -1;
    n = store_waiting_for_key(st, id);
    store_close(st);
    if (n == 0)
        return 0;
    if (n < 0)
        fprintf(stderr, "collector key retire: %s; nothing changed\n",
                store_strerror(STORE_E_UNAVAILABLE));
    else
        fprintf(stderr,
                "collector key retire: %lld response%s waiting for a release %s sealed for key"
                " %s; release them first (collector release, or collector survey close), then"
                " retire it; nothing changed\n",
                n, n == 1 ? "" : "s", n == 1 ? "is" : "are", id);
    return -1;
}

/* `key init|show|rotate|retire --db PATH`: the collector's key pairs in
 * PATH.keys (keys.h); only init makes the file when it is missing. */
static int cli_key(int argc, char **argv)
{
    char err[KEYS_ERR_LEN];
    struct cli_args a;
    struct keys *k = NULL;
    const char *sub = argc > 2 ? argv[2] : "", *db;
    bool retire = !strcmp(sub, "retire"), init = !strcmp(sub, "init");
    int status;

    if (cli_parse_flags(argc, argv, 3, "key", "db", "all", &a) != 0)
        return 2;
    if (!init && !retire && strcmp(sub, "show") && strcmp(sub, "rotate")) {
        fprintf(stderr, "collector key: say init, show [--all], rotate or retire ID\n");
        return 2;
    }
    if (a.n_pos != (retire ? 1 : 0) || (cli_opt(&a, "all") && strcmp(sub, "show"))) {
        fprintf(stderr, "collector key %s: %s\n", sub,
                retire ? "give exactly one key ID (see collector key show --all)"
                       : "takes no argument (--all goes with show only)");
        return 2;
    }
    if (!(db = cli_opt(&a, "db"))) {
        fprintf(stderr, "collector key %s: --db PATH is required\n", sub);
        return 2;
    }
    if (keys_open(db, init, &k, NULL, err, sizeof err) != KEYS_OK) {
        fprintf(stderr, "collector key %s: %s\n", sub, err);
        return 1;
    }
    if (retire && cli_key_needed(&a, a.pos[0]) != 0) {
        keys_close(k);
        return 1;
    }
    status = cli_key_act(k, sub, &a);
    keys_close(k);
    return status;
}

static int cli_publish(struct store *st, const char *file)
{
    char err[SURVEY_ERR_LEN], sha[CRYPTO_SHA256_HEX];
    struct survey *s = NULL;
    bool was_new = false;
    enum store_err e;

    if (survey_load_file(file, &s, err, sizeof err) != SURVEY_OK) {
        fprintf(stderr, "collector survey publish: %s: %s\n", file, err);
        return 1;
    }
    e = store_survey_publish(st, s, &was_new);
    if (e == STORE_E_CONFLICT)
        fprintf(stderr,
                "collector survey publish: %s version %d is already published with "
                "other content; a published version never changes: raise \"version\"\n",
                s->id, s->version);
    else if (e != STORE_OK)
        fprintf(stderr, "collector survey publish: %s\n", store_strerror(e));
    else {
        crypto_sha256_hex(s->source, s->source_len, sha);
        printf("%s %s version %d (%zu questions, sha256 %s); it is the active survey\n",
               was_new ? "published" : "already published:", s->id, s->version, s->n_questions,
               sha);
    }
    survey_free(s);
    return e == STORE_OK ? 0 : 1;
}

/* `survey close ID`: ends collection and releases each fiscal year; a
 * second close changes nothing and says so. */
static int cli_close(struct store *st, const char *id, long min_group)
{
    char closed_at[21];
    bool was = false;
    enum store_err e = store_survey_close(st, id, &was, closed_at);

    if (e == STORE_E_NOT_FOUND) {
        fprintf(stderr, "collector survey close: no survey \"%s\" was published here\n", id);
        return 1;
    }
    if (e != STORE_OK) {
        fprintf(stderr, "collector survey close: %s\n", store_strerror(e));
        return 1;
    }
    if (was) {
        printf("%s was already closed on %.10s; nothing changed (late responses join with"
               " `collector release`)\n",
               id, closed_at);
        return 0;
    }
    printf("%s closed at %s: kiosks take no new answers; late batches answered before now are"
           " still accepted\n",
           id, closed_at);
    return release_years(st, id, min_group, "close", stdout, stderr) == 0 ? 0 : 1;
}

static int cli_survey(int argc, char **argv)
{
    struct cli_args a;
    struct store *st = NULL;
    const char *sub = argc > 2 ? argv[2] : "";
    long min_group;
    int status;

    if (cli_parse(argc, argv, 3, "survey", "db min-group-size", &a) != 0)
        return 2;
    if ((strcmp(sub, "publish") && strcmp(sub, "close")) || a.n_pos != 1) {
        fprintf(stderr, "collector survey: say publish FILE --db PATH or close ID --db PATH\n");
        return 2;
    }
    if ((min_group = cli_number(&a, "survey", "min-group-size", KPI_DEFAULT_MIN_GROUP, 1000000)) <
        0)
        return 2;
    if (cli_open(&a, !strcmp(sub, "close") ? "survey close" : "survey publish", &st) != 0)
        return 1;
    status = !strcmp(sub, "close") ? cli_close(st, a.pos[0], min_group) : cli_publish(st, a.pos[0]);
    if (status == 0)
        audit_record(st, "cli", "", !strcmp(sub, "close") ? "survey_close" : "survey_publish",
                     "%s=%s", !strcmp(sub, "close") ? "id" : "file", a.pos[0]);
    store_close(st);
    return status;
}

/* `release --survey ID --fiscal-year YYYY`: a new revision when the
 * waiting responses may join; otherwise says how many must arrive. */
static int cli_release(int argc, char **argv)
{
    struct cli_args a;
    struct store *st = NULL;
    struct store_release r;
    const char *id, *year_text;
    long min_group;
    int year;
    enum store_err e;

    if (cli_parse(argc, argv, 2, "release", "db survey fiscal-year min-group-size", &a) != 0)
        return 2;
    id = cli_opt(&a, "survey");
    year_text = cli_opt(&a, "fiscal-year");
    if (a.n_pos || !id || !year_text || !kpi_query_parse_year(year_text, &year)) {
        fprintf(stderr, "collector release: say --survey ID --fiscal-year YYYY --db PATH (the"
                        " year in which the fiscal year starts, 2024 for 令和6年度)\n");
        return 2;
    }
    if ((min_group = cli_number(&a, "release", "min-group-size", KPI_DEFAULT_MIN_GROUP, 1000000)) <
        0)
        return 2;
    if (cli_open(&a, "release", &st) != 0)
        return 1;
    e = store_release(st, id, year, min_group, "release", &r);
    if (e == STORE_OK)
        audit_record(st, "cli", "", "release", "id=%s fiscal_year=%d revision=%d added=%lld", id,
                     year, r.revision, r.added);
    if (e == STORE_OK)
        release_describe(&r, year, stdout);
    else
        fprintf(stderr, "collector release: %s; nothing changed\n",
                e == STORE_E_SEALED ? r.error : store_strerror(e));
    store_close(st);
    return e == STORE_OK ? 0 : 1;
}

/* `baseline set --survey ID --fiscal-year YYYY`: the KPIs without a
 * published baseline take that year's released means as their baseline. */
static int cli_baseline(int argc, char **argv)
{
    struct cli_args a;
    struct store *st = NULL;
    const char *id, *year_text;
    long min_group;
    int year, status;

    if (cli_parse(argc, argv, 3, "baseline", "db survey fiscal-year min-group-size", &a) != 0)
        return 2;
    id = cli_opt(&a, "survey");
    year_text = cli_opt(&a, "fiscal-year");
    if (argc < 3 || strcmp(argv[2], "set") || a.n_pos || !id || !year_text ||
        !kpi_query_parse_year(year_text, &year)) {
        fprintf(stderr, "collector baseline: say set --survey ID --fiscal-year YYYY --db PATH\n");
        return 2;
    }
    if ((min_group = cli_number(&a, "baseline", "min-group-size", KPI_DEFAULT_MIN_GROUP, 1000000)) <
        0)
        return 2;
    if (cli_open(&a, "baseline set", &st) != 0)
        return 1;
    status = baseline_set(st, id, year, min_group, stdout, stderr);
    if (status == 0)
        audit_record(st, "cli", "", "baseline_set", "id=%s fiscal_year=%d", id, year);
    store_close(st);
    return status;
}

/* The test-only --date YYYY-MM-DD, accepted by every command: sets the
 * collector's clock (cclock.h) and is taken out of argv. Returns the new
 * argc, or -1 with a message. */
static int cli_take_date(int argc, char **argv)
{
    int out = 0;

    for (int i = 0; i < argc; i++) {
        if (strcmp(argv[i], "--date") != 0) {
            argv[out++] = argv[i];
            continue;
        }
        if (i + 1 >= argc || cclock_set_date(argv[i + 1]) != 0) {
            fprintf(stderr,
                    "collector: --date takes a date YYYY-MM-DD (for tests and the demo)%s%s\n",
                    i + 1 < argc ? ", not " : "", i + 1 < argc ? argv[i + 1] : "");
            return -1;
        }
        i++;
    }
    argv[out] = NULL;
    return out;
}

static int cli_backup(int argc, char **argv)
{
    struct cli_args a;
    long keep;

    if (cli_parse_flags(argc, argv, 2, "backup", "db to keep", "with-keys", &a) != 0)
        return 2;
    if (a.n_pos || !cli_opt(&a, "db") || !cli_opt(&a, "to")) {
        fprintf(stderr, "collector backup: give --db PATH and --to FILE (or a folder)\n");
        return 2;
    }
    if ((keep = cli_number(&a, "backup", "keep", BACKUP_DEFAULT_KEEP, 1000)) < 0)
        return 2;
    return backup_run(cli_opt(&a, "db"), cli_opt(&a, "to"), cli_opt(&a, "with-keys") != NULL, keep);
}

static int cli_restore(int argc, char **argv)
{
    struct cli_args a;

    if (cli_parse_flags(argc, argv, 2, "restore", "db from", "force with-keys", &a) != 0)
        return 2;
    if (a.n_pos || !cli_opt(&a, "db") || !cli_opt(&a, "from")) {
        fprintf(stderr, "collector restore: give --from FILE and --db PATH\n");
        return 2;
    }
    return restore_run(cli_opt(&a, "from"), cli_opt(&a, "db"), cli_opt(&a, "force") != NULL,
                       cli_opt(&a, "with-keys") != NULL);
}

int cli_main(int argc, char **argv)
{
    const char *cmd;

    if ((argc = cli_take_date(argc, argv)) < 0)
        return 2;
    cmd = argc > 1 ? argv[1] : "";

    if (!strcmp(cmd, "serve"))
        return cli_serve(argc, argv);
    if (!strcmp(cmd, "kiosk"))
        return cli_kiosk(argc, argv);
    if (!strcmp(cmd, "admin-token"))
        return cli_admin_token(argc, argv);
    if (!strcmp(cmd, "key"))
        return cli_key(argc, argv);
    if (!strcmp(cmd, "user"))
        return cli_user(argc, argv);
    if (!strcmp(cmd, "audit"))
        return cli_audit(argc, argv);
    if (!strcmp(cmd, "backup"))
        return cli_backup(argc, argv);
    if (!strcmp(cmd, "restore"))
        return cli_restore(argc, argv);
    if (!strcmp(cmd, "survey"))
        return cli_survey(argc, argv);
    if (!strcmp(cmd, "release"))
        return cli_release(argc, argv);
    if (!strcmp(cmd, "baseline"))
        return cli_baseline(argc, argv);
    if (!strcmp(cmd, "headcount"))
        return headcount_cli_run(argc - 1, argv + 1);
    if (!strcmp(cmd, "report"))
        return report_cli_run(argc - 1, argv + 1);
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "help")) {
        fputs(cli_usage, stdout);
        return 0;
    }
    if (!strcmp(cmd, "--version")) {
        printf("collector %s\n", COLLECTOR_VERSION);
        return 0;
    }
    fprintf(stderr, "collector: %s%s%s; see collector --help\n",
            *cmd ? "unknown command \"" : "say which command to run", cmd, *cmd ? "\"" : "");
    return 2;
}

/* The kiosks page: health in plain words and Japan time, and the admin's
 * actions (add, revoke, re-register with a new pairing code, purge); and
 * the exchange a new kiosk calls with the code typed on its keypad. A
 * kiosk added here gets a token nobody sees: only the code's exchange
 * gives a kiosk its token, once. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit.h"
#include "auth.h"
#include "console_auth.h"
#include "console_routes.h"
#include "report_html.h"

#define KIOSK_SILENT_S 86400 /* a kiosk quiet for longer is "連絡なし" */

struct kiosk_rows {
    struct console_ctx *c;
    struct report_buf *b;
    int rows;
};

static long long hb_int(json_t *hb, const char *key)
{
    json_t *v = json_object_get(hb, key);
    return json_is_integer(v) ? (long long)json_integer_value(v) : -1;
}

/* The plain-words status of k and whether it is fine. */
static bool kiosk_status(const struct store_kiosk_info *k, json_t *hb, time_t now, char *out,
                         size_t len)
{
    time_t seen = console_time_parse(k->last_seen_at);

    if (k->revoked_at)
        snprintf(out, len, "停止中");
    else if (seen < 0)
        snprintf(out, len, "未接続（まだ連絡がありません）");
    else if (now - seen > KIOSK_SILENT_S)
        snprintf(out, len, "連絡なし %lld日", (long long)(now - seen) / 86400);
    else if (hb_int(hb, "quarantined_batches") > 0)
        snprintf(out, len, "要確認（受け取れなかった回答があります）");
    else if (hb_int(hb, "sealed_batches") > 0 && hb_int(hb, "oldest_unsent_days") >= 1)
        snprintf(out, len, "送信待ち");
    else {
        snprintf(out, len, "正常");
        return true;
    }
    return false;
}

static void kiosk_num(struct report_buf *b, long long v, const char *unit)
{
    if (v < 0)
        report_buf_puts(b, "<td class=\"num\">—</td>");
    else
        report_buf_printf(b, "<td class=\"num\">%lld%s</td>", v, unit);
}

static void kiosk_row(const struct store_kiosk_info *k, void *ctx)
{
    struct kiosk_rows *r = ctx;
    struct report_buf *b = r->b;
    json_t *hb = k->heartbeat ? json_loads(k->heartbeat, 0, NULL) : NULL;
    char status[128], when[CONSOLE_TIME_LEN], ago[CONSOLE_TIME_LEN];
    bool fine = kiosk_status(k, hb, r->c->now, status, sizeof status);
    const char *sid = json_string_value(json_object_get(hb, "survey_id"));

    r->rows++;
    console_time_jst(when, sizeof when, k->last_seen_at);
    console_time_ago(ago, sizeof ago, k->last_seen_at, r->c->now);
    report_buf_puts(b, "<tr><td>");
    report_html_escape(b, k->name);
    report_buf_printf(
        b,
        "</td><td class=\"%s nw\">%s</td><td class=\"nw\">%s<br><span class=\"muted\">%s</span>"
        "</td>",
        fine ? "ok" : "warn", status, ago, when);
    kiosk_num(b, hb_int(hb, "sealed_batches"), "");
    kiosk_num(b, hb_int(hb, "quarantined_batches"), "");
    kiosk_num(b, k->has_skew ? (k->clock_skew_s < 0 ? -k->clock_skew_s : k->clock_skew_s) : -1,
              "秒");
    report_buf_puts(b, "<td>");
    if (sid) {
        report_html_escape(b, sid);
        report_buf_printf(b, " 第%lld版", hb_int(hb, "survey_version"));
    } else {
        report_buf_puts(b, "—");
    }
    report_buf_puts(b, "</td>");
    if (console_is_admin(r->c)) {
        report_buf_puts(b, "<td>");
        if (!k->revoked_at)
            page_button(b, r->c, "/console/kiosks", k->name, "revoke", "停止", "danger");
        page_button(b, r->c, "/console/kiosks", k->name, "rotate", "再登録（新しい登録番号）",
                    "secondary");
        if (k->revoked_at)
            page_button(b, r->c, "/console/kiosks", k->name, "purge", "未集計の回答を削除",
                        "danger");
        report_buf_puts(b, "</td>");
    }
    report_buf_puts(b, "</tr>");
    json_decref(hb);
}

/* The box that shows a new pairing code. */
static void kiosk_code_box(struct report_buf *b, const struct console_ctx *c, const char *name,
                           const char *code)
{
    char until[CONSOLE_TIME_LEN];

    console_time_jst_t(until, sizeof until, c->now + CONSOLE_PAIR_S);
    report_buf_puts(b, "<div class=\"box\"><p>回答端末「");
    report_html_escape(b, name);
    report_buf_printf(b,
                      "」の登録番号です。この8桁を情報システム担当に伝えてください。担当者が"
                      "端末を登録します（端末の画面で番号を入力する機能は準備中です）。</p>"
                      "<p class=\"code\" id=\"pairing-code\">%.4s %.4s</p>"
                      "<p>有効期限: %s まで（15分間、一度だけ使えます）</p></div>",
                      code, code + 4, until);
}

static void kiosks_page(struct console_ctx *c, const char *notice, bool ok, const char *name,
                        const char *code, int status)
{
    struct report_buf b;
    struct kiosk_rows rows = {c, &b, 0};

    report_buf_init(&b);
    page_begin(&b, c, "回答端末", "/console/kiosks");
    if (notice)
        page_notice(&b, ok ? "ok" : "error", notice);
    if (code)
        kiosk_code_box(&b, c, name, code);
    report_buf_printf(&b,
                      "<table><tr><th>端末名</th><th>状態</th><th>最後の連絡</th>"
                      "<th><abbr title=\"未送信のバッチ（sealed batches）\">送信待ちのまとまり"
                      "</abbr></th><th><abbr title=\"隔離されたバッチ（quarantined batches）\">"
                      "受け取れなかったまとまり</abbr></th><th>時計のずれ</th><th>調査票</th>%s"
                      "</tr>",
                      console_is_admin(c) ? "<th>操作</th>" : "");
    store_kiosk_each(c->req->store, kiosk_row, &rows);
    if (!rows.rows)
        report_buf_puts(&b, "<tr><td colspan=\"8\">回答端末はまだありません。</td></tr>");
    report_buf_puts(&b, "</table><p class=\"muted\">時刻は日本時間です。「送信待ち」は、"
                        "回答が端末に1日以上たまっていることを示します。</p>");
    if (console_is_admin(c)) {
        report_buf_puts(&b, "<h2>回答端末を追加</h2><form class=\"box\" method=\"post\" "
                            "action=\"/console/kiosks\">");
        page_csrf(&b, c);
        report_buf_puts(&b, "<input type=\"hidden\" name=\"action\" value=\"add\"><label "
                            "for=\"kiosk-name\">端末名（例: 本庁舎2階休憩室）</label><input "
                            "type=\"text\" id=\"kiosk-name\" name=\"name\" required "
                            "maxlength=\"64\"><button type=\"submit\">追加して登録番号を作る"
                            "</button></form>");
    }
    page_end(&b);
    page_send(c, &b, status);
}

void console_kiosks_get(struct console_ctx *c)
{
    kiosks_page(c, NULL, true, NULL, NULL, 200);
}

/* A random token hash nobody holds, and a pairing code for the kiosk. */
static enum store_err kiosk_pair(struct console_ctx *c, const char *name, bool add, char code[9])
{
    char token[AUTH_TOKEN_MAX + 1], hash[CRYPTO_SHA256_HEX], code_hash[CRYPTO_SHA256_HEX];
    enum store_err e;

    if (auth_token_new(token, hash) != 0 || console_pair_code_new(code, code_hash) != 0)
        return STORE_E_NOMEM;
    e = add ? store_kiosk_add(c->req->store, name, hash)
            : store_kiosk_rotate(c->req->store, name, hash);
    return e == STORE_OK
               ? store_pairing_add(c->req->store, name, code_hash, c->now + CONSOLE_PAIR_S)
               : e;
}

static void kiosk_purge(struct console_ctx *c, const char *name)
{
    struct store_purge p;
    char text[256];
    enum store_err e = store_kiosk_purge(c->req->store, name, NULL, false, &p);

    if (e != STORE_OK || !p.revoked) {
        kiosks_page(c,
                    e == STORE_OK ? "削除できるのは停止中の端末だけです。先に停止してください。"
                                  : "その端末はありません。",
                    false, NULL, NULL, e == STORE_OK ? 409 : 404);
        return;
    }
    snprintf(text, sizeof text,
             "端末「%.64s」から届いた未集計の回答 %lld 件を削除しました（公開済みの %lld 件は"
             "残ります）。",
             name, p.responses, p.released);
    console_audit(c, "kiosk_purge", "name=%s responses=%lld released=%lld", name, p.responses,
                  p.released);
    kiosks_page(c, text, true, NULL, NULL, 200);
}

void console_kiosks_post(struct console_ctx *c)
{
    const char *action = console_field(c->req, "action"), *name = console_field(c->req, "name");
    bool add = !strcmp(action, "add"), rotate = !strcmp(action, "rotate");
    char code[9], text[160];
    bool was = false;
    enum store_err e;

    if (!console_name_ok(name)) {
        kiosks_page(c, "端末名は1〜64バイトの文字にしてください。", false, NULL, NULL, 422);
        return;
    }
    if (!strcmp(action, "purge")) {
        kiosk_purge(c, name);
        return;
    }
    if (add || rotate)
        e = kiosk_pair(c, name, add, code);
    else if (!strcmp(action, "revoke"))
        e = store_kiosk_revoke(c->req->store, name, &was);
    else
        e = STORE_E_SQL + 1;
    if (e == STORE_E_EXISTS || e == STORE_E_NOT_FOUND || e > STORE_E_SQL) {
        kiosks_page(c,
                    e == STORE_E_EXISTS      ? "その端末名はすでに使われています。"
                    : e == STORE_E_NOT_FOUND ? "その端末はありません。"
                                             : "その操作はありません。",
                    false, NULL, NULL,
                    e == STORE_E_EXISTS      ? 409
                    : e == STORE_E_NOT_FOUND ? 404
                                             : 400);
        return;
    }
    if (e != STORE_OK) {
        page_error(c, CONSOLE_E_STORAGE, NULL);
        return;
    }
    console_audit(c, add ? "kiosk_add" : rotate ? "kiosk_rotate" : "kiosk_revoke", "name=%s", name);
    snprintf(text, sizeof text, "%s「%.64s」%s", add ? "回答端末" : "端末", name,
             add      ? "を追加しました。"
             : rotate ? "の登録番号を作りました。古い鍵はもう使えません。"
                      : "を停止しました。");
    kiosks_page(c, text, true, name, add || rotate ? code : NULL, 200);
}

static void pair_reply(struct console_ctx *c, enum console_err e)
{
    reply_error(c->rep, console_err_status(e), console_err_name(e), "%s", console_err_text(e));
}

/* POST /api/v1/pair {"code": "12345678"}: 200 {"kiosk": NAME, "token": T}. */
void console_pair_exchange(struct console_ctx *c)
{
    char token[AUTH_TOKEN_MAX + 1], hash[CRYPTO_SHA256_HEX], code_hash[CRYPTO_SHA256_HEX];
    char name[STORE_NAME_MAX + 1];
    json_t *doc, *out;
    const char *code;
    char *body;
    long wait = console_pair_wait(c->req->store, c->req->address, c->now);

    if (strcmp(c->req->method, "POST") != 0) {
        pair_reply(c, CONSOLE_E_METHOD);
        return;
    }
    if (wait != 0) {
        c->rep->retry_after_s = wait > 0 ? wait : 5;
        pair_reply(c, wait > 0 ? CONSOLE_E_PAIR_LOCKED : CONSOLE_E_STORAGE);
        return;
    }
    doc = json_loadb(c->req->body, c->req->body_len, JSON_REJECT_DUPLICATES, NULL);
    code = json_string_value(json_object_get(doc, "code"));
    if (!code || strlen(code) != 8 || strspn(code, "0123456789") != 8) {
        json_decref(doc);
        reply_error(c->rep, 400, "bad_json",
                    "send {\"code\": \"12345678\"}: the 8 digits shown"
                    " on the console");
        return;
    }
    auth_token_hash(code, code_hash);
    json_decref(doc);
    if (auth_token_new(token, hash) != 0 ||
        store_pairing_take(c->req->store, code_hash, c->now, hash, name) != STORE_OK) {
        console_pair_failed(c->req->store, c->req->address, c->now);
        pair_reply(c, CONSOLE_E_PAIR);
        return;
    }
    audit_record(c->req->store, "kiosk", c->req->address, "kiosk_paired", "name=%s", name);
    out = json_pack("{s:s, s:s}", "kiosk", name, "token", token);
    body = out ? json_dumps(out, JSON_COMPACT) : NULL;
    json_decref(out);
    if (body)
        reply_set(c->rep, 200, "application/json", body, strlen(body));
}

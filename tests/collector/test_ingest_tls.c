/* End to end over TLS: `collector serve --tls-cert --tls-key` with a
 * self-signed certificate made here (EC P-256, SAN IP:127.0.0.1); a client
 * that trusts that certificate as its CA stores a batch, plain HTTP to the
 * TLS port gets nothing, and a client that trusts nothing is refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "testutil.h"

static char dir[TU_PATH_MAX], db[TU_PATH_MAX + 32], cert[TU_PATH_MAX + 32], key[TU_PATH_MAX + 32];

static int make_cert(void)
{
    EVP_PKEY *pk = EVP_EC_gen("P-256");
    X509 *x = X509_new();
    X509V3_CTX ctx;
    X509_EXTENSION *san;
    FILE *f;
    int ok = pk && x;

    if (ok) {
        X509_set_version(x, 2);
        ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
        X509_gmtime_adj(X509_getm_notBefore(x), -3600);
        X509_gmtime_adj(X509_getm_notAfter(x), 86400);
        X509_set_pubkey(x, pk);
        X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                                   (const unsigned char *)"collector-test", -1, -1, 0);
        X509_set_issuer_name(x, X509_get_subject_name(x));
        X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
        san = X509V3_EXT_conf_nid(NULL, &ctx, NID_subject_alt_name, "IP:127.0.0.1");
        ok = san && X509_add_ext(x, san, -1);
        X509_EXTENSION_free(san);
        ok = ok && X509_sign(x, pk, EVP_sha256()) > 0;
    }
    if (ok && (f = fopen(key, "w"))) {
        ok = PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL);
        fclose(f);
    }
    if (ok && (f = fopen(cert, "w"))) {
        ok = PEM_write_X509(f, x);
        fclose(f);
    }
    X509_free(x);
    EVP_PKEY_free(pk);
    return ok ? 0 : -1;
}

static size_t discard(char *p, size_t size, size_t n, void *ud)
{
    (void)p;
    (void)ud;
    return size * n;
}

static long get_status(const char *url, const char *ca, CURLcode *rc)
{
    long status = 0;
    CURL *c = curl_easy_init();
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT, 10L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
    if (ca)
        curl_easy_setopt(c, CURLOPT_CAINFO, ca);
    *rc = curl_easy_perform(c);
    if (*rc == CURLE_OK)
        curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    curl_easy_cleanup(c);
    return status;
}

static void test_ingest_tls_serves_https_only(void **state)
{
    char token[TU_TOKEN_MAX], url[256];
    struct tu_server server;
    struct tu_response r;
    CURLcode rc;
    char *json = tu_batch_json(NULL, 10, 5, "2025-02", NULL);
    (void)state;

    assert_int_equal(tu_tempdir("tls", dir), 0);
    snprintf(db, sizeof db, "%s/collector.db", dir);
    snprintf(cert, sizeof cert, "%s/cert.pem", dir);
    snprintf(key, sizeof key, "%s/key.pem", dir);
    assert_int_equal(make_cert(), 0);
    assert_int_equal(tu_setup_db(db, token, NULL), 0);
    const char *tls[] = {"--tls-cert", cert, "--tls-key", key, NULL};
    assert_int_equal(tu_server_start(&server, db, tls), 0);
    assert_memory_equal(server.url, "https://", 8);

    /* The kiosk's way: verify the collector against a CA file. */
    snprintf(url, sizeof url, "%s/healthz", server.url);
    assert_int_equal(get_status(url, cert, &rc), 200);
    /* Trusting nothing, the client refuses the self-signed certificate. */
    get_status(url, "/dev/null", &rc);
    assert_int_not_equal(rc, CURLE_OK);
    /* Plain HTTP to the TLS port gets no HTTP answer. */
    snprintf(url, sizeof url, "http://127.0.0.1:%d/healthz", server.port);
    assert_int_not_equal(get_status(url, NULL, &rc), 200);

    assert_int_equal(tu_post_batch(&r, server.url, token, json, true), 0);
    assert_int_equal(r.status, 201);
    tu_response_free(&r);
    assert_int_equal(tu_server_stop(&server), 0);
    assert_int_equal(tu_db_count(db, "SELECT count(*) FROM responses"), 10);
    free(json);
    tu_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ingest_tls_serves_https_only),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}

/*
 * abi_test: the C ABI as a C caller sees it, run under valgrind by scripts/test-bindings.sh.
 *
 *   abi_test TLS_PORT ERRINFO_PORT SILENT_PORT TLS_ALERT_PORT NLA_PORT CA_PEM NTLM_V2_PORT [KERBEROS_PORT]
 *
 * The ports are lab servers on 127.0.0.1 (`rdp-probe-lab serve NAME`): `ironrdp-tls` (connects),
 * `errinfo-after-client-info-0x7` (Set Error Info 7, then close), `hostile-silence-at-accept`
 * (never answers), `tls-alert-after-confirm-40` (answers every ClientHello, modern or legacy,
 * with a handshake_failure alert) and `ironrdp-nla` (CredSSP, accepts the lab's account, presents
 * the lab's self-signed certificate). CA_PEM is a CA certificate that did not issue it
 * (rdp-probe-ffi/tests/data/test-ca.pem). The Kerberos checks probe the NLA server by address
 * (127.0.0.1) and by name (localhost), with a KDC on a loopback port nothing listens on; with
 * KERBEROS_PORT, a `kerberos-logon` lab server (the acceptor with Kerberos and NTLM, and a KDC of
 * its own), they also check the fallback to NTLM when the probe's KDC cannot be reached (the NLA
 * server speaks raw NTLM only, so it cannot show that). NTLM_V2_PORT is `ntlm-challenge-v2` (a
 * scripted server selecting CredSSP with TSRequest version 2, before the CVE-2018-0886 fix): the
 * inventory checks read it through `rdp_probe_inventory_run` and its accessors, and take the
 * inventory of a loopback port nothing listens on. Prints one line per check and exits 1 if any
 * failed.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "rdp_probe.h"

static int failures = 0;
static int checks = 0;

#define CHECK(cond)                                                   \
  do {                                                                \
    checks++;                                                         \
    if (!(cond)) {                                                    \
      failures++;                                                     \
      printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond);          \
    }                                                                 \
  } while (0)

#define CHECK_RESULT(call, expected)                                                         \
  do {                                                                                       \
    rdp_probe_result got_ = (call);                                                          \
    checks++;                                                                                \
    if (got_ != (expected)) {                                                                \
      failures++;                                                                            \
      printf("FAIL %s:%d: %s returned %u, expected %u\n", __FILE__, __LINE__, #call,         \
             (unsigned)got_, (unsigned)(expected));                                          \
    }                                                                                        \
  } while (0)

typedef rdp_probe_result (*string_getter)(const rdp_probe_report *, char *, size_t, size_t *);

/* The string a getter yields, in a static buffer ("<not present>" or "<error N>" otherwise). */
static const char *field(const rdp_probe_report *report, string_getter get) {
  static char buf[8192];
  size_t needed = 0;
  rdp_probe_result r = get(report, buf, sizeof buf, &needed);
  if (r == RDP_PROBE_RESULT_NOT_PRESENT) {
    return "<not present>";
  }
  if (r != RDP_PROBE_RESULT_OK) {
    snprintf(buf, sizeof buf, "<error %u>", (unsigned)r);
  }
  return buf;
}

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static const rdp_probe_config *config_for(uint16_t port, uint32_t timeout_ms) {
  rdp_probe_config_builder *b = rdp_probe_config_builder_new();
  const rdp_probe_config *config = NULL;
  CHECK(b != NULL);
  CHECK_RESULT(rdp_probe_config_builder_set_target(b, "127.0.0.1", port), RDP_PROBE_RESULT_OK);
  if (timeout_ms != 0) {
    CHECK_RESULT(rdp_probe_config_builder_set_timeouts(b, timeout_ms, timeout_ms, timeout_ms * 3),
                 RDP_PROBE_RESULT_OK);
  }
  CHECK_RESULT(rdp_probe_config_builder_build(b, &config), RDP_PROBE_RESULT_OK);
  rdp_probe_config_builder_free(b);
  return config;
}

static void test_strings(void) {
  size_t needed = 0;
  CHECK_RESULT(rdp_probe_version(NULL, 0, &needed), RDP_PROBE_RESULT_BUFFER_TOO_SMALL);
  CHECK(needed > 1);
  char *version = malloc(needed);
  CHECK(version != NULL);
  CHECK_RESULT(rdp_probe_version(version, needed, &needed), RDP_PROBE_RESULT_OK);
  CHECK(strncmp(version, "rdp-probe-ffi ", 14) == 0);
  CHECK(strstr(version, "ironrdp-connector") != NULL);
  CHECK(strlen(version) + 1 == needed);
  printf("version: %s\n", version);

  /* Too small by one: nothing written, the size still reported. */
  memset(version, 'x', needed);
  size_t again = 0;
  CHECK_RESULT(rdp_probe_version(version, needed - 1, &again), RDP_PROBE_RESULT_BUFFER_TOO_SMALL);
  CHECK(again == needed);
  CHECK(version[0] == 'x' && version[needed - 2] == 'x');
  free(version);

  /* NULL out_needed, or a NULL buffer with a length. */
  char small[4];
  CHECK_RESULT(rdp_probe_version(small, sizeof small, NULL), RDP_PROBE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(rdp_probe_version(NULL, 10, &needed), RDP_PROBE_RESULT_NULL_PARAMETER);

  char message[256];
  CHECK_RESULT(rdp_probe_result_message(RDP_PROBE_RESULT_INVALID_TIMEOUT, message, sizeof message,
                                        &needed),
               RDP_PROBE_RESULT_OK);
  CHECK(strncmp(message, "invalid_timeout: ", 17) == 0);
  CHECK_RESULT(rdp_probe_result_message(RDP_PROBE_RESULT_PANIC, message, sizeof message, &needed),
               RDP_PROBE_RESULT_OK);
  CHECK(strncmp(message, "panic: ", 7) == 0);
  CHECK_RESULT(rdp_probe_result_message(RDP_PROBE_RESULT_INVALID_LEGACY_TLS, message, sizeof message,
                                        &needed),
               RDP_PROBE_RESULT_OK);
  CHECK(strncmp(message, "invalid_legacy_tls: ", 20) == 0);
  CHECK_RESULT(rdp_probe_result_message(RDP_PROBE_RESULT_INVALID_TRUST_PIN, message, sizeof message,
                                        &needed),
               RDP_PROBE_RESULT_OK);
  CHECK(strncmp(message, "invalid_trust_pin: ", 19) == 0);
  CHECK_RESULT(rdp_probe_result_message(RDP_PROBE_RESULT_INVALID_CA_PEM, message, sizeof message,
                                        &needed),
               RDP_PROBE_RESULT_OK);
  CHECK(strncmp(message, "invalid_ca_pem: ", 16) == 0);
  CHECK_RESULT(rdp_probe_result_message(RDP_PROBE_RESULT_INVALID_KDC, message, sizeof message, &needed),
               RDP_PROBE_RESULT_OK);
  CHECK(strcmp(message, "invalid_kdc: the KDC must be HOST, HOST:PORT or [IPv6]:PORT (port 1 to 65535)") == 0);
  CHECK(RDP_PROBE_RESULT_INVALID_KDC == 211);
  CHECK_RESULT(rdp_probe_result_message(9999, message, sizeof message, &needed), RDP_PROBE_RESULT_OK);
  CHECK(strcmp(message, "unknown: rdp_probe_result 9999") == 0);
}

static void test_null_and_invalid_arguments(void) {
  const rdp_probe_config *config = NULL;
  rdp_probe_report *report = NULL;
  rdp_probe_verdict verdict = 0;
  uint32_t value = 0;
  size_t needed = 0;
  char buf[16];

  CHECK_RESULT(rdp_probe_config_builder_set_target(NULL, "127.0.0.1", 3389),
               RDP_PROBE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(rdp_probe_config_builder_set_timeouts(NULL, 1, 1, 1), RDP_PROBE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(rdp_probe_config_builder_build(NULL, &config), RDP_PROBE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(rdp_probe_run(NULL, NULL, &report), RDP_PROBE_RESULT_NULL_PARAMETER);
  CHECK(report == NULL);
  CHECK_RESULT(rdp_probe_report_verdict(NULL, &verdict), RDP_PROBE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(rdp_probe_report_code_value(NULL, &value), RDP_PROBE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(rdp_probe_report_json(NULL, buf, sizeof buf, &needed), RDP_PROBE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(rdp_probe_report_mstsc(NULL, NULL, NULL, NULL), RDP_PROBE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(rdp_probe_cancel_trigger(NULL), RDP_PROBE_RESULT_NULL_PARAMETER);
  CHECK(!rdp_probe_cancel_is_triggered(NULL));
  /* Every free accepts NULL. */
  rdp_probe_config_builder_free(NULL);
  rdp_probe_config_free(NULL);
  rdp_probe_cancel_free(NULL);
  rdp_probe_report_free(NULL);

  rdp_probe_config_builder *b = rdp_probe_config_builder_new();
  CHECK(b != NULL);
  CHECK_RESULT(rdp_probe_config_builder_build(b, &config), RDP_PROBE_RESULT_NO_TARGET);
  CHECK(config == NULL);
  CHECK_RESULT(rdp_probe_config_builder_set_target(b, NULL, 3389), RDP_PROBE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(rdp_probe_config_builder_set_target(b, "\xff\xfe", 3389), RDP_PROBE_RESULT_INVALID_UTF8);
  CHECK_RESULT(rdp_probe_config_builder_set_target(b, "", 3389), RDP_PROBE_RESULT_INVALID_HOST);
  CHECK_RESULT(rdp_probe_config_builder_set_target(b, "a host", 3389), RDP_PROBE_RESULT_INVALID_HOST);
  CHECK_RESULT(rdp_probe_config_builder_set_target(b, "127.0.0.1", 0), RDP_PROBE_RESULT_INVALID_PORT);
  CHECK_RESULT(rdp_probe_config_builder_set_timeouts(b, 0, 1000, 1000), RDP_PROBE_RESULT_INVALID_TIMEOUT);
  CHECK_RESULT(rdp_probe_config_builder_set_timeouts(b, 1000, 1000, 0), RDP_PROBE_RESULT_INVALID_TIMEOUT);
  CHECK_RESULT(rdp_probe_config_builder_set_protocols(b, 0x20), RDP_PROBE_RESULT_INVALID_PROTOCOLS);
  CHECK_RESULT(rdp_probe_config_builder_set_protocols(b, 0x1), RDP_PROBE_RESULT_OK);
  CHECK_RESULT(rdp_probe_config_builder_set_cert_policy(b, 7), RDP_PROBE_RESULT_INVALID_CERT_POLICY);
  CHECK_RESULT(rdp_probe_config_builder_set_cert_policy(b, RDP_PROBE_CERT_POLICY_REQUIRE_VALID),
               RDP_PROBE_RESULT_OK);
  CHECK_RESULT(rdp_probe_config_builder_set_legacy_tls(NULL, RDP_PROBE_LEGACY_TLS_OFF),
               RDP_PROBE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(rdp_probe_config_builder_set_legacy_tls(b, 3), RDP_PROBE_RESULT_INVALID_LEGACY_TLS);
  CHECK_RESULT(rdp_probe_config_builder_set_legacy_tls(b, UINT32_MAX), RDP_PROBE_RESULT_INVALID_LEGACY_TLS);
  CHECK_RESULT(rdp_probe_config_builder_set_legacy_tls(b, RDP_PROBE_LEGACY_TLS_OFF), RDP_PROBE_RESULT_OK);
  CHECK_RESULT(rdp_probe_config_builder_set_legacy_tls(b, RDP_PROBE_LEGACY_TLS_ALLOW), RDP_PROBE_RESULT_OK);
  CHECK_RESULT(rdp_probe_config_builder_set_legacy_tls(b, RDP_PROBE_LEGACY_TLS_FOLLOW), RDP_PROBE_RESULT_OK);
  CHECK_RESULT(rdp_probe_config_builder_set_credentials(b, "", NULL, "pw"),
               RDP_PROBE_RESULT_INVALID_CREDENTIALS);
  CHECK_RESULT(rdp_probe_config_builder_set_credentials(b, "user", NULL, NULL),
               RDP_PROBE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(rdp_probe_config_builder_set_credentials(b, "CORP\\", NULL, "pw"),
               RDP_PROBE_RESULT_INVALID_CREDENTIALS);
  CHECK_RESULT(rdp_probe_config_builder_set_credentials(b, "CORP\\alice", NULL, "pw"), RDP_PROBE_RESULT_OK);
  CHECK_RESULT(rdp_probe_config_builder_set_client_name(b, ""), RDP_PROBE_RESULT_INVALID_CLIENT_NAME);
  CHECK_RESULT(rdp_probe_config_builder_set_client_name(b, "sixteen-chars-xx"),
               RDP_PROBE_RESULT_INVALID_CLIENT_NAME);
  CHECK_RESULT(rdp_probe_config_builder_set_client_name(b, "helpdesk-01"), RDP_PROBE_RESULT_OK);
  CHECK_RESULT(rdp_probe_config_builder_set_client_name(b, "\xc3\x28"), RDP_PROBE_RESULT_INVALID_UTF8);
  /* The trust policy's settings. */
  static const char good_pin[] =
      "sha256:00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff";
  static const char pem_not_x509[] =
      "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n";
  CHECK_RESULT(rdp_probe_config_builder_trust_any(NULL, true), RDP_PROBE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(rdp_probe_config_builder_trust_any(b, true), RDP_PROBE_RESULT_OK);
  CHECK_RESULT(rdp_probe_config_builder_trust_any(b, false), RDP_PROBE_RESULT_OK);
  CHECK_RESULT(rdp_probe_config_builder_add_trust_pin(NULL, good_pin), RDP_PROBE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(rdp_probe_config_builder_add_trust_pin(b, NULL), RDP_PROBE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(rdp_probe_config_builder_add_trust_pin(b, "sha256:\xff"), RDP_PROBE_RESULT_INVALID_UTF8);
  CHECK_RESULT(rdp_probe_config_builder_add_trust_pin(b, "any"), RDP_PROBE_RESULT_INVALID_TRUST_PIN);
  CHECK_RESULT(rdp_probe_config_builder_add_trust_pin(b, "sha256:0011"), RDP_PROBE_RESULT_INVALID_TRUST_PIN);
  CHECK_RESULT(rdp_probe_config_builder_add_trust_pin(b, good_pin + 7), RDP_PROBE_RESULT_INVALID_TRUST_PIN);
  CHECK_RESULT(rdp_probe_config_builder_add_trust_pin(b, good_pin), RDP_PROBE_RESULT_OK);
  CHECK_RESULT(rdp_probe_config_builder_add_ca_pem(NULL, (const uint8_t *)pem_not_x509, 10),
               RDP_PROBE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(rdp_probe_config_builder_add_ca_pem(b, NULL, 0), RDP_PROBE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(rdp_probe_config_builder_add_ca_pem(b, (const uint8_t *)"", 0), RDP_PROBE_RESULT_INVALID_CA_PEM);
  CHECK_RESULT(rdp_probe_config_builder_add_ca_pem(b, (const uint8_t *)pem_not_x509, strlen(pem_not_x509)),
               RDP_PROBE_RESULT_INVALID_CA_PEM);
  CHECK_RESULT(rdp_probe_config_builder_add_ca_pem(b, (const uint8_t *)"not PEM", 7),
               RDP_PROBE_RESULT_INVALID_CA_PEM);
  /* The KDC. */
  CHECK_RESULT(rdp_probe_config_builder_set_kdc(NULL, "kdc.example"), RDP_PROBE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(rdp_probe_config_builder_set_kdc(NULL, NULL), RDP_PROBE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(rdp_probe_config_builder_set_kdc(b, "kdc\xff"), RDP_PROBE_RESULT_INVALID_UTF8);
  CHECK_RESULT(rdp_probe_config_builder_set_kdc(b, ""), RDP_PROBE_RESULT_INVALID_KDC);
  CHECK_RESULT(rdp_probe_config_builder_set_kdc(b, "host:0"), RDP_PROBE_RESULT_INVALID_KDC);
  CHECK_RESULT(rdp_probe_config_builder_set_kdc(b, "host:99999"), RDP_PROBE_RESULT_INVALID_KDC);
  CHECK_RESULT(rdp_probe_config_builder_set_kdc(b, "a b"), RDP_PROBE_RESULT_INVALID_KDC);
  CHECK_RESULT(rdp_probe_config_builder_set_kdc(b, "kdc.example"), RDP_PROBE_RESULT_OK);
  CHECK_RESULT(rdp_probe_config_builder_set_kdc(b, "kdc.example:88"), RDP_PROBE_RESULT_OK);
  CHECK_RESULT(rdp_probe_config_builder_set_kdc(b, "[::1]:88"), RDP_PROBE_RESULT_OK);
  CHECK_RESULT(rdp_probe_config_builder_set_kdc(b, NULL), RDP_PROBE_RESULT_OK);
  /* Still no target after the failed attempts. */
  CHECK_RESULT(rdp_probe_config_builder_build(b, &config), RDP_PROBE_RESULT_NO_TARGET);
  CHECK_RESULT(rdp_probe_config_builder_set_target(b, "[::1]", 3389), RDP_PROBE_RESULT_OK);
  CHECK_RESULT(rdp_probe_config_builder_build(b, NULL), RDP_PROBE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(rdp_probe_config_builder_build(b, &config), RDP_PROBE_RESULT_OK);
  CHECK(config != NULL);
  CHECK_RESULT(rdp_probe_run(config, NULL, NULL), RDP_PROBE_RESULT_NULL_PARAMETER);
  rdp_probe_config_free(config);
  rdp_probe_config_builder_free(b);
}

static void test_panic_boundary(void) {
  CHECK_RESULT(rdp_probe_selftest_panic(), RDP_PROBE_RESULT_PANIC);
  /* The library still works afterwards. */
  size_t needed = 0;
  CHECK_RESULT(rdp_probe_version(NULL, 0, &needed), RDP_PROBE_RESULT_BUFFER_TOO_SMALL);
}

static void test_connected(uint16_t port) {
  const rdp_probe_config *config = config_for(port, 0);
  rdp_probe_report *report = NULL;
  CHECK_RESULT(rdp_probe_run(config, NULL, &report), RDP_PROBE_RESULT_OK);
  rdp_probe_verdict verdict = 0;
  CHECK_RESULT(rdp_probe_report_verdict(report, &verdict), RDP_PROBE_RESULT_OK);
  CHECK(verdict == RDP_PROBE_VERDICT_CONNECTED);
  uint32_t value = 12345;
  CHECK_RESULT(rdp_probe_report_code_value(report, &value), RDP_PROBE_RESULT_NOT_PRESENT);
  CHECK(value == 12345);
  CHECK_RESULT(rdp_probe_report_mstsc(report, NULL, NULL, NULL), RDP_PROBE_RESULT_NOT_PRESENT);
  CHECK(strcmp(field(report, rdp_probe_report_phase), "<not present>") == 0);
  CHECK(strcmp(field(report, rdp_probe_report_outcome), "connected") == 0);
  CHECK(strstr(field(report, rdp_probe_report_json), "\"verdict\":\"connected\"") != NULL);
  rdp_probe_report_free(report);
  rdp_probe_config_free(config);
}

static void check_errinfo_report(const rdp_probe_report *report) {
  rdp_probe_verdict verdict = 0;
  CHECK_RESULT(rdp_probe_report_verdict(report, &verdict), RDP_PROBE_RESULT_OK);
  CHECK(verdict == RDP_PROBE_VERDICT_FAILED);
  CHECK(strcmp(field(report, rdp_probe_report_phase), "licensing") == 0);
  CHECK(strcmp(field(report, rdp_probe_report_outcome), "<not present>") == 0);
  CHECK(strcmp(field(report, rdp_probe_report_kind), "server_error_info") == 0);
  CHECK(strcmp(field(report, rdp_probe_report_code_space), "errinfo") == 0);
  CHECK(strcmp(field(report, rdp_probe_report_code_name), "ERRINFO_SERVER_DENIED_CONNECTION") == 0);
  uint32_t value = 0, disconnect = 0, extended = 0;
  bool derived = false;
  CHECK_RESULT(rdp_probe_report_code_value(report, &value), RDP_PROBE_RESULT_OK);
  CHECK(value == 7);
  CHECK_RESULT(rdp_probe_report_mstsc(report, &disconnect, &extended, &derived), RDP_PROBE_RESULT_OK);
  CHECK(disconnect == 0x904 && extended == 0x7 && derived);
  CHECK(strstr(field(report, rdp_probe_report_message), "ERRINFO_SERVER_DENIED_CONNECTION") != NULL);
  CHECK(strlen(field(report, rdp_probe_report_hint)) > 10);
  CHECK(strlen(field(report, rdp_probe_report_mstsc_text)) > 10);
  const char *json = field(report, rdp_probe_report_json);
  CHECK(strncmp(json, "{\"schema\":\"rdp-probe/1\"", 23) == 0);
  CHECK(strstr(json, "\"code\":{\"space\":\"errinfo\",\"value\":7,") != NULL);
}

static void test_errinfo(uint16_t port) {
  const rdp_probe_config *config = config_for(port, 0);
  rdp_probe_report *report = NULL;
  CHECK_RESULT(rdp_probe_run(config, NULL, &report), RDP_PROBE_RESULT_OK);
  check_errinfo_report(report);
  rdp_probe_report_free(report);
  rdp_probe_config_free(config);
}

struct run_args {
  const rdp_probe_config *config;
  const rdp_probe_cancel *cancel;
  rdp_probe_result result;
  rdp_probe_report *report;
};

static void *run_thread(void *p) {
  struct run_args *a = p;
  a->result = rdp_probe_run(a->config, a->cancel, &a->report);
  return NULL;
}

/* One config shared by several threads at once. */
static void test_concurrent_runs(uint16_t port) {
  enum { N = 3 };
  const rdp_probe_config *config = config_for(port, 0);
  struct run_args args[N];
  pthread_t threads[N];
  for (int i = 0; i < N; i++) {
    args[i] = (struct run_args){config, NULL, RDP_PROBE_RESULT_PANIC, NULL};
    CHECK(pthread_create(&threads[i], NULL, run_thread, &args[i]) == 0);
  }
  for (int i = 0; i < N; i++) {
    CHECK(pthread_join(threads[i], NULL) == 0);
    CHECK_RESULT(args[i].result, RDP_PROBE_RESULT_OK);
    check_errinfo_report(args[i].report);
    rdp_probe_report_free(args[i].report);
  }
  /* Only once every run using it has returned. */
  rdp_probe_config_free(config);
}

static void *trigger_later(void *p) {
  struct timespec delay = {0, 300 * 1000 * 1000};
  nanosleep(&delay, NULL);
  CHECK_RESULT(rdp_probe_cancel_trigger(p), RDP_PROBE_RESULT_OK);
  return NULL;
}

static void test_cancel(uint16_t silent_port) {
  /* Generous limits: only the token can end this probe quickly. */
  const rdp_probe_config *config = config_for(silent_port, 60000);
  const rdp_probe_cancel *cancel = rdp_probe_cancel_new();
  CHECK(cancel != NULL);
  CHECK(!rdp_probe_cancel_is_triggered(cancel));
  pthread_t t;
  CHECK(pthread_create(&t, NULL, trigger_later, (void *)cancel) == 0);
  rdp_probe_report *report = NULL;
  double start = now_s();
  CHECK_RESULT(rdp_probe_run(config, cancel, &report), RDP_PROBE_RESULT_CANCELLED);
  double took = now_s() - start;
  CHECK(report == NULL);
  CHECK(took < 30.0); /* far below the 60 s phase limit; the token ended it */
  CHECK(pthread_join(t, NULL) == 0);
  CHECK(rdp_probe_cancel_is_triggered(cancel));
  /* A triggered token stops the next run before it starts. */
  CHECK_RESULT(rdp_probe_run(config, cancel, &report), RDP_PROBE_RESULT_CANCELLED);
  CHECK(report == NULL);
  rdp_probe_cancel_free(cancel);
  rdp_probe_config_free(config);
  printf("cancel: the run returned %.2f s after it started (trigger at 0.3 s)\n", took);
}

static void test_timeout(uint16_t silent_port) {
  const rdp_probe_config *config = config_for(silent_port, 500);
  rdp_probe_report *report = NULL;
  CHECK_RESULT(rdp_probe_run(config, NULL, &report), RDP_PROBE_RESULT_OK);
  rdp_probe_verdict verdict = 0;
  CHECK_RESULT(rdp_probe_report_verdict(report, &verdict), RDP_PROBE_RESULT_OK);
  CHECK(verdict == RDP_PROBE_VERDICT_FAILED);
  CHECK(strcmp(field(report, rdp_probe_report_phase), "x224") == 0);
  CHECK(strcmp(field(report, rdp_probe_report_kind), "timeout") == 0);
  rdp_probe_report_free(report);
  rdp_probe_config_free(config);
}

/* One probe of the handshake_failure server with `mode`, or with the builder's default when `mode`
 * is -1; the report's JSON into `json`. */
static void probe_legacy_tls(uint16_t port, int mode, char *json, size_t len) {
  rdp_probe_config_builder *b = rdp_probe_config_builder_new();
  const rdp_probe_config *config = NULL;
  rdp_probe_report *report = NULL;
  size_t needed = 0;
  json[0] = '\0';
  CHECK(b != NULL);
  CHECK_RESULT(rdp_probe_config_builder_set_target(b, "127.0.0.1", port), RDP_PROBE_RESULT_OK);
  CHECK_RESULT(rdp_probe_config_builder_set_timeouts(b, 5000, 5000, 15000), RDP_PROBE_RESULT_OK);
  if (mode >= 0) {
    CHECK_RESULT(rdp_probe_config_builder_set_legacy_tls(b, (uint32_t)mode), RDP_PROBE_RESULT_OK);
    /* A refused value leaves the mode as it was. */
    CHECK_RESULT(rdp_probe_config_builder_set_legacy_tls(b, 3), RDP_PROBE_RESULT_INVALID_LEGACY_TLS);
  }
  CHECK_RESULT(rdp_probe_config_builder_build(b, &config), RDP_PROBE_RESULT_OK);
  rdp_probe_config_builder_free(b);
  CHECK_RESULT(rdp_probe_run(config, NULL, &report), RDP_PROBE_RESULT_OK);
  rdp_probe_verdict verdict = 0;
  CHECK_RESULT(rdp_probe_report_verdict(report, &verdict), RDP_PROBE_RESULT_OK);
  CHECK(verdict == RDP_PROBE_VERDICT_FAILED);
  CHECK(strcmp(field(report, rdp_probe_report_phase), "tls") == 0);
  CHECK_RESULT(rdp_probe_report_json(report, json, len, &needed), RDP_PROBE_RESULT_OK);
  rdp_probe_report_free(report);
  rdp_probe_config_free(config);
}

static void test_legacy_tls(uint16_t port) {
  static char json[16384];
  size_t needed = 0;
  char version[512];
  CHECK_RESULT(rdp_probe_version(version, sizeof version, &needed), RDP_PROBE_RESULT_OK);
  /* The library says whether it has the legacy stack, and then FOLLOW is the default. */
  bool has_openssl = strstr(version, "legacy TLS: OpenSSL") != NULL;

  probe_legacy_tls(port, RDP_PROBE_LEGACY_TLS_OFF, json, sizeof json);
  CHECK(strstr(json, "\"code\":{\"space\":\"tls_alert\",\"value\":40,") != NULL);
  CHECK(strstr(json, "\"legacy_tls\":") == NULL);

  probe_legacy_tls(port, RDP_PROBE_LEGACY_TLS_FOLLOW, json, sizeof json);
  CHECK(strstr(json, "\"code\":{\"space\":\"tls_alert\",\"value\":40,") != NULL);
  CHECK(strstr(json, "\"legacy_tls\":{\"attempt\":2,\"decides_verdict\":false,") != NULL);

  probe_legacy_tls(port, RDP_PROBE_LEGACY_TLS_ALLOW, json, sizeof json);
  CHECK(strstr(json, "\"legacy_tls\":{\"attempt\":2,\"decides_verdict\":true,") != NULL);

  probe_legacy_tls(port, -1, json, sizeof json);
  CHECK((strstr(json, "\"legacy_tls\":{") != NULL) == has_openssl);
  printf("legacy_tls: %s; the default %s the server\n",
         has_openssl ? "built with OpenSSL" : "built without OpenSSL",
         has_openssl ? "follows" : "does not follow");
}

/* The whole of a file, NUL-terminated, in a fresh heap buffer (NULL on error); its length in *len. */
static char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    return NULL;
  }
  char *buf = NULL;
  size_t used = 0, cap = 0;
  for (;;) {
    if (used + 4096 + 1 > cap) {
      cap = (used + 4096 + 1) * 2;
      char *more = realloc(buf, cap);
      if (more == NULL) {
        free(buf);
        fclose(f);
        return NULL;
      }
      buf = more;
    }
    size_t n = fread(buf + used, 1, 4096, f);
    used += n;
    if (n < 4096) {
      break;
    }
  }
  int failed = ferror(f);
  fclose(f);
  if (failed) {
    free(buf);
    return NULL;
  }
  buf[used] = '\0';
  *len = used;
  return buf;
}

struct trust_outcome {
  rdp_probe_verdict verdict;
  char kind[64];
  char decision[64];
  char sha256[128];
};

/* Copies a string field into `out` ("<not present>" when the report has none). */
static void copy_field(const rdp_probe_report *report, string_getter get, char *out, size_t len) {
  snprintf(out, len, "%s", field(report, get));
}

/* One probe of the NLA server with the lab's account (or none); `pin` (or NULL) pinned, `any` set,
 * `pem` (or NULL) added as CA roots. */
static struct trust_outcome probe_trust(uint16_t port, bool credentials, const char *pin, bool any,
                                        const char *pem, size_t pem_len) {
  struct trust_outcome out = {0, "", "", ""};
  rdp_probe_config_builder *b = rdp_probe_config_builder_new();
  const rdp_probe_config *config = NULL;
  rdp_probe_report *report = NULL;
  CHECK(b != NULL);
  CHECK_RESULT(rdp_probe_config_builder_set_target(b, "127.0.0.1", port), RDP_PROBE_RESULT_OK);
  CHECK_RESULT(rdp_probe_config_builder_set_timeouts(b, 10000, 10000, 30000), RDP_PROBE_RESULT_OK);
  if (credentials) {
    CHECK_RESULT(rdp_probe_config_builder_set_credentials(b, "labuser", NULL, "LabPass1!"),
                 RDP_PROBE_RESULT_OK);
  }
  if (pin != NULL) {
    CHECK_RESULT(rdp_probe_config_builder_add_trust_pin(b, pin), RDP_PROBE_RESULT_OK);
  }
  CHECK_RESULT(rdp_probe_config_builder_trust_any(b, any), RDP_PROBE_RESULT_OK);
  if (pem != NULL) {
    CHECK_RESULT(rdp_probe_config_builder_add_ca_pem(b, (const uint8_t *)pem, pem_len), RDP_PROBE_RESULT_OK);
  }
  CHECK_RESULT(rdp_probe_config_builder_build(b, &config), RDP_PROBE_RESULT_OK);
  rdp_probe_config_builder_free(b);
  CHECK_RESULT(rdp_probe_run(config, NULL, &report), RDP_PROBE_RESULT_OK);
  CHECK_RESULT(rdp_probe_report_verdict(report, &out.verdict), RDP_PROBE_RESULT_OK);
  copy_field(report, rdp_probe_report_kind, out.kind, sizeof out.kind);
  copy_field(report, rdp_probe_report_trust_decision, out.decision, sizeof out.decision);
  copy_field(report, rdp_probe_report_trust_sha256, out.sha256, sizeof out.sha256);
  /* The JSON says the same. */
  static char json[65536];
  size_t needed = 0;
  json[0] = '\0';
  CHECK_RESULT(rdp_probe_report_json(report, json, sizeof json, &needed), RDP_PROBE_RESULT_OK);
  if (strcmp(out.decision, "<not present>") == 0) {
    CHECK(strstr(json, "\"trust\":") == NULL);
  } else {
    char expected[256];
    snprintf(expected, sizeof expected, "\"trust\":{\"decision\":\"%s\",\"sha256\":\"%s\"", out.decision,
             out.sha256);
    CHECK(strstr(json, expected) != NULL);
  }
  rdp_probe_report_free(report);
  rdp_probe_config_free(config);
  return out;
}

/* Credentials go only where something vouches for the server: withheld by default, with the
 * fingerprint to pin; sent once it is pinned, or with "any". */
static void test_trust(uint16_t nla_port, const char *ca_pem_path) {
  size_t pem_len = 0;
  char *pem = read_file(ca_pem_path, &pem_len);
  CHECK(pem != NULL);
  if (pem == NULL) {
    printf("trust: cannot read %s\n", ca_pem_path);
    return;
  }

  struct trust_outcome none = probe_trust(nla_port, false, NULL, false, NULL, 0);
  CHECK(none.verdict == RDP_PROBE_VERDICT_NEEDS_CREDENTIALS);
  CHECK(strcmp(none.decision, "<not present>") == 0);
  CHECK(strcmp(none.sha256, "<not present>") == 0);

  struct trust_outcome withheld = probe_trust(nla_port, true, NULL, false, NULL, 0);
  CHECK(withheld.verdict == RDP_PROBE_VERDICT_CREDENTIALS_WITHHELD);
  CHECK(strcmp(withheld.kind, "credentials_withheld") == 0);
  CHECK(strcmp(withheld.decision, "withheld") == 0);
  CHECK(strlen(withheld.sha256) == 64);

  /* A CA that did not issue the server's certificate vouches for nothing. */
  struct trust_outcome foreign = probe_trust(nla_port, true, NULL, false, pem, pem_len);
  CHECK(foreign.verdict == RDP_PROBE_VERDICT_CREDENTIALS_WITHHELD);

  char pin[160];
  snprintf(pin, sizeof pin, "sha256:%s", withheld.sha256);
  struct trust_outcome pinned = probe_trust(nla_port, true, pin, false, NULL, 0);
  CHECK(pinned.verdict == RDP_PROBE_VERDICT_CONNECTED);
  CHECK(strcmp(pinned.decision, "pinned") == 0);
  CHECK(strcmp(pinned.sha256, withheld.sha256) == 0);

  struct trust_outcome any = probe_trust(nla_port, true, NULL, true, NULL, 0);
  CHECK(any.verdict == RDP_PROBE_VERDICT_CONNECTED);
  CHECK(strcmp(any.decision, "any") == 0);
  printf("trust: withheld from the lab's certificate sha256:%s until pinned\n", withheld.sha256);
  free(pem);
}

/* A loopback port nothing listens on: bound, read and released (0 on error). */
static uint16_t dead_port(void) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) {
    return 0;
  }
  struct sockaddr_in addr;
  memset(&addr, 0, sizeof addr);
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  uint16_t port = 0;
  if (bind(fd, (struct sockaddr *)&addr, sizeof addr) == 0 &&
      getsockname(fd, (struct sockaddr *)&addr, &len) == 0) {
    port = ntohs(addr.sin_port);
  }
  close(fd);
  return port;
}

/* One probe of the NLA server at `host` with the lab's account in the domain RDP-PROBE.TEST, any
 * server trusted; `kdc` set (NULL: none), then every refused KDC in `bad` (each must be
 * INVALID_KDC), then cleared when `clear`. The verdict, and the JSON into `json`. */
static rdp_probe_verdict probe_kdc(const char *host, uint16_t port, const char *kdc, bool bad, bool clear,
                                   char *json, size_t len) {
  static const char *const refused[] = {"", "host:0", "host:99999", "a b"};
  rdp_probe_config_builder *b = rdp_probe_config_builder_new();
  const rdp_probe_config *config = NULL;
  rdp_probe_report *report = NULL;
  rdp_probe_verdict verdict = 0;
  size_t needed = 0;
  json[0] = '\0';
  CHECK(b != NULL);
  CHECK_RESULT(rdp_probe_config_builder_set_target(b, host, port), RDP_PROBE_RESULT_OK);
  CHECK_RESULT(rdp_probe_config_builder_set_timeouts(b, 8000, 8000, 30000), RDP_PROBE_RESULT_OK);
  CHECK_RESULT(rdp_probe_config_builder_set_credentials(b, "labuser", "RDP-PROBE.TEST", "LabPass1!"),
               RDP_PROBE_RESULT_OK);
  CHECK_RESULT(rdp_probe_config_builder_trust_any(b, true), RDP_PROBE_RESULT_OK);
  if (kdc != NULL) {
    CHECK_RESULT(rdp_probe_config_builder_set_kdc(b, kdc), RDP_PROBE_RESULT_OK);
  }
  if (bad) {
    for (size_t i = 0; i < sizeof refused / sizeof refused[0]; i++) {
      CHECK_RESULT(rdp_probe_config_builder_set_kdc(b, refused[i]), RDP_PROBE_RESULT_INVALID_KDC);
    }
  }
  if (clear) {
    CHECK_RESULT(rdp_probe_config_builder_set_kdc(b, NULL), RDP_PROBE_RESULT_OK);
  }
  CHECK_RESULT(rdp_probe_config_builder_build(b, &config), RDP_PROBE_RESULT_OK);
  rdp_probe_config_builder_free(b);
  CHECK_RESULT(rdp_probe_run(config, NULL, &report), RDP_PROBE_RESULT_OK);
  CHECK_RESULT(rdp_probe_report_verdict(report, &verdict), RDP_PROBE_RESULT_OK);
  CHECK_RESULT(rdp_probe_report_json(report, json, len, &needed), RDP_PROBE_RESULT_OK);
  CHECK(strstr(json, "LabPass1!") == NULL);
  rdp_probe_report_free(report);
  rdp_probe_config_free(config);
  return verdict;
}

/* The KDC reaches the probe: Kerberos is not tried against an address; NULL clears the KDC; by
 * name, with a KDC where nothing listens, Kerberos is tried with the KDC last accepted (refused ones
 * leave it) and, against a server that also speaks Kerberos (`kerberos_port`, 0 if none), the
 * logon falls back to NTLM. */
static void test_kdc(uint16_t nla_port, uint16_t kerberos_port) {
  static char json[65536];
  char kdc[64], expected[160];
  uint16_t dead = dead_port();
  CHECK(dead != 0);
  snprintf(kdc, sizeof kdc, "127.0.0.1:%u", (unsigned)dead);

  CHECK(probe_kdc("127.0.0.1", nla_port, kdc, false, false, json, sizeof json) == RDP_PROBE_VERDICT_CONNECTED);
  CHECK(strstr(json, "\"authentication\":{\"package\":\"ntlm\",\"kerberos_not_tried\":\"target_is_address\"}") !=
        NULL);

  CHECK(probe_kdc("localhost", nla_port, kdc, false, true, json, sizeof json) == RDP_PROBE_VERDICT_CONNECTED);
  CHECK(strstr(json, "\"authentication\":{\"package\":\"ntlm\",\"kerberos_not_tried\":\"no_kdc\"}") != NULL);

  snprintf(expected, sizeof expected,
           "\"kerberos\":{\"kdc\":\"%s\",\"realm\":\"RDP-PROBE.TEST\",\"spn\":\"TERMSRV/localhost\",", kdc);
  if (kerberos_port == 0) {
    probe_kdc("localhost", nla_port, kdc, true, false, json, sizeof json);
    CHECK(strstr(json, expected) != NULL);
    printf("kdc: not tried against 127.0.0.1; by name it asks %s (no KERBEROS_PORT: fallback not checked)\n", kdc);
    return;
  }
  CHECK(probe_kdc("localhost", kerberos_port, kdc, true, false, json, sizeof json) == RDP_PROBE_VERDICT_CONNECTED);
  CHECK(strstr(json, "\"authentication\":{\"package\":\"ntlm\",\"kerberos\":{") != NULL);
  CHECK(strstr(json, expected) != NULL);
  CHECK(strstr(json, "\"outcome\":\"fell_back_to_ntlm\"") != NULL);
  CHECK(strstr(json, "\"space\":\"kdc\"") != NULL);
  CHECK(strstr(json, "\"name\":\"KDC_UNREACHABLE\"") != NULL);
  CHECK(strstr(json, "\"kerberos_not_tried\"") == NULL);
  printf("kdc: not tried against 127.0.0.1; by name, %s unreachable, fell back to NTLM\n", kdc);
}

/* The inventory of `port` with timeouts of `limit_ms` (three times that overall), at most
 * `max_connections` at once (0: the default), suites enumerated or not; NULL if the run failed. */
static rdp_probe_inventory *take_inventory(uint16_t port, uint32_t limit_ms, uint16_t max_connections,
                                           bool cipher_suites) {
  rdp_probe_config_builder *b = rdp_probe_config_builder_new();
  const rdp_probe_config *config = NULL;
  rdp_probe_inventory *inv = NULL;
  CHECK(b != NULL);
  CHECK_RESULT(rdp_probe_config_builder_set_target(b, "127.0.0.1", port), RDP_PROBE_RESULT_OK);
  CHECK_RESULT(rdp_probe_config_builder_set_timeouts(b, limit_ms, limit_ms, limit_ms * 3), RDP_PROBE_RESULT_OK);
  if (max_connections != 0) {
    CHECK_RESULT(rdp_probe_config_builder_set_max_connections(b, max_connections), RDP_PROBE_RESULT_OK);
  }
  CHECK_RESULT(rdp_probe_config_builder_set_cipher_suites(b, cipher_suites), RDP_PROBE_RESULT_OK);
  CHECK_RESULT(rdp_probe_config_builder_build(b, &config), RDP_PROBE_RESULT_OK);
  rdp_probe_config_builder_free(b);
  CHECK_RESULT(rdp_probe_inventory_run(config, NULL, &inv), RDP_PROBE_RESULT_OK);
  CHECK(inv != NULL);
  rdp_probe_config_free(config);
  return inv;
}

/* The whole JSON of an inventory, in a fresh heap buffer (NULL on error): size query, then fetch. */
static char *inventory_json(const rdp_probe_inventory *inv) {
  size_t needed = 0;
  if (rdp_probe_inventory_json(inv, NULL, 0, &needed) != RDP_PROBE_RESULT_BUFFER_TOO_SMALL) {
    return NULL;
  }
  char *json = malloc(needed);
  if (json == NULL) {
    return NULL;
  }
  if (rdp_probe_inventory_json(inv, json, needed, &needed) != RDP_PROBE_RESULT_OK) {
    free(json);
    return NULL;
  }
  return json;
}

/* Whether finding `id` is among the inventory's, read through the accessors by index. */
static bool has_finding(const rdp_probe_inventory *inv, const char *id) {
  size_t count = 0, needed = 0;
  char buf[128], severity[16];
  CHECK_RESULT(rdp_probe_inventory_finding_count(inv, &count), RDP_PROBE_RESULT_OK);
  bool found = false;
  for (size_t i = 0; i < count; i++) {
    CHECK_RESULT(rdp_probe_inventory_finding_id(inv, i, buf, sizeof buf, &needed), RDP_PROBE_RESULT_OK);
    CHECK_RESULT(rdp_probe_inventory_finding_severity(inv, i, severity, sizeof severity, &needed),
                 RDP_PROBE_RESULT_OK);
    CHECK(strcmp(severity, "info") == 0 || strcmp(severity, "low") == 0 || strcmp(severity, "medium") == 0 ||
          strcmp(severity, "high") == 0);
    if (strcmp(buf, id) == 0) {
      found = true;
    }
  }
  CHECK_RESULT(rdp_probe_inventory_finding_id(inv, count, buf, sizeof buf, &needed),
               RDP_PROBE_RESULT_INDEX_OUT_OF_RANGE);
  CHECK_RESULT(rdp_probe_inventory_finding_severity(inv, SIZE_MAX, buf, sizeof buf, &needed),
               RDP_PROBE_RESULT_INDEX_OUT_OF_RANGE);
  return found;
}

/* The inventory through the C ABI: an unpatched CredSSP server (`ntlm_port`), the settings that
 * narrow it, a refused port, and the misuse cases. */
static void test_inventory(uint16_t ntlm_port) {
  bool reachable = false;
  rdp_probe_nla nla = 0;
  uint32_t version = 0;
  size_t count = 0, needed = 0;
  char buf[256];

  /* Misuse: NULLs, limits out of range, a triggered token. */
  CHECK_RESULT(rdp_probe_config_builder_set_max_connections(NULL, 8), RDP_PROBE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(rdp_probe_config_builder_set_cipher_suites(NULL, true), RDP_PROBE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(rdp_probe_config_builder_set_negotiate_only(NULL, true), RDP_PROBE_RESULT_NULL_PARAMETER);
  rdp_probe_config_builder *b = rdp_probe_config_builder_new();
  CHECK_RESULT(rdp_probe_config_builder_set_max_connections(b, 0), RDP_PROBE_RESULT_INVALID_MAX_CONNECTIONS);
  CHECK_RESULT(rdp_probe_config_builder_set_max_connections(b, 65), RDP_PROBE_RESULT_INVALID_MAX_CONNECTIONS);
  CHECK_RESULT(rdp_probe_config_builder_set_max_connections(b, 64), RDP_PROBE_RESULT_OK);
  CHECK_RESULT(rdp_probe_config_builder_set_target(b, "127.0.0.1", ntlm_port), RDP_PROBE_RESULT_OK);
  const rdp_probe_config *config = NULL;
  CHECK_RESULT(rdp_probe_config_builder_build(b, &config), RDP_PROBE_RESULT_OK);
  rdp_probe_config_builder_free(b);
  rdp_probe_inventory *inv = NULL;
  CHECK_RESULT(rdp_probe_inventory_run(NULL, NULL, &inv), RDP_PROBE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(rdp_probe_inventory_run(config, NULL, NULL), RDP_PROBE_RESULT_NULL_PARAMETER);
  const rdp_probe_cancel *cancel = rdp_probe_cancel_new();
  CHECK_RESULT(rdp_probe_cancel_trigger(cancel), RDP_PROBE_RESULT_OK);
  CHECK_RESULT(rdp_probe_inventory_run(config, cancel, &inv), RDP_PROBE_RESULT_CANCELLED);
  CHECK(inv == NULL);
  rdp_probe_cancel_free(cancel);
  rdp_probe_config_free(config);
  CHECK_RESULT(rdp_probe_inventory_reachable(NULL, &reachable), RDP_PROBE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(rdp_probe_inventory_nla(NULL, &nla), RDP_PROBE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(rdp_probe_inventory_finding_count(NULL, &count), RDP_PROBE_RESULT_NULL_PARAMETER);
  CHECK_RESULT(rdp_probe_inventory_json(NULL, buf, sizeof buf, &needed), RDP_PROBE_RESULT_NULL_PARAMETER);
  rdp_probe_inventory_free(NULL);
  CHECK_RESULT(rdp_probe_result_message(RDP_PROBE_RESULT_INVALID_MAX_CONNECTIONS, buf, sizeof buf, &needed),
               RDP_PROBE_RESULT_OK);
  CHECK(strncmp(buf, "invalid_max_connections: ", 25) == 0);
  CHECK(RDP_PROBE_RESULT_INDEX_OUT_OF_RANGE == 103 && RDP_PROBE_RESULT_INVALID_MAX_CONNECTIONS == 212);

  /* CredSSP version 2: the oracle finding, NTLM facts, the suites of every accepted version. */
  inv = take_inventory(ntlm_port, 3000, 4, true);
  CHECK_RESULT(rdp_probe_inventory_reachable(inv, &reachable), RDP_PROBE_RESULT_OK);
  CHECK(reachable);
  CHECK_RESULT(rdp_probe_inventory_error_message(inv, buf, sizeof buf, &needed), RDP_PROBE_RESULT_NOT_PRESENT);
  CHECK_RESULT(rdp_probe_inventory_nla(inv, &nla), RDP_PROBE_RESULT_OK);
  CHECK(nla == RDP_PROBE_NLA_REQUIRED || nla == RDP_PROBE_NLA_SUPPORTED);
  CHECK_RESULT(rdp_probe_inventory_credssp_version(inv, &version), RDP_PROBE_RESULT_OK);
  CHECK(version == 2);
  CHECK(has_finding(inv, "CREDSSP_ORACLE_UNPATCHED"));
  CHECK(!has_finding(inv, "NO_SUCH_FINDING"));
  char *json = inventory_json(inv);
  CHECK(json != NULL);
  if (json != NULL) {
    CHECK(strncmp(json, "{\"schema\":\"rdp-probe-inventory/1\",", 34) == 0);
    CHECK(strstr(json, "\"credssp\":{\"version\":2,\"predates_cve_2018_0886_fix\":true,") != NULL);
    CHECK(strstr(json, "\"netbios_computer\":\"LABHOST\"") != NULL);
    CHECK(strstr(json, "\"complete\":true") != NULL);
    CHECK(strstr(json, "\"error\":null") != NULL);
    printf("inventory: ntlm-challenge-v2 %s, credssp %u, %zu bytes of JSON\n",
           nla == RDP_PROBE_NLA_REQUIRED ? "requires NLA" : "supports NLA", (unsigned)version, strlen(json));
    free(json);
  }
  rdp_probe_inventory_free(inv);

  /* One connection at a time, only the preferred suites. */
  inv = take_inventory(ntlm_port, 3000, 1, false);
  json = inventory_json(inv);
  CHECK(json != NULL);
  if (json != NULL) {
    CHECK(strstr(json, "\"max_concurrent_connections\":1,") != NULL);
    CHECK(strstr(json, "\"complete\":true") == NULL);
    free(json);
  }
  CHECK_RESULT(rdp_probe_inventory_credssp_version(inv, &version), RDP_PROBE_RESULT_OK);
  CHECK(version == 2);
  rdp_probe_inventory_free(inv);

  /* A refused port: not reachable, nothing found. */
  uint16_t dead = dead_port();
  CHECK(dead != 0);
  inv = take_inventory(dead, 2000, 0, true);
  CHECK_RESULT(rdp_probe_inventory_reachable(inv, &reachable), RDP_PROBE_RESULT_OK);
  CHECK(!reachable);
  CHECK_RESULT(rdp_probe_inventory_error_message(inv, buf, sizeof buf, &needed), RDP_PROBE_RESULT_OK);
  CHECK(strstr(buf, "refused") != NULL);
  CHECK_RESULT(rdp_probe_inventory_nla(inv, &nla), RDP_PROBE_RESULT_OK);
  CHECK(nla == RDP_PROBE_NLA_UNKNOWN);
  CHECK_RESULT(rdp_probe_inventory_credssp_version(inv, &version), RDP_PROBE_RESULT_NOT_PRESENT);
  CHECK_RESULT(rdp_probe_inventory_finding_count(inv, &count), RDP_PROBE_RESULT_OK);
  CHECK(count == 0);
  json = inventory_json(inv);
  CHECK(json != NULL && strstr(json, "\"error\":{\"phase\":\"tcp_connect\",") != NULL);
  free(json);
  rdp_probe_inventory_free(inv);
  printf("inventory: port %u refused: %s\n", (unsigned)dead, buf);
}

static uint16_t port_arg(const char *s) {
  long v = strtol(s, NULL, 10);
  if (v <= 0 || v > 65535) {
    fprintf(stderr, "abi_test: bad port %s\n", s);
    exit(2);
  }
  return (uint16_t)v;
}

int main(int argc, char **argv) {
  if (argc != 8 && argc != 9) {
    fprintf(stderr,
            "usage: abi_test TLS_PORT ERRINFO_PORT SILENT_PORT TLS_ALERT_PORT NLA_PORT CA_PEM NTLM_V2_PORT "
            "[KERBEROS_PORT]\n");
    return 2;
  }
  uint16_t tls_port = port_arg(argv[1]);
  uint16_t errinfo_port = port_arg(argv[2]);
  uint16_t silent_port = port_arg(argv[3]);
  uint16_t tls_alert_port = port_arg(argv[4]);
  uint16_t nla_port = port_arg(argv[5]);
  uint16_t ntlm_v2_port = port_arg(argv[7]);
  uint16_t kerberos_port = argc == 9 ? port_arg(argv[8]) : 0;

  test_strings();
  test_null_and_invalid_arguments();
  test_panic_boundary();
  test_connected(tls_port);
  test_errinfo(errinfo_port);
  test_concurrent_runs(errinfo_port);
  test_cancel(silent_port);
  test_timeout(silent_port);
  test_legacy_tls(tls_alert_port);
  test_trust(nla_port, argv[6]);
  test_kdc(nla_port, kerberos_port);
  test_inventory(ntlm_v2_port);

  printf("abi_test: %d checks, %d failed\n", checks, failures);
  return failures == 0 ? 0 : 1;
}

/*
 * probe: the rdp-probe C ABI in one small program.
 *
 *   probe HOST [PORT] [--json] [--user USER] [--timeout MS] [--trust-cert any|sha256:HEX]...
 *         [--ca-file PEM]...
 *
 * Probes HOST:PORT (default 3389) and prints the verdict, and for a failure the phase, the server's
 * code, the pair the Windows client would show, the message and the hint. With --json it prints the
 * report's JSON (schema rdp-probe/1) instead. The password for --user is read from the environment
 * variable RDP_PROBE_PASSWORD.
 *
 * The credentials go only to a server something vouches for, as with the rdp-probe CLI: its
 * certificate chain is valid for HOST (the system's roots and every --ca-file), or its SHA-256 is
 * pinned with --trust-cert sha256:HEX (the fingerprint a credentials_withheld report shows), or
 * --trust-cert any. Otherwise the verdict is credentials_withheld. Both options repeat.
 *
 * Exit status: 0 connected, 1 failed, 3 needs credentials, 4 inconclusive, 5 credentials withheld,
 * 2 usage or API error.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rdp_probe.h"

/* Reads one string output into a fresh heap buffer (NULL if the field is not present). */
typedef rdp_probe_result (*string_getter)(const rdp_probe_report *, char *, size_t, size_t *);

static char *get_string(const rdp_probe_report *report, string_getter get) {
  size_t needed = 0;
  rdp_probe_result r = get(report, NULL, 0, &needed);
  if (r != RDP_PROBE_RESULT_BUFFER_TOO_SMALL) {
    return NULL;
  }
  char *buf = malloc(needed);
  if (buf == NULL) {
    return NULL;
  }
  if (get(report, buf, needed, &needed) != RDP_PROBE_RESULT_OK) {
    free(buf);
    return NULL;
  }
  return buf;
}

static void print_error(const char *what, rdp_probe_result r) {
  char message[256];
  size_t needed = 0;
  if (rdp_probe_result_message(r, message, sizeof message, &needed) != RDP_PROBE_RESULT_OK) {
    snprintf(message, sizeof message, "rdp_probe_result %u", (unsigned)r);
  }
  fprintf(stderr, "probe: %s: %s\n", what, message);
}

static int parse_number(const char *text, unsigned long max, unsigned long *out) {
  char *end = NULL;
  errno = 0;
  unsigned long value = strtoul(text, &end, 10);
  if (errno != 0 || end == text || *end != '\0' || value > max) {
    return 0;
  }
  *out = value;
  return 1;
}

/* The whole of a file in a fresh heap buffer (NULL with errno set on error); its length in *len. */
static unsigned char *read_file(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (f == NULL) {
    return NULL;
  }
  unsigned char *buf = NULL;
  size_t used = 0, cap = 0;
  for (;;) {
    if (used == cap) {
      cap = cap ? cap * 2 : 16384;
      unsigned char *more = realloc(buf, cap);
      if (more == NULL) {
        free(buf);
        fclose(f);
        errno = ENOMEM;
        return NULL;
      }
      buf = more;
    }
    size_t n = fread(buf + used, 1, cap - used, f);
    used += n;
    if (n == 0) {
      break;
    }
  }
  int failed = ferror(f);
  fclose(f);
  if (failed) {
    free(buf);
    errno = EIO;
    return NULL;
  }
  *len = used;
  return buf;
}

/* Applies one --trust-cert or --ca-file value to the builder; prints why not and returns 0 on error. */
static int apply_trust(rdp_probe_config_builder *builder, const char *option, const char *value) {
  rdp_probe_result r;
  if (strcmp(option, "--trust-cert") == 0) {
    r = strcmp(value, "any") == 0 ? rdp_probe_config_builder_trust_any(builder, true)
                                   : rdp_probe_config_builder_add_trust_pin(builder, value);
  } else {
    size_t len = 0;
    unsigned char *pem = read_file(value, &len);
    if (pem == NULL) {
      fprintf(stderr, "probe: --ca-file %s: %s\n", value, strerror(errno));
      return 0;
    }
    r = rdp_probe_config_builder_add_ca_pem(builder, pem, len);
    free(pem);
  }
  if (r != RDP_PROBE_RESULT_OK) {
    char what[512];
    snprintf(what, sizeof what, "%s %s", option, value);
    print_error(what, r);
    return 0;
  }
  return 1;
}

static void print_field(const rdp_probe_report *report, const char *label, string_getter get) {
  char *value = get_string(report, get);
  if (value != NULL) {
    printf("%-9s %s\n", label, value);
    free(value);
  }
}

int main(int argc, char **argv) {
  const char *host = NULL;
  unsigned long port = 3389;
  unsigned long timeout_ms = 0;
  const char *user = NULL;
  int json = 0;
  int positional = 0;

  for (int i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--json") == 0) {
      json = 1;
    } else if ((strcmp(argv[i], "--trust-cert") == 0 || strcmp(argv[i], "--ca-file") == 0) &&
               i + 1 < argc) {
      i++; /* applied to the builder below, in order */
    } else if (strcmp(argv[i], "--user") == 0 && i + 1 < argc) {
      user = argv[++i];
    } else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc) {
      if (!parse_number(argv[++i], 3600000UL, &timeout_ms) || timeout_ms == 0) {
        fprintf(stderr, "probe: --timeout takes milliseconds, 1 to 3600000\n");
        return 2;
      }
    } else if (positional == 0) {
      host = argv[i];
      positional++;
    } else if (positional == 1) {
      if (!parse_number(argv[i], 65535UL, &port) || port == 0) {
        fprintf(stderr, "probe: the port must be 1 to 65535\n");
        return 2;
      }
      positional++;
    } else {
      host = NULL;
      break;
    }
  }
  if (host == NULL) {
    fprintf(stderr, "usage: probe HOST [PORT] [--json] [--user USER] [--timeout MS] "
                    "[--trust-cert any|sha256:HEX]... [--ca-file PEM]...\n");
    return 2;
  }

  int status = 2;
  rdp_probe_config_builder *builder = rdp_probe_config_builder_new();
  const rdp_probe_config *config = NULL;
  rdp_probe_report *report = NULL;
  rdp_probe_result r = rdp_probe_config_builder_set_target(builder, host, (uint16_t)port);
  if (r != RDP_PROBE_RESULT_OK) {
    print_error("target", r);
    goto out;
  }
  if (user != NULL) {
    const char *password = getenv("RDP_PROBE_PASSWORD");
    r = rdp_probe_config_builder_set_credentials(builder, user, NULL, password ? password : "");
    if (r != RDP_PROBE_RESULT_OK) {
      print_error("credentials", r);
      goto out;
    }
  }
  for (int i = 1; i + 1 < argc; i++) {
    if (strcmp(argv[i], "--trust-cert") == 0 || strcmp(argv[i], "--ca-file") == 0) {
      if (!apply_trust(builder, argv[i], argv[i + 1])) {
        goto out;
      }
      i++;
    } else if (strcmp(argv[i], "--user") == 0 || strcmp(argv[i], "--timeout") == 0) {
      i++; /* a value, even one spelled like an option */
    }
  }
  if (timeout_ms != 0) {
    uint32_t ms = (uint32_t)timeout_ms;
    r = rdp_probe_config_builder_set_timeouts(builder, ms, ms, ms * 3);
    if (r != RDP_PROBE_RESULT_OK) {
      print_error("timeouts", r);
      goto out;
    }
  }
  r = rdp_probe_config_builder_build(builder, &config);
  if (r != RDP_PROBE_RESULT_OK) {
    print_error("config", r);
    goto out;
  }
  r = rdp_probe_run(config, NULL, &report);
  if (r != RDP_PROBE_RESULT_OK) {
    print_error("probe", r);
    goto out;
  }

  rdp_probe_verdict verdict = 0;
  r = rdp_probe_report_verdict(report, &verdict);
  if (r != RDP_PROBE_RESULT_OK) {
    print_error("verdict", r);
    goto out;
  }
  switch (verdict) {
    case RDP_PROBE_VERDICT_CONNECTED: status = 0; break;
    case RDP_PROBE_VERDICT_FAILED: status = 1; break;
    case RDP_PROBE_VERDICT_NEEDS_CREDENTIALS: status = 3; break;
    case RDP_PROBE_VERDICT_CREDENTIALS_WITHHELD: status = 5; break;
    default: status = 4; break;
  }

  if (json) {
    char *text = get_string(report, rdp_probe_report_json);
    if (text == NULL) {
      fprintf(stderr, "probe: could not read the JSON report\n");
      status = 2;
      goto out;
    }
    printf("%s\n", text);
    free(text);
    goto out;
  }

  static const char *const names[] = {"?",           "connected",           "failed", "needs_credentials",
                                      "inconclusive", "credentials_withheld"};
  printf("%-9s %s\n", "verdict", names[verdict <= 5 ? verdict : 0]);
  print_field(report, "phase", rdp_probe_report_phase);
  print_field(report, "kind", rdp_probe_report_kind);
  uint32_t code = 0;
  if (rdp_probe_report_code_value(report, &code) == RDP_PROBE_RESULT_OK) {
    char *space = get_string(report, rdp_probe_report_code_space);
    char *name = get_string(report, rdp_probe_report_code_name);
    printf("%-9s %s 0x%X %s\n", "code", space ? space : "?", (unsigned)code, name ? name : "?");
    free(space);
    free(name);
  }
  uint32_t disconnect = 0, extended = 0;
  bool derived = false;
  if (rdp_probe_report_mstsc(report, &disconnect, &extended, &derived) == RDP_PROBE_RESULT_OK) {
    printf("%-9s 0x%X / 0x%X%s\n", "mstsc", (unsigned)disconnect, (unsigned)extended,
           derived ? " (derived)" : "");
  }
  print_field(report, "message", rdp_probe_report_message);
  print_field(report, "hint", rdp_probe_report_hint);

out:
  rdp_probe_report_free(report);
  rdp_probe_config_free(config);
  rdp_probe_config_builder_free(builder);
  return status;
}

/*
 * scan_json: a fleet scan through the C ABI, each host's report printed as JSON on one line (JSON
 * Lines, as `rdp-probe scan --json`); the C side of the scan comparison in scripts/test-bindings.sh,
 * and, run under valgrind there, the C test of rdp_probe_scan_*.
 *
 *   scan_json MODE PORT TIMEOUT_MS CONCURRENCY [--free-after N] TARGET...
 *
 * MODE is diagnose, inventory or negotiate; PORT the port of targets without one; TIMEOUT_MS bounds
 * each connect and phase (read), three times that each probe (as the CLI's `--timeout`). Each
 * TARGET is one line of the target grammar. The reports are read into a buffer that starts small
 * and grows on RDP_PROBE_RESULT_BUFFER_TOO_SMALL (the report waits for it). Skipped items go to
 * stderr. With --free-after N, the scan is freed after N reports without being drained (its
 * probes in flight are dropped and its thread joined). Exits 0 when the scan ended with
 * RDP_PROBE_RESULT_SCAN_DONE (or was freed as asked) and printed as many reports as it has
 * targets, 1 otherwise, 2 on a usage or library error.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rdp_probe.h"

static void fail(const char *what, rdp_probe_result r) {
  char message[256];
  size_t needed = 0;
  if (rdp_probe_result_message(r, message, sizeof message, &needed) != RDP_PROBE_RESULT_OK) {
    snprintf(message, sizeof message, "rdp_probe_result %u", (unsigned)r);
  }
  fprintf(stderr, "scan_json: %s: %s\n", what, message);
}

static long number(const char *s, long max) {
  char *end = NULL;
  long v = strtol(s, &end, 10);
  return (end == s || *end != '\0' || v < 0 || v > max) ? -1 : v;
}

static void usage(void) {
  fprintf(stderr, "usage: scan_json diagnose|inventory|negotiate PORT TIMEOUT_MS CONCURRENCY "
                  "[--free-after N] TARGET...\n");
}

int main(int argc, char **argv) {
  if (argc < 6) {
    usage();
    return 2;
  }
  uint32_t mode;
  if (strcmp(argv[1], "diagnose") == 0) {
    mode = RDP_PROBE_SCAN_MODE_DIAGNOSE;
  } else if (strcmp(argv[1], "inventory") == 0) {
    mode = RDP_PROBE_SCAN_MODE_INVENTORY;
  } else if (strcmp(argv[1], "negotiate") == 0) {
    mode = RDP_PROBE_SCAN_MODE_NEGOTIATE;
  } else {
    usage();
    return 2;
  }
  long port = number(argv[2], 65535);
  long timeout_ms = number(argv[3], 1000L * 3600);
  long concurrency = number(argv[4], 1L << 20);
  long free_after = -1;
  int first = 5;
  if (strcmp(argv[5], "--free-after") == 0 && argc > 7) {
    free_after = number(argv[6], 1L << 20);
    first = 7;
  }
  if (port < 0 || timeout_ms < 1 || concurrency < 0 || (first == 7 && free_after < 0)) {
    usage();
    return 2;
  }
  /* The targets, one argument a line. */
  size_t total = 1;
  for (int i = first; i < argc; i++) total += strlen(argv[i]) + 1;
  char *targets = malloc(total);
  if (targets == NULL) return 2;
  targets[0] = '\0';
  for (int i = first; i < argc; i++) {
    strcat(targets, argv[i]);
    strcat(targets, "\n");
  }

  rdp_probe_config_builder *b = rdp_probe_config_builder_new();
  const rdp_probe_config *config = NULL;
  rdp_probe_scan *scan = NULL;
  int status = 2;
  uint32_t ms = (uint32_t)timeout_ms;
  rdp_probe_result r;
  /* A scan ignores the config's target; the builder needs one all the same. */
  if ((r = rdp_probe_config_builder_set_target(b, "unused", 3389)) != RDP_PROBE_RESULT_OK) {
    fail("set_target", r);
  } else if ((r = rdp_probe_config_builder_set_timeouts(b, ms, ms, ms * 3)) != RDP_PROBE_RESULT_OK) {
    fail("set_timeouts", r);
  } else if ((r = rdp_probe_config_builder_build(b, &config)) != RDP_PROBE_RESULT_OK) {
    fail("build", r);
  } else if ((r = rdp_probe_scan_start(config, targets, NULL, (uint16_t)port, mode,
                                       (uint32_t)concurrency, NULL, &scan)) != RDP_PROBE_RESULT_OK) {
    fail("scan_start", r);
  } else {
    /* The config and the targets may go at once: the scan keeps what it needs. */
    rdp_probe_config_free(config);
    config = NULL;
    free(targets);
    targets = NULL;

    size_t skipped = 0, needed = 0;
    uint64_t count = 0;
    if (rdp_probe_scan_skipped_count(scan, &skipped) == RDP_PROBE_RESULT_OK) {
      for (size_t i = 0; i < skipped; i++) {
        char line[512];
        if (rdp_probe_scan_skipped_line(scan, i, line, sizeof line, &needed) == RDP_PROBE_RESULT_OK) {
          fprintf(stderr, "scan_json: skipped: %s\n", line);
        }
      }
    }
    (void)rdp_probe_scan_target_count(scan, &count);

    size_t cap = 64, printed = 0;
    char *buf = malloc(cap);
    for (;;) {
      if (free_after >= 0 && printed == (size_t)free_after) {
        status = 0;
        break;
      }
      r = rdp_probe_scan_next(scan, buf, cap, &needed);
      if (r == RDP_PROBE_RESULT_BUFFER_TOO_SMALL) {
        char *bigger = realloc(buf, needed);
        if (bigger == NULL) break;
        buf = bigger;
        cap = needed;
        continue;
      }
      if (r == RDP_PROBE_RESULT_OK) {
        printf("%s\n", buf);
        fflush(stdout);
        printed++;
        continue;
      }
      if (r == RDP_PROBE_RESULT_SCAN_DONE) {
        status = printed == count ? 0 : 1;
        if (status != 0) {
          fprintf(stderr, "scan_json: %zu reports for %llu targets\n", printed,
                  (unsigned long long)count);
        }
      } else {
        fail("scan_next", r);
      }
      break;
    }
    free(buf);
  }
  rdp_probe_scan_free(scan);
  free(targets);
  rdp_probe_config_free(config);
  rdp_probe_config_builder_free(b);
  return status;
}

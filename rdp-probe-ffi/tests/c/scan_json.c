/*
 * scan_json: a fleet scan through the C ABI, each host's report printed as JSON on one line (JSON
 * Lines, as `rdp-probe scan --json`); the C side of the scan comparison in scripts/test-bindings.sh,
 * and, run under valgrind there, the C test of rdp_probe_scan_*.
 *
 *   scan_json MODE PORT TIMEOUT_MS CONCURRENCY [--free-after N] [--shard K N] [--rate R]
 *             [--deadline-ms MS] [--max-targets N] TARGET...
 *
 * MODE is diagnose, inventory or negotiate; PORT the port of targets without one; TIMEOUT_MS bounds
 * each connect and phase (read), three times that each probe (as the CLI's `--timeout`). Each
 * TARGET is one line of the target grammar. The reports are read into a buffer that starts small
 * and grows on RDP_PROBE_RESULT_BUFFER_TOO_SMALL (the report waits for it). Skipped items go to
 * stderr. With --free-after N, the scan is freed after N reports without being drained (its
 * probes in flight are dropped and its thread joined). --shard, --rate, --deadline-ms and
 * --max-targets go through rdp_probe_scan_options (freed before the first report is read: the scan
 * keeps its own copy). Exits 0 when the scan ended with RDP_PROBE_RESULT_SCAN_DONE (or was freed
 * as asked) and printed as many reports as it has targets, or ended with
 * RDP_PROBE_RESULT_SCAN_DEADLINE having printed fewer (then "deadline" goes to stderr); 1
 * otherwise; 2 on a usage or library error.
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
                  "[--free-after N] [--shard K N] [--rate R] [--deadline-ms MS] [--max-targets N] "
                  "TARGET...\n");
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
  rdp_probe_scan_options *options = NULL;
  rdp_probe_result r = RDP_PROBE_RESULT_OK;
  int first = 5;
  int bad = port < 0 || timeout_ms < 1 || concurrency < 0;
  while (!bad && first + 1 < argc && strncmp(argv[first], "--", 2) == 0) {
    const char *flag = argv[first];
    if (options == NULL && (options = rdp_probe_scan_options_new()) == NULL) return 2;
    if (strcmp(flag, "--free-after") == 0) {
      free_after = number(argv[first + 1], 1L << 20);
      bad = free_after < 0;
    } else if (strcmp(flag, "--shard") == 0 && first + 2 < argc) {
      long k = number(argv[first + 1], 1L << 20), n = number(argv[first + 2], 1L << 20);
      /* Out-of-range shards go to the library as they are: it judges them. */
      r = rdp_probe_scan_options_set_shard(options, (uint64_t)k, (uint64_t)n);
      first++;
    } else if (strcmp(flag, "--rate") == 0) {
      r = rdp_probe_scan_options_set_rate(options, strtod(argv[first + 1], NULL));
    } else if (strcmp(flag, "--deadline-ms") == 0) {
      long deadline = number(argv[first + 1], 1L << 30);
      bad = deadline < 0;
      if (!bad) r = rdp_probe_scan_options_set_deadline_ms(options, (uint64_t)deadline);
    } else if (strcmp(flag, "--max-targets") == 0) {
      long most = number(argv[first + 1], 1L << 30);
      bad = most < 0;
      if (!bad) r = rdp_probe_scan_options_set_max_targets(options, (uint64_t)most);
    } else {
      bad = 1;
    }
    if (r != RDP_PROBE_RESULT_OK) {
      fail(flag, r);
      rdp_probe_scan_options_free(options);
      return 2;
    }
    first += 2;
  }
  if (bad || first >= argc) {
    rdp_probe_scan_options_free(options);
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
  /* A scan ignores the config's target; the builder needs one all the same. */
  if ((r = rdp_probe_config_builder_set_target(b, "unused", 3389)) != RDP_PROBE_RESULT_OK) {
    fail("set_target", r);
  } else if ((r = rdp_probe_config_builder_set_timeouts(b, ms, ms, ms * 3)) != RDP_PROBE_RESULT_OK) {
    fail("set_timeouts", r);
  } else if ((r = rdp_probe_config_builder_build(b, &config)) != RDP_PROBE_RESULT_OK) {
    fail("build", r);
  } else if ((r = rdp_probe_scan_start(config, targets, NULL, (uint16_t)port, mode,
                                       (uint32_t)concurrency, options, NULL, &scan)) !=
             RDP_PROBE_RESULT_OK) {
    fail("scan_start", r);
  } else {
    /* The config, the options and the targets may go at once: the scan keeps what it needs. */
    rdp_probe_config_free(config);
    config = NULL;
    rdp_probe_scan_options_free(options);
    options = NULL;
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
      } else if (r == RDP_PROBE_RESULT_SCAN_DEADLINE) {
        status = printed < count ? 0 : 1;
        fprintf(stderr, "scan_json: deadline: %zu reports for %llu targets\n", printed,
                (unsigned long long)count);
      } else {
        fail("scan_next", r);
      }
      break;
    }
    free(buf);
  }
  rdp_probe_scan_free(scan);
  rdp_probe_scan_options_free(options);
  free(targets);
  rdp_probe_config_free(config);
  rdp_probe_config_builder_free(b);
  return status;
}

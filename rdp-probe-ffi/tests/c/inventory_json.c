/*
 * inventory_json: the server inventory through the C ABI, printed as JSON (rdp-probe-inventory/1)
 * on one line; the C side of the inventory comparison in scripts/test-bindings.sh.
 *
 *   inventory_json HOST PORT TIMEOUT_MS MAX_CONNECTIONS
 *
 * TIMEOUT_MS bounds each connect and read, three times that the whole inventory (as the CLI's
 * `--timeout`); MAX_CONNECTIONS is `--max-connections`. Exits 0 when the target was reached, 1 when
 * it was not (the JSON says why), 2 on a usage or library error.
 */
#include <stdio.h>
#include <stdlib.h>

#include "rdp_probe.h"

static void fail(const char *what, rdp_probe_result r) {
  char message[256];
  size_t needed = 0;
  if (rdp_probe_result_message(r, message, sizeof message, &needed) != RDP_PROBE_RESULT_OK) {
    snprintf(message, sizeof message, "rdp_probe_result %u", (unsigned)r);
  }
  fprintf(stderr, "inventory_json: %s: %s\n", what, message);
}

static long number(const char *s, long max) {
  char *end = NULL;
  long v = strtol(s, &end, 10);
  return (end == s || *end != '\0' || v < 1 || v > max) ? -1 : v;
}

int main(int argc, char **argv) {
  long port = argc == 5 ? number(argv[2], 65535) : -1;
  long timeout_ms = argc == 5 ? number(argv[3], 1000L * 3600) : -1;
  long max_connections = argc == 5 ? number(argv[4], 65535) : -1;
  if (port < 0 || timeout_ms < 0 || max_connections < 0) {
    fprintf(stderr, "usage: inventory_json HOST PORT TIMEOUT_MS MAX_CONNECTIONS\n");
    return 2;
  }
  rdp_probe_config_builder *b = rdp_probe_config_builder_new();
  const rdp_probe_config *config = NULL;
  rdp_probe_inventory *inv = NULL;
  char *json = NULL;
  int status = 2;
  uint32_t ms = (uint32_t)timeout_ms;
  rdp_probe_result r;
  if ((r = rdp_probe_config_builder_set_target(b, argv[1], (uint16_t)port)) != RDP_PROBE_RESULT_OK) {
    fail("set_target", r);
  } else if ((r = rdp_probe_config_builder_set_timeouts(b, ms, ms, ms * 3)) != RDP_PROBE_RESULT_OK) {
    fail("set_timeouts", r);
  } else if ((r = rdp_probe_config_builder_set_max_connections(b, (uint16_t)max_connections)) !=
             RDP_PROBE_RESULT_OK) {
    fail("set_max_connections", r);
  } else if ((r = rdp_probe_config_builder_build(b, &config)) != RDP_PROBE_RESULT_OK) {
    fail("build", r);
  } else if ((r = rdp_probe_inventory_run(config, NULL, &inv)) != RDP_PROBE_RESULT_OK) {
    fail("inventory_run", r);
  } else {
    size_t needed = 0;
    bool reachable = false;
    r = rdp_probe_inventory_json(inv, NULL, 0, &needed);
    if (r == RDP_PROBE_RESULT_BUFFER_TOO_SMALL && (json = malloc(needed)) != NULL) {
      r = rdp_probe_inventory_json(inv, json, needed, &needed);
    }
    if (r != RDP_PROBE_RESULT_OK || json == NULL) {
      fail("inventory_json", r);
    } else if ((r = rdp_probe_inventory_reachable(inv, &reachable)) != RDP_PROBE_RESULT_OK) {
      fail("inventory_reachable", r);
    } else {
      printf("%s\n", json);
      status = reachable ? 0 : 1;
    }
  }
  free(json);
  rdp_probe_inventory_free(inv);
  rdp_probe_config_free(config);
  rdp_probe_config_builder_free(b);
  return status;
}

// InventoryJson: the server inventory through the C# binding, printed as JSON
// (rdp-probe-inventory/1) on one line; the C# side of the inventory comparison in
// scripts/test-bindings.sh (run-tests.sh builds it).
//
//   mono InventoryJson.exe HOST PORT TIMEOUT_MS MAX_CONNECTIONS
//
// TIMEOUT_MS bounds each connect and read, three times that the whole inventory (as the CLI's
// --timeout); MAX_CONNECTIONS is --max-connections. Exits 0 when the target was reached, 1 when it
// was not (the JSON says why), 2 on a usage or library error.

using System;
using RdpProbe;

namespace RdpProbe.Tests
{
    internal static class InventoryJson
    {
        private static int Main(string[] args)
        {
            int port, maxConnections;
            uint timeoutMs;
            if (args.Length != 4 || !int.TryParse(args[1], out port) || !uint.TryParse(args[2], out timeoutMs) ||
                timeoutMs == 0 || timeoutMs > uint.MaxValue / 3 || !int.TryParse(args[3], out maxConnections))
            {
                Console.Error.WriteLine("usage: InventoryJson.exe HOST PORT TIMEOUT_MS MAX_CONNECTIONS");
                return 2;
            }
            try
            {
                using (ProbeConfigBuilder b = new ProbeConfigBuilder()
                    .WithTarget(args[0], port)
                    .WithTimeouts(timeoutMs, timeoutMs, timeoutMs * 3)
                    .WithMaxConnections(maxConnections))
                using (ProbeConfig config = b.Build())
                {
                    Inventory inv = Probe.Inventory(config);
                    Console.Out.Write(inv.Json + "\n");
                    return inv.Reachable ? 0 : 1;
                }
            }
            catch (RdpProbeException e)
            {
                Console.Error.WriteLine("InventoryJson: " + e.Message);
                return 2;
            }
        }
    }
}

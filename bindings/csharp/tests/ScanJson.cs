// ScanJson: a fleet scan through the C# binding, each host's report printed as JSON on one line
// (JSON Lines, as `rdp-probe scan --json`); the C# side of the scan comparison in
// scripts/test-bindings.sh (run-tests.sh builds it).
//
//   mono ScanJson.exe diagnose|inventory|negotiate PORT TIMEOUT_MS CONCURRENCY TARGET...
//
// PORT is the port of targets without one; TIMEOUT_MS bounds each connect and phase, three times that
// each probe (as the CLI's --timeout). Each TARGET is one line of the target grammar. Exits 0 when every
// target got its report, 1 otherwise, 2 on a usage or library error.

using System;
using System.Linq;
using RdpProbe;

namespace RdpProbe.Tests
{
    internal static class ScanJson
    {
        private static int Main(string[] args)
        {
            int port, concurrency;
            uint timeoutMs;
            ScanMode mode;
            if (args.Length < 5 || !Enum.TryParse(args[0], true, out mode) || !int.TryParse(args[1], out port) ||
                !uint.TryParse(args[2], out timeoutMs) || timeoutMs == 0 || timeoutMs > uint.MaxValue / 3 ||
                !int.TryParse(args[3], out concurrency))
            {
                Console.Error.WriteLine("usage: ScanJson.exe diagnose|inventory|negotiate PORT TIMEOUT_MS CONCURRENCY TARGET...");
                return 2;
            }
            try
            {
                // A scan does not use the config's target; the builder needs one all the same.
                using (ProbeConfigBuilder b = new ProbeConfigBuilder()
                    .WithTarget("unused", 3389)
                    .WithTimeouts(timeoutMs, timeoutMs, timeoutMs * 3))
                using (ProbeConfig config = b.Build())
                using (FleetScan scan = Probe.Scan(args.Skip(4), mode, port, concurrency, config))
                {
                    foreach (string line in scan.Skipped)
                    {
                        Console.Error.WriteLine("ScanJson: skipped: " + line);
                    }
                    ulong printed = 0;
                    foreach (string json in scan)
                    {
                        Console.Out.Write(json + "\n");
                        printed++;
                    }
                    return printed == scan.TargetCount ? 0 : 1;
                }
            }
            catch (RdpProbeException e)
            {
                Console.Error.WriteLine("ScanJson: " + e.Message);
                return 2;
            }
        }
    }
}

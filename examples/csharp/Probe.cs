// Probe: the rdp-probe C# binding in one small program (the C# twin of examples/c/probe.c).
//
//   mono Probe.exe HOST [PORT] [--json] [--user USER] [--timeout MS]
//                  [--trust-cert any|sha256:HEX]... [--ca-file PEM]...
//
// Probes HOST:PORT (default 3389) and prints the verdict, and for a failure the phase, the server's
// code, the pair the Windows client would show, the message and the hint. With --json it prints the
// report's JSON (schema rdp-probe/1) and one "\n" instead, and nothing else on stdout. The password
// for --user is read from the environment variable RDP_PROBE_PASSWORD (empty when unset).
// --timeout MS sets the connect and phase limits to MS and the overall limit to 3 * MS, as the C
// example does.
//
// The credentials go only to a server something vouches for, as with the rdp-probe CLI: its
// certificate chain is valid for HOST (the system's roots and every --ca-file), or its SHA-256 is
// pinned with --trust-cert sha256:HEX (the fingerprint a credentials_withheld report shows), or
// --trust-cert any. Otherwise the verdict is credentials_withheld. Both options repeat.
//
// Exit status: 0 connected, 1 failed, 3 needs credentials, 4 inconclusive, 5 credentials withheld,
// 2 usage or API error.
//
// Build: mcs -langversion:7.2 -r:RdpProbe.dll -out:Probe.exe examples/csharp/Probe.cs
// Run:   LD_LIBRARY_PATH=DIR_WITH_librdp_probe.so mono Probe.exe 127.0.0.1 3389 --json

using System;
using System.Collections.Generic;
using System.Globalization;
using System.IO;
using System.Text;
using RdpProbe;

namespace RdpProbe.Examples
{
    internal static class ProbeProgram
    {
        private const string Usage = "usage: probe HOST [PORT] [--json] [--user USER] [--timeout MS] [--trust-cert any|sha256:HEX]... [--ca-file PEM]...";

        private static TextWriter stdout;
        private static TextWriter stderr;

        private static int Main(string[] args)
        {
            // Byte-exact output whatever the locale: UTF-8 without a BOM, "\n" line ends.
            UTF8Encoding utf8 = new UTF8Encoding(false);
            stdout = new StreamWriter(Console.OpenStandardOutput(), utf8) { NewLine = "\n", AutoFlush = false };
            stderr = new StreamWriter(Console.OpenStandardError(), utf8) { NewLine = "\n", AutoFlush = true };
            Console.SetOut(stdout);
            Console.SetError(stderr);
            try
            {
                return Run(args);
            }
            catch (Exception e)
            {
                // Never let an unexpected error exit with 1, which means "failed".
                stderr.Write("probe: " + e.GetType().Name + ": " + e.Message + "\n");
                return 2;
            }
            finally
            {
                stdout.Flush();
                stderr.Flush();
            }
        }

        private static bool ParseNumber(string text, ulong max, out ulong value)
        {
            value = 0;
            if (text.Length == 0 || text.Length > 10)
            {
                return false;
            }
            foreach (char c in text)
            {
                if (c < '0' || c > '9')
                {
                    return false;
                }
            }
            return ulong.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out value) && value <= max;
        }

        private static int Fail(string what, Exception e)
        {
            RdpProbeException rp = e as RdpProbeException;
            string text = rp != null ? Library.ResultMessage(rp.Code) : e.Message;
            stderr.Write("probe: " + what + ": " + text + "\n");
            return 2;
        }

        private static int Run(string[] args)
        {
            string host = null;
            ulong port = 3389;
            ulong timeoutMs = 0;
            string user = null;
            bool json = false;
            int positional = 0;
            // (option, value) in the order given: --trust-cert and --ca-file.
            List<KeyValuePair<string, string>> trust = new List<KeyValuePair<string, string>>();

            for (int i = 0; i < args.Length; i++)
            {
                string a = args[i];
                if (a == "--json")
                {
                    json = true;
                }
                else if (a == "--user" || a == "--timeout" || a == "--trust-cert" || a == "--ca-file")
                {
                    if (i + 1 >= args.Length)
                    {
                        stderr.Write("probe: " + a + " needs a value\n" + Usage + "\n");
                        return 2;
                    }
                    string value = args[++i];
                    if (a == "--user")
                    {
                        user = value;
                    }
                    else if (a == "--trust-cert" || a == "--ca-file")
                    {
                        trust.Add(new KeyValuePair<string, string>(a, value));
                    }
                    else if (!ParseNumber(value, 3600000, out timeoutMs) || timeoutMs == 0)
                    {
                        stderr.Write("probe: --timeout takes milliseconds, 1 to 3600000\n");
                        return 2;
                    }
                }
                else if (a.StartsWith("--", StringComparison.Ordinal))
                {
                    stderr.Write("probe: unknown option " + a + "\n" + Usage + "\n");
                    return 2;
                }
                else if (positional == 0)
                {
                    host = a;
                    positional++;
                }
                else if (positional == 1)
                {
                    if (!ParseNumber(a, 65535, out port) || port == 0)
                    {
                        stderr.Write("probe: the port must be 1 to 65535\n");
                        return 2;
                    }
                    positional++;
                }
                else
                {
                    stderr.Write(Usage + "\n");
                    return 2;
                }
            }
            if (host == null)
            {
                stderr.Write(Usage + "\n");
                return 2;
            }

            Report report;
            try
            {
                using (ProbeConfigBuilder builder = new ProbeConfigBuilder())
                {
                    string step = "target";
                    try
                    {
                        builder.WithTarget(host, (int)port);
                        if (user != null)
                        {
                            step = "credentials";
                            builder.WithCredentials(user, Environment.GetEnvironmentVariable("RDP_PROBE_PASSWORD") ?? "");
                        }
                        foreach (KeyValuePair<string, string> option in trust)
                        {
                            step = option.Key + " " + option.Value;
                            if (option.Key == "--ca-file")
                            {
                                builder.AddCaPem(File.ReadAllBytes(option.Value));
                            }
                            else if (option.Value == "any")
                            {
                                builder.TrustAny();
                            }
                            else
                            {
                                builder.AddTrustPin(option.Value);
                            }
                        }
                        if (timeoutMs != 0)
                        {
                            step = "timeouts";
                            uint ms = (uint)timeoutMs;
                            builder.WithTimeouts(ms, ms, ms * 3);
                        }
                        step = "config";
                        using (ProbeConfig config = builder.Build())
                        {
                            step = "probe";
                            report = RdpProbe.Probe.Run(config);
                        }
                    }
                    catch (RdpProbeException e)
                    {
                        return Fail(step, e);
                    }
                    catch (ArgumentException e)
                    {
                        return Fail(step, e);
                    }
                    catch (IOException e)
                    {
                        // A --ca-file that cannot be read.
                        return Fail(step, e);
                    }
                    catch (UnauthorizedAccessException e)
                    {
                        return Fail(step, e);
                    }
                }
            }
            catch (DllNotFoundException)
            {
                stderr.Write("probe: cannot load the rdp_probe library (librdp_probe.so): put its directory in LD_LIBRARY_PATH\n");
                return 2;
            }
            catch (RdpProbeException e)
            {
                return Fail("builder", e);
            }

            int status;
            switch (report.Verdict)
            {
                case Verdict.Connected: status = 0; break;
                case Verdict.Failed: status = 1; break;
                case Verdict.NeedsCredentials: status = 3; break;
                case Verdict.CredentialsWithheld: status = 5; break;
                default: status = 4; break;
            }

            if (json)
            {
                Console.Out.Write(report.Json + "\n");
                return status;
            }

            Field("verdict", VerdictName(report.Verdict));
            Field("phase", report.Phase);
            Field("kind", report.Kind);
            if (report.Code != null)
            {
                Field("code", report.Code.Space + " 0x" + report.Code.Value.ToString("X", CultureInfo.InvariantCulture) + " " + report.Code.Name);
            }
            if (report.Mstsc != null)
            {
                Field("mstsc", "0x" + report.Mstsc.DisconnectReason.ToString("X", CultureInfo.InvariantCulture)
                    + " / 0x" + report.Mstsc.ExtendedReason.ToString("X", CultureInfo.InvariantCulture)
                    + (report.Mstsc.Derived ? " (derived)" : ""));
            }
            Field("message", report.Message);
            Field("hint", report.Hint);
            return status;
        }

        private static string VerdictName(Verdict verdict)
        {
            switch (verdict)
            {
                case Verdict.Connected: return "connected";
                case Verdict.Failed: return "failed";
                case Verdict.NeedsCredentials: return "needs_credentials";
                case Verdict.Inconclusive: return "inconclusive";
                case Verdict.CredentialsWithheld: return "credentials_withheld";
                default: return "?";
            }
        }

        /// <summary>One "label value" line, the label padded to 9 columns (as the C example's "%-9s %s").</summary>
        private static void Field(string label, string value)
        {
            if (value != null)
            {
                Console.Out.Write(label.PadRight(9) + " " + value + "\n");
            }
        }
    }
}

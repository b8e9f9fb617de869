// Tests of the RdpProbe C# binding against the native library and rdp-probe-lab's servers.
//
// A self-contained runner (no test framework): every static method marked [Test] runs in
// declaration order and prints "PASS name" or "FAIL name: why", then "N passed, M failed"; the exit
// status is 1 when any test failed.
//
// Environment:
//   RDP_PROBE_LAB      (required) path of the rdp-probe-lab binary; tests start its servers on
//                      loopback and kill them (by their own PID) when done.
//   RDP_PROBE_EXAMPLE  (optional) path of the example Probe.exe; when set, its CLI contract is tested
//                      too (run-tests.sh always sets it).
//   LD_LIBRARY_PATH    must let mono find librdp_probe.so.

using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Net;
using System.Net.Sockets;
using System.Reflection;
using System.Text;
using System.Threading;
using System.Threading.Tasks;
using RdpProbe;

namespace RdpProbe.Tests
{
    [AttributeUsage(AttributeTargets.Method)]
    internal sealed class TestAttribute : Attribute
    {
    }

    internal sealed class AssertionException : Exception
    {
        public AssertionException(string message)
            : base(message)
        {
        }
    }

    internal static class Check
    {
        public static void True(bool condition, string what)
        {
            if (!condition)
            {
                throw new AssertionException(what);
            }
        }

        public static void Equal<T>(T expected, T actual, string what)
        {
            if (!EqualityComparer<T>.Default.Equals(expected, actual))
            {
                throw new AssertionException(what + ": expected <" + expected + ">, got <" + actual + ">");
            }
        }

        public static void Null(object value, string what)
        {
            if (value != null)
            {
                throw new AssertionException(what + ": expected null, got <" + value + ">");
            }
        }

        public static void NotEmpty(string value, string what)
        {
            if (string.IsNullOrEmpty(value))
            {
                throw new AssertionException(what + ": expected a non-empty string, got " + (value == null ? "null" : "\"\""));
            }
        }

        public static void Contains(string haystack, string needle, string what)
        {
            if (haystack == null || haystack.IndexOf(needle, StringComparison.Ordinal) < 0)
            {
                throw new AssertionException(what + ": <" + needle + "> not found in <" + haystack + ">");
            }
        }

        public static void NotContains(string haystack, string needle, string what)
        {
            if (haystack != null && haystack.IndexOf(needle, StringComparison.Ordinal) >= 0)
            {
                throw new AssertionException(what + ": <" + needle + "> unexpectedly found");
            }
        }

        public static T Throws<T>(Action action, string what) where T : Exception
        {
            try
            {
                action();
            }
            catch (T e)
            {
                return e;
            }
            catch (Exception e)
            {
                throw new AssertionException(what + ": expected " + typeof(T).Name + ", got " + e.GetType().Name + ": " + e.Message);
            }
            throw new AssertionException(what + ": expected " + typeof(T).Name + ", nothing was thrown");
        }

        /// <summary>Expects an RdpProbeException of type T with the given code.</summary>
        public static T ThrowsCode<T>(uint code, Action action, string what) where T : RdpProbeException
        {
            T e = Throws<T>(action, what);
            Equal(code, e.Code, what + " (code)");
            Equal(Library.ResultMessage(code).Split(':')[0], e.Name, what + " (name)");
            Contains(e.Message, Library.ResultMessage(code), what + " (message)");
            return e;
        }
    }

    /// <summary>One rdp-probe-lab server, started here and killed by its PID on Dispose.</summary>
    internal sealed class LabServer : IDisposable
    {
        private static readonly List<Process> Started = new List<Process>();
        private readonly Process process;

        public string Host { get; private set; }
        public int Port { get; private set; }

        public LabServer(string scenario, int lifetimeSeconds = 120)
        {
            string lab = Environment.GetEnvironmentVariable("RDP_PROBE_LAB");
            ProcessStartInfo info = new ProcessStartInfo(lab,
                "serve " + scenario + " --port 0 --lifetime " + lifetimeSeconds);
            info.UseShellExecute = false;
            info.RedirectStandardOutput = true;
            info.RedirectStandardError = true;
            info.RedirectStandardInput = false;
            process = Process.Start(info);
            lock (Started)
            {
                Started.Add(process);
            }
            process.ErrorDataReceived += delegate { };
            process.BeginErrorReadLine();
            string first = ReadLineWithin(process.StandardOutput, TimeSpan.FromSeconds(30));
            if (first == null)
            {
                Dispose();
                throw new AssertionException("rdp-probe-lab serve " + scenario + " printed no address");
            }
            int colon = first.LastIndexOf(':');
            int port;
            if (colon <= 0 || !int.TryParse(first.Substring(colon + 1), out port))
            {
                Dispose();
                throw new AssertionException("rdp-probe-lab serve " + scenario + " printed <" + first + ">, not HOST:PORT");
            }
            Host = first.Substring(0, colon);
            Port = port;
            // Keep draining stdout so the server never blocks on a full pipe.
            Process p = process;
            Thread drain = new Thread(delegate()
            {
                try
                {
                    while (p.StandardOutput.ReadLine() != null)
                    {
                    }
                }
                catch (Exception)
                {
                }
            });
            drain.IsBackground = true;
            drain.Start();
        }

        private static string ReadLineWithin(StreamReader reader, TimeSpan limit)
        {
            Task<string> line = reader.ReadLineAsync();
            return line.Wait(limit) ? line.Result : null;
        }

        public ProbeConfigBuilder Builder()
        {
            return new ProbeConfigBuilder().WithTarget(Host, Port);
        }

        public void Dispose()
        {
            Kill(process);
            lock (Started)
            {
                Started.Remove(process);
            }
        }

        private static void Kill(Process p)
        {
            try
            {
                if (!p.HasExited)
                {
                    p.Kill();
                }
                p.WaitForExit(10000);
            }
            catch (InvalidOperationException)
            {
                // Already gone.
            }
            catch (System.ComponentModel.Win32Exception)
            {
                // Exited between the check and the kill.
            }
        }

        /// <summary>Kills every server still running (after a test that timed out).</summary>
        public static void KillAll()
        {
            Process[] all;
            lock (Started)
            {
                all = Started.ToArray();
                Started.Clear();
            }
            foreach (Process p in all)
            {
                Kill(p);
            }
        }
    }

    internal static class Program
    {
        private const string LabUser = "labuser";
        private const string LabPassword = "LabPass1!";
        // A CA certificate (its key discarded) that issued none of the lab's certificates; shared with
        // the Rust, C and Python tests. run-tests.sh runs from the repository root.
        private const string TestCaPem = "rdp-probe-ffi/tests/data/test-ca.pem";
        // A CERTIFICATE block whose contents are base64 but not X.509.
        private const string NotX509 = "-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n";
        private static string labPin;
        private static readonly TimeSpan TestLimit = TimeSpan.FromSeconds(120);

        private static int Main(string[] args)
        {
            if (args.Length == 1 && args[0] == "--panic-child")
            {
                return PanicChild();
            }
            Console.Out.NewLine = "\n";
            string lab = Environment.GetEnvironmentVariable("RDP_PROBE_LAB");
            if (string.IsNullOrEmpty(lab) || !File.Exists(lab))
            {
                Console.Error.WriteLine("RdpProbeTests: set RDP_PROBE_LAB to the rdp-probe-lab binary (got <" + lab + ">)");
                return 1;
            }

            MethodInfo[] tests = typeof(Program)
                .GetMethods(BindingFlags.Static | BindingFlags.NonPublic | BindingFlags.Public)
                .Where(m => m.GetCustomAttributes(typeof(TestAttribute), false).Length > 0)
                .OrderBy(m => m.MetadataToken)
                .ToArray();
            string filter = args.Length > 0 ? args[0] : null;
            int passed = 0;
            int failed = 0;
            foreach (MethodInfo test in tests)
            {
                if (filter != null && test.Name.IndexOf(filter, StringComparison.Ordinal) < 0)
                {
                    continue;
                }
                string why = RunOne(test);
                if (why == null)
                {
                    passed++;
                    Console.WriteLine("PASS " + test.Name);
                }
                else
                {
                    failed++;
                    Console.WriteLine("FAIL " + test.Name + ": " + why);
                }
                Console.Out.Flush();
            }
            LabServer.KillAll();
            Console.WriteLine(passed + " passed, " + failed + " failed");
            Console.Out.Flush();
            return failed == 0 ? 0 : 1;
        }

        /// <summary>Runs one test on a thread of its own, bounded by TestLimit; null on success.</summary>
        private static string RunOne(MethodInfo test)
        {
            Exception error = null;
            Thread thread = new Thread(delegate()
            {
                try
                {
                    test.Invoke(null, null);
                }
                catch (TargetInvocationException e)
                {
                    error = e.InnerException ?? e;
                }
                catch (Exception e)
                {
                    error = e;
                }
            });
            thread.IsBackground = true;
            thread.Start();
            if (!thread.Join(TestLimit))
            {
                LabServer.KillAll();
                return "did not finish within " + TestLimit.TotalSeconds + " s";
            }
            if (error == null)
            {
                return null;
            }
            if (error is AssertionException)
            {
                return error.Message;
            }
            return error.GetType().FullName + ": " + error.Message;
        }

        // -----------------------------------------------------------------------------------------
        // Helpers
        // -----------------------------------------------------------------------------------------

        private static Report ProbeLab(string scenario, Action<ProbeConfigBuilder> configure = null)
        {
            using (LabServer server = new LabServer(scenario))
            using (ProbeConfigBuilder builder = server.Builder())
            {
                builder.WithTimeouts(5000, 10000, 30000);
                if (configure != null)
                {
                    configure(builder);
                }
                using (ProbeConfig config = builder.Build())
                {
                    Report report = Probe.Run(config);
                    CheckJsonConsistent(report);
                    return report;
                }
            }
        }

        /// <summary>A string as serde_json writes it: quoted, with ", \ and control characters escaped.</summary>
        private static string JsonString(string value)
        {
            StringBuilder sb = new StringBuilder("\"");
            foreach (char c in value)
            {
                switch (c)
                {
                    case '"': sb.Append("\\\""); break;
                    case '\\': sb.Append("\\\\"); break;
                    case '\n': sb.Append("\\n"); break;
                    case '\r': sb.Append("\\r"); break;
                    case '\t': sb.Append("\\t"); break;
                    case '\b': sb.Append("\\b"); break;
                    case '\f': sb.Append("\\f"); break;
                    default:
                        if (c < 0x20)
                        {
                            sb.Append("\\u").Append(((int)c).ToString("x4"));
                        }
                        else
                        {
                            sb.Append(c);
                        }
                        break;
                }
            }
            return sb.Append('"').ToString();
        }

        private static readonly string[] VerdictNames = { "?", "connected", "failed", "needs_credentials", "inconclusive", "credentials_withheld" };

        /// <summary>
        /// The pin (<c>sha256:HEX</c>) of the one self-signed certificate every scripted and acceptor
        /// lab server presents, which vouches for nothing: read as a user would, from a probe with
        /// the lab's credentials and no trust, which withholds them and names the certificate.
        /// </summary>
        private static string LabPin()
        {
            if (labPin == null)
            {
                Report r = ProbeLab("ironrdp-nla", b => b.WithCredentials(LabUser, LabPassword));
                Check.Equal(Verdict.CredentialsWithheld, r.Verdict, "verdict with credentials and no trust: " + r.Json);
                Check.True(r.TrustPin != null, "a withheld report names the certificate");
                labPin = r.TrustPin;
            }
            return labPin;
        }

        /// <summary>The PEM bytes of the test CA.</summary>
        private static byte[] TestCa()
        {
            Check.True(File.Exists(TestCaPem), TestCaPem + " exists (run from the repository root)");
            return File.ReadAllBytes(TestCaPem);
        }

        /// <summary>
        /// <paramref name="json"/> without its top-level <c>"authentication":{...}</c> member, whose
        /// Kerberos attempt may hold a <c>failure</c> of its own (e.g. before a fallback to NTLM
        /// that connected). Braces inside strings are skipped.
        /// </summary>
        private static string WithoutAuthentication(string json)
        {
            const string key = ",\"authentication\":{";
            int start = json.IndexOf(key, StringComparison.Ordinal);
            if (start < 0)
            {
                return json;
            }
            int depth = 0;
            bool inString = false;
            for (int i = start + key.Length - 1; i < json.Length; i++)
            {
                char c = json[i];
                if (inString)
                {
                    if (c == '\\')
                    {
                        i++;
                    }
                    else if (c == '"')
                    {
                        inString = false;
                    }
                }
                else if (c == '"')
                {
                    inString = true;
                }
                else if (c == '{')
                {
                    depth++;
                }
                else if (c == '}' && --depth == 0)
                {
                    return json.Substring(0, start) + json.Substring(i + 1);
                }
            }
            throw new AssertionException("the authentication object is not closed: " + json);
        }

        /// <summary>Checks that the JSON says what the accessors say (string checks: mono has no JSON parser by default).</summary>
        private static void CheckJsonConsistent(Report r)
        {
            string json = WithoutAuthentication(r.Json);
            Check.True(json.StartsWith("{\"schema\":\"rdp-probe/1\",", StringComparison.Ordinal), "JSON starts with the schema: " + json);
            Check.True(json.EndsWith("}", StringComparison.Ordinal), "JSON ends with }");
            Check.True(json.IndexOf('\n') < 0 && json.IndexOf('\r') < 0, "JSON is one line");
            Check.Contains(json, "\"verdict\":\"" + VerdictNames[(int)r.Verdict] + "\"", "JSON verdict");
            if (r.TrustDecision == null)
            {
                Check.Null(r.TrustSha256, "no trust decision, no TrustSha256");
                Check.NotContains(json, "\"trust\":", "JSON without trust");
            }
            else
            {
                Check.Contains(json, "\"trust\":{\"decision\":" + JsonString(r.TrustDecision)
                    + (r.TrustSha256 == null ? "" : ",\"sha256\":" + JsonString(r.TrustSha256)), "JSON trust");
            }
            if (r.Verdict == Verdict.Connected)
            {
                Check.NotContains(json, "\"failure\":", "connected JSON has no failure");
                Check.NotContains(json, "\"stop\":", "connected JSON has no stop");
                Check.NotContains(json, "\"mstsc\":", "connected JSON has no mstsc");
                return;
            }
            if (r.Verdict == Verdict.Failed)
            {
                Check.Contains(json, "\"failure\":{\"phase\":" + JsonString(r.Phase) + ",\"kind\":" + JsonString(r.Kind)
                    + ",\"code\":{\"space\":" + JsonString(r.Code.Space) + ",\"value\":" + r.Code.Value
                    + ",\"name\":" + JsonString(r.Code.Name) + "},\"message\":" + JsonString(r.Message)
                    + ",\"hint\":" + JsonString(r.Hint) + "}", "JSON failure object");
                Check.Contains(json, "\"mstsc\":{\"disconnect_reason\":" + r.Mstsc.DisconnectReason
                    + ",\"extended_reason\":" + r.Mstsc.ExtendedReason
                    + ",\"derived\":" + (r.Mstsc.Derived ? "true" : "false")
                    + ",\"text\":" + JsonString(r.Mstsc.Text), "JSON mstsc object");
                Check.NotContains(json, "\"stop\":", "failed JSON has no stop");
                return;
            }
            Check.Contains(json, "\"stop\":{\"phase\":" + JsonString(r.Phase) + ",\"reason\":" + JsonString(r.Kind)
                + ",\"message\":" + JsonString(r.Message) + ",\"hint\":" + JsonString(r.Hint) + "}", "JSON stop object");
            Check.NotContains(json, "\"failure\":", "stopped JSON has no failure");
        }

        private static void CheckNoFailureFields(Report r)
        {
            Check.Null(r.Code, "Code");
            Check.Null(r.Mstsc, "Mstsc");
        }

        // -----------------------------------------------------------------------------------------
        // Library
        // -----------------------------------------------------------------------------------------

        [Test]
        private static void version_names_the_library_and_its_stack()
        {
            string v = Library.Version;
            Check.True(v.StartsWith("rdp-probe-ffi ", StringComparison.Ordinal), "version starts with rdp-probe-ffi: " + v);
            Check.Contains(v, "ironrdp-connector", "version");
            // Built with the default features: the legacy-TLS stack is OpenSSL, vendored.
            Check.Contains(v, "legacy TLS: OpenSSL", "version names the legacy-TLS stack");
            Check.True(object.ReferenceEquals(v, Library.Version) || v == Library.Version, "version is stable");
        }

        [Test]
        private static void result_message_describes_known_and_unknown_codes()
        {
            Check.Equal("ok: success", Library.ResultMessage(ResultCodes.Ok), "code 0");
            Check.True(Library.ResultMessage(ResultCodes.InvalidHost).StartsWith("invalid_host: ", StringComparison.Ordinal), "code 201");
            Check.True(Library.ResultMessage(ResultCodes.Panic).StartsWith("panic: ", StringComparison.Ordinal), "code 300");
            Check.True(Library.ResultMessage(ResultCodes.NotPresent).StartsWith("not_present: ", StringComparison.Ordinal), "code 401");
            Check.Equal("unknown: rdp_probe_result 12345", Library.ResultMessage(12345), "unknown code");
        }

        [Test]
        private static void selftest_panic_returns_300_and_the_process_goes_on()
        {
            for (int i = 0; i < 3; i++)
            {
                Check.Equal(ResultCodes.Panic, Library.SelfTestPanic(), "selftest_panic result");
            }
            // The library still works after the caught panics.
            Check.True(Library.Version.Length > 0, "version after panic");
            using (ProbeConfigBuilder b = new ProbeConfigBuilder().WithTarget("127.0.0.1", 1))
            using (ProbeConfig c = b.Build())
            {
            }
            // And in a fresh process: no abort, exit 0, nothing on stderr.
            string mono = Process.GetCurrentProcess().MainModule.FileName;
            string self = Assembly.GetEntryAssembly().Location;
            ProcessStartInfo info = new ProcessStartInfo(mono, "\"" + self + "\" --panic-child");
            info.UseShellExecute = false;
            info.RedirectStandardOutput = true;
            info.RedirectStandardError = true;
            using (Process child = Process.Start(info))
            {
                Task<string> stderr = child.StandardError.ReadToEndAsync();
                string stdout = child.StandardOutput.ReadToEnd();
                Check.True(child.WaitForExit(60000), "panic child exits");
                Check.Equal(0, child.ExitCode, "panic child exit status");
                Check.Equal("300 300 alive\n", stdout, "panic child stdout");
                Check.Equal("", stderr.Result, "panic child stderr");
            }
        }

        private static int PanicChild()
        {
            uint a = Library.SelfTestPanic();
            uint b = Library.SelfTestPanic();
            Console.Out.Write(a + " " + b + " alive\n");
            Console.Out.Flush();
            return 0;
        }

        // -----------------------------------------------------------------------------------------
        // Verdicts against the lab
        // -----------------------------------------------------------------------------------------

        [Test]
        private static void ironrdp_tls_is_connected()
        {
            Report r = ProbeLab("ironrdp-tls");
            Check.Equal(Verdict.Connected, r.Verdict, "verdict");
            Check.Equal("connected", r.Outcome, "outcome");
            Check.Null(r.Phase, "Phase");
            Check.Null(r.Kind, "Kind");
            Check.Null(r.Message, "Message");
            Check.Null(r.Hint, "Hint");
            CheckNoFailureFields(r);
            Check.Contains(r.Json, "\"verdict\":\"connected\"", "JSON");
            Check.Contains(r.Json, "\"outcome\":\"connected\"", "JSON outcome");
            Check.Contains(r.Json, "\"selected_protocol\":\"ssl\"", "JSON selected protocol");
            Check.Equal(r.Json, r.ToString(), "ToString is the JSON");
        }

        [Test]
        private static void ironrdp_nla_without_credentials_needs_credentials()
        {
            Report r = ProbeLab("ironrdp-nla");
            Check.Equal(Verdict.NeedsCredentials, r.Verdict, "verdict");
            Check.Equal("credssp", r.Phase, "Phase");
            Check.Equal("nla_requires_credentials", r.Kind, "Kind");
            Check.NotEmpty(r.Message, "Message");
            Check.NotEmpty(r.Hint, "Hint");
            CheckNoFailureFields(r);
            Check.Contains(r.Json, "\"verdict\":\"needs_credentials\"", "JSON");
            Check.Contains(r.Json, "\"reason\":\"nla_requires_credentials\"", "JSON");
        }

        [Test]
        private static void ironrdp_nla_with_credentials_connects()
        {
            Report r = ProbeLab("ironrdp-nla-with-credentials", b => b.WithCredentials(LabUser, LabPassword).AddTrustPin(LabPin()));
            Check.Equal(Verdict.Connected, r.Verdict, "verdict (" + r.Message + ")");
            Check.Equal("pinned", r.TrustDecision, "TrustDecision");
            CheckNoFailureFields(r);
            Check.NotContains(r.Json, LabPassword, "the password is not in the report");
        }

        [Test]
        private static void ironrdp_nla_with_domain_credentials_connects()
        {
            // The domain given apart, or as DOMAIN\user (split by the library); the lab's NTLM
            // account does not check the domain.
            Report r = ProbeLab("ironrdp-nla-with-credentials", b => b.WithCredentials(LabUser, LabPassword, "LAB").AddTrustPin(LabPin()));
            Check.Equal(Verdict.Connected, r.Verdict, "verdict with a domain (" + r.Message + ")");
            r = ProbeLab("ironrdp-nla-with-credentials", b => b.WithCredentials("LAB\\" + LabUser, LabPassword).AddTrustPin(LabPin()));
            Check.Equal(Verdict.Connected, r.Verdict, "verdict with DOMAIN\\user (" + r.Message + ")");
        }

        [Test]
        private static void wrong_password_fails_with_ntstatus_logon_failure()
        {
            const string wrong = "NotThePassword1!";
            Report r = ProbeLab("ironrdp-nla-wrong-password", b => b.WithCredentials(LabUser, wrong).AddTrustPin(LabPin()));
            Check.Equal(Verdict.Failed, r.Verdict, "verdict");
            Check.Equal("credssp", r.Phase, "Phase");
            Check.Equal("logon_failure", r.Kind, "Kind");
            Check.True(r.Code != null, "Code present");
            Check.Equal("ntstatus", r.Code.Space, "Code.Space");
            Check.Equal(0xC000006Du, r.Code.Value, "Code.Value");
            Check.Equal("STATUS_LOGON_FAILURE", r.Code.Name, "Code.Name");
            Check.True(r.Mstsc != null, "Mstsc present");
            Check.Equal(0x807u, r.Mstsc.DisconnectReason, "Mstsc.DisconnectReason");
            Check.Equal(0x0u, r.Mstsc.ExtendedReason, "Mstsc.ExtendedReason");
            Check.NotEmpty(r.Message, "Message");
            Check.NotEmpty(r.Hint, "Hint");
            Check.Contains(r.Json, "\"value\":3221225581", "JSON carries 0xC000006D as a number");
            Check.NotContains(r.Json, wrong, "the password is not in the report");
        }

        [Test]
        private static void errinfo_7_fails_in_licensing_with_derived_mstsc_pair()
        {
            Report r = ProbeLab("errinfo-after-client-info-0x7");
            Check.Equal(Verdict.Failed, r.Verdict, "verdict");
            Check.Equal("licensing", r.Phase, "Phase");
            Check.Null(r.Outcome, "Outcome");
            Check.Equal("server_error_info", r.Kind, "Kind");
            Check.Equal("errinfo", r.Code.Space, "Code.Space");
            Check.Equal(7u, r.Code.Value, "Code.Value");
            Check.Equal("ERRINFO_SERVER_DENIED_CONNECTION", r.Code.Name, "Code.Name");
            Check.Equal(0x904u, r.Mstsc.DisconnectReason, "Mstsc.DisconnectReason");
            Check.Equal(0x7u, r.Mstsc.ExtendedReason, "Mstsc.ExtendedReason");
            Check.Equal(true, r.Mstsc.Derived, "Mstsc.Derived");
            Check.NotEmpty(r.Mstsc.Text, "Mstsc.Text");
            Check.Equal("0x904 / 0x7 (derived)", r.Mstsc.ToString(), "Mstsc.ToString");
            Check.Equal("errinfo 0x7 ERRINFO_SERVER_DENIED_CONNECTION", r.Code.ToString(), "Code.ToString");
            Check.Contains(r.Json, "\"verdict\":\"failed\"", "JSON verdict");
            Check.Contains(r.Json, "\"code\":{\"space\":\"errinfo\",\"value\":7,\"name\":\"ERRINFO_SERVER_DENIED_CONNECTION\"}", "JSON code");
            Check.Contains(r.Json, "\"disconnect_reason\":2308,\"extended_reason\":7,\"derived\":true", "JSON mstsc");
        }

        [Test]
        private static void silence_with_short_timeouts_fails_in_x224()
        {
            using (LabServer server = new LabServer("hostile-silence-at-accept"))
            using (ProbeConfigBuilder b = server.Builder().WithTimeouts(1000, 1000, 5000))
            using (ProbeConfig config = b.Build())
            {
                Stopwatch sw = Stopwatch.StartNew();
                Report r = Probe.Run(config);
                sw.Stop();
                CheckJsonConsistent(r);
                Check.Equal(Verdict.Failed, r.Verdict, "verdict");
                Check.Equal("x224", r.Phase, "Phase");
                Check.Equal("timeout", r.Code.Space, "Code.Space");
                Check.Equal(1000u, r.Code.Value, "Code.Value (the limit in ms)");
                Check.True(sw.Elapsed < TimeSpan.FromSeconds(30), "returned well under 30 s (took " + sw.Elapsed + ")");
            }
        }

        [Test]
        private static void built_config_keeps_its_settings_and_builder_is_reusable()
        {
            using (LabServer tls = new LabServer("ironrdp-tls"))
            using (LabServer nla = new LabServer("ironrdp-nla"))
            using (ProbeConfigBuilder b = new ProbeConfigBuilder().WithTarget(tls.Host, tls.Port).WithTimeouts(5000, 10000, 30000))
            {
                ProbeConfig first = b.Build();
                // A failed setter leaves the builder unchanged.
                Check.ThrowsCode<RdpProbeInvalidArgumentException>(ResultCodes.InvalidHost, () => b.WithTarget("bad host", nla.Port), "bad host");
                using (ProbeConfig same = b.Build())
                {
                    Check.Equal(Verdict.Connected, Probe.Run(same).Verdict, "after a failed setter the target is unchanged");
                }
                b.WithTarget(nla.Host, nla.Port);
                using (ProbeConfig second = b.Build())
                {
                    Check.Equal(Verdict.NeedsCredentials, Probe.Run(second).Verdict, "second config probes the new target");
                }
                using (first)
                {
                    Check.Equal(Verdict.Connected, Probe.Run(first).Verdict, "first config is not changed by the builder");
                }
            }
        }

        [Test]
        private static void create_shortcut_and_all_setters_accept_valid_values()
        {
            using (LabServer server = new LabServer("ironrdp-tls"))
            {
                using (ProbeConfig c = ProbeConfig.Create(server.Host, server.Port))
                {
                    Check.Equal(Verdict.Connected, Probe.Run(c).Verdict, "ProbeConfig.Create");
                }
                using (ProbeConfigBuilder b = ProbeConfig.Builder()
                    .WithTarget(server.Host, server.Port)
                    .WithProtocols(Protocols.Ssl)
                    .WithTimeouts(5000, 10000, 30000)
                    .WithCertPolicy(CertPolicy.AcceptAny)
                    .WithLegacyTls(LegacyTls.Allow)
                    .WithClientName("cs-tests-\u00e9"))
                using (ProbeConfig c = b.Build())
                {
                    Report r = Probe.Run(c);
                    Check.Equal(Verdict.Connected, r.Verdict, "verdict");
                    Check.Contains(r.Json, "\"requested_protocols\":[\"ssl\"]", "JSON requested protocols follow WithProtocols");
                    // rustls got through: no legacy attempt, even with Allow.
                    Check.NotContains(r.Json, "\"legacy_tls\":", "no legacy attempt against a modern server");
                    Check.NotContains(r.Json, "only_legacy_tls", "no legacy-TLS finding against a modern server");
                }
                using (ProbeConfigBuilder b = new ProbeConfigBuilder()
                    .WithTarget(server.Host, server.Port)
                    .WithProtocols(Protocols.Hybrid | Protocols.HybridEx)
                    .WithTimeouts(5000, 10000, 30000))
                using (ProbeConfig c = b.Build())
                {
                    // The lab's TLS-only server refuses a client that asks only for CredSSP.
                    Report r = Probe.Run(c);
                    CheckJsonConsistent(r);
                    Check.Equal(Verdict.Failed, r.Verdict, "verdict with HYBRID only against an SSL-only server");
                    Check.Equal("x224", r.Phase, "Phase");
                    Check.Equal("neg_failure", r.Code.Space, "Code.Space");
                }
                using (ProbeConfigBuilder b = new ProbeConfigBuilder().WithProtocols((Protocols)0x1f).WithProtocols(Protocols.Rdp))
                {
                }
            }
        }

        // -----------------------------------------------------------------------------------------
        // The credential trust policy
        // -----------------------------------------------------------------------------------------

        [Test]
        private static void credentials_are_withheld_from_a_server_nothing_vouches_for()
        {
            Report r = ProbeLab("ironrdp-nla-with-credentials", b => b.WithCredentials(LabUser, LabPassword));
            Check.Equal(Verdict.CredentialsWithheld, r.Verdict, "verdict");
            Check.Equal(5u, (uint)r.Verdict, "the verdict's number");
            Check.Equal("credssp", r.Phase, "Phase");
            Check.Equal("credentials_withheld", r.Kind, "Kind");
            Check.NotEmpty(r.Message, "Message");
            Check.Null(r.Outcome, "Outcome");
            CheckNoFailureFields(r);
            Check.Equal("withheld", r.TrustDecision, "TrustDecision");
            Check.True(r.TrustSha256 != null && r.TrustSha256.Length == 64
                && r.TrustSha256.All(c => (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f')), "TrustSha256 is 64 lowercase hex digits: " + r.TrustSha256);
            Check.Equal("sha256:" + r.TrustSha256, r.TrustPin, "TrustPin");
            Check.Contains(r.Hint, r.TrustSha256, "the hint names the fingerprint");
            Check.Contains(r.Json, "\"verdict\":\"credentials_withheld\"", "JSON verdict");
            Check.Contains(r.Json, "\"reason\":\"credentials_withheld\"", "JSON stop reason");
            Check.NotContains(r.Json, LabPassword, "the password is not in the report");
        }

        [Test]
        private static void without_credentials_there_is_no_trust_decision()
        {
            Report r = ProbeLab("ironrdp-nla", b => b.AddTrustPin(LabPin()));
            Check.Equal(Verdict.NeedsCredentials, r.Verdict, "verdict");
            Check.Null(r.TrustDecision, "TrustDecision");
            Check.Null(r.TrustSha256, "TrustSha256");
            Check.Null(r.TrustPin, "TrustPin");
        }

        [Test]
        private static void a_pinned_certificate_gets_the_credentials()
        {
            string pin = LabPin();
            string hex = pin.Substring("sha256:".Length);
            StringBuilder colons = new StringBuilder("sha256:");
            for (int i = 0; i < hex.Length; i += 2)
            {
                colons.Append(i == 0 ? "" : ":").Append(hex, i, 2);
            }
            foreach (string form in new[] { pin, "sha256:" + hex.ToUpperInvariant(), colons.ToString() })
            {
                Report r = ProbeLab("ironrdp-nla-with-credentials", b => b.WithCredentials(LabUser, LabPassword)
                    .AddTrustPin("sha256:" + new string('a', 64))
                    .AddTrustPin(form));
                Check.Equal(Verdict.Connected, r.Verdict, "verdict with the pin " + form + ": " + r.Json);
                Check.Equal("pinned", r.TrustDecision, "TrustDecision");
                Check.Equal(pin, r.TrustPin, "TrustPin");
            }
        }

        [Test]
        private static void trust_any_sends_to_any_server()
        {
            Report r = ProbeLab("ironrdp-nla-with-credentials", b => b.WithCredentials(LabUser, LabPassword).TrustAny());
            Check.Equal(Verdict.Connected, r.Verdict, "verdict with TrustAny: " + r.Json);
            Check.Equal("any", r.TrustDecision, "TrustDecision");
            Check.Equal(LabPin(), r.TrustPin, "TrustPin");
            r = ProbeLab("ironrdp-nla-with-credentials", b => b.WithCredentials(LabUser, LabPassword).TrustAny().TrustAny(false));
            Check.Equal(Verdict.CredentialsWithheld, r.Verdict, "verdict with TrustAny(false)");
        }

        [Test]
        private static void another_certificates_pin_or_ca_vouches_for_nothing()
        {
            Report r = ProbeLab("ironrdp-nla-with-credentials", b => b.WithCredentials(LabUser, LabPassword).AddTrustPin("sha256:" + new string('0', 64)));
            Check.Equal(Verdict.CredentialsWithheld, r.Verdict, "verdict with another certificate's pin");
            r = ProbeLab("ironrdp-nla-with-credentials", b => b.WithCredentials(LabUser, LabPassword).AddCaPem(TestCa()));
            Check.Equal(Verdict.CredentialsWithheld, r.Verdict, "verdict with a CA that did not issue the certificate");
            Check.Equal("withheld", r.TrustDecision, "TrustDecision");
        }

        [Test]
        private static void malformed_trust_pin_is_code_209()
        {
            using (ProbeConfigBuilder b = new ProbeConfigBuilder())
            {
                string[] bad = { "", "any", "sha256:", "sha256:00", new string('a', 64), "SHA256:" + new string('a', 64), "sha256:" + new string('a', 65), "sha256:" + new string('z', 64) };
                foreach (string pin in bad)
                {
                    Check.ThrowsCode<RdpProbeInvalidArgumentException>(ResultCodes.InvalidTrustPin, () => b.AddTrustPin(pin), "pin <" + pin + ">");
                }
                Check.Throws<ArgumentNullException>(() => b.AddTrustPin(null), "null pin");
                Check.Throws<ArgumentException>(() => b.AddTrustPin("sha256:\0"), "pin with a NUL");
                Check.True(Library.ResultMessage(ResultCodes.InvalidTrustPin).StartsWith("invalid_trust_pin: ", StringComparison.Ordinal), "code 209");
                b.AddTrustPin("sha256:" + new string('A', 64)).TrustAny().TrustAny(false);
            }
        }

        [Test]
        private static void bad_ca_pem_is_code_210()
        {
            using (ProbeConfigBuilder b = new ProbeConfigBuilder())
            {
                byte[] good = TestCa();
                byte[][] bad =
                {
                    new byte[0],
                    Encoding.ASCII.GetBytes("not PEM at all"),
                    Encoding.ASCII.GetBytes(NotX509),
                    Encoding.ASCII.GetBytes("-----BEGIN CERTIFICATE-----\n!!!!\n-----END CERTIFICATE-----\n"),
                    good.Concat(Encoding.ASCII.GetBytes(NotX509)).ToArray(),
                };
                foreach (byte[] pem in bad)
                {
                    Check.ThrowsCode<RdpProbeInvalidArgumentException>(ResultCodes.InvalidCaPem, () => b.AddCaPem(pem), "PEM <" + Encoding.ASCII.GetString(pem) + ">");
                }
                Check.Throws<ArgumentNullException>(() => b.AddCaPem(null), "null PEM");
                Check.True(Library.ResultMessage(ResultCodes.InvalidCaPem).StartsWith("invalid_ca_pem: ", StringComparison.Ordinal), "code 210");
                b.AddCaPem(good).AddCaPem(good.Concat(good).ToArray());
            }
        }

        // -----------------------------------------------------------------------------------------
        // Kerberos: the KDC
        // -----------------------------------------------------------------------------------------

        // A realm for the lab account: Kerberos is only tried with credentials that name a domain.
        // The lab's NTLM acceptor does not check the domain.
        private const string Realm = "RDP-PROBE.TEST";
        // ironrdp-nla speaks raw NTLM in CredSSP (no SPNEGO, so it cannot answer a Kerberos offer);
        // kerberos-logon is the acceptor with Kerberos and NTLM and a real MIT KDC of its own
        // (krb5kdc), while the probe is given another KDC.
        private const string NtlmServer = "ironrdp-nla";
        private const string KerberosServer = "kerberos-logon";
        private static readonly string[] BadKdcs = { "", "host:0", "host:99999", "a b", "host:", "host:port", "[::1]:0", "kdc/path" };

        /// <summary>A loopback port nothing listens on (bound, read, released).</summary>
        private static int DeadPort()
        {
            TcpListener listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            int port = ((IPEndPoint)listener.LocalEndpoint).Port;
            listener.Stop();
            return port;
        }

        /// <summary>
        /// One probe of the NLA server at <paramref name="host"/> with the lab's account in
        /// <see cref="Realm"/>, its certificate pinned, after <paramref name="configure"/>.
        /// </summary>
        private static Report ProbeKerberos(LabServer server, string host, Action<ProbeConfigBuilder> configure)
        {
            using (ProbeConfigBuilder b = new ProbeConfigBuilder()
                .WithTarget(host, server.Port)
                .WithTimeouts(8000, 8000, 30000)
                .WithCredentials(LabUser, LabPassword, Realm)
                .AddTrustPin(LabPin()))
            {
                configure(b);
                using (ProbeConfig config = b.Build())
                {
                    Report r = Probe.Run(config);
                    CheckJsonConsistent(r);
                    Check.NotContains(r.Json, LabPassword, "the password is not in the report");
                    return r;
                }
            }
        }

        [Test]
        private static void invalid_kdc_is_code_211()
        {
            Check.Equal(211u, ResultCodes.InvalidKdc, "ResultCodes.InvalidKdc");
            Check.Equal("invalid_kdc: the KDC must be HOST, HOST:PORT or [IPv6]:PORT (port 1 to 65535)",
                Library.ResultMessage(ResultCodes.InvalidKdc), "the message of 211");
            using (ProbeConfigBuilder b = new ProbeConfigBuilder())
            {
                foreach (string kdc in BadKdcs)
                {
                    RdpProbeInvalidArgumentException e = Check.ThrowsCode<RdpProbeInvalidArgumentException>(
                        ResultCodes.InvalidKdc, () => b.WithKdc(kdc), "KDC <" + kdc + ">");
                    Check.Equal("invalid_kdc", e.Name, "Name");
                    Check.Contains(e.Message, "rdp_probe_config_builder_set_kdc", "the message names the function");
                }
                Check.Throws<ArgumentException>(() => b.WithKdc("kdc\0.example"), "KDC with a NUL");
                Check.Throws<ArgumentException>(() => b.WithKdc("kdc\ud800"), "KDC with a lone surrogate");
                b.WithKdc("kdc.example").WithKdc("kdc.example:88").WithKdc("dc1.corp.example:65535")
                    .WithKdc("127.0.0.1:1").WithKdc("[::1]:88").WithKdc("::1").WithKdc(null).WithKdc(null);
            }
        }

        [Test]
        private static void kerberos_is_not_tried_against_an_address()
        {
            using (LabServer server = new LabServer(NtlmServer))
            {
                Report r = ProbeKerberos(server, "127.0.0.1", b => b.WithKdc("127.0.0.1:" + DeadPort()));
                Check.Equal(Verdict.Connected, r.Verdict, "verdict: " + r.Json);
                Check.Contains(r.Json, "\"authentication\":{\"package\":\"ntlm\",\"kerberos_not_tried\":\"target_is_address\"}",
                    "JSON authentication");
            }
        }

        [Test]
        private static void an_unreachable_kdc_falls_back_to_ntlm_by_name()
        {
            using (LabServer server = new LabServer(KerberosServer))
            using (LabServer ntlm = new LabServer(NtlmServer))
            {
                string kdc = "127.0.0.1:" + DeadPort();
                // Refused KDCs after an accepted one leave the builder's KDC as it was.
                Report r = ProbeKerberos(server, "localhost", b =>
                {
                    b.WithKdc(kdc);
                    foreach (string bad in BadKdcs)
                    {
                        Check.ThrowsCode<RdpProbeInvalidArgumentException>(ResultCodes.InvalidKdc, () => b.WithKdc(bad), "KDC <" + bad + ">");
                    }
                });
                Check.Equal(Verdict.Connected, r.Verdict, "verdict: " + r.Json);
                Check.Contains(r.Json, "\"authentication\":{\"package\":\"ntlm\",\"kerberos\":{\"kdc\":" + JsonString(kdc)
                    + ",\"realm\":\"" + Realm + "\",\"spn\":\"TERMSRV/localhost\",\"outcome\":\"fell_back_to_ntlm\",\"failure\":{",
                    "JSON authentication");
                Check.Contains(r.Json, "\"code\":{\"space\":\"kdc\",", "the Kerberos failure's code space");
                Check.Contains(r.Json, "\"name\":\"KDC_UNREACHABLE\"", "the Kerberos failure's code name");
                Check.NotContains(r.Json, "kerberos_not_tried", "Kerberos was tried");

                // Null clears the KDC: NTLM only, and the report says why.
                r = ProbeKerberos(ntlm, "localhost", b => b.WithKdc(kdc).WithKdc(null));
                Check.Equal(Verdict.Connected, r.Verdict, "verdict with the KDC cleared: " + r.Json);
                Check.Contains(r.Json, "\"authentication\":{\"package\":\"ntlm\",\"kerberos_not_tried\":\"no_kdc\"}",
                    "JSON authentication with the KDC cleared");
            }
        }

        // -----------------------------------------------------------------------------------------
        // Invalid arguments and misuse
        // -----------------------------------------------------------------------------------------

        [Test]
        private static void invalid_utf8_host_bytes_are_code_200()
        {
            using (ProbeConfigBuilder b = new ProbeConfigBuilder())
            {
                // 0xC3 0x28: a two-byte lead followed by a non-continuation byte.
                Check.ThrowsCode<RdpProbeInvalidArgumentException>(ResultCodes.InvalidUtf8,
                    () => b.WithTarget(new byte[] { 0x68, 0xC3, 0x28 }, 3389), "invalid UTF-8");
                Check.ThrowsCode<RdpProbeInvalidArgumentException>(ResultCodes.InvalidUtf8,
                    () => b.WithTarget(new byte[] { 0xFF }, 3389), "0xFF");
                // Valid bytes pass through the same overload.
                b.WithTarget(Encoding.UTF8.GetBytes("127.0.0.1"), 3389);
                b.Build().Dispose();
                // The binding never turns a bad string into valid UTF-8 behind the caller's back.
                Check.Throws<ArgumentException>(() => b.WithTarget("host\ud800", 3389), "lone surrogate");
                Check.Throws<ArgumentException>(() => b.WithTarget("127.0.0.1\0evil", 3389), "embedded NUL");
                Check.Throws<ArgumentException>(() => b.WithTarget(new byte[] { 0x61, 0, 0x62 }, 3389), "embedded 0 byte");
                Check.Throws<ArgumentNullException>(() => b.WithTarget((string)null, 3389), "null host");
            }
        }

        [Test]
        private static void invalid_host_is_code_201()
        {
            using (ProbeConfigBuilder b = new ProbeConfigBuilder())
            {
                Check.ThrowsCode<RdpProbeInvalidArgumentException>(ResultCodes.InvalidHost, () => b.WithTarget("", 3389), "empty host");
                Check.ThrowsCode<RdpProbeInvalidArgumentException>(ResultCodes.InvalidHost, () => b.WithTarget("a b", 3389), "host with a space");
                Check.ThrowsCode<RdpProbeInvalidArgumentException>(ResultCodes.InvalidHost, () => b.WithTarget("a/b", 3389), "host with a slash");
                Check.ThrowsCode<RdpProbeInvalidArgumentException>(ResultCodes.InvalidHost, () => b.WithTarget(new byte[0], 3389), "empty host bytes");
                // Names with non-ASCII letters are valid UTF-8 and reach the host check as such.
                b.WithTarget("\u00e9xample.invalid", 3389);
                b.WithTarget("[::1]", 3389);
            }
        }

        [Test]
        private static void port_0_is_code_202()
        {
            using (ProbeConfigBuilder b = new ProbeConfigBuilder())
            {
                Check.ThrowsCode<RdpProbeInvalidArgumentException>(ResultCodes.InvalidPort, () => b.WithTarget("127.0.0.1", 0), "port 0");
                Check.Throws<ArgumentOutOfRangeException>(() => b.WithTarget("127.0.0.1", 65536), "port 65536");
                Check.Throws<ArgumentOutOfRangeException>(() => b.WithTarget("127.0.0.1", -1), "port -1");
                b.WithTarget("127.0.0.1", 65535);
                // The failed calls did not clear the target.
                b.Build().Dispose();
            }
        }

        [Test]
        private static void zero_timeout_is_code_203()
        {
            using (ProbeConfigBuilder b = new ProbeConfigBuilder())
            {
                Check.ThrowsCode<RdpProbeInvalidArgumentException>(ResultCodes.InvalidTimeout, () => b.WithTimeouts(0, 1000, 1000), "connect 0");
                Check.ThrowsCode<RdpProbeInvalidArgumentException>(ResultCodes.InvalidTimeout, () => b.WithTimeouts(1000, 0, 1000), "phase 0");
                Check.ThrowsCode<RdpProbeInvalidArgumentException>(ResultCodes.InvalidTimeout, () => b.WithTimeouts(1000, 1000, 0), "overall 0");
                b.WithTimeouts(1, 1, 1);
            }
        }

        [Test]
        private static void unknown_protocol_bits_are_code_204()
        {
            using (ProbeConfigBuilder b = new ProbeConfigBuilder())
            {
                Check.ThrowsCode<RdpProbeInvalidArgumentException>(ResultCodes.InvalidProtocols, () => b.WithProtocols((Protocols)0x20), "0x20");
                Check.ThrowsCode<RdpProbeInvalidArgumentException>(ResultCodes.InvalidProtocols, () => b.WithProtocols((Protocols)0x80000001u), "high bit");
            }
        }

        [Test]
        private static void unknown_cert_policy_is_code_205()
        {
            using (ProbeConfigBuilder b = new ProbeConfigBuilder())
            {
                Check.ThrowsCode<RdpProbeInvalidArgumentException>(ResultCodes.InvalidCertPolicy, () => b.WithCertPolicy((CertPolicy)2), "policy 2");
                b.WithCertPolicy(CertPolicy.RequireValid);
            }
        }

        [Test]
        private static void unknown_legacy_tls_is_code_208()
        {
            using (ProbeConfigBuilder b = new ProbeConfigBuilder())
            {
                Check.ThrowsCode<RdpProbeInvalidArgumentException>(ResultCodes.InvalidLegacyTls, () => b.WithLegacyTls((LegacyTls)3), "mode 3");
                Check.ThrowsCode<RdpProbeInvalidArgumentException>(ResultCodes.InvalidLegacyTls, () => b.WithLegacyTls((LegacyTls)uint.MaxValue), "mode 0xFFFFFFFF");
                Check.True(Library.ResultMessage(ResultCodes.InvalidLegacyTls).StartsWith("invalid_legacy_tls: ", StringComparison.Ordinal), "code 208");
                b.WithLegacyTls(LegacyTls.Off).WithLegacyTls(LegacyTls.Follow).WithLegacyTls(LegacyTls.Allow);
                Check.Equal(0u, (uint)LegacyTls.Off, "Off");
                Check.Equal(1u, (uint)LegacyTls.Follow, "Follow");
                Check.Equal(2u, (uint)LegacyTls.Allow, "Allow");
            }
        }

        [Test]
        private static void legacy_tls_mode_reaches_the_probe()
        {
            // The server answers every ClientHello, modern or legacy, with handshake_failure (40): the
            // modern failure starts a legacy attempt, which ends in tls too.
            const string modernFailure = "\"code\":{\"space\":\"tls_alert\",\"value\":40,";
            using (LabServer server = new LabServer("tls-alert-after-confirm-40"))
            {
                Func<LegacyTls?, Report> run = mode =>
                {
                    using (ProbeConfigBuilder b = server.Builder().WithTimeouts(5000, 10000, 30000))
                    {
                        if (mode.HasValue)
                        {
                            b.WithLegacyTls(mode.Value);
                            // A refused value leaves the mode as it was.
                            Check.ThrowsCode<RdpProbeInvalidArgumentException>(ResultCodes.InvalidLegacyTls, () => b.WithLegacyTls((LegacyTls)3), "mode 3");
                        }
                        using (ProbeConfig c = b.Build())
                        {
                            Report r = Probe.Run(c);
                            CheckJsonConsistent(r);
                            Check.Equal(Verdict.Failed, r.Verdict, "verdict (" + mode + ")");
                            Check.Equal("tls", r.Phase, "Phase (" + mode + ")");
                            return r;
                        }
                    }
                };
                Report off = run(LegacyTls.Off);
                Check.Contains(off.Json, modernFailure, "Off: the modern failure");
                Check.NotContains(off.Json, "\"legacy_tls\":", "Off: no legacy attempt");
                Report follow = run(LegacyTls.Follow);
                Check.Contains(follow.Json, modernFailure, "Follow: the modern failure stays the verdict");
                Check.Contains(follow.Json, "\"legacy_tls\":{\"attempt\":2,\"decides_verdict\":false,", "Follow: the legacy attempt");
                Check.Contains(follow.Json, "\"reached\":\"tls\"", "Follow: the legacy attempt ended in tls");
                Report allow = run(LegacyTls.Allow);
                Check.Contains(allow.Json, "\"legacy_tls\":{\"attempt\":2,\"decides_verdict\":true,", "Allow: the legacy attempt decides");
                // The default is Follow when the library has OpenSSL, which its version says.
                bool hasOpenSsl = Library.Version.Contains("legacy TLS: OpenSSL");
                Report byDefault = run(null);
                Check.Equal(hasOpenSsl, byDefault.Json.Contains("\"legacy_tls\":{"), "default follows iff the library has OpenSSL");
            }
        }

        [Test]
        private static void empty_user_is_code_206()
        {
            using (ProbeConfigBuilder b = new ProbeConfigBuilder())
            {
                Check.ThrowsCode<RdpProbeInvalidArgumentException>(ResultCodes.InvalidCredentials, () => b.WithCredentials("", "pw"), "empty user");
                Check.Throws<ArgumentNullException>(() => b.WithCredentials("u", null), "null password");
                Check.Throws<ArgumentNullException>(() => b.WithCredentials(null, "pw"), "null user");
                b.WithCredentials("u", "");
            }
        }

        [Test]
        private static void build_without_target_is_code_102()
        {
            using (ProbeConfigBuilder b = new ProbeConfigBuilder())
            {
                RdpProbeMisuseException e = Check.ThrowsCode<RdpProbeMisuseException>(ResultCodes.NoTarget, () => b.Build(), "no target");
                Check.Equal("no_target", e.Name, "Name");
                Check.Contains(e.Message, "rdp_probe_config_builder_build", "message names the function");
            }
        }

        [Test]
        private static void use_after_dispose_throws_object_disposed()
        {
            ProbeConfigBuilder b = new ProbeConfigBuilder().WithTarget("127.0.0.1", 3389);
            ProbeConfig config = b.Build();
            b.Dispose();
            b.Dispose();
            Check.Throws<ObjectDisposedException>(() => b.WithTarget("127.0.0.1", 3389), "builder WithTarget");
            Check.Throws<ObjectDisposedException>(() => b.WithCredentials("u", "p"), "builder WithCredentials");
            Check.Throws<ObjectDisposedException>(() => b.WithProtocols(Protocols.Ssl), "builder WithProtocols");
            Check.Throws<ObjectDisposedException>(() => b.WithTimeouts(1, 1, 1), "builder WithTimeouts");
            Check.Throws<ObjectDisposedException>(() => b.WithCertPolicy(CertPolicy.AcceptAny), "builder WithCertPolicy");
            Check.Throws<ObjectDisposedException>(() => b.WithLegacyTls(LegacyTls.Off), "builder WithLegacyTls");
            Check.Throws<ObjectDisposedException>(() => b.WithClientName("x"), "builder WithClientName");
            Check.Throws<ObjectDisposedException>(() => b.TrustAny(), "builder TrustAny");
            Check.Throws<ObjectDisposedException>(() => b.AddTrustPin("sha256:" + new string('a', 64)), "builder AddTrustPin");
            Check.Throws<ObjectDisposedException>(() => b.AddCaPem(new byte[] { 0x2d }), "builder AddCaPem");
            Check.Throws<ObjectDisposedException>(() => b.Build(), "builder Build");

            config.Dispose();
            config.Dispose();
            Check.Throws<ObjectDisposedException>(() => Probe.Run(config), "Run with a disposed config");
            Check.Throws<ObjectDisposedException>(() => Probe.RunAsync(config), "RunAsync with a disposed config");

            CancelToken token = new CancelToken();
            token.Dispose();
            token.Dispose();
            Check.Throws<ObjectDisposedException>(() => token.Cancel(), "Cancel on a disposed token");
            Check.Throws<ObjectDisposedException>(() => { bool unused = token.IsCancelled; }, "IsCancelled on a disposed token");
            using (ProbeConfig live = ProbeConfig.Create("127.0.0.1", 1))
            {
                Check.Throws<ObjectDisposedException>(() => Probe.Run(live, token), "Run with a disposed token");
            }
        }

        [Test]
        private static void concurrent_dispose_during_run_is_safe()
        {
            // The config is disposed while probes that use it are running: they must finish normally.
            using (LabServer server = new LabServer("hostile-silence-at-accept"))
            {
                ProbeConfigBuilder b = server.Builder().WithTimeouts(1000, 1000, 5000);
                ProbeConfig config = b.Build();
                b.Dispose();
                Task<Report> async = Probe.RunAsync(config);
                Report sync = null;
                Exception syncError = null;
                Thread t = new Thread(delegate()
                {
                    try
                    {
                        sync = Probe.Run(config);
                    }
                    catch (Exception e)
                    {
                        syncError = e;
                    }
                });
                t.Start();
                Thread.Sleep(300);
                config.Dispose();
                Check.True(t.Join(TimeSpan.FromSeconds(60)), "sync run ends");
                // The thread may have started after Dispose: then ObjectDisposedException is the right answer.
                if (syncError != null)
                {
                    Check.True(syncError is ObjectDisposedException, "sync run error: " + syncError);
                }
                else
                {
                    Check.Equal(Verdict.Failed, sync.Verdict, "sync verdict");
                }
                Check.True(async.Wait(TimeSpan.FromSeconds(60)), "async run ends");
                Check.Equal(Verdict.Failed, async.Result.Verdict, "async verdict after the config was disposed");
                Check.Equal("x224", async.Result.Phase, "async phase");
            }
        }

        // -----------------------------------------------------------------------------------------
        // Cancellation and async
        // -----------------------------------------------------------------------------------------

        [Test]
        private static void run_async_connects()
        {
            using (LabServer server = new LabServer("ironrdp-tls"))
            using (ProbeConfigBuilder b = server.Builder().WithTimeouts(5000, 10000, 30000))
            using (ProbeConfig config = b.Build())
            {
                Task<Report> task = Probe.RunAsync(config, CancellationToken.None);
                Check.True(task.Wait(TimeSpan.FromSeconds(60)), "task ends");
                Check.Equal(TaskStatus.RanToCompletion, task.Status, "status");
                Check.Equal(Verdict.Connected, task.Result.Verdict, "verdict");
                CheckJsonConsistent(task.Result);
            }
        }

        [Test]
        private static void run_async_runs_concurrently_with_one_config()
        {
            using (LabServer server = new LabServer("ironrdp-tls"))
            using (ProbeConfigBuilder b = server.Builder().WithTimeouts(5000, 10000, 30000))
            using (ProbeConfig config = b.Build())
            {
                Task<Report>[] tasks = new Task<Report>[4];
                for (int i = 0; i < tasks.Length; i++)
                {
                    tasks[i] = Probe.RunAsync(config);
                }
                Check.True(Task.WaitAll(tasks, TimeSpan.FromSeconds(90)), "all tasks end");
                foreach (Task<Report> t in tasks)
                {
                    Check.Equal(Verdict.Connected, t.Result.Verdict, "verdict");
                }
            }
        }

        [Test]
        private static void run_async_cancelled_stops_promptly()
        {
            using (LabServer server = new LabServer("hostile-silence-at-accept"))
            using (ProbeConfigBuilder b = server.Builder().WithTimeouts(60000, 60000, 60000))
            using (ProbeConfig config = b.Build())
            using (CancellationTokenSource cts = new CancellationTokenSource())
            {
                Stopwatch sw = Stopwatch.StartNew();
                cts.CancelAfter(500);
                Task<Report> task = Probe.RunAsync(config, cts.Token);
                bool ended = false;
                try
                {
                    ended = task.Wait(TimeSpan.FromSeconds(50));
                }
                catch (AggregateException e)
                {
                    ended = true;
                    Check.True(e.InnerException is TaskCanceledException, "the task fails with TaskCanceledException, got " + e.InnerException);
                }
                sw.Stop();
                Check.True(ended, "the task ends well under the 60 s timeout");
                Check.Equal(TaskStatus.Canceled, task.Status, "status");
                Check.True(sw.Elapsed < TimeSpan.FromSeconds(30), "cancelled well under the 60 s timeout (took " + sw.Elapsed + ")");
                // Awaiting it throws OperationCanceledException, as a .NET caller expects.
                Check.Throws<OperationCanceledException>(() => task.GetAwaiter().GetResult(), "awaiting");
            }
        }

        [Test]
        private static void run_async_with_cancelled_token_is_cancelled_at_once()
        {
            using (ProbeConfig config = ProbeConfig.Create("127.0.0.1", 1))
            using (CancellationTokenSource cts = new CancellationTokenSource())
            {
                cts.Cancel();
                Task<Report> task = Probe.RunAsync(config, cts.Token);
                Check.True(task.IsCanceled, "task is cancelled");
            }
        }

        [Test]
        private static void cancel_token_stops_a_blocking_run_from_another_thread()
        {
            using (LabServer server = new LabServer("hostile-silence-at-accept"))
            using (ProbeConfigBuilder b = server.Builder().WithTimeouts(60000, 60000, 60000))
            using (ProbeConfig config = b.Build())
            using (CancelToken token = new CancelToken())
            {
                Check.Equal(false, token.IsCancelled, "fresh token");
                Stopwatch sw = Stopwatch.StartNew();
                using (Timer timer = new Timer(delegate { token.Cancel(); }, null, 500, Timeout.Infinite))
                {
                    RdpProbeCancelledException e = Check.ThrowsCode<RdpProbeCancelledException>(ResultCodes.Cancelled,
                        () => Probe.Run(config, token), "Run with a token cancelled after 500 ms");
                    Check.Equal("cancelled", e.Name, "Name");
                }
                sw.Stop();
                Check.True(sw.Elapsed < TimeSpan.FromSeconds(30), "cancelled well under the 60 s timeout (took " + sw.Elapsed + ")");
                Check.Equal(true, token.IsCancelled, "token stays cancelled");
                token.Cancel();
                // A cancelled token stops later runs at once.
                sw.Restart();
                Check.ThrowsCode<RdpProbeCancelledException>(ResultCodes.Cancelled, () => Probe.Run(config, token), "Run with a cancelled token");
                Check.True(sw.Elapsed < TimeSpan.FromSeconds(10), "a cancelled token stops a new run at once");
            }
        }

        [Test]
        private static void one_cancel_token_stops_several_runs()
        {
            using (LabServer server = new LabServer("hostile-silence-at-accept"))
            using (ProbeConfigBuilder b = server.Builder().WithTimeouts(60000, 60000, 60000))
            using (ProbeConfig config = b.Build())
            using (CancelToken token = new CancelToken())
            {
                Exception[] errors = new Exception[3];
                Thread[] threads = new Thread[errors.Length];
                for (int i = 0; i < threads.Length; i++)
                {
                    int n = i;
                    threads[i] = new Thread(delegate()
                    {
                        try
                        {
                            Probe.Run(config, token);
                        }
                        catch (Exception e)
                        {
                            errors[n] = e;
                        }
                    });
                    threads[i].Start();
                }
                Thread.Sleep(500);
                token.Cancel();
                foreach (Thread t in threads)
                {
                    Check.True(t.Join(TimeSpan.FromSeconds(30)), "each run ends well under the 60 s timeout");
                }
                foreach (Exception e in errors)
                {
                    RdpProbeCancelledException c = e as RdpProbeCancelledException;
                    Check.True(c != null, "each run is cancelled, got " + e);
                    Check.Equal(ResultCodes.Cancelled, c.Code, "code");
                }
            }
        }

        // -----------------------------------------------------------------------------------------
        // Fleet scans
        // -----------------------------------------------------------------------------------------

        /// <summary>The JSON without its timings and the server's clock, as scripts/test-bindings.sh compares the languages.</summary>
        private static string WithoutTimings(string json)
        {
            // Also the server's NTLM clock: a second may tick between two probes.
            return System.Text.RegularExpressions.Regex.Replace(json,
                "\"(elapsed_ms|clock_offset_s)\":[0-9.eE+-]+,?|\"server_time\":\"[^\"]*\",?", "");
        }

        /// <summary>This process's threads named rdp-probe-scan (one per running native scan).</summary>
        private static int ScanThreads()
        {
            int count = 0;
            foreach (string task in Directory.GetDirectories("/proc/self/task"))
            {
                try
                {
                    if (File.ReadAllText(Path.Combine(task, "comm")).Trim() == "rdp-probe-scan")
                    {
                        count++;
                    }
                }
                catch (IOException)
                {
                }
            }
            return count;
        }

        private static string TargetOf(string json)
        {
            System.Text.RegularExpressions.Match m = System.Text.RegularExpressions.Regex.Match(
                json, "\"target\":\\{\"host\":\"([^\"]*)\",\"port\":([0-9]+)");
            Check.True(m.Success, "a target in " + json);
            return m.Groups[1].Value + ":" + m.Groups[2].Value;
        }

        [Test]
        private static void a_scan_gives_each_host_its_single_host_report()
        {
            using (LabServer tls = new LabServer("ironrdp-tls"))
            using (LabServer ntlm = new LabServer("ntlm-challenge-v2"))
            using (ProbeConfigBuilder b = new ProbeConfigBuilder().WithTarget("unused", 3389).WithTimeouts(3000, 3000, 9000))
            using (ProbeConfig config = b.Build())
            {
                int dead = DeadPort();
                string[] lines = { "127.0.0.1:" + tls.Port, "127.0.0.1:" + ntlm.Port + " # NLA", "127.0.0.1:" + dead, "bad_name!" };
                Dictionary<string, string> got = new Dictionary<string, string>();
                FleetScan scan = Probe.Scan(lines, ScanMode.Diagnose, 3389, 2, config);
                Check.Equal(3UL, scan.TargetCount, "targets");
                Check.Equal(1, scan.Skipped.Count, "skipped");
                Check.True(scan.Skipped[0].StartsWith("line 4: \"bad_name!\": ", StringComparison.Ordinal), scan.Skipped[0]);
                foreach (string json in scan)
                {
                    got.Add(TargetOf(json), json);
                }
                Check.Null(scan.Next(), "over, and disposed by the foreach");
                Check.Equal(3, got.Count, "one report per host");
                foreach (int port in new[] { tls.Port, ntlm.Port, dead })
                {
                    using (ProbeConfigBuilder one = new ProbeConfigBuilder().WithTarget("127.0.0.1", port).WithTimeouts(3000, 3000, 9000))
                    using (ProbeConfig single = one.Build())
                    {
                        Check.Equal(WithoutTimings(Probe.Run(single).Json), WithoutTimings(got["127.0.0.1:" + port]), "port " + port);
                    }
                }
                Check.Contains(got["127.0.0.1:" + ntlm.Port], "\"verdict\":\"needs_credentials\"", "NLA without credentials");
            }
            // Inventories, with the library's defaults for everything but the mode.
            using (LabServer ntlm = new LabServer("ntlm-challenge-v2"))
            {
                List<string> reports = Probe.Scan("127.0.0.1:" + ntlm.Port, ScanMode.Negotiate).ToList();
                Check.Equal(1, reports.Count, "one inventory");
                Check.Contains(reports[0], "\"schema\":\"rdp-probe-inventory/1\"", "inventory schema");
                Check.Contains(reports[0], "\"tls\":null", "negotiate only");
            }
        }

        [Test]
        private static void a_scan_stops_and_disposes_cleanly()
        {
            using (LabServer silent = new LabServer("hostile-silence-at-accept"))
            using (ProbeConfigBuilder b = new ProbeConfigBuilder().WithTarget("unused", 3389).WithTimeouts(60000, 60000, 60000))
            using (ProbeConfig config = b.Build())
            {
                // Stop: the finished report, then the end; nothing new starts.
                int[] dead = { DeadPort(), DeadPort(), DeadPort(), DeadPort() };
                FleetScan stopped = Probe.Scan(dead.Select(p => "127.0.0.1:" + p), ScanMode.Negotiate, 3389, 1, config);
                Check.NotEmpty(stopped.Next(), "first report");
                stopped.Stop();
                int rest = 0;
                while (stopped.Next() != null)
                {
                    rest++;
                }
                Check.True(rest <= 1, "at most the probe in flight after the stop, got " + rest);
                stopped.Dispose();
                // Dispose while probes run (60 s limits): prompt, and the native thread is joined.
                FleetScan running = Probe.Scan("127.0.0.1:" + silent.Port + " localhost:" + silent.Port, ScanMode.Diagnose, 3389, 4, config);
                Thread.Sleep(300);
                Check.Equal(1, ScanThreads(), "one scan thread");
                Stopwatch sw = Stopwatch.StartNew();
                running.Dispose();
                running.Dispose();
                Check.True(sw.Elapsed < TimeSpan.FromSeconds(10), "disposed promptly (" + sw.Elapsed + ")");
                Check.Equal(0, ScanThreads(), "no scan thread left");
                Check.Null(running.Next(), "nothing after Dispose");
                // Leaving a foreach early disposes the scan.
                FleetScan early = Probe.Scan("127.0.0.1:" + DeadPort() + " 127.0.0.1:" + silent.Port, ScanMode.Diagnose, 3389, 4, config);
                foreach (string json in early)
                {
                    Check.Contains(json, "\"verdict\":\"failed\"", "the refused port first");
                    break;
                }
                Check.Equal(0, ScanThreads(), "no scan thread left after break");
                Check.Throws<InvalidOperationException>(() => early.GetEnumerator(), "enumerated once");
            }
        }

        [Test]
        private static void scan_async_calls_back_and_cancels()
        {
            using (LabServer silent = new LabServer("hostile-silence-at-accept"))
            using (ProbeConfigBuilder b = new ProbeConfigBuilder().WithTarget("unused", 3389).WithTimeouts(60000, 60000, 60000))
            using (ProbeConfig config = b.Build())
            {
                List<string> seen = new List<string>();
                string fleet = "127.0.0.1:" + DeadPort() + ", 127.0.0.1:" + DeadPort();
                Task<int> all = Probe.ScanAsync(fleet, json => { lock (seen) { seen.Add(json); } }, ScanMode.Negotiate, 3389, 2, config);
                Check.True(all.Wait(TimeSpan.FromSeconds(30)), "the scan ends");
                Check.Equal(2, all.Result, "two reports");
                Check.Equal(2, seen.Count, "two callbacks");
                using (CancellationTokenSource cts = new CancellationTokenSource())
                {
                    seen.Clear();
                    Task<int> cancelled = Probe.ScanAsync(fleet + ", 127.0.0.1:" + silent.Port,
                        json => { lock (seen) { seen.Add(json); } }, ScanMode.Diagnose, 3389, 4, config, null, cts.Token);
                    cts.CancelAfter(500);
                    Stopwatch sw = Stopwatch.StartNew();
                    AggregateException e = Check.Throws<AggregateException>(() => cancelled.Wait(TimeSpan.FromSeconds(30)), "cancelled");
                    Check.True(e.InnerException is TaskCanceledException, "TaskCanceledException, got " + e.InnerException);
                    Check.True(sw.Elapsed < TimeSpan.FromSeconds(20), "cancelled well under the 60 s limits");
                    Check.Equal(2, seen.Count, "the finished reports were passed on");
                }
                Check.Equal(0, ScanThreads(), "no scan thread left");
            }
        }

        [Test]
        private static void scan_arguments_are_checked()
        {
            Check.ThrowsCode<RdpProbeInvalidArgumentException>(ResultCodes.InvalidScanMode, () => Probe.Scan("127.0.0.1", (ScanMode)7), "mode 7");
            foreach (int bad in new[] { 0, 65537, -1 })
            {
                Check.ThrowsCode<RdpProbeInvalidArgumentException>(ResultCodes.InvalidConcurrency, () => Probe.Scan("127.0.0.1", ScanMode.Diagnose, 3389, bad), "concurrency " + bad);
            }
            foreach (int bad in new[] { 0, 65536, -1 })
            {
                Check.ThrowsCode<RdpProbeInvalidArgumentException>(ResultCodes.InvalidPort, () => Probe.Scan("127.0.0.1", ScanMode.Diagnose, bad), "port " + bad);
            }
            Check.ThrowsCode<RdpProbeInvalidArgumentException>(ResultCodes.TooManyTargets, () => Probe.Scan("10.0.0.0/8"), "a /8");
            Check.Throws<ArgumentNullException>(() => Probe.Scan((string)null), "null targets");
            Check.Throws<ArgumentException>(() => Probe.Scan("127.0.0.1\0"), "a NUL");
            using (CancelToken token = new CancelToken())
            {
                token.Cancel();
                Check.ThrowsCode<RdpProbeCancelledException>(ResultCodes.Cancelled, () => Probe.Scan("127.0.0.1", ScanMode.Diagnose, 3389, 1, null, token), "a cancelled token");
            }
            using (FleetScan empty = Probe.Scan("# nothing\n:3389", ScanMode.Negotiate, 3389, 1, null, null, "127.0.0.1"))
            {
                Check.Equal(0UL, empty.TargetCount, "no targets");
                Check.Equal(1, empty.Skipped.Count, "one skipped");
                Check.Null(empty.Next(), "over at once");
            }
            Check.True(Library.ResultMessage(ResultCodes.ScanDone).StartsWith("scan_done: ", StringComparison.Ordinal), "code 402");
        }

        [Test]
        private static void scan_options_are_checked()
        {
            foreach (double bad in new[] { double.NaN, -1.0, double.PositiveInfinity })
            {
                Check.ThrowsCode<RdpProbeInvalidArgumentException>(ResultCodes.InvalidRate, () => Probe.Scan("127.0.0.1", options: new ScanOptions { Rate = bad }), "rate " + bad);
            }
            foreach (long[] bad in new[] { new long[] { 0, 0 }, new long[] { 2, 2 }, new long[] { -1, 2 } })
            {
                Check.ThrowsCode<RdpProbeInvalidArgumentException>(ResultCodes.InvalidShard, () => Probe.Scan("127.0.0.1", options: new ScanOptions { ShardIndex = bad[0], ShardCount = bad[1] }), "shard " + bad[0] + "/" + bad[1]);
            }
            Check.Throws<ArgumentException>(() => Probe.Scan("127.0.0.1", options: new ScanOptions { ShardIndex = 0 }), "an index without a count");
            Check.ThrowsCode<RdpProbeInvalidArgumentException>(ResultCodes.InvalidMaxTargets, () => Probe.Scan("127.0.0.1", options: new ScanOptions { MaxTargets = 0 }), "limit 0");
            Check.Throws<ArgumentOutOfRangeException>(() => Probe.Scan("127.0.0.1", options: new ScanOptions { Deadline = TimeSpan.Zero }), "deadline 0");
            Check.ThrowsCode<RdpProbeInvalidArgumentException>(ResultCodes.TooManyTargets, () => Probe.Scan("127.0.0.0/8", options: new ScanOptions { MaxTargets = (1 << 24) - 1 }), "a /8 above a raised limit");
            int dead = DeadPort();
            using (FleetScan big = Probe.Scan("127.0.0.0/8", ScanMode.Negotiate, dead, 1, options: new ScanOptions { MaxTargets = 1 << 24, ShardIndex = 1, ShardCount = 4 }))
            {
                big.Stop();
                Check.Equal(1UL << 22, big.TargetCount, "a quarter of a raised /8");
            }
            Check.Equal(0, ScanThreads(), "no scan thread left");
            Check.True(Library.ResultMessage(ResultCodes.ScanDeadline).StartsWith("scan_deadline: ", StringComparison.Ordinal), "code 403");
        }

        [Test]
        private static void scan_shards_and_deadline()
        {
            using (LabServer a = new LabServer("ironrdp-tls"))
            using (LabServer b = new LabServer("ironrdp-tls"))
            {
                string fleet = "127.0.0.1:" + a.Port + " 127.0.0.1:" + b.Port + " 127.0.0.1:" + DeadPort();
                HashSet<string> seen = new HashSet<string>();
                for (int k = 0; k < 2; k++)
                {
                    using (FleetScan part = Probe.Scan(fleet, ScanMode.Negotiate, 3389, 4, options: new ScanOptions { ShardIndex = k, ShardCount = 2 }))
                    {
                        Check.Equal(k == 0 ? 2UL : 1UL, part.TargetCount, "shard " + k + " of 3 targets in 2");
                        foreach (string json in part)
                        {
                            string host = TargetOf(json);
                            Check.True(seen.Add(host), host + " in one shard only");
                        }
                        Check.True(!part.DeadlinePassed, "no deadline");
                    }
                }
                Check.Equal(3, seen.Count, "every host once between the shards");
            }
            string dead3 = "127.0.0.1:" + DeadPort() + " 127.0.0.1:" + DeadPort() + " 127.0.0.1:" + DeadPort();
            Stopwatch sw = Stopwatch.StartNew();
            using (FleetScan paced = Probe.Scan(dead3, ScanMode.Negotiate, 3389, 3, options: new ScanOptions { Rate = 1, Deadline = TimeSpan.FromMilliseconds(300) }))
            {
                int n = paced.Count();
                Check.Equal(1, n, "one probe started before the deadline at 1 probe/s");
                Check.True(paced.DeadlinePassed, "the deadline cut it short");
            }
            Check.True(sw.Elapsed >= TimeSpan.FromMilliseconds(300), "not before the deadline");
        }

        // -----------------------------------------------------------------------------------------
        // The inventory
        // -----------------------------------------------------------------------------------------

        /// <summary>The accessor-built fields and the JSON text say the same thing.</summary>
        private static void CheckInventoryJson(Inventory inv)
        {
            Check.True(inv.Json.StartsWith("{\"schema\":\"rdp-probe-inventory/1\",", StringComparison.Ordinal), "schema first: " + inv.Json);
            Check.NotContains(inv.Json, "\n", "one line");
            Check.Equal(inv.Json, inv.ToString(), "ToString is the JSON");
            string nla = inv.Nla == Nla.NotSupported ? "not_supported" : inv.Nla.ToString().ToLowerInvariant();
            Check.Contains(inv.Json, "\"nla\":\"" + nla + "\"", "nla");
            if (inv.Reachable)
            {
                Check.Null(inv.Error, "Error");
                Check.Contains(inv.Json, "\"error\":null", "JSON error");
            }
            else
            {
                Check.NotEmpty(inv.Error, "Error");
                Check.Contains(inv.Json, "\"message\":\"" + inv.Error + "\"", "JSON error message");
            }
            if (inv.CredsspVersion.HasValue)
            {
                Check.Contains(inv.Json, "\"credssp\":{\"version\":" + inv.CredsspVersion.Value + ",", "JSON credssp");
            }
            else
            {
                Check.Contains(inv.Json, "\"credssp\":null", "JSON credssp");
            }
            int at = 0;
            foreach (InventoryFinding f in inv.Findings)
            {
                // In order, each with its severity.
                int found = inv.Json.IndexOf("{\"id\":\"" + f.Id + "\",\"severity\":\"" + f.Severity + "\"", at, StringComparison.Ordinal);
                Check.True(found >= 0, "finding " + f + " in the JSON, in order");
                at = found;
            }
        }

        [Test]
        private static void inventory_of_an_unpatched_credssp_server()
        {
            using (LabServer server = new LabServer("ntlm-challenge-v2"))
            using (ProbeConfigBuilder b = server.Builder().WithTimeouts(3000, 3000, 9000).WithMaxConnections(4))
            using (ProbeConfig config = b.Build())
            {
                Inventory inv = Probe.Inventory(config);
                CheckInventoryJson(inv);
                Check.True(inv.Reachable, "reachable");
                Check.Equal((uint?)2, inv.CredsspVersion, "CredsspVersion");
                Check.True(inv.HasFinding("CREDSSP_ORACLE_UNPATCHED"), "CREDSSP_ORACLE_UNPATCHED among " + string.Join(", ", inv.Findings));
                Check.True(!inv.HasFinding("NO_SUCH_FINDING"), "an unknown finding");
                Check.True(inv.Nla == Nla.Required || inv.Nla == Nla.Supported, "NLA: " + inv.Nla);
                Check.Contains(inv.Json, "\"predates_cve_2018_0886_fix\":true", "JSON");
                Check.Contains(inv.Json, "\"netbios_computer\":\"LABHOST\"", "JSON ntlm");
                Check.Contains(inv.Json, "\"complete\":true", "the suites were enumerated");
                Check.True(inv.Findings.IsReadOnly, "Findings is read-only");
            }
        }

        [Test]
        private static void inventory_with_one_connection_and_only_preferred_suites()
        {
            using (LabServer server = new LabServer("ntlm-challenge-v2"))
            using (ProbeConfigBuilder b = server.Builder().WithTimeouts(3000, 3000, 9000).WithMaxConnections(1).WithCipherSuites(false))
            using (ProbeConfig config = b.Build())
            {
                Inventory inv = Probe.InventoryAsync(config).Result;
                CheckInventoryJson(inv);
                Check.Contains(inv.Json, "\"max_concurrent_connections\":1,", "one connection at a time");
                Check.NotContains(inv.Json, "\"complete\":true", "only the preferred suites");
                Check.Equal((uint?)2, inv.CredsspVersion, "CredsspVersion");
                // The config still probes; the inventory's settings change nothing there.
                Check.Equal(Verdict.NeedsCredentials, Probe.Run(config).Verdict, "probe verdict");
            }
        }

        [Test]
        private static void inventory_negotiate_only_stops_after_x224()
        {
            using (LabServer server = new LabServer("ntlm-challenge-v2"))
            using (ProbeConfigBuilder b = server.Builder().WithTimeouts(3000, 3000, 9000).WithNegotiateOnly(true))
            using (ProbeConfig config = b.Build())
            {
                Inventory inv = Probe.Inventory(config);
                CheckInventoryJson(inv);
                Check.True(inv.Nla != Nla.Unknown, "NLA decided at X.224: " + inv.Nla);
                Check.Contains(inv.Json, "\"tls\":null", "no TLS connection");
                Check.Contains(inv.Json, "\"credssp\":null", "no CredSSP connection");
                Check.Equal((uint?)null, inv.CredsspVersion, "CredsspVersion");
            }
        }

        [Test]
        private static void inventory_of_a_refused_port_is_not_reachable()
        {
            int port = DeadPort();
            using (ProbeConfigBuilder b = new ProbeConfigBuilder().WithTarget("127.0.0.1", port).WithTimeouts(2000, 2000, 6000))
            using (ProbeConfig config = b.Build())
            {
                Inventory inv = Probe.Inventory(config);
                CheckInventoryJson(inv);
                Check.True(!inv.Reachable, "not reachable");
                Check.Contains(inv.Error, "refused", "Error");
                Check.Equal(Nla.Unknown, inv.Nla, "Nla");
                Check.Null(inv.CredsspVersion, "CredsspVersion");
                Check.Equal(0, inv.Findings.Count, "no findings");
                Check.Contains(inv.Json, "\"error\":{\"phase\":\"tcp_connect\",", "JSON error");
            }
        }

        [Test]
        private static void invalid_max_connections_is_code_212()
        {
            using (ProbeConfigBuilder b = new ProbeConfigBuilder())
            {
                foreach (int bad in new[] { 0, 65, 1000, -1, 70000 })
                {
                    Check.ThrowsCode<RdpProbeInvalidArgumentException>(ResultCodes.InvalidMaxConnections,
                        () => b.WithMaxConnections(bad), "WithMaxConnections(" + bad + ")");
                }
                foreach (int good in new[] { 1, 8, 64 })
                {
                    b.WithMaxConnections(good);
                }
                b.WithCipherSuites(false).WithCipherSuites(true).WithNegotiateOnly(true).WithNegotiateOnly(false);
                Check.Equal(212u, ResultCodes.InvalidMaxConnections, "number");
                Check.Equal(103u, ResultCodes.IndexOutOfRange, "number");
                Check.True(Library.ResultMessage(ResultCodes.IndexOutOfRange).StartsWith("index_out_of_range: ", StringComparison.Ordinal), "message");
            }
        }

        [Test]
        private static void inventory_cancelled_and_after_dispose()
        {
            using (LabServer server = new LabServer("hostile-silence-at-accept"))
            using (ProbeConfigBuilder b = server.Builder().WithTimeouts(60000, 60000, 60000))
            using (ProbeConfig config = b.Build())
            using (CancelToken token = new CancelToken())
            {
                Stopwatch sw = Stopwatch.StartNew();
                using (Timer timer = new Timer(delegate { token.Cancel(); }, null, 300, Timeout.Infinite))
                {
                    Check.ThrowsCode<RdpProbeCancelledException>(ResultCodes.Cancelled,
                        () => Probe.Inventory(config, token), "Inventory with a token cancelled after 300 ms");
                }
                Check.True(sw.Elapsed < TimeSpan.FromSeconds(30), "cancelled well under the 60 s limits (took " + sw.Elapsed + ")");
                using (CancellationTokenSource cts = new CancellationTokenSource())
                {
                    cts.Cancel();
                    Check.True(Probe.InventoryAsync(config, cts.Token).IsCanceled, "InventoryAsync with a cancelled token");
                }
            }
            ProbeConfig disposed = ProbeConfig.Create("127.0.0.1", 1);
            disposed.Dispose();
            Check.Throws<ObjectDisposedException>(() => Probe.Inventory(disposed), "Inventory after Dispose");
            Check.Throws<ArgumentNullException>(() => Probe.Inventory(null), "Inventory(null)");
        }

        // -----------------------------------------------------------------------------------------
        // The example's CLI contract
        // -----------------------------------------------------------------------------------------

        private sealed class CliResult
        {
            public int Status;
            public byte[] Stdout;
            public string Stderr;

            public string Text
            {
                get { return Encoding.UTF8.GetString(Stdout); }
            }
        }

        private static CliResult RunExample(string arguments, string password = null)
        {
            string example = Environment.GetEnvironmentVariable("RDP_PROBE_EXAMPLE");
            string mono = Process.GetCurrentProcess().MainModule.FileName;
            ProcessStartInfo info = new ProcessStartInfo(mono, "\"" + example + "\" " + arguments);
            info.UseShellExecute = false;
            info.RedirectStandardOutput = true;
            info.RedirectStandardError = true;
            info.EnvironmentVariables.Remove("RDP_PROBE_PASSWORD");
            if (password != null)
            {
                info.EnvironmentVariables["RDP_PROBE_PASSWORD"] = password;
            }
            using (Process p = Process.Start(info))
            {
                Task<string> stderr = p.StandardError.ReadToEndAsync();
                MemoryStream stdout = new MemoryStream();
                p.StandardOutput.BaseStream.CopyTo(stdout);
                if (!p.WaitForExit(90000))
                {
                    p.Kill();
                    throw new AssertionException("the example did not finish: " + arguments);
                }
                CliResult r = new CliResult();
                r.Status = p.ExitCode;
                r.Stdout = stdout.ToArray();
                r.Stderr = stderr.Result;
                return r;
            }
        }

        private static bool HaveExample()
        {
            string example = Environment.GetEnvironmentVariable("RDP_PROBE_EXAMPLE");
            if (string.IsNullOrEmpty(example))
            {
                Console.WriteLine("  (RDP_PROBE_EXAMPLE is not set: the example's CLI is not tested)");
                return false;
            }
            Check.True(File.Exists(example), "RDP_PROBE_EXAMPLE names a file: " + example);
            return true;
        }

        private static void CheckJsonOutput(CliResult r, string verdict)
        {
            string text = r.Text;
            Check.True(r.Stdout.Length > 2 && r.Stdout[r.Stdout.Length - 1] == (byte)'\n' && r.Stdout[r.Stdout.Length - 2] == (byte)'}',
                "stdout is the JSON and one \\n: <" + text + ">");
            Check.True(Array.IndexOf(r.Stdout, (byte)'\r') < 0, "no \\r on stdout");
            Check.Equal(1, text.Count(c => c == '\n'), "one line on stdout");
            Check.True(r.Stdout[0] == (byte)'{', "no BOM or other prefix on stdout");
            Check.True(text.StartsWith("{\"schema\":\"rdp-probe/1\",", StringComparison.Ordinal), "JSON schema");
            Check.Contains(text, "\"verdict\":\"" + verdict + "\"", "JSON verdict");
            Check.Equal("", r.Stderr, "stderr");
        }

        [Test]
        private static void example_json_output_and_exit_status()
        {
            if (!HaveExample())
            {
                return;
            }
            using (LabServer server = new LabServer("ironrdp-tls"))
            {
                CliResult r = RunExample(server.Host + " " + server.Port + " --json");
                Check.Equal(0, r.Status, "exit status for connected");
                CheckJsonOutput(r, "connected");
            }
            using (LabServer server = new LabServer("ironrdp-nla"))
            {
                CliResult r = RunExample("--json " + server.Host + " " + server.Port);
                Check.Equal(3, r.Status, "exit status for needs_credentials");
                CheckJsonOutput(r, "needs_credentials");
            }
            using (LabServer server = new LabServer("ironrdp-nla-with-credentials"))
            {
                CliResult r = RunExample(server.Host + " " + server.Port + " --json --user " + LabUser, LabPassword);
                Check.Equal(5, r.Status, "exit status with the lab's credentials and no trust: " + r.Text + r.Stderr);
                CheckJsonOutput(r, "credentials_withheld");
                r = RunExample(server.Host + " " + server.Port + " --json --user " + LabUser + " --trust-cert " + LabPin(), LabPassword);
                Check.Equal(0, r.Status, "exit status with the lab's credentials, pinned: " + r.Text + r.Stderr);
                CheckJsonOutput(r, "connected");
                r = RunExample(server.Host + " " + server.Port + " --user " + LabUser + " --ca-file " + TestCaPem + " --trust-cert any", LabPassword);
                Check.Equal(0, r.Status, "exit status with --trust-cert any: " + r.Text + r.Stderr);
                Check.Equal("verdict   connected\n", r.Text, "text output");
            }
            using (LabServer server = new LabServer("errinfo-after-client-info-0x7"))
            {
                CliResult r = RunExample(server.Host + " " + server.Port + " --json");
                Check.Equal(1, r.Status, "exit status for failed");
                CheckJsonOutput(r, "failed");
                Check.Contains(r.Text, "\"code\":{\"space\":\"errinfo\",\"value\":7,", "JSON code");
            }
        }

        [Test]
        private static void example_text_output()
        {
            if (!HaveExample())
            {
                return;
            }
            using (LabServer server = new LabServer("errinfo-after-client-info-0x7"))
            {
                CliResult r = RunExample(server.Host + " " + server.Port);
                Check.Equal(1, r.Status, "exit status for failed");
                string text = r.Text;
                Check.True(Array.IndexOf(r.Stdout, (byte)'\r') < 0, "no \\r on stdout");
                Check.True(text.StartsWith("verdict   failed\n", StringComparison.Ordinal), "verdict line: " + text);
                Check.Contains(text, "\nphase     licensing\n", "phase line");
                Check.Contains(text, "\nkind      server_error_info\n", "kind line");
                Check.Contains(text, "\ncode      errinfo 0x7 ERRINFO_SERVER_DENIED_CONNECTION\n", "code line");
                Check.Contains(text, "\nmstsc     0x904 / 0x7 (derived)\n", "mstsc line");
                Check.Contains(text, "\nmessage   ", "message line");
                Check.Contains(text, "\nhint      ", "hint line");
                Check.Equal("", r.Stderr, "stderr");
            }
            using (LabServer server = new LabServer("ironrdp-tls"))
            {
                CliResult r = RunExample(server.Host + " " + server.Port);
                Check.Equal(0, r.Status, "exit status for connected");
                Check.Equal("verdict   connected\n", r.Text, "connected output");
            }
        }

        [Test]
        private static void example_usage_and_api_errors_exit_2()
        {
            if (!HaveExample())
            {
                return;
            }
            string[] bad = { "", "127.0.0.1 0", "127.0.0.1 65536", "127.0.0.1 x", "127.0.0.1 3389 extra", "--user", "127.0.0.1 --timeout 0", "--bogus 127.0.0.1", "127.0.0.1 --trust-cert", "127.0.0.1 --ca-file" };
            foreach (string args in bad)
            {
                CliResult r = RunExample(args);
                Check.Equal(2, r.Status, "exit status for <" + args + ">");
                Check.Equal(0, r.Stdout.Length, "nothing on stdout for <" + args + ">");
                Check.NotEmpty(r.Stderr, "a message on stderr for <" + args + ">");
            }
            CliResult invalid = RunExample("\"a b\" --json");
            Check.Equal(2, invalid.Status, "exit status for an invalid host");
            Check.Equal(0, invalid.Stdout.Length, "nothing on stdout for an invalid host");
            Check.Contains(invalid.Stderr, "invalid_host", "stderr names the error");
            CliResult user = RunExample("127.0.0.1 --user \"\"");
            Check.Equal(2, user.Status, "exit status for an empty user");
            Check.Contains(user.Stderr, "invalid_credentials", "stderr names the error");
            CliResult pin = RunExample("127.0.0.1 --trust-cert sha256:00");
            Check.Equal(2, pin.Status, "exit status for a malformed pin");
            Check.Contains(pin.Stderr, "invalid_trust_pin", "stderr names the error");
            CliResult pem = RunExample("127.0.0.1 --ca-file README.md");
            Check.Equal(2, pem.Status, "exit status for a PEM without a certificate");
            Check.Contains(pem.Stderr, "invalid_ca_pem", "stderr names the error");
            CliResult missing = RunExample("127.0.0.1 --ca-file /nonexistent/ca.pem");
            Check.Equal(2, missing.Status, "exit status for a missing --ca-file");
            Check.NotEmpty(missing.Stderr, "a message for a missing --ca-file");
        }
    }
}

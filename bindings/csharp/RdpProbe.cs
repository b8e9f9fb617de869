// RdpProbe: the C# binding of rdp-probe's C ABI (rdp-probe-ffi/include/rdp_probe.h).
//
// Written for mono's mcs (C# 7.2) and the .NET Framework 4.x profile: only mscorlib, System and
// System.Core are referenced. The native library is found as "rdp_probe" (librdp_probe.so through
// LD_LIBRARY_PATH on Linux, rdp_probe.dll on Windows).
//
// Design:
// - Every native handle lives in a SafeHandle subclass whose ReleaseHandle calls the matching
//   `_free`. Native calls take the SafeHandle itself, so the marshaller holds a reference for the
//   duration of the call: a handle disposed on another thread is freed only once the call returns,
//   and a call on a disposed handle throws ObjectDisposedException instead of reaching native code.
// - Strings in are encoded here as strict UTF-8 with a terminating NUL (never mono's ANSI
//   marshalling); strings out use the library's two-call buffer convention.
// - A Report is read completely when the probe ends and its native handle is freed at once: a
//   report is immutable and small, so the C# object needs no Dispose and is safe to share.

using System;
using System.Collections.Generic;
using System.Runtime.InteropServices;
using System.Text;
using System.Threading;
using System.Threading.Tasks;

namespace RdpProbe
{
    /// <summary>
    /// The numbers of <c>rdp_probe_result</c>, the status every fallible native function returns.
    /// They are stable and grouped in hundreds: 100s API misuse, 200s invalid argument, 300s internal,
    /// 400s probe outcome.
    /// </summary>
    public static class ResultCodes
    {
        /// <summary>Success.</summary>
        public const uint Ok = 0;
        /// <summary>A pointer argument that must not be NULL was NULL.</summary>
        public const uint NullParameter = 100;
        /// <summary>An output buffer was too small (handled inside this binding).</summary>
        public const uint BufferTooSmall = 101;
        /// <summary>A config was built before a target was set.</summary>
        public const uint NoTarget = 102;
        /// <summary>An index is not below the count its accessor reports (handled inside this binding).</summary>
        public const uint IndexOutOfRange = 103;
        /// <summary>A string argument is not valid UTF-8.</summary>
        public const uint InvalidUtf8 = 200;
        /// <summary>The host is empty or contains whitespace, control characters or '/'.</summary>
        public const uint InvalidHost = 201;
        /// <summary>The port is 0.</summary>
        public const uint InvalidPort = 202;
        /// <summary>A timeout is 0 ms.</summary>
        public const uint InvalidTimeout = 203;
        /// <summary>The protocol bits include bits RDP_NEG_REQ does not define.</summary>
        public const uint InvalidProtocols = 204;
        /// <summary>The certificate policy is not a <see cref="CertPolicy"/> value.</summary>
        public const uint InvalidCertPolicy = 205;
        /// <summary>The user name is empty.</summary>
        public const uint InvalidCredentials = 206;
        /// <summary>The client name is empty or longer than 15 characters.</summary>
        public const uint InvalidClientName = 207;
        /// <summary>The legacy-TLS mode is not a <see cref="LegacyTls"/> value.</summary>
        public const uint InvalidLegacyTls = 208;
        /// <summary>A certificate pin is not <c>sha256:</c> followed by 64 hex digits (colons allowed).</summary>
        public const uint InvalidTrustPin = 209;
        /// <summary>A CA PEM holds no certificate that can be read.</summary>
        public const uint InvalidCaPem = 210;
        /// <summary>
        /// The KDC is not <c>HOST</c>, <c>HOST:PORT</c> or <c>[IPv6]:PORT</c> with a port from 1 to
        /// 65535 (see <see cref="ProbeConfigBuilder.WithKdc"/>).
        /// </summary>
        public const uint InvalidKdc = 211;
        /// <summary>
        /// The inventory's connection limit is 0 or above 64 (see
        /// <see cref="ProbeConfigBuilder.WithMaxConnections"/>).
        /// </summary>
        public const uint InvalidMaxConnections = 212;
        /// <summary>The scan mode is not a <see cref="ScanMode"/> value.</summary>
        public const uint InvalidScanMode = 213;
        /// <summary>A scan's concurrency is 0 or above 65536.</summary>
        public const uint InvalidConcurrency = 214;
        /// <summary>A scan's target list holds more targets after dedupe and exclusions than its limit
        /// (65536 unless <see cref="ScanOptions.MaxTargets"/> raised it).</summary>
        public const uint TooManyTargets = 215;
        /// <summary>A scan's rate is negative, NaN or infinite.</summary>
        public const uint InvalidRate = 216;
        /// <summary>A scan's shard has a count of 0, or an index not below its count.</summary>
        public const uint InvalidShard = 217;
        /// <summary>A scan's target limit is 0.</summary>
        public const uint InvalidMaxTargets = 218;
        /// <summary>rdp-probe panicked; the panic was caught at the C boundary.</summary>
        public const uint Panic = 300;
        /// <summary>The async runtime that drives the probe could not be started.</summary>
        public const uint Runtime = 301;
        /// <summary>The probe was cancelled before it finished; there is no report.</summary>
        public const uint Cancelled = 400;
        /// <summary>The report has no such field for its verdict.</summary>
        public const uint NotPresent = 401;
        /// <summary>A scan is over and every report has been fetched (handled inside this binding).</summary>
        public const uint ScanDone = 402;
        /// <summary>A scan's deadline passed with targets left, and every report has been fetched
        /// (handled inside this binding: see <see cref="FleetScan.DeadlinePassed"/>).</summary>
        public const uint ScanDeadline = 403;
    }

    /// <summary>The overall answer of a probe (<c>verdict</c> in the JSON report).</summary>
    public enum Verdict : uint
    {
        /// <summary>The whole connection sequence completed, or the server redirected the client.</summary>
        Connected = 1,
        /// <summary>The connection failed: phase, code, Windows-client pair, message and hint say where and why.</summary>
        Failed = 2,
        /// <summary>The server requires Network Level Authentication and no credentials were given.</summary>
        NeedsCredentials = 3,
        /// <summary>The probe met something it does not implement; not a server fault.</summary>
        Inconclusive = 4,
        /// <summary>
        /// The probe had credentials but sent nothing derived from the password: nothing vouched for
        /// the server's identity (see <see cref="ProbeConfigBuilder.WithCredentials"/>).
        /// <see cref="Report.TrustPin"/> is the pin to pass to <see cref="ProbeConfigBuilder.AddTrustPin"/>
        /// once you know it is the server you mean.
        /// </summary>
        CredentialsWithheld = 5,
    }

    /// <summary>
    /// The security protocols of RDP_NEG_REQ's <c>requestedProtocols</c> ([MS-RDPBCGR] 2.2.1.1.1).
    /// </summary>
    [Flags]
    public enum Protocols : uint
    {
        /// <summary>No bit: Standard RDP Security only.</summary>
        Rdp = 0,
        /// <summary>TLS (PROTOCOL_SSL, 0x1).</summary>
        Ssl = 0x1,
        /// <summary>CredSSP (PROTOCOL_HYBRID, 0x2).</summary>
        Hybrid = 0x2,
        /// <summary>RDSTLS (PROTOCOL_RDSTLS, 0x4).</summary>
        Rdstls = 0x4,
        /// <summary>CredSSP with Early User Authorization (PROTOCOL_HYBRID_EX, 0x8).</summary>
        HybridEx = 0x8,
        /// <summary>RDS AAD authentication (PROTOCOL_RDSAAD, 0x10).</summary>
        Rdsaad = 0x10,
    }

    /// <summary>What to do with the server's TLS certificate.</summary>
    public enum CertPolicy : uint
    {
        /// <summary>Accept any certificate, record it and judge it in the report (the default).</summary>
        AcceptAny = 0,
        /// <summary>Fail in the <c>tls</c> phase unless the chain verifies against the system roots and names the host.</summary>
        RequireValid = 1,
    }

    /// <summary>
    /// What the probe does when the modern TLS handshake fails the way a TLS 1.0-era client would get
    /// past: the server only speaks TLS 1.0 or 1.1, or refuses every suite offered (as a server
    /// limited to CBC, RSA key exchange or DHE suites does). Without
    /// <see cref="ProbeConfigBuilder.WithLegacyTls"/> the library's default applies:
    /// <see cref="Follow"/> when it was built with OpenSSL (the <c>legacy-tls</c> feature, on by
    /// default; <see cref="Library.Version"/> then says <c>legacy TLS: OpenSSL</c>), <see cref="Off"/>
    /// otherwise. Without OpenSSL, Follow and Allow make a second attempt that ends in <c>tls</c>
    /// with the error "rdp-probe was built without the legacy-tls feature (OpenSSL)".
    /// </summary>
    public enum LegacyTls : uint
    {
        /// <summary>No second attempt: the modern TLS failure is the verdict.</summary>
        Off = 0,
        /// <summary>The modern failure stays the verdict; a second connection follows the server over OpenSSL to the end of the sequence, and the report's <c>legacy_tls</c> says how far it got.</summary>
        Follow = 1,
        /// <summary>As <see cref="Follow"/>, but the second attempt's ending is the verdict.</summary>
        Allow = 2,
    }

    /// <summary>Whether the server requires Network Level Authentication (<c>nla</c> in the inventory's JSON).</summary>
    public enum Nla : uint
    {
        /// <summary>Every request without CredSSP was refused, and CredSSP was selected.</summary>
        Required = 1,
        /// <summary>CredSSP was selected, and so was a protocol without it.</summary>
        Supported = 2,
        /// <summary>No request with CredSSP had it selected.</summary>
        NotSupported = 3,
        /// <summary>The answers do not decide it (silence, resets, another protocol, or the server was not reached).</summary>
        Unknown = 4,
    }

    /// <summary>What a fleet scan (<see cref="Probe.Scan(string, ScanMode, int, int, ProbeConfig, CancelToken, string, ScanOptions)"/>) does for each host (<c>rdp_probe_scan_mode</c>).</summary>
    public enum ScanMode : uint
    {
        /// <summary>The full diagnosis (<c>rdp-probe/1</c>, as <see cref="Probe.Run"/>).</summary>
        Diagnose = 0,
        /// <summary>The server inventory (<c>rdp-probe-inventory/1</c>, as <see cref="Probe.Inventory(ProbeConfig, CancelToken)"/>).</summary>
        Inventory = 1,
        /// <summary>Only TCP and X.224 of the inventory (reachable, RDP or not, protocols, NLA): the fast sweep.</summary>
        Negotiate = 2,
    }

    // ---------------------------------------------------------------------------------------------
    // Exceptions
    // ---------------------------------------------------------------------------------------------

    /// <summary>
    /// A native rdp-probe call returned a status other than success. <see cref="Exception.Message"/>
    /// names the function and carries the library's own description (<c>rdp_probe_result_message</c>).
    /// </summary>
    public class RdpProbeException : Exception
    {
        internal RdpProbeException(uint code, string name, string message)
            : base(message)
        {
            Code = code;
            Name = name;
        }

        /// <summary>The <c>rdp_probe_result</c> number (see <see cref="ResultCodes"/>).</summary>
        public uint Code { get; private set; }

        /// <summary>The stable lower-case name of <see cref="Code"/>, e.g. <c>invalid_host</c>.</summary>
        public string Name { get; private set; }

        /// <summary>The exception for a non-success <paramref name="code"/> returned by <paramref name="function"/>.</summary>
        internal static RdpProbeException For(uint code, string function)
        {
            string text = Library.ResultMessage(code);
            int colon = text.IndexOf(": ", StringComparison.Ordinal);
            string name = colon > 0 ? text.Substring(0, colon) : "unknown";
            string message = function + ": " + text;
            if (code >= 100 && code < 200)
            {
                return new RdpProbeMisuseException(code, name, message);
            }
            if (code >= 200 && code < 300)
            {
                return new RdpProbeInvalidArgumentException(code, name, message);
            }
            if (code >= 300 && code < 400)
            {
                return new RdpProbeInternalException(code, name, message);
            }
            if (code == ResultCodes.Cancelled)
            {
                return new RdpProbeCancelledException(code, name, message);
            }
            return new RdpProbeException(code, name, message);
        }
    }

    /// <summary>The call cannot be made this way (codes 100–199, e.g. building a config without a target).</summary>
    public class RdpProbeMisuseException : RdpProbeException
    {
        internal RdpProbeMisuseException(uint code, string name, string message)
            : base(code, name, message)
        {
        }
    }

    /// <summary>A value passed to rdp-probe is not acceptable (codes 200–299).</summary>
    public class RdpProbeInvalidArgumentException : RdpProbeException
    {
        internal RdpProbeInvalidArgumentException(uint code, string name, string message)
            : base(code, name, message)
        {
        }
    }

    /// <summary>A bug in rdp-probe (a caught panic, 300) or a resource the process lacks (codes 300–399).</summary>
    public class RdpProbeInternalException : RdpProbeException
    {
        internal RdpProbeInternalException(uint code, string name, string message)
            : base(code, name, message)
        {
        }
    }

    /// <summary>
    /// A blocking probe was stopped through its <see cref="CancelToken"/> (code 400); there is no report.
    /// (<see cref="Probe.RunAsync"/> completes as cancelled instead.)
    /// </summary>
    public class RdpProbeCancelledException : RdpProbeException
    {
        internal RdpProbeCancelledException(uint code, string name, string message)
            : base(code, name, message)
        {
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Native handles
    // ---------------------------------------------------------------------------------------------

    /// <summary>An <c>rdp_probe_config_builder *</c>, freed with <c>rdp_probe_config_builder_free</c>.</summary>
    internal sealed class BuilderHandle : SafeHandle
    {
        public BuilderHandle()
            : base(IntPtr.Zero, true)
        {
        }

        public override bool IsInvalid
        {
            get { return handle == IntPtr.Zero; }
        }

        protected override bool ReleaseHandle()
        {
            Native.rdp_probe_config_builder_free(handle);
            return true;
        }
    }

    /// <summary>A <c>const rdp_probe_config *</c>, freed with <c>rdp_probe_config_free</c>.</summary>
    internal sealed class ConfigHandle : SafeHandle
    {
        public ConfigHandle()
            : base(IntPtr.Zero, true)
        {
        }

        public override bool IsInvalid
        {
            get { return handle == IntPtr.Zero; }
        }

        protected override bool ReleaseHandle()
        {
            Native.rdp_probe_config_free(handle);
            return true;
        }
    }

    /// <summary>A <c>const rdp_probe_cancel *</c>, freed with <c>rdp_probe_cancel_free</c>.</summary>
    internal sealed class CancelHandle : SafeHandle
    {
        public CancelHandle()
            : base(IntPtr.Zero, true)
        {
        }

        public override bool IsInvalid
        {
            get { return handle == IntPtr.Zero; }
        }

        protected override bool ReleaseHandle()
        {
            Native.rdp_probe_cancel_free(handle);
            return true;
        }
    }

    /// <summary>An <c>rdp_probe_report *</c>, freed with <c>rdp_probe_report_free</c>.</summary>
    internal sealed class ReportHandle : SafeHandle
    {
        public ReportHandle()
            : base(IntPtr.Zero, true)
        {
        }

        public override bool IsInvalid
        {
            get { return handle == IntPtr.Zero; }
        }

        protected override bool ReleaseHandle()
        {
            Native.rdp_probe_report_free(handle);
            return true;
        }
    }

    /// <summary>An <c>rdp_probe_inventory *</c>, freed with <c>rdp_probe_inventory_free</c>.</summary>
    internal sealed class InventoryHandle : SafeHandle
    {
        public InventoryHandle()
            : base(IntPtr.Zero, true)
        {
        }

        public override bool IsInvalid
        {
            get { return handle == IntPtr.Zero; }
        }

        protected override bool ReleaseHandle()
        {
            Native.rdp_probe_inventory_free(handle);
            return true;
        }
    }

    /// <summary>An <c>rdp_probe_scan *</c>, freed (stopped and joined) with <c>rdp_probe_scan_free</c>.</summary>
    internal sealed class ScanHandle : SafeHandle
    {
        public ScanHandle()
            : base(IntPtr.Zero, true)
        {
        }

        public override bool IsInvalid
        {
            get { return handle == IntPtr.Zero; }
        }

        protected override bool ReleaseHandle()
        {
            Native.rdp_probe_scan_free(handle);
            return true;
        }
    }

    /// <summary>The P/Invoke declarations, one per function of rdp_probe.h.</summary>
    internal static class Native
    {
        private const string Lib = "rdp_probe";

        internal delegate uint ReportString(ReportHandle report, byte[] buf, UIntPtr len, out UIntPtr needed);

        internal delegate uint InventoryString(InventoryHandle inventory, byte[] buf, UIntPtr len, out UIntPtr needed);

        internal delegate uint InventoryItemString(InventoryHandle inventory, UIntPtr index, byte[] buf, UIntPtr len, out UIntPtr needed);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_version([Out] byte[] buf, UIntPtr len, out UIntPtr needed);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_selftest_panic();

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_result_message(uint result, [Out] byte[] buf, UIntPtr len, out UIntPtr needed);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern CancelHandle rdp_probe_cancel_new();

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_cancel_trigger(CancelHandle cancel);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        [return: MarshalAs(UnmanagedType.U1)]
        internal static extern bool rdp_probe_cancel_is_triggered(CancelHandle cancel);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void rdp_probe_cancel_free(IntPtr cancel);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern BuilderHandle rdp_probe_config_builder_new();

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_config_builder_set_target(BuilderHandle builder, [In] byte[] host, ushort port);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_config_builder_set_credentials(BuilderHandle builder, [In] byte[] user, [In] byte[] domain, [In] byte[] password);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_config_builder_set_protocols(BuilderHandle builder, uint protocols);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_config_builder_set_timeouts(BuilderHandle builder, uint connectMs, uint phaseMs, uint overallMs);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_config_builder_set_cert_policy(BuilderHandle builder, uint policy);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_config_builder_set_legacy_tls(BuilderHandle builder, uint mode);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_config_builder_trust_any(BuilderHandle builder, [MarshalAs(UnmanagedType.U1)] bool any);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_config_builder_add_trust_pin(BuilderHandle builder, [In] byte[] pin);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_config_builder_add_ca_pem(BuilderHandle builder, [In] byte[] pem, UIntPtr len);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_config_builder_set_kdc(BuilderHandle builder, [In] byte[] kdc);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_config_builder_set_client_name(BuilderHandle builder, [In] byte[] name);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_config_builder_set_max_connections(BuilderHandle builder, ushort maxConnections);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_config_builder_set_cipher_suites(BuilderHandle builder, [MarshalAs(UnmanagedType.U1)] bool enumerate);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_config_builder_set_negotiate_only(BuilderHandle builder, [MarshalAs(UnmanagedType.U1)] bool negotiateOnly);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_config_builder_build(BuilderHandle builder, out ConfigHandle config);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void rdp_probe_config_builder_free(IntPtr builder);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void rdp_probe_config_free(IntPtr config);

        // Takes raw pointers: the caller holds a reference on each SafeHandle (DangerousAddRef) for
        // the whole run, which must not fail when the config is disposed while the probe runs.
        // `cancel` may be IntPtr.Zero (no token).
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_run(IntPtr config, IntPtr cancel, out ReportHandle report);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_report_verdict(ReportHandle report, out uint verdict);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_report_phase(ReportHandle report, [Out] byte[] buf, UIntPtr len, out UIntPtr needed);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_report_kind(ReportHandle report, [Out] byte[] buf, UIntPtr len, out UIntPtr needed);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_report_code_value(ReportHandle report, out uint value);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_report_code_space(ReportHandle report, [Out] byte[] buf, UIntPtr len, out UIntPtr needed);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_report_code_name(ReportHandle report, [Out] byte[] buf, UIntPtr len, out UIntPtr needed);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_report_mstsc(
            ReportHandle report,
            out uint disconnectReason,
            out uint extendedReason,
            [MarshalAs(UnmanagedType.U1)] out bool derived);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_report_outcome(ReportHandle report, [Out] byte[] buf, UIntPtr len, out UIntPtr needed);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_report_mstsc_text(ReportHandle report, [Out] byte[] buf, UIntPtr len, out UIntPtr needed);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_report_message(ReportHandle report, [Out] byte[] buf, UIntPtr len, out UIntPtr needed);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_report_hint(ReportHandle report, [Out] byte[] buf, UIntPtr len, out UIntPtr needed);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_report_trust_decision(ReportHandle report, [Out] byte[] buf, UIntPtr len, out UIntPtr needed);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_report_trust_sha256(ReportHandle report, [Out] byte[] buf, UIntPtr len, out UIntPtr needed);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_report_json(ReportHandle report, [Out] byte[] buf, UIntPtr len, out UIntPtr needed);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void rdp_probe_report_free(IntPtr report);

        // Raw pointers, as rdp_probe_run.
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_inventory_run(IntPtr config, IntPtr cancel, out InventoryHandle inventory);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_inventory_reachable(InventoryHandle inventory, [MarshalAs(UnmanagedType.U1)] out bool reachable);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_inventory_error_message(InventoryHandle inventory, [Out] byte[] buf, UIntPtr len, out UIntPtr needed);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_inventory_nla(InventoryHandle inventory, out uint nla);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_inventory_credssp_version(InventoryHandle inventory, out uint version);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_inventory_finding_count(InventoryHandle inventory, out UIntPtr count);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_inventory_finding_id(InventoryHandle inventory, UIntPtr index, [Out] byte[] buf, UIntPtr len, out UIntPtr needed);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_inventory_finding_severity(InventoryHandle inventory, UIntPtr index, [Out] byte[] buf, UIntPtr len, out UIntPtr needed);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_inventory_json(InventoryHandle inventory, [Out] byte[] buf, UIntPtr len, out UIntPtr needed);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void rdp_probe_inventory_free(IntPtr inventory);

        // Fleet scans.
        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_scan_start(IntPtr config, [In] byte[] targets, [In] byte[] exclude, ushort defaultPort, uint mode, uint concurrency, IntPtr options, IntPtr cancel, out ScanHandle scan);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern IntPtr rdp_probe_scan_options_new();

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_scan_options_set_rate(IntPtr options, double perSecond);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_scan_options_set_deadline_ms(IntPtr options, ulong milliseconds);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_scan_options_set_shard(IntPtr options, ulong index, ulong count);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_scan_options_set_max_targets(IntPtr options, ulong maxTargets);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void rdp_probe_scan_options_free(IntPtr options);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_scan_next(ScanHandle scan, [Out] byte[] buf, UIntPtr len, out UIntPtr needed);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_scan_stop(ScanHandle scan);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_scan_target_count(ScanHandle scan, out ulong count);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_scan_skipped_count(ScanHandle scan, out UIntPtr count);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern uint rdp_probe_scan_skipped_line(ScanHandle scan, UIntPtr index, [Out] byte[] buf, UIntPtr len, out UIntPtr needed);

        [DllImport(Lib, CallingConvention = CallingConvention.Cdecl, ExactSpelling = true)]
        internal static extern void rdp_probe_scan_free(IntPtr scan);
    }

    /// <summary>UTF-8 in both directions, strictly: no silent replacement characters.</summary>
    internal static class Utf8
    {
        internal static readonly UTF8Encoding Strict = new UTF8Encoding(false, true);

        /// <summary>
        /// <paramref name="value"/> as NUL-terminated UTF-8 (null stays null). A string that cannot be
        /// encoded (a lone surrogate) or that holds a NUL (which C would silently cut at) is refused.
        /// </summary>
        internal static byte[] ToC(string value, string paramName)
        {
            if (value == null)
            {
                return null;
            }
            if (value.IndexOf('\0') >= 0)
            {
                throw new ArgumentException("the string contains a NUL character, which C strings cannot hold", paramName);
            }
            byte[] encoded;
            try
            {
                encoded = Strict.GetBytes(value);
            }
            catch (EncoderFallbackException e)
            {
                throw new ArgumentException("the string is not valid UTF-16 (lone surrogate) and has no UTF-8 form", paramName, e);
            }
            byte[] result = new byte[encoded.Length + 1];
            Buffer.BlockCopy(encoded, 0, result, 0, encoded.Length);
            return result;
        }

        /// <summary><paramref name="raw"/> with a NUL appended, passed to C as it is (even if it is not UTF-8).</summary>
        internal static byte[] ToC(byte[] raw, string paramName)
        {
            if (raw == null)
            {
                throw new ArgumentNullException(paramName);
            }
            if (Array.IndexOf(raw, (byte)0) >= 0)
            {
                throw new ArgumentException("the bytes contain a NUL, which C strings cannot hold", paramName);
            }
            byte[] result = new byte[raw.Length + 1];
            Buffer.BlockCopy(raw, 0, result, 0, raw.Length);
            return result;
        }

        /// <summary>Decodes a string the library wrote: <paramref name="needed"/> bytes including the NUL.</summary>
        internal static string FromC(byte[] buf, int needed)
        {
            if (needed < 1 || needed > buf.Length || buf[needed - 1] != 0)
            {
                throw new InvalidOperationException("rdp-probe wrote a string without its terminating NUL");
            }
            return Strict.GetString(buf, 0, needed - 1);
        }

        internal delegate uint Getter(byte[] buf, UIntPtr len, out UIntPtr needed);

        /// <summary>
        /// Runs the buffer convention: asks for the size, then reads into a buffer of that size.
        /// Returns null when the library says the field is not present (401).
        /// </summary>
        internal static string Read(Getter get, string function)
        {
            UIntPtr needed;
            uint r = get(null, UIntPtr.Zero, out needed);
            for (int attempt = 0; attempt < 4; attempt++)
            {
                if (r == ResultCodes.NotPresent)
                {
                    return null;
                }
                if (r != ResultCodes.BufferTooSmall)
                {
                    throw RdpProbeException.For(r, function);
                }
                ulong size = needed.ToUInt64();
                if (size < 1 || size > int.MaxValue)
                {
                    throw new InvalidOperationException(function + " asked for a buffer of " + size + " bytes");
                }
                byte[] buf = new byte[(int)size];
                r = get(buf, new UIntPtr((uint)buf.Length), out needed);
                if (r == ResultCodes.Ok)
                {
                    return FromC(buf, (int)needed.ToUInt64());
                }
            }
            throw new InvalidOperationException(function + " kept asking for a larger buffer");
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Library
    // ---------------------------------------------------------------------------------------------

    /// <summary>Facts about the loaded native library.</summary>
    public static class Library
    {
        private static string version;

        /// <summary>
        /// The version of the native library and of the RDP stack it drives, e.g.
        /// <c>rdp-probe-ffi 0.1.0 (rdp-probe-core 0.1.0 (ironrdp-connector 0.12.0, ...))</c>.
        /// </summary>
        /// <exception cref="DllNotFoundException">librdp_probe cannot be loaded.</exception>
        public static string Version
        {
            get
            {
                string v = Volatile.Read(ref version);
                if (v == null)
                {
                    v = Utf8.Read(Native.rdp_probe_version, "rdp_probe_version");
                    Volatile.Write(ref version, v);
                }
                return v;
            }
        }

        /// <summary>
        /// The library's description of a result code: <c>"name: message"</c>, e.g.
        /// <c>"invalid_host: the host is empty or contains whitespace, control characters or '/'"</c>,
        /// or <c>"unknown: rdp_probe_result N"</c> for a number the library does not define.
        /// </summary>
        /// <param name="code">Any <c>rdp_probe_result</c> number.</param>
        public static string ResultMessage(uint code)
        {
            Utf8.Getter get = delegate(byte[] buf, UIntPtr len, out UIntPtr needed)
            {
                return Native.rdp_probe_result_message(code, buf, len, out needed);
            };
            try
            {
                string text = Utf8.Read(get, "rdp_probe_result_message");
                if (text != null)
                {
                    return text;
                }
            }
            catch (RdpProbeException)
            {
                // Fall through: describing an error must not itself fail.
            }
            return "unknown: rdp_probe_result " + code;
        }

        /// <summary>
        /// Calls <c>rdp_probe_selftest_panic</c>, which panics inside the library on purpose, and
        /// returns the code the C boundary makes of it: <see cref="ResultCodes.Panic"/> (300). It lets
        /// tests show that a panic never reaches the host process. Never throws for that code.
        /// </summary>
        public static uint SelfTestPanic()
        {
            return Native.rdp_probe_selftest_panic();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Config
    // ---------------------------------------------------------------------------------------------

    /// <summary>
    /// Builds a <see cref="ProbeConfig"/>. Each setter checks its values at once (throwing
    /// <see cref="RdpProbeInvalidArgumentException"/> and leaving the builder unchanged) and returns
    /// the builder, for chaining. Defaults are the Windows client's: SSL | HYBRID | HYBRID_EX with
    /// fallback, no credentials, timeouts connect 5 s / phase 10 s / overall 30 s, any certificate,
    /// legacy TLS <see cref="LegacyTls.Follow"/> when the library has OpenSSL, and credentials
    /// trusted only to a server whose chain is valid for the host against the system roots.
    /// A builder may be built several times and changed in between; calls are serialized, so it may
    /// be shared between threads. Dispose it when done (its password memory is zeroed natively).
    /// </summary>
    public sealed class ProbeConfigBuilder : IDisposable
    {
        private readonly BuilderHandle handle;
        private readonly object gate = new object();

        /// <summary>A builder with rdp-probe's defaults.</summary>
        /// <exception cref="RdpProbeInternalException">The library could not make a builder.</exception>
        public ProbeConfigBuilder()
        {
            handle = Native.rdp_probe_config_builder_new();
            if (handle.IsInvalid)
            {
                handle.Dispose();
                throw RdpProbeException.For(ResultCodes.Panic, "rdp_probe_config_builder_new");
            }
        }

        private void ThrowIfDisposed()
        {
            if (handle.IsClosed)
            {
                throw new ObjectDisposedException("ProbeConfigBuilder");
            }
        }

        private void Check(uint r, string function)
        {
            if (r != ResultCodes.Ok)
            {
                throw RdpProbeException.For(r, function);
            }
        }

        private static ushort Port(int port)
        {
            if (port < 0 || port > ushort.MaxValue)
            {
                throw new ArgumentOutOfRangeException("port", port, "a TCP port is 0 to 65535 (and rdp-probe refuses 0)");
            }
            return (ushort)port;
        }

        /// <summary>
        /// Sets the host (a name, an IPv4 address or an IPv6 address with or without brackets) and
        /// the TCP port. Required before <see cref="Build"/>.
        /// </summary>
        /// <param name="host">The host name or address.</param>
        /// <param name="port">The TCP port, 1 to 65535 (3389 is RDP's).</param>
        /// <exception cref="RdpProbeInvalidArgumentException">Code 201 for an empty host or one with whitespace, control characters or '/'; 202 for port 0.</exception>
        /// <exception cref="ArgumentNullException"><paramref name="host"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="host"/> holds a NUL or a lone surrogate.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="port"/> is outside 0–65535.</exception>
        /// <exception cref="ObjectDisposedException">The builder was disposed.</exception>
        public ProbeConfigBuilder WithTarget(string host, int port = 3389)
        {
            if (host == null)
            {
                throw new ArgumentNullException("host");
            }
            return SetTarget(Utf8.ToC(host, "host"), Port(port));
        }

        /// <summary>
        /// Sets the target with the host given as raw bytes, passed to the library as they are (a NUL
        /// is appended). Meant for hosts that arrive as bytes; the library checks that they are UTF-8.
        /// </summary>
        /// <param name="hostUtf8">The host's bytes, without a terminating NUL.</param>
        /// <param name="port">The TCP port, 1 to 65535.</param>
        /// <exception cref="RdpProbeInvalidArgumentException">Code 200 when the bytes are not UTF-8, 201/202 as for <see cref="WithTarget(string, int)"/>.</exception>
        /// <exception cref="ArgumentNullException"><paramref name="hostUtf8"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="hostUtf8"/> contains a 0 byte.</exception>
        /// <exception cref="ArgumentOutOfRangeException"><paramref name="port"/> is outside 0–65535.</exception>
        /// <exception cref="ObjectDisposedException">The builder was disposed.</exception>
        public ProbeConfigBuilder WithTarget(byte[] hostUtf8, int port)
        {
            return SetTarget(Utf8.ToC(hostUtf8, "hostUtf8"), Port(port));
        }

        private ProbeConfigBuilder SetTarget(byte[] host, ushort port)
        {
            lock (gate)
            {
                ThrowIfDisposed();
                Check(Native.rdp_probe_config_builder_set_target(handle, host, port), "rdp_probe_config_builder_set_target");
            }
            return this;
        }

        /// <summary>
        /// Sets the credentials for Network Level Authentication (CredSSP). Without credentials a
        /// server that requires NLA yields <see cref="Verdict.NeedsCredentials"/>. The password never
        /// appears in a report; the UTF-8 copy this binding makes for the call is zeroed afterwards.
        /// <para>
        /// Nothing derived from the password (the NTLM AUTHENTICATE, the TSCredentials, a Client Info
        /// carrying it) is sent unless something vouches for the server: its certificate chain is
        /// valid for the host against the system roots and those of <see cref="AddCaPem"/>, or its
        /// certificate is pinned with <see cref="AddTrustPin"/>, or <see cref="TrustAny"/> is on.
        /// Otherwise the verdict is <see cref="Verdict.CredentialsWithheld"/>, with the fingerprint
        /// in <see cref="Report.TrustSha256"/>. The library never asks interactively (the CLI does):
        /// decide beforehand with pins, roots or TrustAny.
        /// </para>
        /// </summary>
        /// <param name="user">The user name, or <c>DOMAIN\user</c> when <paramref name="domain"/> is null.</param>
        /// <param name="password">The password.</param>
        /// <param name="domain">The domain, or null.</param>
        /// <exception cref="RdpProbeInvalidArgumentException">Code 206 for an empty user name.</exception>
        /// <exception cref="ArgumentNullException"><paramref name="user"/> or <paramref name="password"/> is null.</exception>
        /// <exception cref="ArgumentException">A string holds a NUL or a lone surrogate.</exception>
        /// <exception cref="ObjectDisposedException">The builder was disposed.</exception>
        public ProbeConfigBuilder WithCredentials(string user, string password, string domain = null)
        {
            if (user == null)
            {
                throw new ArgumentNullException("user");
            }
            if (password == null)
            {
                throw new ArgumentNullException("password");
            }
            byte[] u = Utf8.ToC(user, "user");
            byte[] d = Utf8.ToC(domain, "domain");
            byte[] p = Utf8.ToC(password, "password");
            try
            {
                lock (gate)
                {
                    ThrowIfDisposed();
                    Check(Native.rdp_probe_config_builder_set_credentials(handle, u, d, p), "rdp_probe_config_builder_set_credentials");
                }
            }
            finally
            {
                Array.Clear(p, 0, p.Length);
            }
            return this;
        }

        /// <summary>
        /// Requests exactly these security protocols and never falls back. Not calling this behaves
        /// like the Windows client.
        /// </summary>
        /// <param name="protocols">A combination of <see cref="Protocols"/> bits (0 is Standard RDP Security).</param>
        /// <exception cref="RdpProbeInvalidArgumentException">Code 204 for bits above 0x10.</exception>
        /// <exception cref="ObjectDisposedException">The builder was disposed.</exception>
        public ProbeConfigBuilder WithProtocols(Protocols protocols)
        {
            lock (gate)
            {
                ThrowIfDisposed();
                Check(Native.rdp_probe_config_builder_set_protocols(handle, (uint)protocols), "rdp_probe_config_builder_set_protocols");
            }
            return this;
        }

        /// <summary>
        /// Sets the time limits in milliseconds: each TCP connect, each phase (waiting for the
        /// server's next PDU included), and the whole probe.
        /// </summary>
        /// <param name="connectMs">The limit of each TCP connect.</param>
        /// <param name="phaseMs">The limit of each phase.</param>
        /// <param name="overallMs">The limit of the whole probe.</param>
        /// <exception cref="RdpProbeInvalidArgumentException">Code 203 when any of them is 0.</exception>
        /// <exception cref="ObjectDisposedException">The builder was disposed.</exception>
        public ProbeConfigBuilder WithTimeouts(uint connectMs, uint phaseMs, uint overallMs)
        {
            lock (gate)
            {
                ThrowIfDisposed();
                Check(Native.rdp_probe_config_builder_set_timeouts(handle, connectMs, phaseMs, overallMs), "rdp_probe_config_builder_set_timeouts");
            }
            return this;
        }

        /// <summary>Sets what to do with the server's TLS certificate.</summary>
        /// <param name="policy">The policy.</param>
        /// <exception cref="RdpProbeInvalidArgumentException">Code 205 for a value that is not a <see cref="CertPolicy"/>.</exception>
        /// <exception cref="ObjectDisposedException">The builder was disposed.</exception>
        public ProbeConfigBuilder WithCertPolicy(CertPolicy policy)
        {
            lock (gate)
            {
                ThrowIfDisposed();
                Check(Native.rdp_probe_config_builder_set_cert_policy(handle, (uint)policy), "rdp_probe_config_builder_set_cert_policy");
            }
            return this;
        }

        /// <summary>
        /// Sets what the probe does when the modern TLS handshake fails the way a TLS 1.0-era client
        /// would get past. Not calling this keeps the library's default (see <see cref="LegacyTls"/>).
        /// </summary>
        /// <param name="mode">The mode.</param>
        /// <exception cref="RdpProbeInvalidArgumentException">Code 208 for a value that is not a <see cref="LegacyTls"/>.</exception>
        /// <exception cref="ObjectDisposedException">The builder was disposed.</exception>
        public ProbeConfigBuilder WithLegacyTls(LegacyTls mode)
        {
            lock (gate)
            {
                ThrowIfDisposed();
                Check(Native.rdp_probe_config_builder_set_legacy_tls(handle, (uint)mode), "rdp_probe_config_builder_set_legacy_tls");
            }
            return this;
        }

        /// <summary>
        /// Whether the credentials may go to any server, whatever vouches for it, Standard RDP
        /// Security included (the CLI's <c>--trust-cert any</c>). For lab servers, or a server checked
        /// by other means. <c>false</c> (the default) restores the policy of
        /// <see cref="WithCredentials"/>; pins and roots added are kept either way.
        /// </summary>
        /// <param name="any">Whether any server may have the credentials.</param>
        /// <exception cref="ObjectDisposedException">The builder was disposed.</exception>
        public ProbeConfigBuilder TrustAny(bool any = true)
        {
            lock (gate)
            {
                ThrowIfDisposed();
                Check(Native.rdp_probe_config_builder_trust_any(handle, any), "rdp_probe_config_builder_trust_any");
            }
            return this;
        }

        /// <summary>
        /// Trusts the server whose certificate has this SHA-256 with the credentials, whatever its
        /// chain (the CLI's <c>--trust-cert sha256:HEX</c>): <c>sha256:</c> followed by 64 hex digits
        /// (either case, colons allowed), e.g. <see cref="Report.TrustPin"/> of a
        /// <see cref="Verdict.CredentialsWithheld"/> report. Adds to the pins already given.
        /// </summary>
        /// <param name="pin">The pin.</param>
        /// <exception cref="RdpProbeInvalidArgumentException">Code 209 for a malformed pin (<c>any</c> included: that is <see cref="TrustAny"/>); the builder is unchanged.</exception>
        /// <exception cref="ArgumentNullException"><paramref name="pin"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="pin"/> holds a NUL or a lone surrogate.</exception>
        /// <exception cref="ObjectDisposedException">The builder was disposed.</exception>
        public ProbeConfigBuilder AddTrustPin(string pin)
        {
            if (pin == null)
            {
                throw new ArgumentNullException("pin");
            }
            byte[] p = Utf8.ToC(pin, "pin");
            lock (gate)
            {
                ThrowIfDisposed();
                Check(Native.rdp_probe_config_builder_add_trust_pin(handle, p), "rdp_probe_config_builder_add_trust_pin");
            }
            return this;
        }

        /// <summary>
        /// Trusts the CA certificates in <paramref name="pem"/> (the bytes of a PEM file, e.g.
        /// <c>File.ReadAllBytes(path)</c>) as roots besides the system's (the CLI's
        /// <c>--ca-file</c>): a server whose chain is valid for the host against them may have the
        /// credentials, and <see cref="CertPolicy.RequireValid"/> accepts its chain too. Every
        /// <c>CERTIFICATE</c> block is read, other blocks are skipped; adds to the roots already given.
        /// </summary>
        /// <param name="pem">The PEM bytes.</param>
        /// <exception cref="RdpProbeInvalidArgumentException">Code 210 when there is no certificate, or a block that is not an X.509 certificate; the builder is unchanged (all of the PEM is added, or none).</exception>
        /// <exception cref="ArgumentNullException"><paramref name="pem"/> is null.</exception>
        /// <exception cref="ObjectDisposedException">The builder was disposed.</exception>
        public ProbeConfigBuilder AddCaPem(byte[] pem)
        {
            if (pem == null)
            {
                throw new ArgumentNullException("pem");
            }
            // Never a NULL pointer, even for no bytes: the library then judges the empty PEM.
            byte[] buf = pem.Length == 0 ? new byte[1] : pem;
            lock (gate)
            {
                ThrowIfDisposed();
                Check(Native.rdp_probe_config_builder_add_ca_pem(handle, buf, new UIntPtr((uint)pem.Length)), "rdp_probe_config_builder_add_ca_pem");
            }
            return this;
        }

        /// <summary>
        /// Sets the Kerberos KDC (the CLI's <c>--kdc</c>): <c>HOST</c>, <c>HOST:PORT</c> or
        /// <c>[IPv6]:PORT</c>, port 88 by default; null clears it (NTLM only, the default). With
        /// credentials that name a domain (the <c>domain</c> of <see cref="WithCredentials"/>, or a
        /// user <c>alice@REALM</c>) and a target given by name, not by IP address, the logon tries
        /// Kerberos first and falls back to NTLM where the Windows client would. The report's JSON
        /// (<see cref="Report.Json"/>) then has an <c>authentication</c> object: <c>package</c>
        /// (<c>kerberos</c> or <c>ntlm</c>), <c>kerberos_not_tried</c> (<c>no_kdc</c>,
        /// <c>target_is_address</c>, <c>no_realm</c>) when it was not tried, and <c>kerberos</c>
        /// (the KDC, realm and SPN used, its <c>outcome</c>, e.g. <c>succeeded</c> or
        /// <c>fell_back_to_ntlm</c>, its <c>failure</c> and every KDC exchange) when it was.
        /// </summary>
        /// <param name="kdc">The KDC, or null to clear it.</param>
        /// <exception cref="RdpProbeInvalidArgumentException">Code 211 for a KDC that is not <c>HOST[:PORT]</c> (empty, whitespace, port 0 or above 65535); the builder is unchanged.</exception>
        /// <exception cref="ArgumentException"><paramref name="kdc"/> holds a NUL or a lone surrogate.</exception>
        /// <exception cref="ObjectDisposedException">The builder was disposed.</exception>
        public ProbeConfigBuilder WithKdc(string kdc)
        {
            byte[] k = Utf8.ToC(kdc, "kdc");
            lock (gate)
            {
                ThrowIfDisposed();
                Check(Native.rdp_probe_config_builder_set_kdc(handle, k), "rdp_probe_config_builder_set_kdc");
            }
            return this;
        }

        /// <summary>Sets the client computer name sent to the server (default <c>rdp-probe</c>).</summary>
        /// <param name="name">The name.</param>
        /// <exception cref="ArgumentNullException"><paramref name="name"/> is null.</exception>
        /// <exception cref="ArgumentException"><paramref name="name"/> holds a NUL or a lone surrogate.</exception>
        /// <exception cref="ObjectDisposedException">The builder was disposed.</exception>
        public ProbeConfigBuilder WithClientName(string name)
        {
            if (name == null)
            {
                throw new ArgumentNullException("name");
            }
            byte[] n = Utf8.ToC(name, "name");
            lock (gate)
            {
                ThrowIfDisposed();
                Check(Native.rdp_probe_config_builder_set_client_name(handle, n), "rdp_probe_config_builder_set_client_name");
            }
            return this;
        }

        /// <summary>
        /// Sets the most connections <see cref="Probe.Inventory"/> keeps open to the target at once
        /// (the CLI's <c>rdp-probe inventory --max-connections</c>): 1 to 64, 8 by default. A probe
        /// (<see cref="Probe.Run"/>) ignores it.
        /// </summary>
        /// <param name="maxConnections">The limit, 1 to 64.</param>
        /// <exception cref="RdpProbeInvalidArgumentException">Code 212 for 0 or a limit above 64; the builder is unchanged.</exception>
        /// <exception cref="ObjectDisposedException">The builder was disposed.</exception>
        public ProbeConfigBuilder WithMaxConnections(int maxConnections)
        {
            // What a uint16_t cannot carry is out of range all the same: the library's code and words.
            ushort limit = maxConnections < 0 || maxConnections > ushort.MaxValue ? (ushort)0 : (ushort)maxConnections;
            lock (gate)
            {
                ThrowIfDisposed();
                Check(Native.rdp_probe_config_builder_set_max_connections(handle, limit), "rdp_probe_config_builder_set_max_connections");
            }
            return this;
        }

        /// <summary>
        /// Whether <see cref="Probe.Inventory"/> enumerates the cipher suites of every TLS version the
        /// server accepts (true, the default: one connection per accepted suite, plus one per
        /// version) or reports only the suite each version prefers (false: fewer connections; the
        /// CLI's <c>--no-cipher-suites</c>). A probe ignores it.
        /// </summary>
        /// <param name="enumerate">Whether to enumerate every suite.</param>
        /// <exception cref="ObjectDisposedException">The builder was disposed.</exception>
        public ProbeConfigBuilder WithCipherSuites(bool enumerate)
        {
            lock (gate)
            {
                ThrowIfDisposed();
                Check(Native.rdp_probe_config_builder_set_cipher_suites(handle, enumerate), "rdp_probe_config_builder_set_cipher_suites");
            }
            return this;
        }

        /// <summary>
        /// Whether <see cref="Probe.Inventory(ProbeConfig, CancelToken)"/> stops after the X.224 step
        /// (true: protocols, NLA, and the findings and client results those decide; no TLS, Standard RDP
        /// Security or CredSSP connection; the CLI's <c>--negotiate-only</c>) or takes the whole inventory
        /// (false, the default). A probe ignores it.
        /// </summary>
        /// <param name="negotiateOnly">Whether to stop after X.224.</param>
        /// <exception cref="ObjectDisposedException">The builder was disposed.</exception>
        public ProbeConfigBuilder WithNegotiateOnly(bool negotiateOnly)
        {
            lock (gate)
            {
                ThrowIfDisposed();
                Check(Native.rdp_probe_config_builder_set_negotiate_only(handle, negotiateOnly), "rdp_probe_config_builder_set_negotiate_only");
            }
            return this;
        }

        /// <summary>
        /// An immutable config from the current settings. The builder stays usable and must still be
        /// disposed.
        /// </summary>
        /// <exception cref="RdpProbeMisuseException">Code 102: no target was set.</exception>
        /// <exception cref="ObjectDisposedException">The builder was disposed.</exception>
        public ProbeConfig Build()
        {
            ConfigHandle config;
            uint r;
            lock (gate)
            {
                ThrowIfDisposed();
                r = Native.rdp_probe_config_builder_build(handle, out config);
            }
            if (r != ResultCodes.Ok)
            {
                config.Dispose();
                throw RdpProbeException.For(r, "rdp_probe_config_builder_build");
            }
            return new ProbeConfig(config);
        }

        /// <summary>Frees the native builder. Later calls throw <see cref="ObjectDisposedException"/>.</summary>
        public void Dispose()
        {
            handle.Dispose();
        }
    }

    /// <summary>
    /// A complete, immutable probe config (target, credentials, protocols, timeouts, certificate
    /// policy, client name, legacy TLS, trust, KDC, and the inventory's connection limit and suite
    /// enumeration). It may be used by several probes at once, from any thread.
    /// Disposing it does not disturb probes already running with it.
    /// </summary>
    public sealed class ProbeConfig : IDisposable
    {
        internal readonly ConfigHandle Handle;

        internal ProbeConfig(ConfigHandle handle)
        {
            Handle = handle;
        }

        internal void ThrowIfDisposed()
        {
            if (Handle.IsClosed)
            {
                throw new ObjectDisposedException("ProbeConfig");
            }
        }

        /// <summary>A config for <paramref name="host"/>:<paramref name="port"/> with every other setting at its default.</summary>
        /// <param name="host">The host name or address.</param>
        /// <param name="port">The TCP port (default 3389).</param>
        /// <exception cref="RdpProbeInvalidArgumentException">As <see cref="ProbeConfigBuilder.WithTarget(string, int)"/>.</exception>
        public static ProbeConfig Create(string host, int port = 3389)
        {
            using (ProbeConfigBuilder builder = new ProbeConfigBuilder())
            {
                return builder.WithTarget(host, port).Build();
            }
        }

        /// <summary>A new <see cref="ProbeConfigBuilder"/> with the defaults.</summary>
        public static ProbeConfigBuilder Builder()
        {
            return new ProbeConfigBuilder();
        }

        /// <summary>Releases this reference to the native config. Later use throws <see cref="ObjectDisposedException"/>.</summary>
        public void Dispose()
        {
            Handle.Dispose();
        }
    }

    /// <summary>
    /// A native cancel token for <see cref="Probe.Run"/>. <see cref="Cancel"/> may be called from any
    /// thread at any time; every probe using the token then stops promptly with
    /// <see cref="RdpProbeCancelledException"/>, and probes started with it later stop at once. A
    /// token stays cancelled.
    /// </summary>
    public sealed class CancelToken : IDisposable
    {
        internal readonly CancelHandle Handle;

        /// <summary>A new token, not cancelled.</summary>
        /// <exception cref="RdpProbeInternalException">The library could not make a token.</exception>
        public CancelToken()
        {
            Handle = Native.rdp_probe_cancel_new();
            if (Handle.IsInvalid)
            {
                Handle.Dispose();
                throw RdpProbeException.For(ResultCodes.Panic, "rdp_probe_cancel_new");
            }
        }

        /// <summary>Cancels every probe using this token. Thread-safe; calling it again does nothing more.</summary>
        /// <exception cref="ObjectDisposedException">The token was disposed.</exception>
        public void Cancel()
        {
            ThrowIfDisposed();
            uint r = Native.rdp_probe_cancel_trigger(Handle);
            if (r != ResultCodes.Ok)
            {
                throw RdpProbeException.For(r, "rdp_probe_cancel_trigger");
            }
        }

        /// <summary>Whether <see cref="Cancel"/> has been called.</summary>
        /// <exception cref="ObjectDisposedException">The token was disposed.</exception>
        public bool IsCancelled
        {
            get
            {
                ThrowIfDisposed();
                return Native.rdp_probe_cancel_is_triggered(Handle);
            }
        }

        internal void ThrowIfDisposed()
        {
            if (Handle.IsClosed)
            {
                throw new ObjectDisposedException("CancelToken");
            }
        }

        /// <summary>Releases this reference to the native token (a running probe keeps its own).</summary>
        public void Dispose()
        {
            Handle.Dispose();
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Report
    // ---------------------------------------------------------------------------------------------

    /// <summary>The server's code for a failure (<c>failure.code</c> in the JSON report).</summary>
    public sealed class ReportCode
    {
        internal ReportCode(string space, uint value, string name)
        {
            Space = space;
            Value = value;
            Name = name;
        }

        /// <summary>The code space: <c>neg_failure</c>, <c>tls_alert</c>, <c>ntstatus</c>, <c>errinfo</c>, <c>timeout</c>, ...</summary>
        public string Space { get; private set; }

        /// <summary>The number, e.g. an NTSTATUS (0xC000006D) or an errorInfo (7).</summary>
        public uint Value { get; private set; }

        /// <summary>The number's name, e.g. <c>STATUS_LOGON_FAILURE</c>; <c>UNKNOWN_...</c> when no table knows it.</summary>
        public string Name { get; private set; }

        /// <summary>"space 0xVALUE name".</summary>
        public override string ToString()
        {
            return Space + " 0x" + Value.ToString("X") + " " + Name;
        }
    }

    /// <summary>What the Windows client (mstsc) would show for a failure (<c>mstsc</c> in the JSON report).</summary>
    public sealed class MstscInfo
    {
        internal MstscInfo(uint disconnectReason, uint extendedReason, bool derived, string text)
        {
            DisconnectReason = disconnectReason;
            ExtendedReason = extendedReason;
            Derived = derived;
            Text = text;
        }

        /// <summary>The disconnect reason, e.g. 0x904.</summary>
        public uint DisconnectReason { get; private set; }

        /// <summary>The extended disconnect reason, e.g. 0x7.</summary>
        public uint ExtendedReason { get; private set; }

        /// <summary>Whether rdp-probe derived the pair rather than read it from documentation.</summary>
        public bool Derived { get; private set; }

        /// <summary>What the Windows client would say for the pair.</summary>
        public string Text { get; private set; }

        /// <summary>"0xDISCONNECT / 0xEXTENDED", with " (derived)" when derived.</summary>
        public override string ToString()
        {
            return "0x" + DisconnectReason.ToString("X") + " / 0x" + ExtendedReason.ToString("X") + (Derived ? " (derived)" : "");
        }
    }

    /// <summary>
    /// The result of one probe, read completely from the native report when the probe ended (the
    /// native handle is already freed): immutable, needs no disposal, safe to share between threads.
    /// Fields a verdict does not have are null.
    /// </summary>
    public sealed class Report
    {
        private Report()
        {
        }

        /// <summary>The overall answer.</summary>
        public Verdict Verdict { get; private set; }

        /// <summary>The phase the probe stopped in (<c>x224</c>, <c>tls</c>, <c>credssp</c>, <c>licensing</c>, ...); null for <see cref="RdpProbe.Verdict.Connected"/>.</summary>
        public string Phase { get; private set; }

        /// <summary>For Connected: <c>connected</c> (the sequence completed) or <c>redirected</c> (the server sent a Server Redirection PDU, which the probe does not follow); null otherwise.</summary>
        public string Outcome { get; private set; }

        /// <summary>The failure kind (for Failed) or stop reason (for NeedsCredentials / Inconclusive / CredentialsWithheld), snake_case; null for Connected.</summary>
        public string Kind { get; private set; }

        /// <summary>The server's code, for Failed; null otherwise.</summary>
        public ReportCode Code { get; private set; }

        /// <summary>The pair the Windows client would show, for Failed; null otherwise.</summary>
        public MstscInfo Mstsc { get; private set; }

        /// <summary>The one-line message of the failure or stop; null for Connected.</summary>
        public string Message { get; private set; }

        /// <summary>What to check or do; null for Connected.</summary>
        public string Hint { get; private set; }

        /// <summary>
        /// What decided whether the credentials went to the server: <c>chain_valid</c>, <c>pinned</c>,
        /// <c>any</c> or <c>withheld</c> (<c>trust.decision</c> in the JSON); null without credentials
        /// or when the probe ended before the server's identity was known.
        /// </summary>
        public string TrustDecision { get; private set; }

        /// <summary>
        /// The SHA-256 of the server's certificate as the trust decision saw it, 64 lowercase hex
        /// digits (<c>trust.sha256</c> in the JSON); null when <see cref="TrustDecision"/> is, and
        /// under Standard RDP Security.
        /// </summary>
        public string TrustSha256 { get; private set; }

        /// <summary><see cref="TrustSha256"/> as <see cref="ProbeConfigBuilder.AddTrustPin"/> takes it (<c>sha256:HEX</c>), or null.</summary>
        public string TrustPin
        {
            get { return TrustSha256 == null ? null : "sha256:" + TrustSha256; }
        }

        /// <summary>The whole report as JSON (schema <c>rdp-probe/1</c>), exactly the string <c>rdp_probe_report_json</c> writes: one line, no newline.</summary>
        public string Json { get; private set; }

        /// <summary>The JSON report.</summary>
        public override string ToString()
        {
            return Json;
        }

        private static string Text(ReportHandle handle, Native.ReportString get, string function)
        {
            Utf8.Getter g = delegate(byte[] buf, UIntPtr len, out UIntPtr needed)
            {
                return get(handle, buf, len, out needed);
            };
            return Utf8.Read(g, function);
        }

        /// <summary>Reads every field of a live native report.</summary>
        internal static Report Read(ReportHandle handle)
        {
            Report report = new Report();
            uint verdict;
            uint r = Native.rdp_probe_report_verdict(handle, out verdict);
            if (r != ResultCodes.Ok)
            {
                throw RdpProbeException.For(r, "rdp_probe_report_verdict");
            }
            report.Verdict = (Verdict)verdict;
            report.Phase = Text(handle, Native.rdp_probe_report_phase, "rdp_probe_report_phase");
            report.Outcome = Text(handle, Native.rdp_probe_report_outcome, "rdp_probe_report_outcome");
            report.Kind = Text(handle, Native.rdp_probe_report_kind, "rdp_probe_report_kind");
            report.Message = Text(handle, Native.rdp_probe_report_message, "rdp_probe_report_message");
            report.Hint = Text(handle, Native.rdp_probe_report_hint, "rdp_probe_report_hint");
            report.TrustDecision = Text(handle, Native.rdp_probe_report_trust_decision, "rdp_probe_report_trust_decision");
            report.TrustSha256 = Text(handle, Native.rdp_probe_report_trust_sha256, "rdp_probe_report_trust_sha256");

            uint value;
            r = Native.rdp_probe_report_code_value(handle, out value);
            if (r == ResultCodes.Ok)
            {
                report.Code = new ReportCode(
                    Text(handle, Native.rdp_probe_report_code_space, "rdp_probe_report_code_space"),
                    value,
                    Text(handle, Native.rdp_probe_report_code_name, "rdp_probe_report_code_name"));
            }
            else if (r != ResultCodes.NotPresent)
            {
                throw RdpProbeException.For(r, "rdp_probe_report_code_value");
            }

            uint disconnect, extended;
            bool derived;
            r = Native.rdp_probe_report_mstsc(handle, out disconnect, out extended, out derived);
            if (r == ResultCodes.Ok)
            {
                report.Mstsc = new MstscInfo(disconnect, extended, derived,
                    Text(handle, Native.rdp_probe_report_mstsc_text, "rdp_probe_report_mstsc_text"));
            }
            else if (r != ResultCodes.NotPresent)
            {
                throw RdpProbeException.For(r, "rdp_probe_report_mstsc");
            }

            report.Json = Text(handle, Native.rdp_probe_report_json, "rdp_probe_report_json");
            if (report.Json == null)
            {
                throw new InvalidOperationException("rdp_probe_report_json: the report has no JSON");
            }
            return report;
        }
    }

    /// <summary>One finding of an inventory (its message, evidence and hint are in <see cref="Inventory.Json"/>).</summary>
    public sealed class InventoryFinding
    {
        internal InventoryFinding(string id, string severity)
        {
            Id = id;
            Severity = severity;
        }

        /// <summary>The stable UPPER_SNAKE identifier, e.g. <c>CREDSSP_ORACLE_UNPATCHED</c>.</summary>
        public string Id { get; private set; }

        /// <summary><c>info</c>, <c>low</c>, <c>medium</c> or <c>high</c>.</summary>
        public string Severity { get; private set; }

        /// <summary>"severity ID".</summary>
        public override string ToString()
        {
            return Severity + " " + Id;
        }
    }

    /// <summary>
    /// What a server accepts and which clients it refuses, learned without credentials (the CLI's
    /// <c>rdp-probe inventory</c>, schema <c>rdp-probe-inventory/1</c>), read completely when the
    /// inventory ended (the native handle is already freed): immutable, needs no disposal, safe to
    /// share between threads. Every fact without a property here (protocols, TLS versions and
    /// suites, Standard RDP Security, NTLM, client profiles) is in <see cref="Json"/>.
    /// </summary>
    public sealed class Inventory
    {
        private Inventory()
        {
        }

        /// <summary>
        /// Whether the target was reached (the name resolved and a TCP connection was accepted); when
        /// not, <see cref="Error"/> says why and nothing else was learned.
        /// </summary>
        public bool Reachable { get; private set; }

        /// <summary>Why the inventory could not be taken (<c>error.message</c> in the JSON); null when the target was reached.</summary>
        public string Error { get; private set; }

        /// <summary>Whether the server requires Network Level Authentication.</summary>
        public Nla Nla { get; private set; }

        /// <summary>
        /// The <c>version</c> of the server's first TSRequest (below 5: before the CVE-2018-0886 fix);
        /// null when CredSSP was not reached.
        /// </summary>
        public uint? CredsspVersion { get; private set; }

        /// <summary>What deserves attention, most severe first.</summary>
        public IList<InventoryFinding> Findings { get; private set; }

        /// <summary>The whole inventory as JSON (schema <c>rdp-probe-inventory/1</c>), exactly the string <c>rdp_probe_inventory_json</c> writes: one line, no newline.</summary>
        public string Json { get; private set; }

        /// <summary>Whether a finding with this identifier is among <see cref="Findings"/>.</summary>
        /// <param name="id">The identifier, e.g. <c>CREDSSP_ORACLE_UNPATCHED</c>.</param>
        public bool HasFinding(string id)
        {
            foreach (InventoryFinding f in Findings)
            {
                if (string.Equals(f.Id, id, StringComparison.Ordinal))
                {
                    return true;
                }
            }
            return false;
        }

        /// <summary>The JSON inventory.</summary>
        public override string ToString()
        {
            return Json;
        }

        private static string Text(InventoryHandle handle, Native.InventoryString get, string function)
        {
            Utf8.Getter g = delegate(byte[] buf, UIntPtr len, out UIntPtr needed)
            {
                return get(handle, buf, len, out needed);
            };
            return Utf8.Read(g, function);
        }

        private static string Item(InventoryHandle handle, UIntPtr index, Native.InventoryItemString get, string function)
        {
            Utf8.Getter g = delegate(byte[] buf, UIntPtr len, out UIntPtr needed)
            {
                return get(handle, index, buf, len, out needed);
            };
            string text = Utf8.Read(g, function);
            if (text == null)
            {
                throw new InvalidOperationException(function + ": the finding has no value");
            }
            return text;
        }

        private static void Check(uint r, string function)
        {
            if (r != ResultCodes.Ok)
            {
                throw RdpProbeException.For(r, function);
            }
        }

        /// <summary>Reads every field of a live native inventory.</summary>
        internal static Inventory Read(InventoryHandle handle)
        {
            Inventory inventory = new Inventory();
            bool reachable;
            Check(Native.rdp_probe_inventory_reachable(handle, out reachable), "rdp_probe_inventory_reachable");
            inventory.Reachable = reachable;
            inventory.Error = Text(handle, Native.rdp_probe_inventory_error_message, "rdp_probe_inventory_error_message");
            uint nla;
            Check(Native.rdp_probe_inventory_nla(handle, out nla), "rdp_probe_inventory_nla");
            inventory.Nla = (Nla)nla;
            uint version;
            uint r = Native.rdp_probe_inventory_credssp_version(handle, out version);
            if (r == ResultCodes.Ok)
            {
                inventory.CredsspVersion = version;
            }
            else if (r != ResultCodes.NotPresent)
            {
                throw RdpProbeException.For(r, "rdp_probe_inventory_credssp_version");
            }
            UIntPtr count;
            Check(Native.rdp_probe_inventory_finding_count(handle, out count), "rdp_probe_inventory_finding_count");
            ulong n = count.ToUInt64();
            if (n > int.MaxValue)
            {
                throw new InvalidOperationException("rdp_probe_inventory_finding_count gave " + n);
            }
            List<InventoryFinding> findings = new List<InventoryFinding>((int)n);
            for (uint i = 0; i < n; i++)
            {
                UIntPtr index = new UIntPtr(i);
                findings.Add(new InventoryFinding(
                    Item(handle, index, Native.rdp_probe_inventory_finding_id, "rdp_probe_inventory_finding_id"),
                    Item(handle, index, Native.rdp_probe_inventory_finding_severity, "rdp_probe_inventory_finding_severity")));
            }
            inventory.Findings = findings.AsReadOnly();
            inventory.Json = Text(handle, Native.rdp_probe_inventory_json, "rdp_probe_inventory_json");
            if (inventory.Json == null)
            {
                throw new InvalidOperationException("rdp_probe_inventory_json: the inventory has no JSON");
            }
            return inventory;
        }
    }

    // ---------------------------------------------------------------------------------------------
    // Probe
    // ---------------------------------------------------------------------------------------------

    /// <summary>Runs probes.</summary>
    public static class Probe
    {
        /// <summary>
        /// Probes the config's target, blocking the calling thread until the probe ends: at most the
        /// config's overall timeout plus the time to tear down, or promptly after
        /// <paramref name="token"/> is cancelled. Returns a report whatever the verdict.
        /// </summary>
        /// <param name="config">The config.</param>
        /// <param name="token">A cancel token, or null.</param>
        /// <exception cref="RdpProbeCancelledException">The token was cancelled before the probe ended.</exception>
        /// <exception cref="RdpProbeInternalException">A caught panic (300) or no async runtime (301).</exception>
        /// <exception cref="ObjectDisposedException">The config or the token was disposed.</exception>
        public static Report Run(ProbeConfig config, CancelToken token = null)
        {
            return Blocking(config, token, RunCore);
        }

        /// <summary>
        /// Takes the inventory of the config's target (<c>rdp_probe_inventory_run</c>), blocking the
        /// calling thread until it ends: about the config's overall timeout plus one connect and read
        /// limit at most, or promptly after <paramref name="token"/> is cancelled. It never sends
        /// credentials, and reads only the config's target, timeouts, legacy-TLS mode,
        /// <see cref="ProbeConfigBuilder.WithMaxConnections"/> and
        /// <see cref="ProbeConfigBuilder.WithCipherSuites"/>; the rest of the config is ignored. A
        /// target that cannot be reached gives an inventory too (<see cref="RdpProbe.Inventory.Reachable"/>
        /// false), not an exception.
        /// </summary>
        /// <param name="config">The config.</param>
        /// <param name="token">A cancel token, or null.</param>
        /// <exception cref="RdpProbeCancelledException">The token was cancelled before the inventory ended.</exception>
        /// <exception cref="RdpProbeInternalException">A caught panic (300) or no async runtime (301).</exception>
        /// <exception cref="ObjectDisposedException">The config or the token was disposed.</exception>
        public static Inventory Inventory(ProbeConfig config, CancelToken token = null)
        {
            return Blocking(config, token, InventoryCore);
        }

        /// <summary>Runs <paramref name="core"/> with references held on the config and the token (if any).</summary>
        private static T Blocking<T>(ProbeConfig config, CancelToken token, Func<IntPtr, IntPtr, T> core)
        {
            if (config == null)
            {
                throw new ArgumentNullException("config");
            }
            config.ThrowIfDisposed();
            if (token != null)
            {
                token.ThrowIfDisposed();
            }
            ConfigHandle configHandle = config.Handle;
            CancelHandle cancel = token == null ? null : token.Handle;
            bool configHeld = false;
            bool cancelHeld = false;
            try
            {
                // Throws ObjectDisposedException for a disposed config or token; otherwise keeps both
                // alive until the run returns, even if another thread disposes them meanwhile.
                configHandle.DangerousAddRef(ref configHeld);
                if (cancel != null)
                {
                    cancel.DangerousAddRef(ref cancelHeld);
                }
                return core(configHandle.DangerousGetHandle(), cancel == null ? IntPtr.Zero : cancel.DangerousGetHandle());
            }
            finally
            {
                if (cancelHeld)
                {
                    cancel.DangerousRelease();
                }
                if (configHeld)
                {
                    configHandle.DangerousRelease();
                }
            }
        }

        /// <summary>
        /// Probes the config's target on a thread of its own. When <paramref name="cancellationToken"/>
        /// is cancelled, the native probe is stopped promptly and the task completes as cancelled
        /// (awaiting it throws <see cref="TaskCanceledException"/>). The config is held until the probe
        /// ends, so it may be disposed as soon as this method returns.
        /// </summary>
        /// <param name="config">The config.</param>
        /// <param name="cancellationToken">Stops the probe.</param>
        /// <returns>The report, whatever the verdict.</returns>
        /// <exception cref="ObjectDisposedException">The config was disposed (thrown at once, not through the task).</exception>
        public static Task<Report> RunAsync(ProbeConfig config, CancellationToken cancellationToken = default(CancellationToken))
        {
            return Start(config, cancellationToken, RunCore);
        }

        /// <summary>
        /// Takes the inventory of the config's target on a thread of its own (see
        /// <see cref="Probe.Inventory(ProbeConfig, CancelToken)"/>). When <paramref name="cancellationToken"/>
        /// is cancelled, the native inventory is stopped promptly and the task completes as cancelled.
        /// The config is held until the inventory ends, so it may be disposed as soon as this method
        /// returns.
        /// </summary>
        /// <param name="config">The config.</param>
        /// <param name="cancellationToken">Stops the inventory.</param>
        /// <returns>The inventory, also of a target that could not be reached.</returns>
        /// <exception cref="ObjectDisposedException">The config was disposed (thrown at once, not through the task).</exception>
        public static Task<Inventory> InventoryAsync(ProbeConfig config, CancellationToken cancellationToken = default(CancellationToken))
        {
            return Start(config, cancellationToken, InventoryCore);
        }

        /// <summary>Runs <paramref name="core"/> on a thread of its own, with a native token tied to <paramref name="cancellationToken"/>.</summary>
        private static Task<T> Start<T>(ProbeConfig config, CancellationToken cancellationToken, Func<IntPtr, IntPtr, T> core)
        {
            if (config == null)
            {
                throw new ArgumentNullException("config");
            }
            config.ThrowIfDisposed();
            TaskCompletionSource<T> tcs = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (cancellationToken.IsCancellationRequested)
            {
                tcs.TrySetCanceled(cancellationToken);
                return tcs.Task;
            }

            // Hold the config from now on: disposing it after this method returns must not fail the run.
            ConfigHandle configHandle = config.Handle;
            bool configHeld = false;
            CancelHandle cancel = null;
            CancellationTokenRegistration registration = default(CancellationTokenRegistration);
            bool started = false;
            try
            {
                configHandle.DangerousAddRef(ref configHeld);
                cancel = Native.rdp_probe_cancel_new();
                if (cancel.IsInvalid)
                {
                    throw RdpProbeException.For(ResultCodes.Panic, "rdp_probe_cancel_new");
                }
                CancelHandle c = cancel;
                registration = cancellationToken.Register(delegate
                {
                    try
                    {
                        Native.rdp_probe_cancel_trigger(c);
                    }
                    catch (ObjectDisposedException)
                    {
                        // The run has already ended and released its token.
                    }
                });
                CancellationTokenRegistration reg = registration;
                Task.Factory.StartNew(delegate
                {
                    bool cancelHeld = false;
                    try
                    {
                        c.DangerousAddRef(ref cancelHeld);
                        tcs.TrySetResult(core(configHandle.DangerousGetHandle(), c.DangerousGetHandle()));
                    }
                    catch (RdpProbeCancelledException) when (cancellationToken.IsCancellationRequested)
                    {
                        tcs.TrySetCanceled(cancellationToken);
                    }
                    catch (Exception e)
                    {
                        tcs.TrySetException(e);
                    }
                    finally
                    {
                        // Waits for a cancellation callback that is running, then frees the token.
                        reg.Dispose();
                        if (cancelHeld)
                        {
                            c.DangerousRelease();
                        }
                        c.Dispose();
                        configHandle.DangerousRelease();
                    }
                }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                started = true;
            }
            finally
            {
                if (!started)
                {
                    registration.Dispose();
                    if (cancel != null)
                    {
                        cancel.Dispose();
                    }
                    if (configHeld)
                    {
                        configHandle.DangerousRelease();
                    }
                }
            }
            return tcs.Task;
        }

        /// <summary>Probes in flight at once by default (the CLI's <c>rdp-probe scan --concurrency</c> default).</summary>
        public const int DefaultScanConcurrency = 256;

        /// <summary>
        /// Starts a fleet scan (the CLI's <c>rdp-probe scan</c>) and returns it: enumerate it for each
        /// host's JSON report, one line, exactly what the single-host call gives (<c>rdp-probe/1</c> for
        /// <see cref="ScanMode.Diagnose"/>, <c>rdp-probe-inventory/1</c> otherwise), as hosts finish.
        /// </summary>
        /// <param name="targets">The target grammar: one or more items per line, separated by whitespace or
        /// commas, <c>#</c> comments; host names and IPv4/IPv6 addresses with an optional <c>:port</c>
        /// (<c>[v6]:port</c>), CIDR blocks (<c>10.0.0.0/24</c>), last-octet ranges (<c>10.0.0.10-20</c>).
        /// Duplicates are probed once; a malformed item is skipped (<see cref="FleetScan.Skipped"/>).</param>
        /// <param name="mode">What each host gets.</param>
        /// <param name="port">The port of items without one (1 to 65535).</param>
        /// <param name="concurrency">The most probes at once, 1 to 65536. Probes in flight plus reports not
        /// yet read never exceed it: while nobody enumerates, no new probe starts.</param>
        /// <param name="config">Every probe's settings (credentials and trust, protocols, KDC, timeouts... for
        /// a diagnosis; timeouts, legacy TLS, connection limit and cipher suites for an inventory); its
        /// target is not used. Null for the library's defaults.</param>
        /// <param name="token">Cancelling it drops the probes in flight: enumeration yields the reports
        /// already finished, then throws <see cref="RdpProbeCancelledException"/>. Null for none.</param>
        /// <param name="exclude">Targets to leave out before anything is sent (same grammar), or null.</param>
        /// <param name="options">A rate, a deadline, a shard of the list or a raised target limit (the CLI's
        /// <c>--rate</c>, <c>--deadline</c>, <c>--shard</c>, <c>--max-targets</c>), or null for none.</param>
        /// <returns>The running scan; dispose it (or leave a <c>foreach</c> over it) to end it at once.</returns>
        /// <exception cref="RdpProbeInvalidArgumentException">A bad port (202), mode (213), concurrency
        /// (214), rate (216), shard (217) or target limit (218), too many targets (215), or a string
        /// that is not valid UTF-16.</exception>
        /// <exception cref="RdpProbeCancelledException">The token was already cancelled.</exception>
        /// <exception cref="ObjectDisposedException">The config or the token was disposed.</exception>
        public static FleetScan Scan(string targets, ScanMode mode = ScanMode.Diagnose, int port = 3389,
            int concurrency = DefaultScanConcurrency, ProbeConfig config = null, CancelToken token = null, string exclude = null,
            ScanOptions options = null)
        {
            if (targets == null)
            {
                throw new ArgumentNullException("targets");
            }
            if (options != null)
            {
                options.Check();
            }
            byte[] targetsC = Utf8.ToC(targets, "targets");
            byte[] excludeC = Utf8.ToC(exclude, "exclude");
            if (port < 0 || port > ushort.MaxValue)
            {
                throw RdpProbeException.For(ResultCodes.InvalidPort, "rdp_probe_scan_start");
            }
            if (concurrency < 0)
            {
                throw RdpProbeException.For(ResultCodes.InvalidConcurrency, "rdp_probe_scan_start");
            }
            Func<IntPtr, IntPtr, FleetScan> start = delegate(IntPtr configPtr, IntPtr cancelPtr)
            {
                ScanHandle handle;
                IntPtr optionsPtr = options == null ? IntPtr.Zero : options.ToNative();
                uint r;
                try
                {
                    r = Native.rdp_probe_scan_start(configPtr, targetsC, excludeC, (ushort)port, (uint)mode,
                        (uint)concurrency, optionsPtr, cancelPtr, out handle);
                }
                finally
                {
                    // The scan keeps its own copy.
                    Native.rdp_probe_scan_options_free(optionsPtr);
                }
                if (r != ResultCodes.Ok)
                {
                    handle.Dispose();
                    throw RdpProbeException.For(r, "rdp_probe_scan_start");
                }
                return new FleetScan(handle);
            };
            if (config == null)
            {
                if (token == null)
                {
                    return start(IntPtr.Zero, IntPtr.Zero);
                }
                token.ThrowIfDisposed();
                bool held = false;
                try
                {
                    token.Handle.DangerousAddRef(ref held);
                    return start(IntPtr.Zero, token.Handle.DangerousGetHandle());
                }
                finally
                {
                    if (held)
                    {
                        token.Handle.DangerousRelease();
                    }
                }
            }
            return Blocking(config, token, start);
        }

        /// <summary>As <see cref="Scan(string, ScanMode, int, int, ProbeConfig, CancelToken, string, ScanOptions)"/>, with the
        /// targets given as lines.</summary>
        /// <param name="targets">The lines of the target list.</param>
        /// <param name="mode">What each host gets.</param>
        /// <param name="port">The port of items without one.</param>
        /// <param name="concurrency">The most probes at once, 1 to 65536.</param>
        /// <param name="config">Every probe's settings, or null.</param>
        /// <param name="token">A cancel token, or null.</param>
        /// <returns>The running scan.</returns>
        public static FleetScan Scan(IEnumerable<string> targets, ScanMode mode = ScanMode.Diagnose, int port = 3389,
            int concurrency = DefaultScanConcurrency, ProbeConfig config = null, CancelToken token = null)
        {
            if (targets == null)
            {
                throw new ArgumentNullException("targets");
            }
            return Scan(string.Join("\n", targets), mode, port, concurrency, config, token, null, null);
        }

        /// <summary>
        /// Runs a fleet scan on a thread of its own and calls <paramref name="onReport"/> there with each
        /// host's JSON report as hosts finish; the task completes with the number of reports once every
        /// target has been probed. (mono's <c>mcs</c> compiles C# 7.2 at most, and <c>IAsyncEnumerable</c>
        /// is C# 8 with a newer base library, hence a callback.) When <paramref name="cancellationToken"/> is
        /// cancelled, the probes in flight are dropped, the reports already finished are still passed on,
        /// and the task completes as cancelled. An exception from <paramref name="onReport"/> ends the scan
        /// and faults the task. When the task completes, the scan has ended and its native thread is
        /// joined. Arguments are checked at once, as by <see cref="Scan(string, ScanMode, int, int, ProbeConfig, CancelToken, string, ScanOptions)"/>.
        /// </summary>
        /// <param name="targets">The target grammar.</param>
        /// <param name="onReport">Called with each report's JSON, one at a time, on the scan's worker thread.</param>
        /// <param name="mode">What each host gets.</param>
        /// <param name="port">The port of items without one.</param>
        /// <param name="concurrency">The most probes at once, 1 to 65536.</param>
        /// <param name="config">Every probe's settings, or null. It may be disposed once this method returns.</param>
        /// <param name="exclude">Targets to leave out, or null.</param>
        /// <param name="cancellationToken">Stops the scan.</param>
        /// <param name="options">A rate, a deadline, a shard or a raised target limit, or null. When the
        /// deadline cuts the scan short, the task completes with the reports there are.</param>
        /// <returns>The number of reports.</returns>
        public static Task<int> ScanAsync(string targets, Action<string> onReport, ScanMode mode = ScanMode.Diagnose,
            int port = 3389, int concurrency = DefaultScanConcurrency, ProbeConfig config = null, string exclude = null,
            CancellationToken cancellationToken = default(CancellationToken), ScanOptions options = null)
        {
            if (onReport == null)
            {
                throw new ArgumentNullException("onReport");
            }
            TaskCompletionSource<int> tcs = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
            if (cancellationToken.IsCancellationRequested)
            {
                tcs.TrySetCanceled(cancellationToken);
                return tcs.Task;
            }
            CancelToken native = new CancelToken();
            FleetScan scan = null;
            CancellationTokenRegistration registration = default(CancellationTokenRegistration);
            bool started = false;
            try
            {
                scan = Scan(targets, mode, port, concurrency, config, native, exclude, options);
                registration = cancellationToken.Register(delegate
                {
                    try
                    {
                        native.Cancel();
                    }
                    catch (ObjectDisposedException)
                    {
                        // The scan has already ended and released its token.
                    }
                });
                FleetScan s = scan;
                CancellationTokenRegistration reg = registration;
                Task.Factory.StartNew(delegate
                {
                    int count = 0;
                    bool cancelled = false;
                    Exception error = null;
                    try
                    {
                        string json;
                        while ((json = s.Next()) != null)
                        {
                            onReport(json);
                            count++;
                        }
                    }
                    catch (RdpProbeCancelledException) when (cancellationToken.IsCancellationRequested)
                    {
                        cancelled = true;
                    }
                    catch (Exception e)
                    {
                        error = e;
                    }
                    finally
                    {
                        // Before the task completes: once it has, the native scan's thread is gone.
                        reg.Dispose();
                        s.Dispose();
                        native.Dispose();
                    }
                    if (cancelled)
                    {
                        tcs.TrySetCanceled(cancellationToken);
                    }
                    else if (error != null)
                    {
                        tcs.TrySetException(error);
                    }
                    else
                    {
                        tcs.TrySetResult(count);
                    }
                }, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
                started = true;
            }
            finally
            {
                if (!started)
                {
                    registration.Dispose();
                    if (scan != null)
                    {
                        scan.Dispose();
                    }
                    native.Dispose();
                }
            }
            return tcs.Task;
        }

        /// <summary>Runs one probe; the caller holds a reference on the config and on the token (if any).</summary>
        private static Report RunCore(IntPtr config, IntPtr cancel)
        {
            ReportHandle report;
            uint r = Native.rdp_probe_run(config, cancel, out report);
            using (report)
            {
                if (r != ResultCodes.Ok)
                {
                    throw RdpProbeException.For(r, "rdp_probe_run");
                }
                if (report.IsInvalid)
                {
                    throw new InvalidOperationException("rdp_probe_run returned OK without a report");
                }
                return Report.Read(report);
            }
        }

        /// <summary>Takes one inventory; the caller holds a reference on the config and on the token (if any).</summary>
        private static Inventory InventoryCore(IntPtr config, IntPtr cancel)
        {
            InventoryHandle inventory;
            uint r = Native.rdp_probe_inventory_run(config, cancel, out inventory);
            using (inventory)
            {
                if (r != ResultCodes.Ok)
                {
                    throw RdpProbeException.For(r, "rdp_probe_inventory_run");
                }
                if (inventory.IsInvalid)
                {
                    throw new InvalidOperationException("rdp_probe_inventory_run returned OK without an inventory");
                }
                return RdpProbe.Inventory.Read(inventory);
            }
        }
    }

    /// <summary>
    /// A fleet scan's bounds beyond its mode and concurrency (<c>rdp_probe_scan_options</c>; the CLI's
    /// <c>rdp-probe scan --rate</c>, <c>--deadline</c>, <c>--shard</c> and <c>--max-targets</c>). Each
    /// property left null keeps the library's default. Checked when the scan starts.
    /// </summary>
    /// <example><code>
    /// var options = new ScanOptions { Rate = 500, Deadline = TimeSpan.FromMinutes(30), ShardIndex = 2, ShardCount = 8 };
    /// foreach (string json in Probe.Scan("10.0.0.0/16", ScanMode.Negotiate, options: options)) { ... }
    /// </code></example>
    public sealed class ScanOptions
    {
        /// <summary>The most new probes per second, evenly spaced; null or 0 for no limit beyond the
        /// concurrency. Negative, NaN or infinite is refused (216).</summary>
        public double? Rate { get; set; }

        /// <summary>How long after its start the scan may start new probes (above zero); the ones in flight
        /// finish, and <see cref="FleetScan.DeadlinePassed"/> says whether targets were left. Null for none.</summary>
        public TimeSpan? Deadline { get; set; }

        /// <summary>Which shard (from 0) of <see cref="ShardCount"/> this scan probes: the i-th target of the
        /// list belongs to shard i % count, so processes with the same list, the same count and each its
        /// own index probe every target exactly once between them. Null for the whole list.</summary>
        public long? ShardIndex { get; set; }

        /// <summary>The number of shards (at least 1; <see cref="ShardIndex"/> below it). Null for the whole list.</summary>
        public long? ShardCount { get; set; }

        /// <summary>The most targets the list may hold after dedupe and exclusions, before sharding (65536 by
        /// default; at least 1): raise it deliberately for large blocks.</summary>
        public long? MaxTargets { get; set; }

        /// <summary>Refuses what cannot be passed on at all (the library judges the rest).</summary>
        internal void Check()
        {
            if (Deadline.HasValue && Deadline.Value <= TimeSpan.Zero)
            {
                throw new ArgumentOutOfRangeException("Deadline", "a scan's deadline must be above zero (null for none)");
            }
            if (ShardIndex.HasValue != ShardCount.HasValue)
            {
                throw new ArgumentException("give both ShardIndex and ShardCount, or neither");
            }
            if ((ShardIndex.HasValue && ShardIndex.Value < 0) || (ShardCount.HasValue && ShardCount.Value < 0))
            {
                throw RdpProbeException.For(ResultCodes.InvalidShard, "rdp_probe_scan_options_set_shard");
            }
            if (MaxTargets.HasValue && MaxTargets.Value < 0)
            {
                throw RdpProbeException.For(ResultCodes.InvalidMaxTargets, "rdp_probe_scan_options_set_max_targets");
            }
        }

        /// <summary>New native options with these settings; the caller frees them.</summary>
        internal IntPtr ToNative()
        {
            IntPtr ptr = Native.rdp_probe_scan_options_new();
            if (ptr == IntPtr.Zero)
            {
                throw RdpProbeException.For(ResultCodes.Panic, "rdp_probe_scan_options_new");
            }
            try
            {
                if (Rate.HasValue)
                {
                    Set(Native.rdp_probe_scan_options_set_rate(ptr, Rate.Value), "rdp_probe_scan_options_set_rate");
                }
                if (Deadline.HasValue)
                {
                    double ms = Math.Ceiling(Deadline.Value.TotalMilliseconds);
                    Set(Native.rdp_probe_scan_options_set_deadline_ms(ptr, (ulong)Math.Max(1.0, ms)), "rdp_probe_scan_options_set_deadline_ms");
                }
                if (ShardIndex.HasValue && ShardCount.HasValue)
                {
                    Set(Native.rdp_probe_scan_options_set_shard(ptr, (ulong)ShardIndex.Value, (ulong)ShardCount.Value), "rdp_probe_scan_options_set_shard");
                }
                if (MaxTargets.HasValue)
                {
                    Set(Native.rdp_probe_scan_options_set_max_targets(ptr, (ulong)MaxTargets.Value), "rdp_probe_scan_options_set_max_targets");
                }
                return ptr;
            }
            catch
            {
                Native.rdp_probe_scan_options_free(ptr);
                throw;
            }
        }

        private static void Set(uint r, string what)
        {
            if (r != ResultCodes.Ok)
            {
                throw RdpProbeException.For(r, what);
            }
        }
    }

    /// <summary>
    /// A fleet scan in progress (<c>rdp_probe_scan</c>), made by <see cref="Probe.Scan(string, ScanMode, int, int, ProbeConfig, CancelToken, string, ScanOptions)"/>:
    /// enumerate it (once) for each host's JSON report as hosts finish, not in the order of the list;
    /// every target gets exactly one. Enumeration blocks until the next host finishes. Leaving the
    /// <c>foreach</c> (also early) or <see cref="Dispose"/> ends the scan at once: the probes in flight are
    /// dropped and the native scan's thread is joined. <see cref="Stop"/> ends it gracefully.
    /// </summary>
    public sealed class FleetScan : IEnumerable<string>, IDisposable
    {
        private readonly ScanHandle handle;
        private int enumerated;
        private volatile bool ended;

        internal FleetScan(ScanHandle handle)
        {
            this.handle = handle;
            ulong targets;
            uint r = Native.rdp_probe_scan_target_count(handle, out targets);
            if (r != ResultCodes.Ok)
            {
                handle.Dispose();
                throw RdpProbeException.For(r, "rdp_probe_scan_target_count");
            }
            TargetCount = targets;
            UIntPtr count;
            r = Native.rdp_probe_scan_skipped_count(handle, out count);
            if (r != ResultCodes.Ok)
            {
                handle.Dispose();
                throw RdpProbeException.For(r, "rdp_probe_scan_skipped_count");
            }
            List<string> skipped = new List<string>();
            for (ulong i = 0; i < count.ToUInt64(); i++)
            {
                UIntPtr index = new UIntPtr(i);
                Utf8.Getter get = delegate(byte[] buf, UIntPtr len, out UIntPtr needed)
                {
                    return Native.rdp_probe_scan_skipped_line(handle, index, buf, len, out needed);
                };
                skipped.Add(Utf8.Read(get, "rdp_probe_scan_skipped_line"));
            }
            Skipped = skipped.AsReadOnly();
        }

        /// <summary>The number of targets the scan probes (its shard's share, after dedupe and exclusions).</summary>
        public ulong TargetCount { get; private set; }

        /// <summary>
        /// True once the enumeration has ended because the scan's deadline (<see cref="ScanOptions.Deadline"/>)
        /// passed with targets left: those were not probed.
        /// </summary>
        public bool DeadlinePassed { get; private set; }

        /// <summary>
        /// The malformed items that were left out, each with its line and why, e.g.
        /// <c>line 2: "10.0.0.0/24:3390": a CIDR block takes no port: ...</c>.
        /// </summary>
        public IList<string> Skipped { get; private set; }

        /// <summary>
        /// The next host's JSON report, waiting for it; null once every report has been read (or after
        /// <see cref="Stop"/>, once the probes in flight have finished).
        /// </summary>
        /// <exception cref="RdpProbeCancelledException">The scan's token was cancelled (after the finished reports).</exception>
        /// <exception cref="RdpProbeInternalException">A probe panicked (after the other reports).</exception>
        /// <remarks>After <see cref="Dispose"/>, returns null.</remarks>
        public string Next()
        {
            if (ended)
            {
                return null;
            }
            byte[] buf = new byte[4096];
            UIntPtr needed;
            uint r = Native.rdp_probe_scan_next(handle, buf, new UIntPtr((uint)buf.Length), out needed);
            while (r == ResultCodes.BufferTooSmall)
            {
                ulong size = needed.ToUInt64();
                if (size < 1 || size > int.MaxValue)
                {
                    throw new InvalidOperationException("rdp_probe_scan_next asked for a buffer of " + size + " bytes");
                }
                buf = new byte[(int)size];
                r = Native.rdp_probe_scan_next(handle, buf, new UIntPtr((uint)buf.Length), out needed);
            }
            if (r == ResultCodes.Ok)
            {
                return Utf8.FromC(buf, (int)needed.ToUInt64());
            }
            ended = true;
            if (r == ResultCodes.ScanDone)
            {
                return null;
            }
            if (r == ResultCodes.ScanDeadline)
            {
                DeadlinePassed = true;
                return null;
            }
            throw RdpProbeException.For(r, "rdp_probe_scan_next");
        }

        /// <summary>
        /// Starts no new probe; the ones in flight finish and are still returned, then the enumeration
        /// ends. Thread-safe, also while another thread waits in <see cref="Next"/>. Does nothing once disposed.
        /// </summary>
        public void Stop()
        {
            if (handle.IsClosed)
            {
                return;
            }
            try
            {
                Native.rdp_probe_scan_stop(handle);
            }
            catch (ObjectDisposedException)
            {
                // Disposed by another thread meanwhile: nothing left to stop.
            }
        }

        /// <summary>The reports; a scan is enumerated once, and leaving the enumeration disposes it.</summary>
        /// <returns>An enumerator of JSON reports.</returns>
        /// <exception cref="InvalidOperationException">The scan was enumerated before.</exception>
        public IEnumerator<string> GetEnumerator()
        {
            if (Interlocked.Exchange(ref enumerated, 1) != 0)
            {
                throw new InvalidOperationException("a FleetScan can be enumerated once");
            }
            return Enumerate();
        }

        System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator()
        {
            return GetEnumerator();
        }

        private IEnumerator<string> Enumerate()
        {
            try
            {
                string json;
                while ((json = Next()) != null)
                {
                    yield return json;
                }
            }
            finally
            {
                Dispose();
            }
        }

        /// <summary>
        /// Ends the scan: drops the probes in flight and the reports not read, and joins the native scan's
        /// thread. From another thread while one waits in <see cref="Next"/>, the scan is stopped first and
        /// freed when that call returns.
        /// </summary>
        public void Dispose()
        {
            ended = true;
            Stop();
            handle.Dispose();
        }
    }
}

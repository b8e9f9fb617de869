//! `errorInfo` values of the server's Set Error Info PDU (MS-RDPBCGR 2.2.5.1.1).
//!
//! The server sends this PDU (only to clients that advertise `RNS_UD_CS_SUPPORT_ERRINFO_PDU`
//! in Client Core Data) and then disconnects; the client keeps the value as the reason
//! for the disconnect, and mstsc shows it as the *extended* error code.
//!
//! Not listed here on purpose, because they never appear on the wire:
//! FreeRDP's pseudo codes `ERRINFO_PEER_DISCONNECTED` (0x1196, "peer connection lost",
//! generated locally by FreeRDP) and `ERRINFO_NONE` (0xFFFFFFFF, a FreeRDP-internal
//! sentinel; the specification's `ERRINFO_NONE` is 0). A server that sends either is
//! reported as unknown with its raw value.

use crate::CodeEntry;

const SRC: &str = "MS-RDPBCGR 2.2.5.1.1";

const fn e(value: u32, name: &'static str, meaning: &'static str) -> CodeEntry {
    CodeEntry::new(value, name, meaning, SRC)
}

const H_ADMIN_TOOL: &str = "an administrator (or a management tool such as Task Manager, qwinsta/rwinsta, Server Manager) ended the session: check the server's TerminalServices-LocalSessionManager log for who did it";
const H_SESSION_LIMITS: &str = "a session time limit set by policy ended the session: check 'Session Time Limits' (Computer/User Configuration > Administrative Templates > Windows Components > Remote Desktop Services > Remote Desktop Session Host)";
const H_DISPLAY: &str = "the session's display/graphics stack failed on the server: check the server's System and Application logs, graphics drivers and recent updates; a server reboot often clears it";
const H_SESSION_CRASH: &str = "a core process of the user's session crashed on the server: check the server's Application log (Winlogon/CSRSS/DWM faults) and recent updates";
const H_PROTOCOL: &str = "the server rejected a PDU it received from the client (a protocol bug or an incompatible client/proxy): check the server's RemoteDesktopServices-RdpCoreTS log and any RDP proxy in between";
const H_LICENSING: &str = "check the RD Licensing configuration on the session host (RD Licensing Diagnoser, licensing mode, license server reachability and CAL availability)";
const H_BROKER: &str = "the RD Connection Broker could not place the connection: check the broker's event log, the collection/pool membership and the target machines";

/// Every documented `errorInfo` value.
pub static TABLE: &[CodeEntry] = &[
    // Protocol-independent codes.
    e(0x0000_0000, "ERRINFO_NONE", "No error; the value is to be ignored"),
    e(0x0000_0001, "ERRINFO_RPC_INITIATED_DISCONNECT", "An administrative tool in another session disconnected this session").with_hint(H_ADMIN_TOOL),
    e(0x0000_0002, "ERRINFO_RPC_INITIATED_LOGOFF", "An administrative tool in another session forced a logoff").with_hint(H_ADMIN_TOOL),
    e(0x0000_0003, "ERRINFO_IDLE_TIMEOUT", "The server's idle session time limit expired").with_hint(H_SESSION_LIMITS),
    e(0x0000_0004, "ERRINFO_LOGON_TIMEOUT", "The server's active session time limit expired").with_hint(H_SESSION_LIMITS),
    e(0x0000_0005, "ERRINFO_DISCONNECTED_BY_OTHER_CONNECTION", "Another connection took over the session").with_hint("someone (possibly the same account from another device) connected to this session: check single-session-per-user policy and who else uses the account"),
    e(0x0000_0006, "ERRINFO_OUT_OF_MEMORY", "The server ran out of memory").with_hint("the server is short of memory: check its memory use and the System log"),
    e(0x0000_0007, "ERRINFO_SERVER_DENIED_CONNECTION", "The server refused the connection").with_hint("the server refused the session after the connection was set up: check the server's event log (RemoteDesktopServices-RdpCoreTS / TerminalServices-LocalSessionManager), connection limits, licensing, and any RDP gateway/proxy in between"),
    e(0x0000_0009, "ERRINFO_SERVER_INSUFFICIENT_PRIVILEGES", "The user may not connect: insufficient privileges").with_hint("the account authenticated but lacks the right to log on through Remote Desktop: add it to Remote Desktop Users / the 'Allow log on through Remote Desktop Services' policy (and check 'Deny log on through Remote Desktop Services')"),
    e(0x0000_000A, "ERRINFO_SERVER_FRESH_CREDENTIALS_REQUIRED", "Saved credentials are not accepted; the user must type them").with_hint("server policy 'Always prompt for password upon connection' is set: enter the password interactively instead of using saved credentials"),
    e(0x0000_000B, "ERRINFO_RPC_INITIATED_DISCONNECT_BY_USER", "A tool running in the user's own session disconnected it"),
    e(0x0000_000C, "ERRINFO_LOGOFF_BY_USER", "The user logged off (normal end of session)"),
    e(0x0000_000F, "ERRINFO_CLOSE_STACK_ON_DRIVER_NOT_READY", "The display driver did not report ready in time").with_hint(H_DISPLAY),
    e(0x0000_0010, "ERRINFO_SERVER_DWM_CRASH", "The Desktop Window Manager of the session crashed").with_hint(H_SESSION_CRASH),
    e(0x0000_0011, "ERRINFO_CLOSE_STACK_ON_DRIVER_FAILURE", "The display driver failed to start").with_hint(H_DISPLAY),
    e(0x0000_0012, "ERRINFO_CLOSE_STACK_ON_DRIVER_IFACE_FAILURE", "The display driver started but could not be used").with_hint(H_DISPLAY),
    e(0x0000_0017, "ERRINFO_SERVER_WINLOGON_CRASH", "Winlogon of the session crashed").with_hint(H_SESSION_CRASH),
    e(0x0000_0018, "ERRINFO_SERVER_CSRSS_CRASH", "CSRSS of the session crashed").with_hint(H_SESSION_CRASH),
    CodeEntry::new(0x0000_0019, "ERRINFO_SERVER_SHUTDOWN", "The server is shutting down",
        "derived: IronRDP ironrdp-pdu server_error_info.rs and aardwolf; mstsc type library exDiscReasonShutdown = 25; not seen in the MS-RDPBCGR 2.2.5.1.1 text read")
        .mark_derived().with_hint("the server is being shut down: retry after it is back"),
    CodeEntry::new(0x0000_001A, "ERRINFO_SERVER_REBOOT", "The server is restarting",
        "derived: IronRDP ironrdp-pdu server_error_info.rs and aardwolf; mstsc type library exDiscReasonReboot = 26; not seen in the MS-RDPBCGR 2.2.5.1.1 text read")
        .mark_derived().with_hint("the server is restarting: retry after it is back"),
    // Licensing codes.
    e(0x0000_0100, "ERRINFO_LICENSE_INTERNAL", "Internal error in the licensing protocol").with_hint(H_LICENSING),
    e(0x0000_0101, "ERRINFO_LICENSE_NO_LICENSE_SERVER", "No Remote Desktop license server could be found").with_hint("no Remote Desktop license server reachable: check the RD Licensing configuration (license server name, licensing mode, firewall between session host and license server)"),
    e(0x0000_0102, "ERRINFO_LICENSE_NO_LICENSE", "No client access license (CAL) is available").with_hint("the license server has no CAL to issue: check installed RDS CALs, per-user/per-device mode and the grace period"),
    e(0x0000_0103, "ERRINFO_LICENSE_BAD_CLIENT_MSG", "The server received an invalid licensing message from the client").with_hint(H_LICENSING),
    e(0x0000_0104, "ERRINFO_LICENSE_HWID_DOESNT_MATCH_LICENSE", "The client's stored license was modified").with_hint("the client's cached license does not match its hardware id: delete the client's cached license (HKLM\\SOFTWARE\\Microsoft\\MSLicensing on Windows clients)"),
    e(0x0000_0105, "ERRINFO_LICENSE_BAD_CLIENT_LICENSE", "The client's stored license has an invalid format").with_hint("the client's cached license is corrupt: delete it (HKLM\\SOFTWARE\\Microsoft\\MSLicensing on Windows clients) and reconnect"),
    e(0x0000_0106, "ERRINFO_LICENSE_CANT_FINISH_PROTOCOL", "Network problems cut the licensing exchange short").with_hint("the licensing exchange was interrupted: check packet loss / MTU problems between client and server"),
    e(0x0000_0107, "ERRINFO_LICENSE_CLIENT_ENDED_PROTOCOL", "The client ended the licensing exchange early"),
    e(0x0000_0108, "ERRINFO_LICENSE_BAD_CLIENT_ENCRYPTION", "A licensing message was encrypted incorrectly").with_hint(H_LICENSING),
    e(0x0000_0109, "ERRINFO_LICENSE_CANT_UPGRADE_LICENSE", "The client's license could not be upgraded or renewed").with_hint("the license server could not renew the client's CAL: check CAL availability and the license server's event log"),
    e(0x0000_010A, "ERRINFO_LICENSE_NO_REMOTE_CONNECTIONS", "The server is not licensed to accept remote connections").with_hint("the session host is not licensed for remote sessions (grace period over or RDS role not licensed): configure RD Licensing or use the administrative (/admin) connection"),
    // Connection broker codes.
    e(0x0000_0400, "ERRINFO_CB_DESTINATION_NOT_FOUND", "The broker could not find the target endpoint").with_hint(H_BROKER),
    e(0x0000_0402, "ERRINFO_CB_LOADING_DESTINATION", "The target endpoint is disconnecting from the broker").with_hint(H_BROKER),
    e(0x0000_0404, "ERRINFO_CB_REDIRECTING_TO_DESTINATION", "Redirecting to the target endpoint failed").with_hint(H_BROKER),
    e(0x0000_0405, "ERRINFO_CB_SESSION_ONLINE_VM_WAKE", "Waking the target virtual machine failed").with_hint(H_BROKER),
    e(0x0000_0406, "ERRINFO_CB_SESSION_ONLINE_VM_BOOT", "Starting the target virtual machine failed").with_hint(H_BROKER),
    e(0x0000_0407, "ERRINFO_CB_SESSION_ONLINE_VM_NO_DNS", "The IP address of the target virtual machine is unknown").with_hint(H_BROKER),
    e(0x0000_0408, "ERRINFO_CB_DESTINATION_POOL_NOT_FREE", "No free endpoint in the pool").with_hint(H_BROKER),
    e(0x0000_0409, "ERRINFO_CB_CONNECTION_CANCELLED", "The broker cancelled processing of the connection"),
    e(0x0000_0410, "ERRINFO_CB_CONNECTION_ERROR_INVALID_SETTINGS", "The routing token in the X.224 Connection Request could not be validated").with_hint("the load-balancing / routing information sent by the client is wrong: check the .rdp file's loadbalanceinfo and the broker configuration"),
    e(0x0000_0411, "ERRINFO_CB_SESSION_ONLINE_VM_BOOT_TIMEOUT", "Starting the target virtual machine timed out").with_hint(H_BROKER),
    e(0x0000_0412, "ERRINFO_CB_SESSION_ONLINE_VM_SESSMON_FAILED", "Session monitoring failed while starting the target virtual machine").with_hint(H_BROKER),
    // RDP-specific codes (protocol errors detected by the server).
    e(0x0000_10C9, "ERRINFO_UNKNOWN_DATA_PDU_TYPE", "Unknown pduType2 in a Share Data Header").with_hint(H_PROTOCOL),
    e(0x0000_10CA, "ERRINFO_UNKNOWN_PDU_TYPE", "Unknown pduType in a Share Control Header").with_hint(H_PROTOCOL),
    e(0x0000_10CB, "ERRINFO_DATA_PDU_SEQUENCE", "A slow-path data PDU arrived out of sequence").with_hint(H_PROTOCOL),
    e(0x0000_10CD, "ERRINFO_CONTROL_PDU_SEQUENCE", "A slow-path non-data PDU arrived out of sequence").with_hint(H_PROTOCOL),
    e(0x0000_10CE, "ERRINFO_INVALID_CONTROL_PDU_ACTION", "A Control PDU carried an invalid action").with_hint(H_PROTOCOL),
    e(0x0000_10CF, "ERRINFO_INVALID_INPUT_PDU_TYPE", "An input event had an invalid type").with_hint(H_PROTOCOL),
    e(0x0000_10D0, "ERRINFO_INVALID_INPUT_PDU_MOUSE", "A mouse event had invalid pointer flags").with_hint(H_PROTOCOL),
    e(0x0000_10D1, "ERRINFO_INVALID_REFRESH_RECT_PDU", "A Refresh Rect PDU was invalid").with_hint(H_PROTOCOL),
    e(0x0000_10D2, "ERRINFO_CREATE_USER_DATA_FAILED", "The server could not build its GCC Conference Create Response user data").with_hint(H_PROTOCOL),
    e(0x0000_10D3, "ERRINFO_CONNECT_FAILED", "The Channel Connection phase failed").with_hint("channel join failed on the server: check the server's RemoteDesktopServices-RdpCoreTS log and any proxy that rewrites channels"),
    e(0x0000_10D4, "ERRINFO_CONFIRM_ACTIVE_HAS_WRONG_SHAREID", "Confirm Active PDU carried the wrong shareId").with_hint(H_PROTOCOL),
    e(0x0000_10D5, "ERRINFO_CONFIRM_ACTIVE_HAS_WRONG_ORIGINATOR", "Confirm Active PDU carried the wrong originatorId").with_hint(H_PROTOCOL),
    e(0x0000_10DA, "ERRINFO_PERSISTENT_KEY_PDU_BAD_LENGTH", "Persistent Key List PDU too short").with_hint(H_PROTOCOL),
    e(0x0000_10DB, "ERRINFO_PERSISTENT_KEY_PDU_ILLEGAL_FIRST", "A second 'first' Persistent Key List PDU was received").with_hint(H_PROTOCOL),
    e(0x0000_10DC, "ERRINFO_PERSISTENT_KEY_PDU_TOO_MANY_TOTAL_KEYS", "Persistent Key List PDUs announced too many keys in total").with_hint(H_PROTOCOL),
    e(0x0000_10DD, "ERRINFO_PERSISTENT_KEY_PDU_TOO_MANY_CACHE_KEYS", "Persistent Key List PDU had an invalid key count for a cache").with_hint(H_PROTOCOL),
    e(0x0000_10DE, "ERRINFO_INPUT_PDU_BAD_LENGTH", "Input Event PDU too short").with_hint(H_PROTOCOL),
    e(0x0000_10DF, "ERRINFO_BITMAP_CACHE_ERROR_PDU_BAD_LENGTH", "Bitmap Cache Error PDU header too short").with_hint(H_PROTOCOL),
    e(0x0000_10E0, "ERRINFO_SECURITY_DATA_TOO_SHORT", "Fast-path input security fields too short").with_hint(H_PROTOCOL),
    e(0x0000_10E1, "ERRINFO_VCHANNEL_DATA_TOO_SHORT", "Client Network Data or a channel PDU header too short").with_hint(H_PROTOCOL),
    e(0x0000_10E2, "ERRINFO_SHARE_DATA_TOO_SHORT", "A share control/data PDU was too short").with_hint(H_PROTOCOL),
    e(0x0000_10E3, "ERRINFO_BAD_SUPPRESS_OUTPUT_PDU", "Suppress Output PDU invalid").with_hint(H_PROTOCOL),
    e(0x0000_10E5, "ERRINFO_CONFIRM_ACTIVE_PDU_TOO_SHORT", "Confirm Active PDU too short").with_hint(H_PROTOCOL),
    e(0x0000_10E7, "ERRINFO_CAPABILITY_SET_TOO_SMALL", "A capability set header was too short").with_hint(H_PROTOCOL),
    e(0x0000_10E8, "ERRINFO_CAPABILITY_SET_TOO_LARGE", "A capability set length exceeded the data received").with_hint(H_PROTOCOL),
    e(0x0000_10E9, "ERRINFO_NO_CURSOR_CACHE", "The pointer capability announced no cursor cache").with_hint(H_PROTOCOL),
    e(0x0000_10EA, "ERRINFO_BAD_CAPABILITIES", "The server did not accept the client's capabilities").with_hint(H_PROTOCOL),
    e(0x0000_10EC, "ERRINFO_VIRTUAL_CHANNEL_DECOMPRESSION", "Decompressing virtual channel data failed").with_hint(H_PROTOCOL),
    e(0x0000_10ED, "ERRINFO_INVALID_VC_COMPRESSION_TYPE", "A virtual channel PDU used an invalid compression type").with_hint(H_PROTOCOL),
    e(0x0000_10EF, "ERRINFO_INVALID_CHANNEL_ID", "A virtual channel PDU named an invalid channel").with_hint(H_PROTOCOL),
    e(0x0000_10F0, "ERRINFO_VCHANNELS_TOO_MANY", "The client requested more than 31 static channels").with_hint(H_PROTOCOL),
    e(0x0000_10F3, "ERRINFO_REMOTEAPP_NOT_ENABLED", "The server only hosts RemoteApp programs; a full desktop was requested").with_hint("the server publishes RemoteApp programs only: connect with a RemoteApp .rdp file, or allow full desktops on the collection"),
    e(0x0000_10F4, "ERRINFO_CACHE_CAP_NOT_SET", "Persistent Key List sent without the bitmap cache rev. 2 capability").with_hint(H_PROTOCOL),
    e(0x0000_10F5, "ERRINFO_BITMAP_CACHE_ERROR_PDU_BAD_LENGTH2", "Bitmap Cache Error PDU block count inconsistent").with_hint(H_PROTOCOL),
    e(0x0000_10F6, "ERRINFO_OFFSCREEN_CACHE_ERROR_PDU_BAD_LENGTH", "Offscreen Bitmap Cache Error PDU too short").with_hint(H_PROTOCOL),
    e(0x0000_10F7, "ERRINFO_DRAWNINEGRID_CACHE_ERROR_PDU_BAD_LENGTH", "DrawNineGrid Cache Error PDU too short").with_hint(H_PROTOCOL),
    e(0x0000_10F8, "ERRINFO_GDIPLUS_PDU_BAD_LENGTH", "GDI+ Error PDU too short").with_hint(H_PROTOCOL),
    e(0x0000_1111, "ERRINFO_SECURITY_DATA_TOO_SHORT2", "Basic Security Header too short").with_hint(H_PROTOCOL),
    e(0x0000_1112, "ERRINFO_SECURITY_DATA_TOO_SHORT3", "Non-FIPS or FIPS Security Header too short").with_hint(H_PROTOCOL),
    e(0x0000_1113, "ERRINFO_SECURITY_DATA_TOO_SHORT4", "Security Exchange PDU too short").with_hint(H_PROTOCOL),
    e(0x0000_1114, "ERRINFO_SECURITY_DATA_TOO_SHORT5", "Info Packet too short for its fixed fields and strings").with_hint(H_PROTOCOL),
    e(0x0000_1115, "ERRINFO_SECURITY_DATA_TOO_SHORT6", "Info Packet too short for its fixed-length fields").with_hint(H_PROTOCOL),
    e(0x0000_1116, "ERRINFO_SECURITY_DATA_TOO_SHORT7", "Extended Info Packet: address family or length missing").with_hint(H_PROTOCOL),
    e(0x0000_1117, "ERRINFO_SECURITY_DATA_TOO_SHORT8", "Extended Info Packet: client address missing").with_hint(H_PROTOCOL),
    e(0x0000_1118, "ERRINFO_SECURITY_DATA_TOO_SHORT9", "Extended Info Packet: client directory length missing").with_hint(H_PROTOCOL),
    e(0x0000_1119, "ERRINFO_SECURITY_DATA_TOO_SHORT10", "Extended Info Packet: client directory missing").with_hint(H_PROTOCOL),
    e(0x0000_111A, "ERRINFO_SECURITY_DATA_TOO_SHORT11", "Extended Info Packet: client time zone missing").with_hint(H_PROTOCOL),
    e(0x0000_111B, "ERRINFO_SECURITY_DATA_TOO_SHORT12", "Extended Info Packet: client session id missing").with_hint(H_PROTOCOL),
    e(0x0000_111C, "ERRINFO_SECURITY_DATA_TOO_SHORT13", "Extended Info Packet: performance flags missing").with_hint(H_PROTOCOL),
    e(0x0000_111D, "ERRINFO_SECURITY_DATA_TOO_SHORT14", "Extended Info Packet: auto-reconnect length missing").with_hint(H_PROTOCOL),
    e(0x0000_111E, "ERRINFO_SECURITY_DATA_TOO_SHORT15", "Extended Info Packet: auto-reconnect cookie missing").with_hint(H_PROTOCOL),
    e(0x0000_111F, "ERRINFO_SECURITY_DATA_TOO_SHORT16", "Extended Info Packet: auto-reconnect cookie longer than 128 bytes").with_hint(H_PROTOCOL),
    e(0x0000_1120, "ERRINFO_SECURITY_DATA_TOO_SHORT17", "Extended Info Packet (second check): address family or length missing").with_hint(H_PROTOCOL),
    e(0x0000_1121, "ERRINFO_SECURITY_DATA_TOO_SHORT18", "Extended Info Packet (second check): client address missing").with_hint(H_PROTOCOL),
    e(0x0000_1122, "ERRINFO_SECURITY_DATA_TOO_SHORT19", "Extended Info Packet (second check): client directory length missing").with_hint(H_PROTOCOL),
    e(0x0000_1123, "ERRINFO_SECURITY_DATA_TOO_SHORT20", "Extended Info Packet (second check): client directory missing").with_hint(H_PROTOCOL),
    e(0x0000_1124, "ERRINFO_SECURITY_DATA_TOO_SHORT21", "Extended Info Packet (second check): client time zone missing").with_hint(H_PROTOCOL),
    e(0x0000_1125, "ERRINFO_SECURITY_DATA_TOO_SHORT22", "Extended Info Packet (second check): client session id missing").with_hint(H_PROTOCOL),
    e(0x0000_1126, "ERRINFO_SECURITY_DATA_TOO_SHORT23", "Client Info PDU too short").with_hint(H_PROTOCOL),
    e(0x0000_1129, "ERRINFO_BAD_MONITOR_DATA", "Client Monitor Data invalid (monitor count or definitions)").with_hint(H_PROTOCOL),
    e(0x0000_112A, "ERRINFO_VC_DECOMPRESSED_REASSEMBLE_FAILED", "Reassembling decompressed virtual channel data failed").with_hint(H_PROTOCOL),
    e(0x0000_112B, "ERRINFO_VC_DATA_TOO_LONG", "A virtual channel PDU exceeded the negotiated chunk size").with_hint(H_PROTOCOL),
    e(0x0000_112C, "ERRINFO_BAD_FRAME_ACK_DATA", "Frame Acknowledge PDU too short").with_hint(H_PROTOCOL),
    e(0x0000_112D, "ERRINFO_GRAPHICS_MODE_NOT_SUPPORTED", "The requested graphics mode is not supported by the server").with_hint("the server cannot provide the requested graphics mode: try another resolution/colour depth, check the server's graphics adapter and RemoteFX/GPU policies"),
    e(0x0000_112E, "ERRINFO_GRAPHICS_SUBSYSTEM_RESET_FAILED", "Resetting the server's graphics subsystem failed").with_hint(H_DISPLAY),
    e(0x0000_112F, "ERRINFO_GRAPHICS_SUBSYSTEM_FAILED", "The server's graphics subsystem is in an error state").with_hint(H_DISPLAY),
    e(0x0000_1130, "ERRINFO_TIMEZONE_KEY_NAME_LENGTH_TOO_SHORT", "Time zone key name length field missing").with_hint(H_PROTOCOL),
    e(0x0000_1131, "ERRINFO_TIMEZONE_KEY_NAME_LENGTH_TOO_LONG", "Time zone key name too long").with_hint(H_PROTOCOL),
    e(0x0000_1132, "ERRINFO_DYNAMIC_DST_DISABLED_FIELD_MISSING", "Dynamic daylight-time-disabled field missing").with_hint(H_PROTOCOL),
    e(0x0000_1133, "ERRINFO_VC_DECODING_ERROR", "Processing dynamic virtual channel data failed").with_hint(H_PROTOCOL),
    e(0x0000_1134, "ERRINFO_VIRTUALDESKTOPTOOLARGE", "The requested virtual desktop is larger than 32766 pixels").with_hint("the combined monitor layout is too large for the server: reduce the number/size of monitors used for the session"),
    e(0x0000_1135, "ERRINFO_MONITORGEOMETRYVALIDATIONFAILED", "The monitor layout failed validation").with_hint(H_PROTOCOL),
    e(0x0000_1136, "ERRINFO_INVALIDMONITORCOUNT", "Too many monitors announced").with_hint("the client announced more monitors than the server allows: reduce the monitors used for the session or raise the server's limit"),
    e(0x0000_1191, "ERRINFO_UPDATE_SESSION_KEY_FAILED", "Standard RDP Security: updating the session key failed").with_hint(H_PROTOCOL),
    e(0x0000_1192, "ERRINFO_DECRYPT_FAILED", "Standard RDP Security: decryption or session key creation failed").with_hint(H_PROTOCOL),
    e(0x0000_1193, "ERRINFO_ENCRYPT_FAILED", "Standard RDP Security: encryption failed").with_hint(H_PROTOCOL),
    e(0x0000_1194, "ERRINFO_ENCRYPTION_PACKAGE_MISMATCH", "No encryption method offered by the client is acceptable to the server").with_hint("client and server have no Standard RDP Security encryption method in common (e.g. the server requires FIPS): check the server's 'Set client connection encryption level' policy and FIPS setting, or use TLS/NLA"),
    e(0x0000_1195, "ERRINFO_DECRYPT_FAILED2", "Unencrypted data arrived on a stream that must be encrypted").with_hint(H_PROTOCOL),
];

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_util::{check_table, upper_with_prefix};

    #[test]
    fn table_is_well_formed() {
        check_table(TABLE, |n| upper_with_prefix(n, &["ERRINFO_"]));
        // FreeRDP-only pseudo codes must not be here.
        assert!(
            TABLE
                .iter()
                .all(|e| e.value != 0x1196 && e.value != 0xFFFF_FFFF)
        );
        // Ranges from the reference: licensing 0x100..=0x10A, broker 0x400..=0x412.
        for v in 0x100..=0x10A {
            assert!(TABLE.iter().any(|e| e.value == v), "{v:#x}");
        }
        for v in [
            0x400, 0x402, 0x404, 0x405, 0x406, 0x407, 0x408, 0x409, 0x410, 0x411, 0x412,
        ] {
            assert!(TABLE.iter().any(|e| e.value == v), "{v:#x}");
        }
        assert!(TABLE.iter().any(|e| e.value == 0x19 && e.derived));
        assert!(TABLE.iter().any(|e| e.value == 0x1A && e.derived));
        assert_eq!(TABLE.iter().filter(|e| e.derived).count(), 2);
    }

    #[test]
    fn admin_actionable_rows_have_hints() {
        for v in [
            1, 2, 3, 4, 5, 6, 7, 9, 0xA, 0x101, 0x102, 0x10A, 0x400, 0x10F3, 0x1194,
        ] {
            let e = TABLE.iter().find(|e| e.value == v).expect("row");
            assert!(e.hint.is_some(), "{}", e.name);
        }
        assert!(
            TABLE
                .iter()
                .find(|e| e.value == 0xC)
                .is_some_and(|e| e.hint.is_none())
        );
    }
}

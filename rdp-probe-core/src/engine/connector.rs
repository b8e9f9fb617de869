//! IronRDP's client connector as the engine holds it: its configuration and a wrapper that wipes the
//! password when the connector is dropped, wherever that happens.

use std::ops::{Deref, DerefMut};

use ironrdp_connector::{
    ClientConnector, Config, Credentials as ConnectorCredentials, DesktopSize,
};
use ironrdp_pdu::gcc::{ConnectionType, KeyboardType};
use ironrdp_pdu::rdp::capability_sets::{MajorPlatformType, RailSupportLevel};
use ironrdp_pdu::rdp::client_info::{PerformanceFlags, TimezoneInfo};

use crate::ProbeOptions;

/// The client name sent when the options name none.
pub(super) const DEFAULT_CLIENT_NAME: &str = "rdp-probe";

/// The desktop size announced in the Client Core Data.
const DESKTOP_WIDTH: u16 = 1024;
/// See [`DESKTOP_WIDTH`].
const DESKTOP_HEIGHT: u16 = 768;
/// The keyboard layout announced (en-US, as [MS-RDPBCGR] 2.2.1.3.2's example).
const KEYBOARD_LAYOUT_EN_US: u32 = 0x409;

/// IronRDP's connector. IronRDP's `Config` keeps the password as a plain `String`: this wrapper wipes
/// it when the connector is dropped.
#[derive(Debug)]
pub struct Connector(Box<ClientConnector>);

impl Connector {
    /// Wraps a connector.
    pub(super) fn new(connector: ClientConnector) -> Self {
        Self(Box::new(connector))
    }
}

impl Deref for Connector {
    type Target = ClientConnector;

    fn deref(&self) -> &ClientConnector {
        &self.0
    }
}

impl DerefMut for Connector {
    fn deref_mut(&mut self) -> &mut ClientConnector {
        &mut self.0
    }
}

impl Drop for Connector {
    fn drop(&mut self) {
        use zeroize::Zeroize;
        if let ConnectorCredentials::UsernamePassword { password, .. } =
            &mut self.0.config.credentials
        {
            password.zeroize();
        }
    }
}

/// The connector's configuration: what the Windows client announces, as far as a probe needs it. The
/// fields that matter to the server's answers are the credentials, the domain, the client name and the
/// security protocols; the rest are a plain 1024x768 desktop with no extras.
pub(super) fn config(options: &ProbeOptions) -> Config {
    let (username, password, domain) = match &options.credentials {
        Some(c) => (
            c.username.clone(),
            c.password().to_owned(),
            c.domain.clone(),
        ),
        None => (String::new(), String::new(), None),
    };
    Config {
        desktop_size: DesktopSize {
            width: DESKTOP_WIDTH,
            height: DESKTOP_HEIGHT,
        },
        monitor_layout: None,
        desktop_scale_factor: 0,
        desktop_physical_size: None,
        desktop_orientation: None,
        device_scale_factor: None,
        monitor_extended_layout: None,
        relative_mouse_input: false,
        enable_tls: true,
        enable_credssp: true,
        enable_standard_rdp_security: true,
        credentials: ConnectorCredentials::UsernamePassword { username, password },
        domain,
        client_build: 0,
        client_name: options
            .client_name
            .clone()
            .unwrap_or_else(|| DEFAULT_CLIENT_NAME.to_owned()),
        keyboard_type: KeyboardType::IBM_ENHANCED,
        keyboard_subtype: 0,
        keyboard_functional_keys_count: 12,
        keyboard_layout: KEYBOARD_LAYOUT_EN_US,
        connection_type: ConnectionType::Lan,
        ime_file_name: String::new(),
        bitmap: None,
        dig_product_id: String::new(),
        client_dir: String::new(),
        alternate_shell: String::new(),
        work_dir: String::new(),
        remote_application_mode: false,
        rail_support_level: RailSupportLevel::empty(),
        platform: MajorPlatformType::UNIX,
        hardware_id: None,
        request_data: None,
        autologon: false,
        enable_audio_playback: false,
        enable_audio_capture: false,
        performance_flags: PerformanceFlags::default(),
        license_cache: None,
        timezone_info: TimezoneInfo::default(),
        compression_type: None,
        enable_server_pointer: false,
        pointer_software_rendering: true,
        multitransport_flags: None,
        support_dyn_vc_gfx_protocol: false,
    }
}

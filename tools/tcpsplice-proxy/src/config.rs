// SPDX-License-Identifier: GPL-2.0
//! The TOML configuration and its validation.
//!
//! ```toml
//! [[listen]]
//! address = "192.0.2.100:80"
//!
//! [[listen]]
//! address = "192.0.2.100:443"
//! mode = "tls"                      # TLS passthrough: route by SNI and ALPN
//!
//! [[pool]]
//! name = "web"
//! backends = ["203.0.113.21:8000", "203.0.113.22:8000"]
//! balance = "round-robin"          # or "least-connections"
//! health_interval_ms = 1000         # checks; 0: off (a failed backend rests 10 s)
//! health_check = "http"             # or "tcp" (default): GET health_path, 2xx/3xx
//! health_path = "/healthz"
//! health_rise = 2                   # passes in a row to come up, failures to go
//! health_fall = 3                   # down (also health_status, _host, _timeout_ms)
//! proxy_protocol = "v2"             # optional: "v1" or "v2" header first
//! forwarded = true                  # HTTP: add Forwarded, X-Forwarded-*
//! warm_connections = 4              # kept ready to each backend (default 0)
//! warm_max_idle_ms = 10000          # then replaced
//!
//! [[route]]
//! host = "*.example.com"            # optional: exact, or "*." + suffix
//!                                   # (the SNI name on TLS listeners)
//! path_prefix = "/static/"          # optional (HTTP only)
//! alpn = "h2"                       # optional (TLS only): offered by the client
//! pool = "web"
//!
//! default_pool = "web"              # optional: where unmatched requests go
//!
//! # In a cluster: connect to backends from this node's own backend-side VIP
//! # (one per IP version), which the cluster moves to a peer if this node
//! # fails, and answer SPLICE only once a peer holds the entry.
//! source = ["203.0.113.101"]
//! wait_sync = true
//! # and if this process is gone (crashed, stopped) for this long, the node
//! # gives its VIPs to a peer until a proxy runs again (0 or absent: never)
//! release_vips_after_ms = 2000
//!
//! metrics = "127.0.0.1:9180"        # optional: Prometheus text at /metrics
//! ```
use serde::Deserialize;
use std::net::{IpAddr, SocketAddr};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Config {
    pub listen: Vec<Listen>,
    #[serde(default)]
    pub pool: Vec<Pool>,
    #[serde(default)]
    pub route: Vec<Route>,
    pub default_pool: Option<String>,
    /// Longest request head accepted, bytes (431 beyond).
    #[serde(default = "default_max_head")]
    pub max_head_bytes: usize,
    /// How long a client may take to send its request head, ms (408 beyond).
    #[serde(default = "default_head_timeout")]
    pub head_timeout_ms: u64,
    /// How long a backend may take to accept a connection, ms (then the
    /// next backend of the pool is tried).
    #[serde(default = "default_connect_timeout")]
    pub connect_timeout_ms: u64,
    /// A connection relayed in userspace with no byte either way for this
    /// long is closed, ms; 0: never. (Spliced connections are the kernel's:
    /// its `idle_timeout` applies.)
    #[serde(default = "default_relay_idle_timeout")]
    pub relay_idle_timeout_ms: u64,
    /// On SIGTERM the proxy stops accepting and gives the connections it
    /// is handling this long, ms, to be spliced or to end (relayed ones
    /// are closed after it).
    #[serde(default = "default_drain_timeout")]
    pub drain_timeout_ms: u64,
    /// Hand connections to the kernel (tcpsplice) once routed; `false`
    /// relays every connection in userspace.
    #[serde(default = "default_true")]
    pub splice: bool,
    /// Source addresses for backend connections, at most one per IP version
    /// (default: the kernel picks).
    #[serde(default)]
    pub source: Vec<IpAddr>,
    /// Ask the module to acknowledge a splice only once a cluster peer
    /// holds its entry (at most a second's wait).
    #[serde(default)]
    pub wait_sync: bool,
    /// In a cluster: the module watches this process (its netlink socket);
    /// once it has been gone this long, ms, the node gives its VIPs up until
    /// a proxy attaches again. 0: never (the node keeps its VIPs).
    #[serde(default)]
    pub release_vips_after_ms: u32,
    /// Where to serve Prometheus metrics (`GET /metrics`), if anywhere.
    pub metrics: Option<SocketAddr>,
    /// The access log: a file appended to (`-`: standard output), one line
    /// per connection when it ends; none if absent. Set at start-up
    /// (a reload keeps the running one).
    pub access_log: Option<String>,
    /// `plain` (default) or `json`.
    #[serde(default)]
    pub access_log_format: crate::access::Format,
    /// The admin socket's path (show backends, drain one), if any. Set at
    /// start-up.
    pub admin_socket: Option<String>,
}

/// The longest grace the module accepts (`TCPSPLICE_A_PROXY_GRACE`).
pub const MAX_RELEASE_VIPS_AFTER_MS: u32 = 3_600_000;

fn default_drain_timeout() -> u64 {
    30_000
}

fn default_true() -> bool {
    true
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Listen {
    pub address: SocketAddr,
    #[serde(default)]
    pub mode: Mode,
    /// Connections of this listener the proxy holds at once (reading their
    /// head, connecting, relaying; a spliced one no longer counts); beyond,
    /// it stops accepting and new clients wait in the kernel's backlog.
    /// 0: no limit.
    #[serde(default)]
    pub max_connections: usize,
    /// TCP Fast Open: the most connections accepted with data in their SYN
    /// and not yet established (the listener's `TCP_FASTOPEN` queue; the
    /// namespace's `net.ipv4.tcp_fastopen` must have bit 2 set). 0: off.
    #[serde(default)]
    pub fastopen: u32,
}

/// What a listener expects first from a client.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// An HTTP/1.x request head: route by Host and path.
    #[default]
    Http,
    /// A TLS ClientHello, not decrypted: route by SNI and ALPN.
    Tls,
}

/// The PROXY protocol version sent to a pool's backends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ProxyProtocol {
    V1,
    V2,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Balance {
    #[default]
    RoundRobin,
    LeastConnections,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Pool {
    pub name: String,
    /// Each an address, or a table with `address`, `weight`, `backup` and
    /// `state`.
    pub backends: Vec<BackendSpec>,
    #[serde(default)]
    pub balance: Balance,
    #[serde(default = "default_health_interval")]
    pub health_interval_ms: u64,
    /// How a backend is checked: `tcp` (a connect) or `http` (a request
    /// whose answer must have the expected status).
    #[serde(default)]
    pub health_check: HealthCheck,
    /// `http` checks: the path asked for (default `/`).
    #[serde(default = "default_health_path")]
    pub health_path: String,
    /// `http` checks: the Host header (default: the backend's address).
    pub health_host: Option<String>,
    /// `http` checks: the status that means healthy (default: any 2xx or
    /// 3xx).
    pub health_status: Option<u16>,
    /// How long one check may take, ms (default: the interval, at most 2 s).
    pub health_timeout_ms: Option<u64>,
    /// Checks passed in a row that bring a down backend up (default 2).
    #[serde(default = "default_rise")]
    pub health_rise: u32,
    /// Checks failed in a row that take an up backend down (default 3).
    #[serde(default = "default_fall")]
    pub health_fall: u32,
    /// Send a PROXY protocol header before the client's bytes.
    pub proxy_protocol: Option<ProxyProtocol>,
    /// HTTP: add `Forwarded`, `X-Forwarded-For` and `X-Forwarded-Proto` to
    /// the (first) request head.
    #[serde(default)]
    pub forwarded: bool,
    /// Split splices: the pool's backends run tcpsplice as backends of the
    /// cluster (`tcpsplicectl cluster set --backend`, and `--backend-peer`
    /// here) and send their responses straight to the clients. Connections
    /// to a backend the module does not know as a backend peer are spliced
    /// at the proxy only.
    #[serde(default)]
    pub split: bool,
    /// Established connections kept ready to each backend, so a new
    /// client's splice needs no backend handshake (0, the default: none).
    /// The backend must tolerate connections that wait without a request.
    #[serde(default)]
    pub warm_connections: usize,
    /// How long a warm connection may wait before it is replaced, ms (below
    /// the backends' idle timeout for a connection without a request).
    #[serde(default = "default_warm_max_idle")]
    pub warm_max_idle_ms: u64,
}

/// The most warm connections per backend.
pub const MAX_WARM_CONNECTIONS: usize = 1024;

impl Pool {
    /// What is wrong with the health check settings, if anything.
    fn health_error(&self) -> Option<String> {
        if !(1..=100).contains(&self.health_rise) || !(1..=100).contains(&self.health_fall) {
            return Some("health_rise and health_fall must be 1 to 100".into());
        }
        if !self.health_path.starts_with('/') || self.health_path.contains(['\r', '\n', ' ']) {
            return Some(format!(
                "health_path \"{}\": an absolute path without spaces",
                self.health_path
            ));
        }
        if let Some(h) = &self.health_host {
            if h.is_empty() || h.contains(['\r', '\n', ' ']) {
                return Some(format!("health_host \"{h}\": a host name"));
            }
        }
        if self
            .health_status
            .is_some_and(|s| !(100..=599).contains(&s))
        {
            return Some("health_status must be 100 to 599".into());
        }
        if self.health_timeout_ms == Some(0) {
            return Some("health_timeout_ms must be above 0".into());
        }
        if self.warm_connections > MAX_WARM_CONNECTIONS {
            return Some(format!(
                "warm_connections must be at most {MAX_WARM_CONNECTIONS}"
            ));
        }
        if self.warm_max_idle_ms < 100 {
            return Some("warm_max_idle_ms must be at least 100".into());
        }
        None
    }

    /// How long one check may take.
    pub fn health_timeout(&self) -> std::time::Duration {
        let ms = self
            .health_timeout_ms
            .unwrap_or(self.health_interval_ms.min(2000));
        std::time::Duration::from_millis(ms)
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Route {
    pub host: Option<String>,
    pub path_prefix: Option<String>,
    /// TLS: matches a ClientHello that offers this ALPN protocol.
    pub alpn: Option<String>,
    pub pool: String,
}

fn default_max_head() -> usize {
    16 * 1024
}
fn default_connect_timeout() -> u64 {
    3_000
}
fn default_relay_idle_timeout() -> u64 {
    3_600_000
}
fn default_head_timeout() -> u64 {
    10_000
}
fn default_health_interval() -> u64 {
    1000
}

fn default_warm_max_idle() -> u64 {
    10_000
}

fn default_health_path() -> String {
    "/".into()
}

fn default_rise() -> u32 {
    2
}

fn default_fall() -> u32 {
    3
}

/// One backend as written: its address alone, or with settings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum BackendSpec {
    Address(SocketAddr),
    Table(Backend),
}

impl From<SocketAddr> for BackendSpec {
    fn from(a: SocketAddr) -> Self {
        BackendSpec::Address(a)
    }
}

impl BackendSpec {
    /// The backend with every setting (defaults for a bare address).
    pub fn settings(&self) -> Backend {
        match self {
            BackendSpec::Address(a) => Backend {
                address: *a,
                weight: 1,
                backup: false,
                state: AdminState::Enabled,
            },
            BackendSpec::Table(b) => b.clone(),
        }
    }
}

/// A backend with its settings.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Backend {
    pub address: SocketAddr,
    /// Its share of new connections relative to the pool's others (1 to
    /// 256, default 1).
    #[serde(default = "default_weight")]
    pub weight: u32,
    /// Used only while no other backend of the pool is up.
    #[serde(default)]
    pub backup: bool,
    /// `enabled` (default), `drain` (no new connections; its running ones
    /// continue, checks go on) or `disabled` (as drain, without checks).
    #[serde(default)]
    pub state: AdminState,
}

fn default_weight() -> u32 {
    1
}

/// What an operator allows a backend.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
#[repr(u8)]
pub enum AdminState {
    #[default]
    Enabled = 0,
    Drain = 1,
    Disabled = 2,
}

impl AdminState {
    /// From its `as u8` value (anything else: disabled).
    pub fn from_u8(v: u8) -> Self {
        match v {
            0 => AdminState::Enabled,
            1 => AdminState::Drain,
            _ => AdminState::Disabled,
        }
    }

    /// From its name in the configuration.
    pub fn parse(s: &str) -> Option<Self> {
        [AdminState::Enabled, AdminState::Drain, AdminState::Disabled]
            .into_iter()
            .find(|a| a.name() == s)
    }

    pub fn name(self) -> &'static str {
        match self {
            AdminState::Enabled => "enabled",
            AdminState::Drain => "drain",
            AdminState::Disabled => "disabled",
        }
    }
}

/// How backends are checked.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HealthCheck {
    /// A TCP connect.
    #[default]
    Tcp,
    /// An HTTP/1.1 `GET` of `health_path`, answered with the expected status.
    Http,
}

/// An exact host name, or "*." followed by a suffix without wildcards.
fn valid_host_pattern(h: &str) -> bool {
    match h.strip_prefix("*.") {
        Some(suffix) => !suffix.is_empty() && !suffix.contains('*'),
        None => !h.is_empty() && !h.contains('*'),
    }
}

/// A configuration error, with where it is.
#[derive(Debug, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Config {
    /// Parse and validate; `file` names the source in messages.
    pub fn parse(text: &str, file: &str) -> Result<Config, ConfigError> {
        let c: Config = toml::from_str(text).map_err(|e| {
            let at = e
                .span()
                .map(|s| {
                    let line = text[..s.start.min(text.len())].matches('\n').count() + 1;
                    format!(":{line}")
                })
                .unwrap_or_default();
            ConfigError(format!("{file}{at}: {}", e.message()))
        })?;
        let fail = |what: String| Err(ConfigError(format!("{file}: {what}")));
        if c.listen.is_empty() {
            return fail("no [[listen]] address".into());
        }
        for (i, p) in c.pool.iter().enumerate() {
            if p.backends.is_empty() {
                return fail(format!("pool \"{}\" has no backends", p.name));
            }
            for b in p.backends.iter().map(BackendSpec::settings) {
                if !(1..=256).contains(&b.weight) {
                    return fail(format!(
                        "pool \"{}\": backend {}: weight must be 1 to 256",
                        p.name, b.address
                    ));
                }
                let n = p
                    .backends
                    .iter()
                    .filter(|o| o.settings().address == b.address)
                    .count();
                if n > 1 {
                    return fail(format!(
                        "pool \"{}\": backend {} listed twice",
                        p.name, b.address
                    ));
                }
            }
            if let Some(e) = p.health_error() {
                return fail(format!("pool \"{}\": {e}", p.name));
            }
            if c.pool[..i].iter().any(|q| q.name == p.name) {
                return fail(format!("pool \"{}\" defined twice", p.name));
            }
        }
        let known = |n: &str| c.pool.iter().any(|p| p.name == n);
        for r in &c.route {
            if !known(&r.pool) {
                return fail(format!("route to unknown pool \"{}\"", r.pool));
            }
            if r.alpn.as_deref() == Some("") {
                return fail("route alpn: empty protocol name".into());
            }
            if r.alpn.is_some() && r.path_prefix.is_some() {
                return fail(
                    "route with both alpn (TLS) and path_prefix (HTTP) can never match".into(),
                );
            }
            if let Some(h) = &r.host {
                if !valid_host_pattern(h) {
                    return fail(format!(
                        "route host \"{h}\": use an exact name or \"*.\" followed by a suffix"
                    ));
                }
            }
        }
        if let Some(d) = &c.default_pool {
            if !known(d) {
                return fail(format!("default_pool \"{d}\" is not a pool"));
            }
        }
        if c.route.is_empty() && c.default_pool.is_none() {
            return fail("no [[route]] and no default_pool: nothing can be served".into());
        }
        for v4 in [true, false] {
            if c.source.iter().filter(|a| a.is_ipv4() == v4).count() > 1 {
                return fail("source: at most one IPv4 and one IPv6 address".into());
            }
        }
        if c.release_vips_after_ms > MAX_RELEASE_VIPS_AFTER_MS {
            return fail(format!(
                "release_vips_after_ms above {MAX_RELEASE_VIPS_AFTER_MS} (an hour)"
            ));
        }
        if c.max_head_bytes < 64 {
            return fail("max_head_bytes below 64".into());
        }
        Ok(c)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn source_addresses_one_per_family() {
        let base = "default_pool = \"web\"\n[[listen]]\naddress = \"127.0.0.1:80\"\n[[pool]]\nname = \"web\"\nbackends = [\"127.0.0.1:9\"]\n";
        let ok = format!("source = [\"10.0.0.1\", \"fd00::1\"]\nwait_sync = true\n{base}");
        let c = Config::parse(&ok, "t.toml").unwrap();
        assert_eq!(c.source.len(), 2);
        assert!(c.wait_sync);
        let bad = format!("source = [\"10.0.0.1\", \"10.0.0.2\"]\n{base}");
        assert_eq!(
            Config::parse(&bad, "t.toml").unwrap_err().0,
            "t.toml: source: at most one IPv4 and one IPv6 address"
        );
    }

    #[test]
    fn backends_with_weights_backups_and_states() {
        let with = |list: &str| {
            format!(
                "default_pool = \"web\"\n[[listen]]\naddress = \"127.0.0.1:80\"\n[[pool]]\nname = \"web\"\nbackends = [{list}]\n"
            )
        };
        let c = Config::parse(
            &with("\"127.0.0.1:9\", { address = \"127.0.0.1:10\", weight = 3, backup = true, state = \"drain\" }"),
            "t.toml",
        )
        .unwrap();
        let b: Vec<Backend> = c.pool[0]
            .backends
            .iter()
            .map(BackendSpec::settings)
            .collect();
        assert_eq!(
            (b[0].weight, b[0].backup, b[0].state),
            (1, false, AdminState::Enabled)
        );
        assert_eq!(b[1].address, "127.0.0.1:10".parse().unwrap());
        assert_eq!(
            (b[1].weight, b[1].backup, b[1].state),
            (3, true, AdminState::Drain)
        );
        for (bad, why) in [
            (
                "{ address = \"127.0.0.1:10\", weight = 0 }",
                "t.toml: pool \"web\": backend 127.0.0.1:10: weight must be 1 to 256",
            ),
            (
                "\"127.0.0.1:10\", { address = \"127.0.0.1:10\" }",
                "t.toml: pool \"web\": backend 127.0.0.1:10 listed twice",
            ),
        ] {
            assert_eq!(Config::parse(&with(bad), "t.toml").unwrap_err().0, why);
        }
        for bad in [
            "{ address = \"127.0.0.1:10\", wieght = 2 }",
            "{ address = \"127.0.0.1:10\", state = \"off\" }",
            "\"localhost:10\"",
        ] {
            assert!(Config::parse(&with(bad), "t.toml").is_err(), "{bad}");
        }
    }

    #[test]
    fn health_check_settings() {
        let with = |extra: &str| {
            format!(
                "default_pool = \"web\"\n[[listen]]\naddress = \"127.0.0.1:80\"\n[[pool]]\nname = \"web\"\nbackends = [\"127.0.0.1:9\"]\n{extra}"
            )
        };
        let c = Config::parse(&with(""), "t.toml").unwrap();
        let p = &c.pool[0];
        assert_eq!(p.health_check, HealthCheck::Tcp);
        assert_eq!((p.health_rise, p.health_fall), (2, 3));
        assert_eq!(p.health_timeout(), std::time::Duration::from_millis(1000));
        let c = Config::parse(
            &with("health_check = \"http\"\nhealth_path = \"/healthz\"\nhealth_status = 204\nhealth_timeout_ms = 300\n"),
            "t.toml",
        )
        .unwrap();
        assert_eq!(c.pool[0].health_check, HealthCheck::Http);
        assert_eq!(
            c.pool[0].health_timeout(),
            std::time::Duration::from_millis(300)
        );
        for (bad, why) in [
            (
                "health_rise = 0",
                "health_rise and health_fall must be 1 to 100",
            ),
            (
                "health_fall = 101",
                "health_rise and health_fall must be 1 to 100",
            ),
            (
                "health_path = \"healthz\"",
                "health_path \"healthz\": an absolute path without spaces",
            ),
            (
                "health_path = \"/a b\"",
                "health_path \"/a b\": an absolute path without spaces",
            ),
            ("health_host = \"\"", "health_host \"\": a host name"),
            ("health_status = 99", "health_status must be 100 to 599"),
            ("health_timeout_ms = 0", "health_timeout_ms must be above 0"),
        ] {
            assert_eq!(
                Config::parse(&with(bad), "t.toml").unwrap_err().0,
                format!("t.toml: pool \"web\": {why}"),
                "{bad}"
            );
        }
        assert!(Config::parse(&with("health_check = \"icmp\""), "t.toml").is_err());
    }

    #[test]
    fn release_vips_after_ms_is_bounded_and_off_by_default() {
        let base = "default_pool = \"web\"\n[[listen]]\naddress = \"127.0.0.1:80\"\n[[pool]]\nname = \"web\"\nbackends = [\"127.0.0.1:9\"]\n";
        assert_eq!(
            Config::parse(base, "t.toml").unwrap().release_vips_after_ms,
            0
        );
        let ok = format!("release_vips_after_ms = 2000\n{base}");
        assert_eq!(
            Config::parse(&ok, "t.toml").unwrap().release_vips_after_ms,
            2000
        );
        let bad = format!("release_vips_after_ms = 3600001\n{base}");
        assert_eq!(
            Config::parse(&bad, "t.toml").unwrap_err().0,
            "t.toml: release_vips_after_ms above 3600000 (an hour)"
        );
    }

    const GOOD: &str = r#"
default_pool = "web"
[[listen]]
address = "127.0.0.1:8080"
[[pool]]
name = "web"
backends = ["127.0.0.1:9000"]
balance = "least-connections"
[[route]]
host = "*.example.com"
pool = "web"
"#;

    #[test]
    fn accepts_a_good_file() {
        let c = Config::parse(GOOD, "p.toml").unwrap();
        assert_eq!(c.pool[0].balance, Balance::LeastConnections);
        assert_eq!(c.max_head_bytes, 16 * 1024);
    }

    #[test]
    fn errors_name_file_line_and_reason() {
        let bad = GOOD.replace("balance = \"least-connections\"", "balance = \"random\"");
        let e = Config::parse(&bad, "p.toml").unwrap_err().0;
        assert!(e.starts_with("p.toml:8: "), "{e}");
        assert!(e.contains("random"), "{e}");
        let e = Config::parse(
            &GOOD.replace("pool = \"web\"\n", "pool = \"api\"\n"),
            "p.toml",
        )
        .unwrap_err()
        .0;
        assert_eq!(e, "p.toml: route to unknown pool \"api\"");
        let e = Config::parse(&GOOD.replace("*.example.com", "a*b"), "p.toml")
            .unwrap_err()
            .0;
        assert!(e.contains("exact name"), "{e}");
        let e = Config::parse(&GOOD.replace("address =", "adress ="), "p.toml")
            .unwrap_err()
            .0;
        assert!(e.starts_with("p.toml:4: ") && e.contains("adress"), "{e}");
    }
}

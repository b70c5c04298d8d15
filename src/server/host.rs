//! The guard against DNS rebinding: a web page on another site whose name is made to
//! resolve to this computer could otherwise have the examiners' browsers talk to the
//! server as if it were that site. Such a request names the other site in its `Host`
//! header, so the server answers only requests addressed to itself.
//!
//! Guarantees: a request is served only when its `Host` (or, lacking one, the
//! authority of an absolute URI) names this computer: `localhost`, the computer's own
//! name (also as `NAME.local`), a loopback address, or an address of one of its
//! network interfaces (the ones `certify serve` prints, and any an interface has gained
//! since: the list is read again, at most once a second, when an unknown address is
//! asked for). The port is not compared: what matters is the name the browser used.
//! Anything else, a missing `Host` or `0.0.0.0` included, is refused with 421 and a
//! Chinese message, before any other check.

use std::collections::HashSet;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use super::AppState;
use super::body::ApiError;

/// How often, at most, the interface list is read again for an unknown address.
const REFRESH: Duration = Duration::from_secs(1);

/// This computer's addresses on its networks (no loopback, no link-local), IPv4 first:
/// the ones `certify serve` prints for the tablets.
pub fn network_addresses() -> Vec<IpAddr> {
    let mut addresses: Vec<IpAddr> = if_addrs::get_if_addrs()
        .unwrap_or_default()
        .into_iter()
        .filter(|i| !i.is_loopback() && !i.is_link_local())
        .map(|i| i.ip())
        .collect();
    addresses.sort_by_key(|a| (a.is_ipv6(), *a));
    addresses.dedup();
    addresses
}

/// Every address of every interface, link-local and loopback included.
fn interface_addresses() -> HashSet<IpAddr> {
    if_addrs::get_if_addrs().unwrap_or_default().into_iter().map(|i| i.ip()).collect()
}

/// The names and addresses this server answers to.
pub struct KnownHosts {
    names: Vec<String>,
    addresses: Mutex<(Instant, HashSet<IpAddr>)>,
}

impl KnownHosts {
    /// `localhost`, the computer's name, and the addresses its interfaces have now.
    pub fn of_this_computer() -> KnownHosts {
        let mut names = vec!["localhost".to_owned()];
        let name = super::host_name().to_lowercase();
        if !name.is_empty() && name.is_ascii() {
            names.push(format!("{name}.local"));
            names.push(name);
        }
        KnownHosts { names, addresses: Mutex::new((Instant::now(), interface_addresses())) }
    }

    /// Whether a `Host` header value names this computer.
    pub fn allows(&self, host: &str) -> bool {
        let Some(name) = host_name_of(host) else { return false };
        match name.parse::<IpAddr>() {
            Ok(ip) => ip.is_loopback() || self.has_address(ip),
            Err(_) => self.names.contains(&name),
        }
    }

    fn has_address(&self, ip: IpAddr) -> bool {
        if ip.is_unspecified() {
            return false;
        }
        let mut known = self.addresses.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        if known.1.contains(&ip) {
            return true;
        }
        // The laptop may have joined the site's Wi-Fi, or got a new address, since.
        if known.0.elapsed() >= REFRESH {
            *known = (Instant::now(), interface_addresses());
        }
        known.1.contains(&ip)
    }
}

/// The name or address in a `Host` value, lower case, without port, brackets or a
/// final dot: `192.168.1.20:8080` → `192.168.1.20`, `[::1]:80` → `::1`.
fn host_name_of(host: &str) -> Option<String> {
    let host = host.trim();
    let name = if let Some(rest) = host.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        if !(after.is_empty() || after.strip_prefix(':').is_some_and(|p| p.bytes().all(|b| b.is_ascii_digit()))) {
            return None;
        }
        inside
    } else {
        match host.rsplit_once(':') {
            Some((name, port)) if port.bytes().all(|b| b.is_ascii_digit()) && !name.contains(':') => name,
            Some(_) => return None,
            None => host,
        }
    };
    let name = name.strip_suffix('.').unwrap_or(name).to_ascii_lowercase();
    (!name.is_empty()).then_some(name)
}

/// Refuses (421) a request not addressed to this computer; see the module's guarantees.
pub async fn known_host_only(State(state): State<AppState>, request: Request, next: Next) -> Response {
    let host = request
        .headers()
        .get(header::HOST)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
        .or_else(|| request.uri().authority().map(|a| a.as_str().to_owned()));
    match host {
        Some(host) if state.known_hosts().allows(&host) => next.run(request).await,
        host => {
            let shown: String = host.unwrap_or_default().chars().filter(|c| !c.is_control()).take(100).collect();
            let example = network_addresses().first().map_or_else(|| "127.0.0.1".to_owned(), IpAddr::to_string);
            ApiError::new(
                StatusCode::MISDIRECTED_REQUEST,
                format!(
                    "拒绝：这个请求所用的地址「{shown}」不是本考场服务的地址，没有执行（可能是别的网站冒用了本机）。\
                     请在浏览器中输入考场服务启动时显示的地址，如 http://{example}:端口"
                ),
            )
            .into_response()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_values_are_read_without_port_brackets_or_case() {
        assert_eq!(host_name_of("192.168.1.20:8080").as_deref(), Some("192.168.1.20"));
        assert_eq!(host_name_of("LocalHost").as_deref(), Some("localhost"));
        assert_eq!(host_name_of("localhost.:80").as_deref(), Some("localhost"));
        assert_eq!(host_name_of("[::1]:8080").as_deref(), Some("::1"));
        assert_eq!(host_name_of("[fe80::1]").as_deref(), Some("fe80::1"));
        assert_eq!(host_name_of("evil.example:8080").as_deref(), Some("evil.example"));
        for bad in ["", ":8080", "a:b:c", "[::1]x", "host:port"] {
            assert_eq!(host_name_of(bad), None, "{bad}");
        }
    }

    #[test]
    fn only_names_and_addresses_of_this_computer_are_known() {
        let hosts = KnownHosts::of_this_computer();
        for ok in ["127.0.0.1:8080", "localhost:8080", "127.0.0.2", "[::1]:8080", "LOCALHOST"] {
            assert!(hosts.allows(ok), "{ok}");
        }
        for address in network_addresses() {
            let host = if address.is_ipv6() { format!("[{address}]:8080") } else { format!("{address}:8080") };
            assert!(hosts.allows(&host), "{host}");
        }
        for refused in
            ["evil.example:8080", "0.0.0.0:8080", "[::]:8080", "192.0.2.1:8080", "localhost.evil.example", ""]
        {
            assert!(!hosts.allows(refused), "{refused}");
        }
    }
}

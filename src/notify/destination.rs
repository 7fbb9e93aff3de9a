//! Where webhook requests may go. A webhook URL is typed by an admin, but the
//! request leaves from Keyward's own network position: without these rules an
//! endpoint could read cloud metadata (`169.254.169.254`, `fd00:ec2::254`) or
//! probe services that only trust their neighbours. Addresses in the special
//! ranges below are refused unless the operator allows them
//! (`--webhook-allowed-cidrs`), and IPv6 forms that embed an IPv4 address are
//! judged by that address.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};
use std::sync::Arc;

use ipnet::{IpNet, Ipv4Net, Ipv6Net};

use crate::domain::Cidr;

/// A special-purpose range that webhook requests stay out of.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BlockedRange {
    pub net: IpNet,
    /// What the range is, in a word or two (`link-local`).
    pub kind: &'static str,
}

impl fmt::Display for BlockedRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the {} range {}", self.kind, self.net)
    }
}

const fn v4(a: u8, b: u8, c: u8, d: u8, len: u8) -> Ipv4Net {
    Ipv4Net::new_assert(Ipv4Addr::new(a, b, c, d), len)
}

const fn v6(segments: [u16; 8], len: u8) -> Ipv6Net {
    let [a, b, c, d, e, f, g, h] = segments;
    Ipv6Net::new_assert(Ipv6Addr::new(a, b, c, d, e, f, g, h), len)
}

/// IPv4 ranges no public receiver lives in (IANA special-purpose registry).
/// Broadcast comes before the reserved block that contains it, to be named.
const BLOCKED_V4: &[(Ipv4Net, &str)] = &[
    (v4(0, 0, 0, 0, 8), "\"this network\""),
    (v4(10, 0, 0, 0, 8), "private"),
    (v4(100, 64, 0, 0, 10), "shared (CGNAT)"),
    (v4(127, 0, 0, 0, 8), "loopback"),
    (v4(169, 254, 0, 0, 16), "link-local"),
    (v4(172, 16, 0, 0, 12), "private"),
    (v4(192, 0, 0, 0, 24), "IETF protocol assignments"),
    (v4(192, 0, 2, 0, 24), "documentation"),
    (v4(192, 168, 0, 0, 16), "private"),
    (v4(198, 18, 0, 0, 15), "benchmarking"),
    (v4(198, 51, 100, 0, 24), "documentation"),
    (v4(203, 0, 113, 0, 24), "documentation"),
    (v4(224, 0, 0, 0, 4), "multicast"),
    (v4(255, 255, 255, 255, 32), "broadcast"),
    (v4(240, 0, 0, 0, 4), "reserved"),
];

/// IPv6 ranges no public receiver lives in. The forms that embed an IPv4
/// address (`::ffff:0:0/96`, `::/96`, `64:ff9b::/96`) are judged by it instead.
const BLOCKED_V6: &[(Ipv6Net, &str)] = &[
    (v6([0, 0, 0, 0, 0, 0, 0, 0], 128), "unspecified"),
    (v6([0, 0, 0, 0, 0, 0, 0, 1], 128), "loopback"),
    (v6([0x64, 0xff9b, 1, 0, 0, 0, 0, 0], 48), "local-use NAT64"),
    (v6([0x2001, 0xdb8, 0, 0, 0, 0, 0, 0], 32), "documentation"),
    (v6([0x3fff, 0, 0, 0, 0, 0, 0, 0], 20), "documentation"),
    (v6([0xfc00, 0, 0, 0, 0, 0, 0, 0], 7), "unique-local"),
    (v6([0xfe80, 0, 0, 0, 0, 0, 0, 0], 10), "link-local"),
    (v6([0xfec0, 0, 0, 0, 0, 0, 0, 0], 10), "site-local"),
    (v6([0xff00, 0, 0, 0, 0, 0, 0, 0], 8), "multicast"),
];

/// The address a packet to `ip` ends up at when it is an IPv6 wrapping of an
/// IPv4 one: IPv4-mapped `::ffff:a.b.c.d` (what dual-stack sockets connect
/// to), IPv4-translated `::ffff:0:a.b.c.d`, IPv4-compatible `::a.b.c.d` and
/// NAT64 `64:ff9b::a.b.c.d`.
fn canonical(ip: IpAddr) -> IpAddr {
    let IpAddr::V6(v6) = ip else { return ip };
    let [.., a, b, c, d] = v6.octets();
    let embedded = IpAddr::V4(Ipv4Addr::new(a, b, c, d));
    match v6.segments() {
        [0, 0, 0, 0, 0, 0xffff, ..] | [0, 0, 0, 0, 0xffff, 0, ..] | [0x64, 0xff9b, 0, 0, 0, 0, ..] => embedded,
        // `::` and `::1` are IPv6's own unspecified and loopback addresses.
        [0, 0, 0, 0, 0, 0, 0, 0 | 1] => ip,
        [0, 0, 0, 0, 0, 0, ..] => embedded,
        _ => ip,
    }
}

/// The special range `ip` (or the IPv4 address it wraps) is in, if any.
pub fn blocked_range(ip: IpAddr) -> Option<BlockedRange> {
    match canonical(ip) {
        IpAddr::V4(ip) => BLOCKED_V4
            .iter()
            .find(|(net, _)| net.contains(&ip))
            .map(|&(net, kind)| BlockedRange { net: net.into(), kind }),
        IpAddr::V6(ip) => BLOCKED_V6
            .iter()
            .find(|(net, _)| net.contains(&ip))
            .map(|&(net, kind)| BlockedRange { net: net.into(), kind }),
    }
}

/// Why a webhook destination is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DestinationError {
    #[error("must be a URL with a host that Keyward can parse")]
    Unparsable,
    #[error("points into {0}, where webhooks are not sent unless the operator allows it (--webhook-allowed-cidrs)")]
    Blocked(BlockedRange),
}

/// The rule for one instance: the blocked ranges, minus what the operator
/// allows. Cheap to clone.
#[derive(Debug, Clone, Default)]
pub struct Destinations {
    allowed: Arc<[Cidr]>,
}

impl Destinations {
    /// Blocks the special ranges except the networks in `allowed`.
    pub fn new(allowed: Vec<Cidr>) -> Self {
        Self {
            allowed: allowed.into(),
        }
    }

    /// Whether a request may connect to `ip`. An allowed network matches the
    /// address as written or the IPv4 address it wraps.
    pub fn check(&self, ip: IpAddr) -> Result<(), DestinationError> {
        let Some(range) = blocked_range(ip) else {
            return Ok(());
        };
        if self.allowed.iter().any(|c| c.contains(ip) || c.contains(canonical(ip))) {
            Ok(())
        } else {
            Err(DestinationError::Blocked(range))
        }
    }

    /// Checks what a URL shows without resolving its host, when an endpoint
    /// is created: an IP literal, or `localhost`. Other names are judged by
    /// what they resolve to, at each delivery.
    pub fn check_url(&self, url: &str) -> Result<(), DestinationError> {
        let url = reqwest::Url::parse(url).map_err(|_| DestinationError::Unparsable)?;
        if let Some(ip) = literal_ip(&url) {
            return self.check(ip);
        }
        if !url.host_str().is_some_and(is_localhost) {
            return Ok(());
        }
        // RFC 6761: `localhost` names are the loopback interface, whatever DNS says.
        match self.check(IpAddr::V4(Ipv4Addr::LOCALHOST)) {
            Err(_) if self.check(IpAddr::V6(Ipv6Addr::LOCALHOST)).is_ok() => Ok(()),
            v4 => v4,
        }
    }
}

/// The address a URL's host spells, in whatever form the URL parser
/// normalises (`http://2852039166/` is 169.254.169.254): HTTP clients connect
/// to it without asking a resolver.
pub fn literal_ip(url: &reqwest::Url) -> Option<IpAddr> {
    let host = url.host_str()?;
    host.trim_start_matches('[').trim_end_matches(']').parse().ok()
}

fn is_localhost(host: &str) -> bool {
    let host = host.strip_suffix('.').unwrap_or(host);
    host == "localhost" || host.ends_with(".localhost")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    fn kind(s: &str) -> Option<&'static str> {
        blocked_range(ip(s)).map(|r| r.kind)
    }

    #[test]
    fn every_special_ipv4_range_is_blocked_by_name() {
        for (addr, expected) in [
            ("0.0.0.0", "\"this network\""),
            ("0.1.2.3", "\"this network\""),
            ("10.0.0.1", "private"),
            ("10.255.255.255", "private"),
            ("172.16.0.1", "private"),
            ("172.31.255.254", "private"),
            ("192.168.1.1", "private"),
            ("100.64.0.1", "shared (CGNAT)"),
            ("100.127.255.254", "shared (CGNAT)"),
            ("127.0.0.1", "loopback"),
            ("127.255.0.9", "loopback"),
            ("169.254.169.254", "link-local"),
            ("192.0.0.192", "IETF protocol assignments"),
            ("192.0.2.10", "documentation"),
            ("198.51.100.7", "documentation"),
            ("203.0.113.5", "documentation"),
            ("198.18.0.1", "benchmarking"),
            ("198.19.255.255", "benchmarking"),
            ("224.0.0.1", "multicast"),
            ("239.255.255.250", "multicast"),
            ("255.255.255.255", "broadcast"),
            ("240.0.0.1", "reserved"),
        ] {
            assert_eq!(kind(addr), Some(expected), "{addr}");
        }
    }

    #[test]
    fn every_special_ipv6_range_is_blocked_by_name() {
        for (addr, expected) in [
            ("::", "unspecified"),
            ("::1", "loopback"),
            ("fe80::1", "link-local"),
            ("febf::1", "link-local"),
            ("fc00::1", "unique-local"),
            ("fd00:ec2::254", "unique-local"),
            ("fec0::1", "site-local"),
            ("ff02::1", "multicast"),
            ("2001:db8::1", "documentation"),
            ("3fff::1", "documentation"),
            ("64:ff9b:1::a00:1", "local-use NAT64"),
        ] {
            assert_eq!(kind(addr), Some(expected), "{addr}");
        }
    }

    #[test]
    fn public_addresses_and_their_neighbours_pass() {
        for addr in [
            "1.1.1.1",
            "8.8.8.8",
            "9.255.255.255",
            "11.0.0.1",
            "100.63.255.255",
            "100.128.0.1",
            "169.253.255.255",
            "169.255.0.1",
            "172.15.255.255",
            "172.32.0.1",
            "192.167.255.255",
            "192.169.0.1",
            "198.20.0.1",
            "223.255.255.255",
            "2001:4860:4860::8888",
            "2606:4700::1111",
            "fbff:ffff::1",
            "fe7f::1",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
        ] {
            assert_eq!(kind(addr), None, "{addr}");
        }
    }

    #[test]
    fn ipv6_forms_of_a_blocked_ipv4_address_are_blocked_as_that_address() {
        for (addr, expected) in [
            ("::ffff:169.254.169.254", "link-local"),
            ("::ffff:a9fe:a9fe", "link-local"),
            ("::ffff:127.0.0.1", "loopback"),
            ("::ffff:10.1.2.3", "private"),
            ("::ffff:0.0.0.0", "\"this network\""),
            ("::ffff:0:169.254.169.254", "link-local"),
            ("::169.254.169.254", "link-local"),
            ("::127.0.0.1", "loopback"),
            ("::0.0.0.2", "\"this network\""),
            ("64:ff9b::169.254.169.254", "link-local"),
            ("64:ff9b::7f00:1", "loopback"),
            ("64:ff9b::192.168.0.1", "private"),
        ] {
            assert_eq!(kind(addr), Some(expected), "{addr}");
        }
        assert_eq!(
            blocked_range(ip("::ffff:169.254.169.254")).unwrap().to_string(),
            "the link-local range 169.254.0.0/16"
        );
    }

    #[test]
    fn the_allow_list_opens_only_its_own_networks() {
        let none = Destinations::default();
        assert!(none.check(ip("10.0.0.1")).is_err());
        assert!(none.check(ip("93.184.215.14")).is_ok());
        let ours = Destinations::new(vec![
            Cidr::parse("10.0.0.0/8").unwrap(),
            Cidr::parse("127.0.0.1").unwrap(),
            Cidr::parse("fd12:3456::/32").unwrap(),
        ]);
        for allowed in [
            "10.0.0.1",
            "10.200.0.9",
            "::ffff:10.0.0.1",
            "64:ff9b::a00:1",
            "127.0.0.1",
            "fd12:3456::1",
        ] {
            assert_eq!(ours.check(ip(allowed)), Ok(()), "{allowed}");
        }
        for refused in ["127.0.0.2", "169.254.169.254", "192.168.0.1", "::1", "fd00:ec2::254"] {
            assert!(
                matches!(ours.check(ip(refused)), Err(DestinationError::Blocked(_))),
                "{refused}"
            );
        }
    }

    #[test]
    fn urls_are_judged_by_their_literal_host_in_any_spelling_and_localhost() {
        let none = Destinations::default();
        for url in [
            "http://169.254.169.254/latest/meta-data/",
            "http://[fd00:ec2::254]/latest",
            "http://[::ffff:169.254.169.254]/",
            "http://[::ffff:a9fe:a9fe]/",
            "http://2852039166/",
            "http://0xa9.0xfe.0xa9.0xfe/",
            "http://0251.0376.0251.0376/",
            "http://169.254.169.254./",
            "http://127.1:8080/",
            "http://0.0.0.0:22/",
            "http://[::]/",
            "http://10.0.0.1/hook",
            "http://localhost:9000/",
            "http://LOCALHOST./",
            "http://api.localhost/",
        ] {
            assert!(
                matches!(none.check_url(url), Err(DestinationError::Blocked(_))),
                "{url}"
            );
        }
        for url in [
            "https://hooks.example.com/x",
            "http://93.184.215.14:8080/",
            "https://[2606:4700::1111]/",
        ] {
            assert_eq!(none.check_url(url), Ok(()), "{url}");
        }
        assert_eq!(none.check_url("http://[::1"), Err(DestinationError::Unparsable));
        let loopback = Destinations::new(vec![Cidr::parse("127.0.0.0/8").unwrap()]);
        assert_eq!(loopback.check_url("http://localhost:9000/"), Ok(()));
        assert_eq!(loopback.check_url("http://127.0.0.1:9000/"), Ok(()));
        assert!(loopback.check_url("http://[::1]:9000/").is_err());
    }
}

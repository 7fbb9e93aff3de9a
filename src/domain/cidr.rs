//! IP allow-lists: CIDRs in IPv4 and IPv6. An IPv4-mapped IPv6 client
//! (`::ffff:203.0.113.7`) matches IPv4 ranges, as dual-stack sockets report it.

use ipnet::{IpNet, Ipv4Net};
use serde::{Deserialize, Serialize};
use std::fmt;
use std::net::IpAddr;

use super::ValidationError;

/// One allowed network. A bare address means just that host (/32 or /128).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Cidr(IpNet);

impl Cidr {
    /// Parses `203.0.113.0/24`, `2001:db8::/32` or a single address. Host bits
    /// must be zero (`10.0.0.1/8` is refused as a likely typo for `10.0.0.0/8`).
    pub fn parse(s: &str) -> Result<Self, ValidationError> {
        let s = s.trim();
        let net = match s.parse::<IpNet>() {
            Ok(n) => n,
            Err(_) => match s.parse::<IpAddr>() {
                Ok(ip) => IpNet::from(ip),
                Err(_) => {
                    return Err(ValidationError::new(
                        "allowed_cidrs",
                        format!("{s:?} is not an IP address or CIDR range such as 203.0.113.0/24"),
                    ));
                }
            },
        };
        if net.trunc() != net {
            return Err(ValidationError::new(
                "allowed_cidrs",
                format!("{s} has host bits set; did you mean {}?", net.trunc()),
            ));
        }
        // `contains` compares a mapped client as IPv4, so a mapped range is kept
        // as the IPv4 range it means: as written it would match no one, and
        // refusing it would make rows saved with one fail to load.
        if let IpNet::V6(v6) = net
            && v6.prefix_len() >= 96
            && let Some(v4) = v6.network().to_ipv4_mapped()
        {
            let v4 = Ipv4Net::new(v4, v6.prefix_len() - 96).expect("a /96 or longer leaves at most 32 bits");
            return Ok(Self(IpNet::V4(v4)));
        }
        Ok(Self(net))
    }

    /// Whether every address of this network is inside `outer` (both read
    /// with IPv4-mapped ranges as IPv4).
    pub fn within(&self, outer: &Cidr) -> bool {
        outer.as_v4_when_mapped().contains(&self.as_v4_when_mapped())
    }

    fn as_v4_when_mapped(&self) -> IpNet {
        match self.0 {
            IpNet::V6(net) if net.prefix_len() >= 96 => match net.addr().to_ipv4_mapped() {
                Some(v4) => IpNet::V4(ipnet::Ipv4Net::new(v4, net.prefix_len() - 96).expect("a prefix of at most 32")),
                None => self.0,
            },
            other => other,
        }
    }

    /// Whether `ip` is inside this network, mapping `::ffff:a.b.c.d` to IPv4 first.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(IpAddr::V6(v6)),
            v4 => v4,
        };
        self.0.contains(&ip)
    }
}

impl fmt::Display for Cidr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for Cidr {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Cidr {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Cidr::parse(&s).map_err(|e| serde::de::Error::custom(e.message))
    }
}

/// Whether `ip` may call: an empty list allows every address.
pub fn allowed(list: &[Cidr], ip: Option<IpAddr>) -> bool {
    list.is_empty() || ip.is_some_and(|ip| list.iter().any(|c| c.contains(ip)))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn ipv4_and_ipv6_ranges() {
        let v4 = Cidr::parse("203.0.113.0/24").unwrap();
        assert!(v4.contains(ip("203.0.113.7")));
        assert!(!v4.contains(ip("203.0.114.7")));
        let v6 = Cidr::parse("2001:db8::/32").unwrap();
        assert!(v6.contains(ip("2001:db8:1::5")));
        assert!(!v6.contains(ip("2001:db9::1")));
        assert!(!v6.contains(ip("203.0.113.7")));
    }

    #[test]
    fn ipv4_mapped_ipv6_matches_ipv4_ranges() {
        let v4 = Cidr::parse("203.0.113.0/24").unwrap();
        assert!(v4.contains(ip("::ffff:203.0.113.7")));
        assert!(!v4.contains(ip("::ffff:198.51.100.1")));
    }

    #[test]
    fn single_addresses_are_hosts() {
        let host = Cidr::parse("198.51.100.9").unwrap();
        assert_eq!(host.to_string(), "198.51.100.9/32");
        assert!(host.contains(ip("198.51.100.9")));
        assert!(!host.contains(ip("198.51.100.10")));
        assert_eq!(Cidr::parse("::1").unwrap().to_string(), "::1/128");
    }

    #[test]
    fn typos_are_refused_with_a_hint() {
        assert!(Cidr::parse("10.0.0.0/33").is_err());
        assert!(Cidr::parse("10.0.0/8").is_err());
        assert!(Cidr::parse("banana").is_err());
        let e = Cidr::parse("10.0.0.1/8").unwrap_err();
        assert!(e.message.contains("10.0.0.0/8"), "{}", e.message);
    }

    #[test]
    fn ipv4_mapped_ranges_are_read_as_their_ipv4_form() {
        // Found by the `cidrs` fuzz target: this parsed, yet contained no client at all.
        let host = Cidr::parse("::ffff:203.0.113.7").unwrap();
        assert_eq!(host.to_string(), "203.0.113.7/32");
        assert!(host.contains(ip("::ffff:203.0.113.7")) && host.contains(ip("203.0.113.7")));
        assert_eq!(
            Cidr::parse("::ffff:203.0.113.0/120").unwrap().to_string(),
            "203.0.113.0/24"
        );
        assert_eq!(Cidr::parse("::fffe:0:0/95").unwrap().to_string(), "::fffe:0:0/95");
    }

    #[test]
    fn an_empty_list_allows_everyone_but_a_list_needs_a_known_ip() {
        assert!(allowed(&[], None));
        let list = [Cidr::parse("10.0.0.0/8").unwrap()];
        assert!(allowed(&list, Some(ip("10.1.2.3"))));
        assert!(!allowed(&list, Some(ip("11.1.2.3"))));
        assert!(!allowed(&list, None));
    }
}

//! The client's address as a proxy reports it. Only the header the operator
//! names is read, and of a list only the hop the operator's proxy appended:
//! everything before it is whatever the client chose to send.

use std::net::{IpAddr, SocketAddr};

/// Parses an address as proxies write it: `203.0.113.7`, `203.0.113.7:4711`,
/// `[2001:db8::1]`, `[2001:db8::1]:4711`, or quoted (RFC 7239).
pub fn parse_ip(s: &str) -> Option<IpAddr> {
    let s = s.trim().trim_matches('"');
    s.parse()
        .ok()
        .or_else(|| s.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| s.strip_prefix('[')?.strip_suffix(']')?.parse().ok())
}

/// The client's address from the values of `header` (every line of it, in
/// order). `X-Forwarded-For` and `Forwarded` are lists: the last hop counts.
/// Any other header must hold exactly one address on exactly one line.
pub fn client_ip<'a>(header: &str, values: impl IntoIterator<Item = &'a str>) -> Option<IpAddr> {
    let mut values = values.into_iter();
    if header.eq_ignore_ascii_case("x-forwarded-for") {
        return values.last()?.rsplit(',').next().and_then(parse_ip);
    }
    if header.eq_ignore_ascii_case("forwarded") {
        let last = values.last()?.rsplit(',').next()?;
        return last.split(';').find_map(|pair| {
            let (k, v) = pair.trim().split_once('=')?;
            k.trim().eq_ignore_ascii_case("for").then(|| parse_ip(v)).flatten()
        });
    }
    let only = values.next()?;
    if values.next().is_some() {
        return None;
    }
    parse_ip(only)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> Option<IpAddr> {
        Some(s.parse().unwrap())
    }

    #[test]
    fn addresses_parse_with_ports_brackets_and_quotes() {
        assert_eq!(parse_ip(" 203.0.113.7 "), ip("203.0.113.7"));
        assert_eq!(parse_ip("203.0.113.7:4711"), ip("203.0.113.7"));
        assert_eq!(parse_ip("[2001:db8::1]:4711"), ip("2001:db8::1"));
        assert_eq!(parse_ip("[2001:db8::1]"), ip("2001:db8::1"));
        assert_eq!(parse_ip("\"[2001:db8::1]:80\""), ip("2001:db8::1"));
        assert_eq!(parse_ip("unknown"), None);
    }

    #[test]
    fn a_forwarded_list_counts_only_its_last_hop() {
        assert_eq!(
            client_ip("X-Forwarded-For", ["10.0.0.1, 6.6.6.6", "192.0.2.9"]),
            ip("192.0.2.9")
        );
        assert_eq!(client_ip("x-forwarded-for", ["6.6.6.6, 192.0.2.9"]), ip("192.0.2.9"));
        assert_eq!(
            client_ip("Forwarded", ["for=6.6.6.6, for=\"[2001:db8::7]:80\";proto=https"]),
            ip("2001:db8::7")
        );
        assert_eq!(client_ip("x-forwarded-for", []), None);
    }

    #[test]
    fn a_single_address_header_refuses_repeats() {
        assert_eq!(client_ip("X-Real-IP", ["192.0.2.1"]), ip("192.0.2.1"));
        assert_eq!(client_ip("X-Real-IP", ["192.0.2.1", "10.0.0.1"]), None);
        assert_eq!(client_ip("X-Real-IP", ["192.0.2.1, 10.0.0.1"]), None);
    }
}

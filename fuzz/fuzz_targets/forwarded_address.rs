//! The client address behind a proxy. The input is the header's name on the
//! first line and its values, one a line, after it. An address that parses
//! prints and re-reads as itself in each form a proxy may write it; a list
//! header counts only its last hop; any other header needs exactly one value.
#![no_main]

use keyward::wire::forwarded::{client_ip, parse_ip};
use libfuzzer_sys::fuzz_target;
use std::net::IpAddr;

fn check_forms(ip: IpAddr) {
    let forms = match ip {
        IpAddr::V4(_) => vec![ip.to_string(), format!("{ip}:4711"), format!("\"{ip}\"")],
        IpAddr::V6(_) => vec![
            ip.to_string(),
            format!("[{ip}]"),
            format!("[{ip}]:4711"),
            format!("\"[{ip}]:80\""),
        ],
    };
    for form in forms {
        assert_eq!(parse_ip(&form), Some(ip), "{form:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut lines = text.split('\n');
    let header = lines.next().unwrap_or("");
    let values: Vec<&str> = lines.collect();

    for value in &values {
        if let Some(ip) = parse_ip(value) {
            check_forms(ip);
        }
    }
    let ip = client_ip(header, values.iter().copied());
    if let Some(ip) = ip {
        check_forms(ip);
    }
    let last_hop = values.last().and_then(|v| v.rsplit(',').next());
    if header.eq_ignore_ascii_case("x-forwarded-for") {
        assert_eq!(ip, last_hop.and_then(parse_ip), "{text:?}");
    } else if header.eq_ignore_ascii_case("forwarded") {
        if ip.is_some() {
            let hop = last_hop
                .expect("an address came from the last hop")
                .to_ascii_lowercase();
            assert!(hop.contains("for"), "{text:?}");
        }
    } else {
        let only = match values.as_slice() {
            [one] => parse_ip(one),
            _ => None,
        };
        assert_eq!(ip, only, "{text:?}");
    }
});

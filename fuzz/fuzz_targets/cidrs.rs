//! CIDR allow-list entries: any text through `Cidr::parse`, and `contains`
//! with addresses built from the input, checked against a plain bit-mask
//! computation. An IPv4-mapped client (`::ffff:a.b.c.d`) is an IPv4 client,
//! matched by IPv4 ranges only. An entry that parses prints and re-reads as
//! itself and holds its own first address: an entry that can never match
//! would be accepted at save time and then silently refuse every client.
#![no_main]

use arbitrary::Arbitrary;
use keyward::domain::Cidr;
use libfuzzer_sys::fuzz_target;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

#[derive(Debug, Arbitrary)]
struct Input<'a> {
    /// Host bits for an address inside the network.
    host: u128,
    /// A network bit to flip for an address outside it.
    flip: u8,
    /// Whether the address is also tried IPv4-mapped (`::ffff:a.b.c.d`).
    mapped: bool,
    /// The entry as an operator typed it.
    text: &'a str,
}

/// Address and prefix length as one 128-bit number (IPv4 in the low 32 bits).
fn bits(ip: IpAddr) -> u128 {
    match ip {
        IpAddr::V4(v4) => u128::from(u32::from(v4)),
        IpAddr::V6(v6) => u128::from(v6),
    }
}

fn address(v4: bool, n: u128) -> IpAddr {
    if v4 {
        IpAddr::V4(Ipv4Addr::from(n as u32))
    } else {
        IpAddr::V6(Ipv6Addr::from(n))
    }
}

/// The reference: same family and the same leading `len` bits.
fn inside(network: IpAddr, len: u32, ip: IpAddr) -> bool {
    let width = if network.is_ipv4() { 32 } else { 128 };
    let mask = if len == 0 {
        0
    } else {
        u128::MAX << (128 - len) >> (128 - width)
    };
    network.is_ipv4() == ip.is_ipv4() && bits(network) & mask == bits(ip) & mask
}

/// What the allow-list documents: a mapped client is compared as IPv4.
fn expected(network: IpAddr, len: u32, ip: IpAddr) -> bool {
    let client = match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        IpAddr::V4(_) => ip,
    };
    inside(network, len, client)
}

fuzz_target!(|input: Input<'_>| {
    let Ok(cidr) = Cidr::parse(input.text) else { return };
    let shown = cidr.to_string();
    assert_eq!(Cidr::parse(&shown), Ok(cidr), "{:?} shown as {shown:?}", input.text);
    let (net, len) = shown.split_once('/').expect("a CIDR prints with its length");
    let network: IpAddr = net.parse().expect("the network prints as an address");
    let len: u32 = len.parse().expect("the length prints as a number");
    let v4 = network.is_ipv4();
    let width = if v4 { 32 } else { 128 };
    assert!(len <= width);

    let host_mask = if len == width {
        0
    } else {
        u128::MAX >> (128 - width + len)
    };
    assert_eq!(bits(network) & host_mask, 0, "host bits survived in {shown}");
    assert!(cidr.contains(network), "{shown} can never match: not even {network}");
    let last = address(v4, bits(network) | host_mask);
    let within = address(v4, bits(network) | (input.host & host_mask));
    let mut clients = vec![last, within, address(!v4, input.host)];
    if len > 0 {
        let bit = width - 1 - u32::from(input.flip) % len;
        clients.push(address(v4, bits(within) ^ (1u128 << bit)));
    }
    for ip in clients {
        let ip = match (input.mapped, ip) {
            (true, IpAddr::V4(v4)) => IpAddr::V6(v4.to_ipv6_mapped()),
            _ => ip,
        };
        assert_eq!(cidr.contains(ip), expected(network, len, ip), "{shown} and {ip}");
    }
});

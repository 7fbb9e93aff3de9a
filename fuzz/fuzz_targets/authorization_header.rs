//! The `Authorization` header, as any client may send it. `bearer` and
//! `parse` agree on Bearer tokens; a token is never empty and never carries
//! the spaces around it; a Basic pair splits at its first `:` and re-encodes
//! to a header that reads back as the same pair.
#![no_main]

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use keyward::wire::authorization::{Authorization, bearer, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(header) = std::str::from_utf8(data) else { return };
    let token = bearer(header);
    let read = parse(header);
    match (&read, token) {
        (Authorization::Bearer(t), Some(u)) => assert_eq!(*t, u),
        (_, Some(u)) => panic!("bearer() read {u:?} but parse() read {read:?}"),
        (Authorization::Bearer(t), None) => panic!("parse() read a Bearer {t:?} that bearer() did not"),
        _ => {}
    }
    match read {
        Authorization::Bearer(t) => {
            assert!(!t.is_empty() && t.trim() == t, "{header:?} -> {t:?}");
            assert!(header.contains(t));
            assert_eq!(bearer(&format!("Bearer {t}")), Some(t));
        }
        Authorization::Basic { id, secret } => {
            assert!(!id.contains(':'), "{header:?}: the id holds a ':'");
            let again = format!("Basic {}", STANDARD.encode(format!("{id}:{secret}")));
            assert_eq!(parse(&again), Authorization::Basic { id, secret });
        }
        Authorization::MalformedBasic | Authorization::Unsupported => {}
    }
});

//! The key format: any string through `parse` and `display_prefix`. A key
//! that parses must be exactly what `assemble` would have made of its parts,
//! so the checksum cannot be satisfied by anything but the real layout.
#![no_main]

use keyward::domain::key::format::{
    CHECKSUM_LEN, DISPLAY_LEN, KeyFormatError, RANDOM_LEN, assemble, display_prefix, parse,
};
use libfuzzer_sys::fuzz_target;

const BASE: &str = "kw";

fuzz_target!(|data: &[u8]| {
    let Ok(key) = std::str::from_utf8(data) else { return };
    let shown = display_prefix(key);
    let Ok(parsed) = parse(key, BASE) else { return };

    assert_eq!(parsed.raw, key);
    assert!(key.is_ascii(), "{key:?}");
    let prefix = parsed.role.prefix(BASE);
    let head = format!("{prefix}_{}_", parsed.environment);
    assert_eq!(key.len(), head.len() + RANDOM_LEN + CHECKSUM_LEN, "{key:?}");
    let random = &key[head.len()..head.len() + RANDOM_LEN];
    assert_eq!(assemble(&prefix, parsed.environment, random), key);
    assert_eq!(shown, key[..head.len() + DISPLAY_LEN]);

    // A different last checksum character must be caught.
    let last = key.as_bytes()[key.len() - 1];
    let typo = format!("{}{}", &key[..key.len() - 1], if last == b'0' { '1' } else { '0' });
    assert_eq!(parse(&typo, BASE), Err(KeyFormatError::Checksum), "{typo:?}");
});

//! `If-Match`, as any client may send it. Every version it names holds; the
//! versions re-written as Keyward's own ETags read back the same; and a tag
//! counts only if it is exactly the ETag Keyward sends for that version
//! (RFC 9110 §8.8.3.2: strong comparison is character by character, so `"05"`
//! and `"+5"` are not `"5"`).
#![no_main]

use keyward::wire::etag::{Precondition, etag};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(header) = std::str::from_utf8(data) else { return };
    let versions = match Precondition::parse(header) {
        Precondition::Any => {
            assert_eq!(header.trim(), "*");
            return;
        }
        Precondition::None => panic!("{header:?} read as no If-Match at all"),
        Precondition::OneOf(versions) => versions,
    };
    let precondition = Precondition::OneOf(versions.clone());
    let tags: Vec<&str> = header.split(',').map(str::trim).collect();
    assert!(versions.len() <= tags.len());
    for v in &versions {
        assert!(precondition.holds(*v));
        assert!(
            tags.contains(&etag(*v).as_str()),
            "{header:?} matched version {v} by another tag"
        );
    }
    let written = versions.iter().map(|v| etag(*v)).collect::<Vec<_>>().join(", ");
    if !versions.is_empty() {
        assert_eq!(
            Precondition::parse(&written),
            precondition,
            "{header:?} written as {written:?}"
        );
    }
});

//! Form bodies and query strings, compared with the `form_urlencoded` and
//! `percent-encoding` crates (the decoders behind the `url` crate): the same
//! text must decode to the same pairs (so never more than its `&`-separated
//! parts), `first` must find the first of them and `one` must refuse exactly
//! the names sent more than once.
#![no_main]

use keyward::wire::form::{Params, Repeated, percent_decode};
use libfuzzer_sys::fuzz_target;
use std::collections::HashMap;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let decoded = percent_decode(text);
    let spaced = text.replace('+', " ");
    let reference = percent_encoding::percent_decode_str(&spaced).decode_utf8_lossy();
    assert_eq!(decoded, reference, "{text:?}");
    assert!(decoded.len() <= text.len());
    if !text.contains(['%', '+']) {
        assert_eq!(decoded, text);
    }

    let params = Params::parse(text);
    let pairs: Vec<(String, String)> = form_urlencoded::parse(data).into_owned().collect();
    assert!(pairs.len() <= text.split('&').count());
    let encoded = form_urlencoded::Serializer::new(String::new())
        .extend_pairs(&pairs)
        .finish();
    assert_eq!(
        Params::parse(&encoded),
        params,
        "{text:?} and its re-encoding {encoded:?}"
    );
    // Each name's first value and count, so that many pairs stay linear.
    let mut names: HashMap<&str, (&str, usize)> = HashMap::new();
    for (name, value) in &pairs {
        names.entry(name.as_str()).or_insert((value.as_str(), 0)).1 += 1;
    }
    for (name, (first, count)) in &names {
        assert_eq!(params.first(name), Some(*first), "{text:?}: first {name:?}");
        match params.one(name) {
            Ok(one) => assert!(*count == 1 && one == Some(*first), "{text:?}: one {name:?}"),
            Err(Repeated(n)) => assert!(*count > 1 && n == *name, "{text:?}: {name:?} is not repeated"),
        }
    }
    let absent = "\u{0}absent";
    if !names.contains_key(absent) {
        assert_eq!(params.first(absent), None);
        assert_eq!(params.one(absent), Ok(None));
    }
});

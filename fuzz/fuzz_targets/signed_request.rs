//! The parts of an application's signed request a client controls: the full
//! URL (read below the API base, then matched against rights) and the
//! consumer-key request body. Neither panics; a path below the base is
//! always a path (`/…`) taken from the URL itself, and a rule that parses is
//! a right that allows its own path.
#![no_main]

use keyward::domain::application::{BasePath, ConsumerKeyRequest};
use keyward::domain::right;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(request) = serde_json::from_slice::<ConsumerKeyRequest>(data) {
        for rule in &request.access_rules {
            let _ = rule.to_right();
        }
    }
    let Ok(url) = std::str::from_utf8(data) else { return };
    let base = BasePath::parse("/1.0").expect("valid");
    if let Some(below) = base.below(url) {
        assert!(below.starts_with('/'), "{url:?} -> {below:?}");
        assert!(url.contains(&format!("/1.0{below}")), "{url:?} -> {below:?}");
        let _ = right::allowed(&[], Some("GET"), Some(below));
    }
});

//! Rights and request paths. The input is three lines: a right as an admin
//! writes it (`GET,POST /v1/instances/*`), a request method, and a request
//! target as a gateway forwards it. A normalised path is absolute, has no dot
//! segment, no encoded `/` or `\`, and normalises to itself; a right re-reads
//! from its own parts, matches its own pattern, and its `*` matching on the
//! normalised path agrees with a textbook wildcard matcher.
#![no_main]

use keyward::domain::Right;
use keyward::domain::right::allowed;
use keyward::wire::path::{has_dot_segments, normalize};
use libfuzzer_sys::fuzz_target;

/// Past this many pattern × text bytes the reference matcher is skipped, so a
/// single long input cannot slow the whole run down.
const MAX_GLOB_WORK: usize = 1 << 16;

/// The classic `*` matcher: on a mismatch, let the last `*` take one more byte.
fn reference_glob(pattern: &[u8], text: &[u8]) -> bool {
    let (mut p, mut t) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while t < text.len() {
        if pattern.get(p) == Some(&b'*') {
            star = Some((p, t));
            p += 1;
        } else if pattern.get(p) == Some(&text[t]) {
            p += 1;
            t += 1;
        } else if let Some((sp, st)) = star {
            star = Some((sp, st + 1));
            p = sp + 1;
            t = st + 1;
        } else {
            return false;
        }
    }
    pattern[p..].iter().all(|b| *b == b'*')
}

fn check_path(target: &str) {
    let _ = has_dot_segments(target);
    let path_only = target.split('?').next().unwrap_or(target);
    let normal = normalize(target);
    assert_eq!(normalize(path_only), normal, "{target:?}: the query changed the path");
    let Ok(normal) = normal else { return };
    assert!(normal.starts_with('/'), "{target:?} -> {normal:?}");
    assert!(
        normal.split('/').all(|s| s != "." && s != ".."),
        "{target:?} -> {normal:?} kept a dot segment"
    );
    let upper = normal.to_ascii_uppercase();
    assert!(
        !upper.contains("%2F") && !upper.contains("%5C"),
        "{target:?} -> {normal:?}"
    );
    assert!(!normal.contains(['\\', '?', '#']), "{target:?} -> {normal:?}");
    assert!(!has_dot_segments(&normal), "{target:?} -> {normal:?}");
    assert_eq!(
        normalize(&normal).as_ref(),
        Ok(&normal),
        "{target:?} -> {normal:?} is not a fixed point"
    );
}

fn check_right(line: &str, method: &str, target: &str) {
    let Ok(right) = Right::parse(line) else { return };
    let methods = right.methods();
    assert!(
        !methods.is_empty() && methods.windows(2).all(|w| w[0] < w[1]),
        "{methods:?}"
    );
    let path = right.path();
    assert!(path.starts_with('/') && !path.contains(char::is_whitespace) && !path.contains('?'));
    let written = format!("{} {path}", methods.join(","));
    assert_eq!(
        Right::parse(&written).as_ref(),
        Ok(&right),
        "{line:?} written as {written:?}"
    );
    assert_eq!(Right::new(methods.to_vec(), path).as_ref(), Ok(&right));
    let json = serde_json::to_string(&right).expect("a right serialises");
    assert_eq!(serde_json::from_str::<Right>(&json).ok().as_ref(), Some(&right));
    for m in methods {
        let m = if m == "*" { method } else { m };
        assert!(right.allows(m, path), "{line:?} does not allow its own pattern");
        assert!(
            right.allows(&m.to_ascii_lowercase(), path),
            "{line:?}: method case matters"
        );
    }

    let allows = right.allows(method, target);
    assert_eq!(
        allowed(std::slice::from_ref(&right), Some(method), Some(target)),
        allows
    );
    // Rights match the normalised path; a path that cannot be normalised
    // matches nothing.
    let Ok(text) = normalize(target) else {
        assert!(!allows, "{line:?} allowed the ambiguous {target:?}");
        return;
    };
    if path.len() * text.len() <= MAX_GLOB_WORK {
        let method_ok = methods.iter().any(|m| m == "*" || m.eq_ignore_ascii_case(method));
        let glob = reference_glob(path.as_bytes(), text.as_bytes());
        assert_eq!(allows, method_ok && glob, "{line:?} on {method} {target:?}");
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut lines = text.splitn(3, '\n');
    let (line, method, target) = (
        lines.next().unwrap_or(""),
        lines.next().unwrap_or("GET"),
        lines.next().unwrap_or("/"),
    );
    check_path(target);
    check_right(line, method, target);
});

//! Scopes: whitespace-separated tokens, the held ones on the first line and
//! the required ones after it (as a credential holds them and a gateway asks).
//! A parsed scope prints and re-reads as itself, grants itself, and `grants`
//! is transitive, so `satisfies` cannot be tricked by a chain of wildcards.
#![no_main]

use keyward::domain::scope::satisfies;
use keyward::domain::{Catalog, Scope};
use libfuzzer_sys::fuzz_target;

/// Enough scopes for the pairwise and triple checks to stay cheap.
const MAX_SCOPES: usize = 8;
/// Tokens read per line: each is parsed on its own, so more add nothing new,
/// and a 4 KB line of one-letter tokens would slow the whole run down.
const MAX_TOKENS: usize = 16;

fn read(tokens: &str, catalog: &Catalog) -> Vec<Scope> {
    let mut scopes = Vec::new();
    for token in tokens.split_whitespace().take(MAX_TOKENS) {
        let syntax = Scope::parse_syntax(token);
        if let Ok(granted) = Scope::parse(token, catalog) {
            assert_eq!(syntax.as_ref(), Ok(&granted), "{token:?}");
            assert!(granted.resource() == "*" || catalog.contains(granted.resource()));
        }
        let Ok(scope) = syntax else { continue };
        let shown = scope.to_string();
        assert_eq!(
            Scope::parse_syntax(&shown).as_ref(),
            Ok(&scope),
            "{token:?} shown as {shown:?}"
        );
        let json = serde_json::to_string(&scope).expect("a scope serialises");
        assert_eq!(serde_json::from_str::<Scope>(&json).ok().as_ref(), Some(&scope));
        assert!(scope.grants(&scope), "{shown} does not grant itself");
        if scopes.len() < MAX_SCOPES {
            scopes.push(scope);
        }
    }
    scopes
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let catalog = Catalog::default();
    let (held, required) = text.split_once('\n').unwrap_or((text, ""));
    let held = read(held, &catalog);
    let required = read(required, &catalog);

    assert!(satisfies(&held, &[]));
    assert!(satisfies(&held, &held));
    let everything = Scope::parse_syntax("*:*").expect("the widest scope parses");
    assert!(satisfies(std::slice::from_ref(&everything), &required));
    let each = required.iter().all(|r| satisfies(&held, std::slice::from_ref(r)));
    assert_eq!(satisfies(&held, &required), each);
    let mut more = held.clone();
    more.extend(required.iter().cloned());
    assert!(satisfies(&more, &required));
    let all: Vec<&Scope> = held.iter().chain(&required).collect();
    for a in &all {
        for b in &all {
            if !a.grants(b) {
                continue;
            }
            for c in &all {
                assert!(
                    !b.grants(c) || a.grants(c),
                    "{a} grants {b} grants {c}, but not {a} {c}"
                );
            }
        }
    }
});

//! The `next=` parameter that brings a user back to the page they asked for
//! after signing in: how a path is written into it. Both the shell (a
//! client-side redirect to sign-in) and the sign-in server functions (the
//! redirect to the code step) write it.

/// Percent-encodes a path for a `next=` query parameter.
pub fn encode(path: &str) -> String {
    path.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_path_with_a_query_is_encoded_whole() {
        assert_eq!(
            super::encode("/applications/validate?token=a b"),
            "/applications/validate%3Ftoken%3Da%20b"
        );
    }
}

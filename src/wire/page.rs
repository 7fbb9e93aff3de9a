//! The `limit` query parameter of every list: a page of 1 to 200 items. A
//! value outside that is refused rather than quietly clamped, as the
//! OpenAPI document's bounds promise.

use serde::{Deserialize, Deserializer, de};

/// The most items one page holds.
pub const MAX_PAGE_SIZE: u32 = 200;

/// Reads an optional page size, refusing 0 and anything over [`MAX_PAGE_SIZE`]
/// (use with `#[serde(default, deserialize_with = "…")]`).
pub fn page_size<'de, D: Deserializer<'de>>(d: D) -> Result<Option<u32>, D::Error> {
    match Option::<u32>::deserialize(d)? {
        Some(n) if !(1..=MAX_PAGE_SIZE).contains(&n) => Err(de::Error::custom(format!(
            "limit must be between 1 and {MAX_PAGE_SIZE}"
        ))),
        size => Ok(size),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Deserialize)]
    struct Query {
        #[serde(default, deserialize_with = "page_size")]
        limit: Option<u32>,
    }

    #[test]
    fn page_sizes_stay_within_bounds() {
        let read = |s: &str| serde_json::from_str::<Query>(s).map(|q| q.limit);
        assert_eq!(read("{}").unwrap(), None);
        assert_eq!(read(r#"{"limit": 200}"#).unwrap(), Some(200));
        assert!(read(r#"{"limit": 201}"#).is_err());
        assert!(read(r#"{"limit": 0}"#).is_err());
    }
}

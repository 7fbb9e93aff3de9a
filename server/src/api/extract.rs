//! Extractors whose rejections are problem responses instead of axum's plain
//! text, and the parts of a request that handlers read alike.

use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::header;
use axum::http::request::Parts;
use keyward::domain::Scope;
use keyward::service::ClientIp;
use serde::de::value::MapAccessDeserializer;
use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use std::fmt;
use std::marker::PhantomData;

use super::problem::ApiError;

/// A JSON body; what axum rejects becomes a problem (see `From<JsonRejection>`).
#[derive(FromRequest)]
#[from_request(via(axum::Json), rejection(ApiError))]
pub struct ApiJson<T>(pub T);

/// Query parameters; a value that does not parse is a 422 problem.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Query), rejection(ApiError))]
pub struct ApiQuery<T>(pub T);

/// Path parameters; one that does not parse (a delivery id past `i64`) is a 400 problem.
#[derive(FromRequestParts)]
#[from_request(via(axum::extract::Path), rejection(ApiError))]
pub struct ApiPath<T>(pub T);

/// A JSON object. serde reads a struct from an array too (`[86400]` as
/// `{"grace_period_seconds": 86400}`); every body of the API is documented as
/// an object, so anything else is refused like any body that does not fit.
pub struct Object<T>(pub T);

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Object<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Fields<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for Fields<T> {
            type Value = T;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<T, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map))
            }
        }
        d.deserialize_map(Fields(PhantomData)).map(Object)
    }
}

/// A JSON object body that may also be absent: no body (no `Content-Type`,
/// no length, or a length of 0) reads as the default.
pub struct ApiJsonOrEmpty<T>(pub T);

impl<T: for<'de> Deserialize<'de> + Default, S: Send + Sync> FromRequest<S> for ApiJsonOrEmpty<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let h = req.headers();
        let empty = h.get(header::CONTENT_LENGTH).is_some_and(|v| v.as_bytes() == b"0")
            || [header::CONTENT_TYPE, header::TRANSFER_ENCODING, header::CONTENT_LENGTH]
                .iter()
                .all(|name| h.get(name).is_none());
        if empty {
            return Ok(ApiJsonOrEmpty(T::default()));
        }
        let ApiJson(Object(v)) = ApiJson::<Object<T>>::from_request(req, state).await?;
        Ok(ApiJsonOrEmpty(v))
    }
}

/// The caller's IP as the middleware determined it.
pub fn client_ip(parts: &Parts) -> Option<std::net::IpAddr> {
    parts.extensions.get::<ClientIp>().map(|c| c.0)
}

/// The path the client asked for, as it came in: a nested router sees its
/// own part only (`/keys` for `/v1/keys`), and rights name the whole path.
pub fn request_path(parts: &Parts) -> &str {
    parts
        .extensions
        .get::<axum::extract::OriginalUri>()
        .map_or(parts.uri.path(), |o| o.0.path())
}

/// Scopes a call needs, checked by shape only (a gateway may ask for anything).
pub fn required_scopes<S: AsRef<str>>(list: &[S]) -> Result<Vec<Scope>, ApiError> {
    list.iter()
        .map(|s| Scope::parse_syntax(s.as_ref()))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| ApiError::invalid("scopes", e.message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Default, serde::Deserialize, PartialEq)]
    struct Body {
        #[serde(default)]
        n: Option<i64>,
    }

    #[test]
    fn only_objects_read_as_bodies() {
        let read = |s: &str| serde_json::from_str::<Object<Body>>(s).map(|o| o.0);
        assert_eq!(read(r#"{"n": 1}"#).unwrap(), Body { n: Some(1) });
        assert!(read("[1]").is_err());
        assert!(read("[]").is_err());
        assert!(read("1").is_err());
    }
}

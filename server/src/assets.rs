//! The built console (`target/site`: WASM, JS, CSS, icons) embedded into the
//! binary, so a copied `keyward` file serves everything on its own.
//!
//! In debug builds rust-embed reads the folder from disk, so `cargo test` sees
//! fresh builds; release builds carry the bytes. `cargo leptos build
//! --precompress` writes `.br` and `.gz` siblings, served when the browser accepts them.

use axum::body::Body;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "../target/site"]
#[allow_missing = true]
struct Site;

/// Serves `path` from the embedded site, or `None` when there is no such file.
pub fn serve(path: &str, request_headers: &HeaderMap) -> Option<Response> {
    let path = path.trim_start_matches('/');
    if path.is_empty() || path.contains("..") {
        return None;
    }
    let file = Site::get(path)?;
    let etag = format!("\"{}\"", hex(&file.metadata.sha256_hash()[..16]));
    if request_headers
        .get(header::IF_NONE_MATCH)
        .is_some_and(|v| v.as_bytes() == etag.as_bytes())
    {
        return Response::builder()
            .status(StatusCode::NOT_MODIFIED)
            .header(header::ETAG, etag)
            .body(Body::empty())
            .ok();
    }
    let accepts = |enc: &str| {
        request_headers
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|v| v.split(',').any(|e| e.trim().split(';').next() == Some(enc)))
    };
    let compressed = [("br", "br"), ("gzip", "gz")]
        .into_iter()
        .filter(|(enc, _)| accepts(enc))
        .find_map(|(enc, ext)| Site::get(&format!("{path}.{ext}")).map(|f| (f.data, Some(enc))));
    let (body, encoding) = compressed.unwrap_or((file.data, None));
    let mime = mime_guess::from_path(path).first_or_octet_stream();
    let mut res = Response::builder()
        .header(header::CONTENT_TYPE, mime.as_ref())
        .header(header::ETAG, etag)
        // Names are not content-hashed, so browsers revalidate (cheaply, by ETag).
        .header(header::CACHE_CONTROL, "no-cache")
        .header(header::VARY, "accept-encoding");
    if let Some(enc) = encoding {
        res = res.header(header::CONTENT_ENCODING, HeaderValue::from_static(enc));
    }
    res.body(Body::from(body)).ok()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

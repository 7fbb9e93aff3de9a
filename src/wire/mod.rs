//! Readers for what arrives from the network before anything is trusted:
//! `Authorization` headers, form and query strings, page sizes, forwarded addresses and
//! paths, and the envelope of a JWT. They are pure (no I/O, no secrets), live
//! outside the `server` feature so that the fuzz targets build them alone, and
//! never panic on any input.

pub mod authorization;
pub mod etag;
pub mod form;
pub mod forwarded;
pub mod jwt;
pub mod page;
pub mod path;

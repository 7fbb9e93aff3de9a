//! Keyward core.
//!
//! The `domain` module holds the validated types that cross every boundary: the
//! console (server and WASM), the REST API and the store all speak them, so a
//! value that exists has already been checked once. Everything that touches
//! SQLite, secrets or the clock sits behind the `server` feature so that the
//! WASM build stays small and never links a database driver.

pub mod domain;
pub mod policy;
pub mod wire;

#[cfg(feature = "server")]
pub mod clock;
#[cfg(feature = "server")]
pub mod config;
#[cfg(feature = "server")]
pub mod crypto;
#[cfg(feature = "server")]
pub mod metrics;
#[cfg(feature = "server")]
pub mod notify;
#[cfg(feature = "server")]
pub mod oauth;
#[cfg(feature = "server")]
pub mod ratelimit;
#[cfg(feature = "server")]
pub mod service;
#[cfg(feature = "server")]
pub mod store;
#[cfg(feature = "server")]
pub mod throttle;
#[cfg(feature = "server")]
pub mod verify;

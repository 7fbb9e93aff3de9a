//! The `keyward` binary's library half: the HTTP router, the embedded console
//! assets, the middleware, and server start-up and shutdown. `main.rs` parses
//! the command line; tests start the same server in-process.

pub mod api;
pub mod assets;
pub mod cli;
pub mod client_ip;
pub mod finish_pages;
pub mod health;
pub mod jobs;
pub mod middleware;
pub mod request_metrics;
pub mod router;
pub mod server;
pub mod state;

pub use server::{RunningServer, StartError, start};

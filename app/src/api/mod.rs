//! Server functions: the console's only way to reach the services. Each one
//! authenticates the session, lets the service check the role, and maps errors.
//! All of them are POST (the `server_fn` default); the server crate's CSRF
//! middleware refuses cross-site calls.

pub mod accounts;
pub mod applications;
pub mod audit;
#[cfg(feature = "ssr")]
pub mod context;
pub mod credentials;
pub mod docs;
#[cfg(feature = "ssr")]
pub mod response;
pub mod session;
pub mod settings;
pub mod two_factor;
pub mod usage;
pub mod users;
pub mod webhooks;

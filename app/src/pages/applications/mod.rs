//! The Applications section: the applications (OVH-style credentials) the
//! user may see, and the page where a user approves or refuses a consumer
//! key an application asked for.

mod list;
mod validate;

pub use list::ApplicationsPage;
pub use validate::ValidatePage;

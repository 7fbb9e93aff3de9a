//! One module per console page.

mod account;
mod accounts;
mod applications;
mod audit;
mod credentials;
mod dashboard;
mod docs;
mod not_found;
mod second_factor;
mod settings;
mod setup;
mod sign_in;
mod users;
mod users_two_factor;
mod webhooks;

pub use account::{AccountPage, EnrolPage};
pub use accounts::{AccountDetailPage, AccountsPage};
pub use applications::{ApplicationsPage, ValidatePage};
pub use audit::AuditPage;
pub use credentials::{CredentialDetailPage, CredentialsPage, NewCredentialPage};
pub use dashboard::DashboardPage;
pub use docs::DocsPage;
pub use not_found::NotFound;
pub use second_factor::SecondFactorPage;
pub use settings::SettingsPage;
pub use setup::SetupPage;
pub use sign_in::SignInPage;
pub use users::UsersPage;
pub use webhooks::{WebhookDetailPage, WebhooksPage};

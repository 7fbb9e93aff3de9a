//! Two-factor sign-in: the code step of signing in, the user's own
//! enrolment, a Global Admin's reset of another user's, and the policy.
//! The enrolment functions also serve a session the policy keeps to
//! enrolment; every other server function refuses such a session.

use keyward::domain::UserId;
use keyward::domain::two_factor::{Enrolment, TwoFactorPolicy, TwoFactorStatus};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::error::ConsoleError;

#[cfg(feature = "ssr")]
use super::context;

/// Completes a sign-in with a code from the app or a recovery code, sets the
/// session cookie and goes to `next`.
#[server(prefix = "/api", endpoint = "session/second_factor")]
pub async fn complete_sign_in(code: String, next: Option<String>) -> Result<(), ConsoleError> {
    let kw = context::keyward()?;
    let Some(pending) = context::pending_token() else {
        crate::api::response::set_status(http::StatusCode::UNAUTHORIZED);
        return Err(ConsoleError::Unauthenticated);
    };
    let session = kw
        .sessions()
        .complete_second_step(&pending, &code, &context::request_meta())
        .await?;
    context::clear_pending_cookie(&kw);
    context::set_session_cookie(&kw, &session.token, session.max_age_secs);
    leptos_axum::redirect(&super::session::safe_next(next.as_deref()));
    Ok(())
}

/// The signed-in user's two-factor state.
#[server(prefix = "/api", endpoint = "two_factor/status")]
pub async fn load_two_factor_status() -> Result<TwoFactorStatus, ConsoleError> {
    let (kw, p) = context::enrolling_principal().await?;
    Ok(kw.two_factor().status(&p).await?)
}

/// Starts enrolment: a new key, as a QR code and as text.
#[server(prefix = "/api", endpoint = "two_factor/begin")]
pub async fn begin_enrolment() -> Result<Enrolment, ConsoleError> {
    let (kw, p) = context::enrolling_principal().await?;
    Ok(kw.two_factor().begin(&p).await?)
}

/// Confirms enrolment with the first code; answers the ten recovery codes, shown once.
#[server(prefix = "/api", endpoint = "two_factor/confirm")]
pub async fn confirm_enrolment(code: String) -> Result<Vec<String>, ConsoleError> {
    let (kw, p) = context::enrolling_principal().await?;
    Ok(kw.two_factor().confirm(&p, &code, &context::request_meta()).await?)
}

/// Turns the user's own second factor off with a current code, where the policy allows.
#[server(prefix = "/api", endpoint = "two_factor/remove")]
pub async fn remove_two_factor(code: String) -> Result<(), ConsoleError> {
    let (kw, p) = context::principal().await?;
    Ok(kw.two_factor().remove_own(&p, &code, &context::request_meta()).await?)
}

/// The users with a second factor; Global Admins and Global Viewers only.
#[server(prefix = "/api", endpoint = "users/two_factor_enrolled")]
pub async fn two_factor_enrolled() -> Result<Vec<UserId>, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    Ok(kw.two_factor().enrolled_users(&caller).await?)
}

/// Removes another user's second factor and ends their sessions; Global Admins only.
#[server(prefix = "/api", endpoint = "users/reset_two_factor", input = Json)]
pub async fn reset_two_factor(id: UserId) -> Result<(), ConsoleError> {
    let (kw, caller) = context::caller().await?;
    Ok(kw.two_factor().reset(&caller, id).await?)
}

/// The install's two-factor policy; any signed-in user may read it.
#[server(prefix = "/api", endpoint = "settings/two_factor_policy")]
pub async fn load_two_factor_policy() -> Result<TwoFactorPolicy, ConsoleError> {
    let (kw, _) = context::principal().await?;
    Ok(kw.two_factor().policy().await?)
}

/// Sets the install's two-factor policy; Global Admins only.
#[server(prefix = "/api", endpoint = "settings/set_two_factor_policy", input = Json)]
pub async fn set_two_factor_policy(policy: TwoFactorPolicy) -> Result<TwoFactorPolicy, ConsoleError> {
    let (kw, caller) = context::caller().await?;
    Ok(kw.two_factor().set_policy(&caller, policy).await?)
}

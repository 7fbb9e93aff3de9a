//! Sign-in, sign-out, the current user and first-run setup.

use keyward::domain::Principal;
use leptos::prelude::*;

use crate::error::ConsoleError;

#[cfg(feature = "ssr")]
use super::{context, response};

/// The signed-in user, or `None` when the session is missing or over.
#[server(prefix = "/api", endpoint = "session/me")]
pub async fn current_user() -> Result<Option<Principal>, ConsoleError> {
    let kw = context::keyward()?;
    let Some(token) = context::session_token() else {
        return Ok(None);
    };
    match kw.sessions().authenticate(&token).await {
        Ok(p) => Ok(Some(p)),
        Err(keyward::service::ServiceError::Unauthenticated) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// Only same-site paths are followed after sign-in, never `//evil.example`
/// nor spellings a browser turns into one (`/\\evil`, `/\t/evil`: browsers
/// drop tabs and newlines and read `\\` as `/`).
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.chars().any(|c| c.is_control() || c.is_whitespace() || c == '\\')
                && !n[1..].starts_with('/') =>
        {
            n.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// Checks the e-mail and password, sets the session cookie and goes to
/// `next`; a user with a second factor goes to the code step instead, with a
/// pending sign-in cookie and no session yet.
#[server(prefix = "/api", endpoint = "session/sign_in")]
pub async fn sign_in(email: String, password: String, next: Option<String>) -> Result<(), ConsoleError> {
    use keyward::service::SignInStep;
    let kw = context::keyward()?;
    let step = kw
        .sessions()
        .sign_in(&email, &password, &context::request_meta())
        .await?;
    let next = safe_next(next.as_deref());
    match step {
        SignInStep::Signed(session) => {
            context::set_session_cookie(&kw, &session.token, session.max_age_secs);
            leptos_axum::redirect(&next);
        }
        SignInStep::SecondFactor(pending) => {
            context::set_pending_cookie(&kw, &pending.token, pending.max_age_secs);
            leptos_axum::redirect(&format!("/login/two-factor?next={}", crate::next_path::encode(&next)));
        }
    }
    Ok(())
}

/// Ends the session and returns to the sign-in page.
#[server(prefix = "/api", endpoint = "session/sign_out")]
pub async fn sign_out() -> Result<(), ConsoleError> {
    let kw = context::keyward()?;
    if let Some(token) = context::session_token() {
        kw.sessions().sign_out(&token, &context::request_meta()).await?;
    }
    context::clear_session_cookie(&kw);
    leptos_axum::redirect("/login");
    Ok(())
}

/// Whether the install still waits for its first admin.
#[server(prefix = "/api", endpoint = "setup/status")]
pub async fn setup_status() -> Result<bool, ConsoleError> {
    Ok(context::keyward()?.users().needs_setup().await?)
}

/// Creates the first Global Admin from the one-time link and signs them in.
#[server(prefix = "/api", endpoint = "setup/complete")]
pub async fn complete_setup(
    token: String,
    email: String,
    password: String,
    confirm: String,
) -> Result<(), ConsoleError> {
    if password != confirm {
        response::set_status(http::StatusCode::UNPROCESSABLE_ENTITY);
        return Err(ConsoleError::Invalid {
            field: "confirm".into(),
            message: "does not match the password".into(),
        });
    }
    let kw = context::keyward()?;
    let session = kw
        .users()
        .complete_setup(&token, &email, &password, &context::request_meta())
        .await?;
    context::set_session_cookie(&kw, &session.token, session.max_age_secs);
    leptos_axum::redirect("/");
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/users")), "/users");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(None), "/");
        // Browsers drop tabs and newlines, which would make these `//evil`.
        for bad in ["/\t/evil.example", "/\n/evil.example", "/ /evil.example"] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad:?}");
        }
        assert_eq!(
            safe_next(Some("/credentials?status=active")),
            "/credentials?status=active"
        );
    }
}

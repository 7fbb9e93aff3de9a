//! `spawn_app()` and a typed client for the console's server functions.

use keyward::clock::ManualClock;
use keyward::config::Config;
use keyward_server::RunningServer;
use reqwest::header::{HeaderMap, HeaderValue};
use reqwest::{Client, Response, StatusCode};
use serde_json::{Value, json};
use std::sync::Arc;
use tempfile::TempDir;

pub const ADMIN_EMAIL: &str = "admin@example.com";
pub const ADMIN_PASSWORD: &str = "correct horse battery staple";

/// A running Keyward with its own data dir and a clock the test controls.
pub struct TestApp {
    pub server: Option<RunningServer>,
    pub base: String,
    pub clock: ManualClock,
    pub dir: TempDir,
}

/// A browser-like session: its own cookie jar, no redirects followed.
pub struct Session {
    pub client: Client,
    pub base: String,
}

pub fn config_for(dir: &TempDir) -> Config {
    Config::new(dir.path().join("data"))
}

/// Starts a fresh server on a random loopback port.
pub async fn spawn_app() -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = ManualClock::starting_now();
    let server = keyward_server::start(
        config_for(&dir),
        "127.0.0.1:0".parse().unwrap(),
        Arc::new(clock.clone()),
    )
    .await
    .expect("server starts");
    TestApp {
        base: server.base_url(),
        server: Some(server),
        clock,
        dir,
    }
}

impl TestApp {
    /// The setup token printed at start-up.
    pub fn setup_token(&self) -> String {
        self.server
            .as_ref()
            .unwrap()
            .setup_token
            .clone()
            .expect("a fresh install has a setup link")
    }

    /// A new client session with an empty cookie jar.
    pub fn session(&self) -> Session {
        Session {
            client: Client::builder()
                .cookie_store(true)
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            base: self.base.clone(),
        }
    }

    /// Completes setup and returns the admin's signed-in session.
    pub async fn admin(&self) -> Session {
        let s = self.session();
        let res = s
            .form(
                "/api/setup/complete",
                &[
                    ("token", self.setup_token().as_str()),
                    ("email", ADMIN_EMAIL),
                    ("password", ADMIN_PASSWORD),
                    ("confirm", ADMIN_PASSWORD),
                ],
            )
            .await;
        assert!(
            res.status().is_success() || res.status().is_redirection(),
            "setup failed: {}",
            res.status()
        );
        s
    }

    /// Creates a user through the admin session and returns a signed-in session for them.
    pub async fn user(
        &self,
        admin: &Session,
        email: &str,
        role: &str,
        all_accounts: bool,
        accounts: Vec<i64>,
    ) -> Session {
        let res = admin
            .json(
                "/api/users/create",
                json!({ "email": email, "password": ADMIN_PASSWORD, "role": role, "all_accounts": all_accounts, "accounts": accounts }),
            )
            .await;
        assert_eq!(
            res.status(),
            StatusCode::OK,
            "create user: {}",
            res.text().await.unwrap()
        );
        let s = self.session();
        let res = s.sign_in(email, ADMIN_PASSWORD).await;
        assert!(
            res.status().is_success() || res.status().is_redirection(),
            "sign-in failed: {}",
            res.status()
        );
        s
    }

    /// Stops the server gracefully.
    pub async fn stop(&mut self) {
        if let Some(s) = self.server.take() {
            s.shutdown().await;
        }
    }
}

impl Session {
    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    /// POSTs a form to a server function, as `<ActionForm>` does.
    pub async fn form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.client
            .post(self.url(path))
            .form(fields)
            .send()
            .await
            .expect("request")
    }

    /// POSTs JSON to a server function, as the WASM client does for `Json` inputs.
    pub async fn json(&self, path: &str, body: Value) -> Response {
        self.client
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .expect("request")
    }

    /// POSTs with extra headers (for the CSRF tests).
    pub async fn json_with(&self, path: &str, body: Value, headers: HeaderMap) -> Response {
        self.client
            .post(self.url(path))
            .headers(headers)
            .json(&body)
            .send()
            .await
            .expect("request")
    }

    /// GETs a page or file.
    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.expect("request")
    }

    /// Signs in through the server function.
    pub async fn sign_in(&self, email: &str, password: &str) -> Response {
        self.form("/api/session/sign_in", &[("email", email), ("password", password)])
            .await
    }

    /// The current user as the console sees it (JSON `null` when signed out).
    pub async fn me(&self) -> Value {
        let res = self.form("/api/session/me", &[]).await;
        assert_eq!(res.status(), StatusCode::OK);
        res.json().await.unwrap()
    }
}

/// A header map from pairs.
pub fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.insert(*k, HeaderValue::from_str(v).unwrap());
    }
    h
}

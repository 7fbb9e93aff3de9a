//! `spawn_app()` and a typed client for the console's server functions.

use keyward::clock::ManualClock;
use keyward::config::Config;
use keyward::domain::Cidr;
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

/// The test configuration: the defaults, except that webhook receivers and
/// SMTP servers get one second to answer, so timeouts are tested quickly, and
/// webhooks may reach loopback, where the tests' receivers listen (an
/// operator's allow-list, since loopback is refused by default).
pub fn config_for(dir: &TempDir) -> Config {
    let mut config = Config::new(dir.path().join("data"));
    config.database_url = crate::pg::database_for(&config.data_dir).map(keyward::store::DatabaseUrl);
    config.delivery_timeout = std::time::Duration::from_secs(1);
    config.webhook_allowed_cidrs = ["127.0.0.0/8", "::1/128"]
        .into_iter()
        .map(|c| Cidr::parse(c).unwrap())
        .collect();
    config
}

/// Starts a fresh server on a random loopback port.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts a fresh server with the test configuration as `adjust` changes it.
pub async fn spawn_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    // reqwest shares its features with Keyward's, which leave the TLS
    // provider to the process: every test client needs it installed.
    keyward::notify::webhook::install_tls_provider();
    let dir = tempfile::tempdir().expect("temp dir");
    let clock = ManualClock::starting_now();
    let mut config = config_for(&dir);
    adjust(&mut config);
    let server = keyward_server::start(config, "127.0.0.1:0".parse().unwrap(), Arc::new(clock.clone()))
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

    /// The running instance, for direct service calls.
    pub fn kw(&self) -> keyward::service::Keyward {
        self.server.as_ref().expect("running").keyward.clone()
    }

    /// Creates a credential through the service as the CLI would; returns (id, secret).
    pub async fn key(&self, input: Value) -> (String, String) {
        let input: keyward::domain::CredentialInput = serde_json::from_value(input).expect("a valid input");
        let created = self
            .kw()
            .credentials()
            .create(&keyward::service::Caller::System("test"), input)
            .await
            .expect("created");
        (created.credential.id, created.secret)
    }

    /// A management key of the default account holding every scope there,
    /// never expiring and with no rate limit (a credential never issues one
    /// that can do more than itself; tests make more calls than a plan allows).
    pub async fn management_key(&self) -> Api {
        let (_, secret) = self
            .key(json!({ "name": "management", "scopes": ["*:*"], "rate_limit": "unlimited", "expires": "never" }))
            .await;
        self.api(&secret)
    }

    /// Another key like [`Self::management_key`] (a new one per call, so
    /// names never clash).
    pub async fn management_key_for_admin(&self) -> Api {
        let name = format!("admin-{}", keyward::crypto::keygen::base62(8));
        let (_, secret) = self
            .key(json!({ "name": name, "scopes": ["*:*"], "rate_limit": "unlimited", "expires": "never" }))
            .await;
        self.api(&secret)
    }

    /// A Global Admin key: every account, and it may grant anything (a new
    /// one per call).
    pub async fn global_admin_key(&self) -> Api {
        let name = format!("root-{}", keyward::crypto::keygen::base62(8));
        let (_, secret) = self
            .key(json!({ "name": name, "scopes": ["*:*"], "roles": ["global_admin"], "rate_limit": "unlimited" }))
            .await;
        self.api(&secret)
    }

    /// A read-only management key (a new one per call, so names never clash).
    pub async fn management_key_for_reading(&self) -> Api {
        let name = format!("reader-{}", keyward::crypto::keygen::base62(8));
        let (_, secret) = self
            .key(json!({ "name": name, "scopes": ["keys:read"], "rate_limit": "unlimited" }))
            .await;
        self.api(&secret)
    }

    /// A REST client authenticating with `secret`.
    pub fn api(&self, secret: &str) -> Api {
        Api {
            client: Client::new(),
            base: self.base.clone(),
            secret: secret.to_owned(),
        }
    }

    /// Stops the server gracefully and starts it again on the same data and clock.
    pub async fn restart(&mut self) {
        self.restart_with(|_| {}).await;
    }

    /// Restarts on the same data and clock with the test configuration as
    /// `adjust` changes it, as an operator changing a flag would.
    pub async fn restart_with(&mut self, adjust: impl FnOnce(&mut Config)) {
        self.stop().await;
        let mut config = config_for(&self.dir);
        adjust(&mut config);
        let server = keyward_server::start(config, "127.0.0.1:0".parse().unwrap(), Arc::new(self.clock.clone()))
            .await
            .expect("server restarts");
        self.base = server.base_url();
        self.server = Some(server);
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

/// `GET /v1/auth` with exactly these headers, as a gateway would send it.
pub async fn auth(base: &str, pairs: &[(&'static str, &str)]) -> reqwest::Response {
    Client::new()
        .get(format!("{base}/v1/auth"))
        .headers(headers(pairs))
        .send()
        .await
        .unwrap()
}

/// A REST API client with a Bearer key.
#[derive(Clone)]
pub struct Api {
    pub client: Client,
    pub base: String,
    pub secret: String,
}

impl Api {
    /// Sends a request with the Bearer key.
    pub async fn send(&self, method: reqwest::Method, path: &str, body: Option<Value>) -> Response {
        let mut req = self
            .client
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.secret);
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.expect("request")
    }

    pub async fn get(&self, path: &str) -> Response {
        self.send(reqwest::Method::GET, path, None).await
    }

    pub async fn post(&self, path: &str, body: Value) -> Response {
        self.send(reqwest::Method::POST, path, Some(body)).await
    }

    pub async fn patch(&self, path: &str, body: Value) -> Response {
        self.send(reqwest::Method::PATCH, path, Some(body)).await
    }

    pub async fn delete(&self, path: &str) -> Response {
        self.send(reqwest::Method::DELETE, path, None).await
    }

    /// Calls `/v1/keys/verify` (no Bearer needed) and returns the JSON answer.
    pub async fn verify(&self, body: Value) -> Value {
        let res = self
            .client
            .post(format!("{}/v1/keys/verify", self.base))
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), StatusCode::OK);
        res.json().await.unwrap()
    }

    /// Creates a key through the API and returns the 201 body.
    pub async fn create(&self, body: Value) -> Value {
        let res = self.post("/v1/keys", body).await;
        assert_eq!(res.status(), StatusCode::CREATED, "{}", res.text().await.unwrap());
        res.json().await.unwrap()
    }
}

//! Real peers on loopback for the notification tests: an HTTP receiver that
//! checks `Keyward-Signature` the way our README tells integrators to, and
//! aiosmtpd (Python) as the SMTP server.

use axum::body::Bytes;
use axum::http::{HeaderMap, StatusCode};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use std::collections::VecDeque;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::sync::Notify;

/// What the receiver does with the next request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Answer {
    Status(u16),
    /// Never answers (until the connection drops).
    Hang,
}

/// One request the receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub event_id: String,
    pub event_type: String,
    pub body: Value,
    pub raw: String,
    pub signature_ok: bool,
}

#[derive(Default)]
struct State {
    secret: Option<String>,
    script: VecDeque<Answer>,
    received: Vec<Received>,
}

/// An HTTP server on 127.0.0.1 that records every request. It answers 200
/// unless told otherwise with [`Receiver::script`].
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    state: Arc<Mutex<State>>,
    arrived: Arc<Notify>,
}

/// The check a receiver makes: HMAC-SHA256 over `t + "." + body`, compared in
/// constant time (`verify_slice`).
fn signature_ok(secret: &str, header: &str, body: &[u8]) -> bool {
    let mut t = None;
    let mut v1 = None;
    for part in header.split(',') {
        match part.split_once('=') {
            Some(("t", value)) => t = Some(value),
            Some(("v1", value)) => v1 = Some(value),
            _ => {}
        }
    }
    let (Some(t), Some(v1)) = (t, v1) else { return false };
    let Ok(expected) = (0..v1.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(v1.get(i..i + 2).unwrap_or("zz"), 16))
        .collect::<Result<Vec<u8>, _>>()
    else {
        return false;
    };
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(t.as_bytes());
    mac.update(b".");
    mac.update(body);
    mac.verify_slice(&expected).is_ok()
}

impl Receiver {
    pub async fn start() -> Self {
        keyward::notify::webhook::install_tls_provider();
        let state = Arc::new(Mutex::new(State::default()));
        let arrived = Arc::new(Notify::new());
        let (s, n) = (state.clone(), arrived.clone());
        let app = axum::Router::new().fallback(move |headers: HeaderMap, body: Bytes| {
            let (s, n) = (s.clone(), n.clone());
            async move {
                let header = |name: &str| {
                    headers
                        .get(name)
                        .and_then(|v| v.to_str().ok())
                        .unwrap_or_default()
                        .to_owned()
                };
                let answer = {
                    let mut st = s.lock().unwrap();
                    let ok = st
                        .secret
                        .as_deref()
                        .is_some_and(|secret| signature_ok(secret, &header("keyward-signature"), &body));
                    st.received.push(Received {
                        event_id: header("keyward-event-id"),
                        event_type: header("keyward-event-type"),
                        body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                        raw: String::from_utf8_lossy(&body).into_owned(),
                        signature_ok: ok,
                    });
                    st.script.pop_front().unwrap_or(Answer::Status(200))
                };
                n.notify_waiters();
                match answer {
                    Answer::Status(code) => StatusCode::from_u16(code).unwrap(),
                    Answer::Hang => {
                        tokio::time::sleep(Duration::from_secs(3_600)).await;
                        StatusCode::OK
                    }
                }
            }
        });
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks/keyward", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self { url, state, arrived }
    }

    /// The secret to check signatures with (known once the endpoint exists).
    pub fn set_secret(&self, secret: &str) {
        self.state.lock().unwrap().secret = Some(secret.to_owned());
    }

    /// Answers for the next requests, in order; 200 after them.
    pub fn script(&self, answers: &[Answer]) {
        self.state.lock().unwrap().script.extend(answers.iter().copied());
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.lock().unwrap().received.clone()
    }

    /// Waits (up to 15 s) until `n` requests have arrived; returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let notified = self.arrived.notified();
            let got = self.received();
            if got.len() >= n {
                return got;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("expected {n} webhook requests, got {}: {got:#?}", got.len());
            }
        }
    }
}

/// The Python interpreter of `.venv` (or `KEYWARD_TEST_PYTHON`).
pub fn python() -> PathBuf {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("..");
    let python = std::env::var_os("KEYWARD_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join(".venv/bin/python"));
    assert!(
        python.exists(),
        "{} is missing: run `make python-peers` (part of `make test`)",
        python.display()
    );
    python
}

/// An e-mail the SMTP server accepted.
#[derive(Debug, Clone, serde::Deserialize)]
pub struct Mail {
    pub to: Vec<String>,
    pub subject: String,
    pub text: Option<String>,
    pub html: Option<String>,
}

/// A login the SMTP server was sent (over a plain connection: it has no TLS).
#[derive(Debug, Clone, PartialEq, Eq, serde::Deserialize)]
pub struct Login {
    pub mechanism: String,
    pub user: String,
    pub password: String,
}

/// One line aiosmtpd prints: a login, or a message it accepted.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum SinkLine {
    Login { login: Login },
    Mail(Mail),
}

/// aiosmtpd on 127.0.0.1, printing each message and each login as a JSON line.
pub struct SmtpSink {
    pub port: u16,
    _child: tokio::process::Child,
    mail: Arc<Mutex<Vec<Mail>>>,
    logins: Arc<Mutex<Vec<Login>>>,
    arrived: Arc<Notify>,
}

impl SmtpSink {
    pub async fn start() -> Self {
        let port = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            l.local_addr().unwrap().port()
        };
        let script = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/smtp/sink.py");
        let mut child = tokio::process::Command::new(python())
            .arg(script)
            .arg(port.to_string())
            .stdout(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("python runs");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = tokio::time::timeout(Duration::from_secs(20), lines.next_line())
            .await
            .expect("aiosmtpd starts")
            .unwrap()
            .expect("aiosmtpd says it is ready");
        assert!(first.contains("ready"), "{first}");
        let mail = Arc::new(Mutex::new(Vec::new()));
        let logins = Arc::new(Mutex::new(Vec::new()));
        let arrived = Arc::new(Notify::new());
        let (m, l, n) = (mail.clone(), logins.clone(), arrived.clone());
        tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                match serde_json::from_str(&line).expect("a JSON line") {
                    SinkLine::Login { login } => l.lock().unwrap().push(login),
                    SinkLine::Mail(mail) => m.lock().unwrap().push(mail),
                }
                n.notify_waiters();
            }
        });
        Self {
            port,
            _child: child,
            mail,
            logins,
            arrived,
        }
    }

    pub fn mail(&self) -> Vec<Mail> {
        self.mail.lock().unwrap().clone()
    }

    /// The logins sent so far, in order.
    pub fn logins(&self) -> Vec<Login> {
        self.logins.lock().unwrap().clone()
    }

    /// Waits (up to 15 s) until `n` messages have arrived; returns them all.
    pub async fn wait_for(&self, n: usize) -> Vec<Mail> {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(15);
        loop {
            let notified = self.arrived.notified();
            let got = self.mail();
            if got.len() >= n {
                return got;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                panic!("expected {n} e-mails, got {}: {got:#?}", got.len());
            }
        }
    }
}

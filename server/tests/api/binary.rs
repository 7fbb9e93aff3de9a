//! The real `keyward` binary as a child process, for what only a process
//! shows: `kill -9`, SIGTERM, and what it logs on the way out.

use std::path::Path;
use std::time::Duration;
use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::Child;
use tokio::task::JoinHandle;

/// A `keyward serve` on a random port over a given data dir.
pub struct Binary {
    pub child: Child,
    pub base: String,
    /// Reads stderr to the end (so the pipe never fills) and hands it over.
    log: JoinHandle<String>,
}

impl Binary {
    /// Starts the binary on `data` and waits until it listens.
    pub async fn start(data: &Path) -> Binary {
        let url = crate::pg::database_for(data);
        Self::start_on(data, url.as_deref()).await
    }

    /// Starts the binary with its master key in `data` and its database at
    /// `url` (PostgreSQL), or in `data` when `None`.
    pub async fn start_on(data: &Path, url: Option<&str>) -> Binary {
        keyward::notify::webhook::install_tls_provider();
        let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_keyward"))
            .env("KEYWARD_ADDR", "127.0.0.1:0")
            .env("KEYWARD_DATA_DIR", data)
            .envs(url.map(|url| ("KEYWARD_DATABASE_URL", url)))
            // A delivery cut off by a crash is retried when its lease (twice
            // this, plus 2 s) ends.
            .env("KEYWARD_DELIVERY_TIMEOUT_SECS", "1")
            // The tests' webhook receivers listen on loopback.
            .env("KEYWARD_WEBHOOK_ALLOWED_CIDRS", "127.0.0.0/8,::1/128")
            .stderr(std::process::Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        while let Some(line) = lines.next_line().await.unwrap() {
            if let Some(i) = line.find("listening on http://") {
                let base = line[i + "listening on ".len()..]
                    .split_whitespace()
                    .next()
                    .unwrap()
                    .to_owned();
                let log = tokio::spawn(async move {
                    let mut rest = String::new();
                    while let Ok(Some(line)) = lines.next_line().await {
                        rest.push_str(&line);
                        rest.push('\n');
                    }
                    rest
                });
                return Binary { child, base, log };
            }
        }
        panic!("keyward did not start");
    }

    /// Kills the process the way a power cut would.
    pub async fn kill_9(mut self) {
        self.child.start_kill().unwrap();
        self.child.wait().await.unwrap();
    }

    /// Sends SIGTERM, expects a clean exit `within`, and returns what the
    /// server logged after it started listening.
    pub async fn terminate(mut self, within: Duration) -> String {
        let pid = self.child.id().unwrap().to_string();
        assert!(
            std::process::Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        let status = tokio::time::timeout(within, self.child.wait())
            .await
            .expect("the server exits after SIGTERM")
            .unwrap();
        assert!(status.success(), "{status}");
        self.log.await.unwrap()
    }
}

/// Runs the CLI on `data` with `args`; answers its standard output, after
/// checking that it succeeded.
pub async fn cli(data: &Path, args: &[&str]) -> String {
    let url = crate::pg::database_for(data);
    cli_on(data, url.as_deref(), args).await
}

/// [`cli`] with the database at `url` (PostgreSQL), or in `data` when `None`.
pub async fn cli_on(data: &Path, url: Option<&str>, args: &[&str]) -> String {
    let out = tokio::process::Command::new(env!("CARGO_BIN_EXE_keyward"))
        .args(args)
        .env("KEYWARD_DATA_DIR", data)
        .envs(url.map(|url| ("KEYWARD_DATABASE_URL", url)))
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Creates an unlimited key with `scopes` through the CLI; returns its secret.
pub async fn cli_key(data: &Path, name: &str, scopes: &str) -> String {
    let url = crate::pg::database_for(data);
    cli_key_on(data, url.as_deref(), name, scopes, &[]).await
}

/// [`cli_key`] with the database at `url` (PostgreSQL, or `data` when
/// `None`) and `more` arguments, such as `--roles`.
pub async fn cli_key_on(data: &Path, url: Option<&str>, name: &str, scopes: &str, more: &[&str]) -> String {
    let mut args = vec![
        "keys",
        "create",
        "--name",
        name,
        "--scopes",
        scopes,
        "--rate-limit",
        "unlimited",
        // A credential never issues one that outlives it: the loader's
        // own six months would end a moment before each new key's.
        "--expires",
        "never",
        "--json",
    ];
    args.extend_from_slice(more);
    let out = cli_on(data, url, &args).await;
    let created: serde_json::Value = serde_json::from_str(&out).unwrap();
    created["secret"].as_str().unwrap().to_owned()
}

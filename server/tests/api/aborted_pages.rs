//! A browser that gives up on a console page mid-stream (a closed tab, a
//! click elsewhere) must leave nothing behind that panics. Leptos disposes a
//! page's reactive owner when its stream is dropped, while a Suspense may be
//! resolving on another thread: about one aborted load in 5,000 panicked
//! that way until the server went on rendering abandoned pages to their end
//! (`server/src/finish_pages.rs`).

use crate::binary::Binary;
use crate::helpers::{ADMIN_EMAIL, ADMIN_PASSWORD, Session};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const LOADS: usize = 5_000;
const CLIENTS: usize = 16;
/// Pages inside the signed-in frame, each with its own data to wait for.
const PAGES: [&str; 8] = [
    "/",
    "/credentials",
    "/credentials/new",
    "/accounts",
    "/users",
    "/webhooks",
    "/audit",
    "/settings",
];

/// Creates a Global Admin through the CLI, before the server runs.
async fn create_admin(data: &std::path::Path) {
    let mut cli = tokio::process::Command::new(env!("CARGO_BIN_EXE_keyward"))
        .args(["admin", "create", "--email", ADMIN_EMAIL, "--password-stdin"])
        .env("KEYWARD_DATA_DIR", data)
        .envs(crate::pg::db_env(data))
        .stdin(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = cli.stdin.take().unwrap();
    stdin.write_all(ADMIN_PASSWORD.as_bytes()).await.unwrap();
    drop(stdin);
    assert!(cli.wait().await.unwrap().success(), "admin create failed");
}

/// Signs in through the console's server function; returns the `Cookie`
/// header a browser would send afterwards.
async fn sign_in(base: &str) -> String {
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let session = Session {
        client,
        base: base.to_owned(),
    };
    let res = session.sign_in(ADMIN_EMAIL, ADMIN_PASSWORD).await;
    assert!(
        res.status().is_redirection() || res.status().is_success(),
        "{}",
        res.status()
    );
    let set_cookie = res.headers()["set-cookie"].to_str().unwrap();
    set_cookie.split(';').next().unwrap().to_owned()
}

/// Sends a GET for `path` and closes the connection after `keep` bytes of
/// the body (none: right after the request is written).
async fn abort_load(addr: &str, path: &str, cookie: &str, keep: Option<usize>) {
    let mut tcp = TcpStream::connect(addr).await.unwrap();
    let request = format!("GET {path} HTTP/1.1\r\nHost: {addr}\r\nCookie: {cookie}\r\nAccept: text/html\r\n\r\n");
    tcp.write_all(request.as_bytes()).await.unwrap();
    let Some(keep) = keep else { return };
    let mut seen = Vec::new();
    let mut buf = [0u8; 512];
    loop {
        let n = match tcp.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        seen.extend_from_slice(&buf[..n]);
        if let Some(end) = seen.windows(4).position(|w| w == b"\r\n\r\n") {
            assert!(seen.starts_with(b"HTTP/1.1 200"), "{}", String::from_utf8_lossy(&seen));
            if seen.len() >= end + 4 + keep {
                return;
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn five_thousand_page_loads_aborted_mid_stream_leave_no_panic_in_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    create_admin(&data).await;
    let server = Binary::start(&data).await;
    let cookie = Arc::new(sign_in(&server.base).await);
    let addr = Arc::new(server.base.trim_start_matches("http://").to_owned());

    let next = Arc::new(AtomicUsize::new(0));
    let clients: Vec<_> = (0..CLIENTS)
        .map(|_| {
            let (next, addr, cookie) = (next.clone(), addr.clone(), cookie.clone());
            tokio::spawn(async move {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= LOADS {
                        return;
                    }
                    // Cut at different moments: before any answer, just
                    // after the head, or a little way into the body.
                    let keep = [None, Some(1), Some(16), Some(200)][i % 4];
                    abort_load(&addr, PAGES[i % PAGES.len()], &cookie, keep).await;
                }
            })
        })
        .collect();
    for c in clients {
        c.await.unwrap();
    }
    // Detached rendering tasks finish (or panic) shortly after their connection is gone.
    tokio::time::sleep(Duration::from_millis(500)).await;

    let log = server.terminate(Duration::from_secs(10)).await;
    // Each panic with the line after it: the message says what was touched.
    let lines: Vec<&str> = log.lines().collect();
    let panics: Vec<String> = lines
        .iter()
        .enumerate()
        .filter(|(_, l)| l.contains("panicked"))
        .map(|(i, l)| format!("{l}\n{}", lines.get(i + 1).unwrap_or(&"")))
        .collect();
    assert!(
        panics.is_empty(),
        "{} of {LOADS} aborted loads panicked:\n{}",
        panics.len(),
        panics.join("\n")
    );
}

//! A real nginx (Debian's package) with `auth_request` in front of a small
//! upstream, asking Keyward's `/v1/auth` about every request.

use crate::helpers::{TestApp, spawn_app};
use axum::routing::get;
use reqwest::StatusCode;
use serde_json::json;
use std::process::Stdio;

const NGINX: &str = "/usr/sbin/nginx";

/// nginx in the foreground with its own config and temp dirs; killed on drop.
pub struct Nginx {
    child: std::process::Child,
    pub base: String,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The nginx block of the README's forward-auth section, exactly as written.
fn readme_recipe() -> String {
    readme_nginx_block("auth_request")
}

/// The README's nginx block that contains `marker`.
pub fn readme_nginx_block(marker: &str) -> String {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../README.md")).expect("README.md");
    readme
        .split("```nginx\n")
        .skip(1)
        .map(|block| &block[..block.find("```").expect("the block ends")])
        .find(|block| block.contains(marker))
        .unwrap_or_else(|| panic!("the README has an nginx block with {marker}"))
        .to_owned()
}

async fn start_upstream() -> u16 {
    let app = axum::Router::new().fallback(get(|headers: axum::http::HeaderMap| async move {
        let key = headers
            .get("x-keyward-key-id")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("none")
            .to_owned();
        format!("upstream ok, key {key}")
    }));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    port
}

async fn start_nginx(app: &TestApp) -> Nginx {
    let upstream = start_upstream().await;
    let port = free_port();
    let dir = app.dir.path().join("nginx");
    let keyward = app.base.trim_start_matches("http://");
    let recipe = readme_recipe()
        .replace("http://127.0.0.1:3000", &format!("http://{keyward}"))
        .replace("http://upstream", &format!("http://127.0.0.1:{upstream}"));
    // A second protected location, the README's own with another scope, so a
    // request that walks out of /compute/ lands somewhere that checks too.
    let compute = &recipe[recipe
        .find("location /compute/")
        .expect("the README protects /compute/")..];
    let billing = compute
        .replace("location /compute/", "location /billing/")
        .replace("compute:read", "billing:read");
    let servers = format!(
        r#"    server {{
        listen 127.0.0.1:{port};
{recipe}
{billing}
    }}"#
    );
    launch(&dir, port, &servers).await
}

/// Starts nginx in `dir` with `http_body` inside its `http` block, and waits
/// until it listens on `port`.
pub async fn launch(dir: &std::path::Path, port: u16, http_body: &str) -> Nginx {
    assert!(
        std::path::Path::new(NGINX).exists(),
        "nginx is not installed: `make test` installs Debian's nginx-light"
    );
    std::fs::create_dir_all(dir.join("tmp")).unwrap();
    let d = dir.display();
    let conf = format!(
        r#"daemon off;
master_process off;
worker_processes 1;
error_log {d}/error.log warn;
pid {d}/nginx.pid;
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {d}/tmp/body;
    proxy_temp_path {d}/tmp/proxy;
    fastcgi_temp_path {d}/tmp/fastcgi;
    uwsgi_temp_path {d}/tmp/uwsgi;
    scgi_temp_path {d}/tmp/scgi;
{http_body}
}}
"#
    );
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
    let mut child = std::process::Command::new(NGINX)
        .args([
            "-p",
            &dir.display().to_string(),
            "-c",
            &dir.join("nginx.conf").display().to_string(),
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("nginx starts");
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..100 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port)).await.is_ok() {
            return Nginx { child, base };
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!(
        "nginx did not listen: {}",
        std::fs::read_to_string(dir.join("error.log")).unwrap_or_default()
    );
}

async fn call(nginx: &Nginx, method: reqwest::Method, path: &str, key: Option<&str>) -> (StatusCode, String) {
    let mut req = reqwest::Client::new().request(method, format!("{}{path}", nginx.base));
    if let Some(k) = key {
        req = req.bearer_auth(k);
    }
    let res = req.send().await.unwrap();
    (res.status(), res.text().await.unwrap())
}

#[tokio::test]
async fn nginx_auth_request_lets_good_keys_through_and_stops_the_rest() {
    let app = spawn_app().await;
    let nginx = start_nginx(&app).await;
    let caller = keyward::service::Caller::System("t");
    let (valid_id, valid) = app
        .key(json!({ "name": "valid", "scopes": ["compute:read"], "allowed_cidrs": ["127.0.0.0/8"], "rights": [{ "methods": ["GET"], "path": "/compute/*" }], "expires": "24h" }))
        .await;
    let (_, expiring) = app
        .key(json!({ "name": "short", "scopes": ["compute:read"], "expires": "5m" }))
        .await;
    let (revoked_id, revoked) = app.key(json!({ "name": "revoked", "scopes": ["compute:read"] })).await;
    let (_, elsewhere) = app
        .key(json!({ "name": "elsewhere", "scopes": ["compute:read"], "allowed_cidrs": ["10.0.0.0/8"] }))
        .await;
    let (_, no_scope) = app.key(json!({ "name": "no scope", "scopes": ["storage:read"] })).await;
    app.kw().credentials().revoke(&caller, &revoked_id, None).await.unwrap();

    // A valid key reaches the upstream, which learns which key it was.
    let (status, body) = call(&nginx, reqwest::Method::GET, "/compute/instances", Some(&valid)).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body, format!("upstream ok, key {valid_id}"));

    // No key, a revoked key: 401.
    assert_eq!(
        call(&nginx, reqwest::Method::GET, "/compute/instances", None).await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        call(&nginx, reqwest::Method::GET, "/compute/instances", Some(&revoked))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
    // An IP outside the key's CIDRs, a missing scope, a forbidden method: 403.
    assert_eq!(
        call(&nginx, reqwest::Method::GET, "/compute/instances", Some(&elsewhere))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        call(&nginx, reqwest::Method::GET, "/compute/instances", Some(&no_scope))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    let billing = call(&nginx, reqwest::Method::GET, "/billing/invoices", Some(&valid)).await;
    assert_eq!(billing.0, StatusCode::FORBIDDEN, "{}", billing.1);
    assert_eq!(
        call(&nginx, reqwest::Method::DELETE, "/compute/instances/1", Some(&valid))
            .await
            .0,
        StatusCode::FORBIDDEN
    );

    // The account's API switch.
    app.kw()
        .accounts()
        .update(
            &caller,
            "default",
            keyward::service::AccountPatch {
                api_enabled: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        call(&nginx, reqwest::Method::GET, "/compute/instances", Some(&valid))
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    app.kw()
        .accounts()
        .update(
            &caller,
            "default",
            keyward::service::AccountPatch {
                api_enabled: Some(true),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(
        call(&nginx, reqwest::Method::GET, "/compute/instances", Some(&valid))
            .await
            .0,
        StatusCode::OK
    );

    // Expiry.
    assert_eq!(
        call(&nginx, reqwest::Method::GET, "/compute/instances", Some(&expiring))
            .await
            .0,
        StatusCode::OK
    );
    app.clock.advance_secs(301);
    assert_eq!(
        call(&nginx, reqwest::Method::GET, "/compute/instances", Some(&expiring))
            .await
            .0,
        StatusCode::UNAUTHORIZED
    );
}

/// Sends a request line exactly as written (no client-side normalisation,
/// like `curl --path-as-is`) with extra header lines; answers the status.
async fn raw(nginx: &Nginx, method: &str, target: &str, header_lines: &[String]) -> u16 {
    raw_bytes(nginx, method, target.as_bytes(), header_lines).await
}

/// [`raw`] with a target that need not be text (nginx passes raw bytes on).
async fn raw_bytes(nginx: &Nginx, method: &str, target: &[u8], header_lines: &[String]) -> u16 {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let addr = nginx.base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let mut request = format!("{method} ").into_bytes();
    request.extend_from_slice(target);
    request.extend_from_slice(format!(" HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n").as_bytes());
    for h in header_lines {
        request.extend_from_slice(h.as_bytes());
        request.extend_from_slice(b"\r\n");
    }
    request.extend_from_slice(b"\r\n");
    stream.write_all(&request).await.unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).await.unwrap();
    answer
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("no status line in {answer:?}"))
}

#[tokio::test]
async fn the_readme_recipe_overwrites_every_header_a_client_could_spoof() {
    let app = spawn_app().await;
    let nginx = start_nginx(&app).await;
    let (_, office) = app
        .key(json!({ "name": "office", "scopes": ["compute:read"], "allowed_cidrs": ["10.0.0.0/8"] }))
        .await;
    let bearer = format!("Authorization: Bearer {office}");
    for spoof in [
        "X-Real-IP: 10.1.2.3",
        "X-Forwarded-For: 10.1.2.3",
        "Forwarded: for=10.1.2.3",
    ] {
        assert_eq!(
            raw(&nginx, "GET", "/compute/x", &[bearer.clone(), spoof.to_owned()]).await,
            403,
            "{spoof}: nginx calls from 127.0.0.1, outside 10.0.0.0/8"
        );
    }
    // The mandatory CIDR of a Basic credential cannot be spoofed either.
    let (_, basic_secret) = app
        .key(json!({ "name": "vpn", "kind": "basic", "scopes": ["compute:read"], "allowed_cidrs": ["10.0.0.0/8"], "expires": "7d" }))
        .await;
    let client_id = app
        .kw()
        .credentials()
        .list(
            &keyward::service::Caller::System("t"),
            &keyward::domain::credential::CredentialQuery {
                q: Some("vpn".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .items[0]
        .client_id
        .clone()
        .unwrap();
    use base64::Engine;
    let basic = base64::engine::general_purpose::STANDARD.encode(format!("{client_id}:{basic_secret}"));
    assert_eq!(
        raw(
            &nginx,
            "GET",
            "/compute/x",
            &[format!("Authorization: Basic {basic}"), "X-Real-IP: 10.1.2.3".into()]
        )
        .await,
        403
    );
    // Nor can a client name the account an Account Viewer role reads.
    let (_, viewer) = app
        .key(json!({ "name": "acme-viewer", "roles": [{ "role": "account_viewer", "accounts": ["acme"] }] }))
        .await;
    assert_eq!(
        raw(
            &nginx,
            "GET",
            "/compute/x",
            &[
                format!("Authorization: Bearer {viewer}"),
                "X-Keyward-Account: acme".into()
            ]
        )
        .await,
        403
    );
}

#[tokio::test]
async fn raw_paths_cannot_walk_out_of_a_right_through_nginx() {
    let app = spawn_app().await;
    let nginx = start_nginx(&app).await;
    let (_, key) = app
        .key(json!({ "name": "compute-only", "scopes": ["compute:read", "billing:read"], "rights": [{ "methods": ["GET"], "path": "/compute/*" }] }))
        .await;
    let auth = vec![format!("Authorization: Bearer {key}")];
    assert_eq!(raw(&nginx, "GET", "/compute/instances", &auth).await, 200);
    assert_eq!(raw(&nginx, "GET", "/billing/x", &auth).await, 403);
    for target in [
        "/compute/../billing/x",
        "/compute/%2e%2e/billing/x",
        "/compute/%2E%2E/billing/x",
        "/compute/.%2e/billing/x",
        "/compute/..%2fbilling/x",
        "/compute/..%2Fbilling/x",
    ] {
        let status = raw(&nginx, "GET", target, &auth).await;
        assert!(
            status == 403 || status == 400,
            "{target}: nginx serves /billing/x, which the right does not allow (got {status})"
        );
        assert_ne!(status, 200, "{target}");
    }
    for target in [
        &b"/billing/x?\xff"[..],
        b"/billing/\xc3\xa9",
        b"/compute/\xff/../../billing/x",
    ] {
        let status = raw_bytes(&nginx, "GET", target, &auth).await;
        assert!(
            status == 403 || status == 400,
            "{}: a raw byte must not hide the path (got {status})",
            String::from_utf8_lossy(target)
        );
    }
}

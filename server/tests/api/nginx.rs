//! A real nginx (Debian's package) with `auth_request` in front of a small
//! upstream, asking Keyward's `/v1/auth` about every request.

use crate::helpers::{TestApp, spawn_app};
use axum::routing::get;
use reqwest::StatusCode;
use serde_json::json;
use std::process::Stdio;

const NGINX: &str = "/usr/sbin/nginx";

/// nginx in the foreground with its own config and temp dirs; killed on drop.
struct Nginx {
    child: std::process::Child,
    base: String,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
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
    assert!(
        std::path::Path::new(NGINX).exists(),
        "nginx is not installed: `make test` installs Debian's nginx-light"
    );
    let upstream = start_upstream().await;
    let port = free_port();
    let dir = app.dir.path().join("nginx");
    std::fs::create_dir_all(dir.join("tmp")).unwrap();
    let keyward = app.base.trim_start_matches("http://");
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
    server {{
        listen 127.0.0.1:{port};

        # The subrequest shares the calling location's variables, so each
        # protected location states its scopes with `set $required_scopes`.
        location = /_keyward {{
            internal;
            proxy_pass http://{keyward}/v1/auth;
            proxy_pass_request_body off;
            proxy_set_header Content-Length "";
            proxy_set_header X-Forwarded-Method $request_method;
            proxy_set_header X-Forwarded-Uri $request_uri;
            proxy_set_header X-Forwarded-For $remote_addr;
            proxy_set_header X-Required-Scopes $required_scopes;
        }}

        location /compute/ {{
            set $required_scopes "compute:read";
            auth_request /_keyward;
            auth_request_set $keyward_key $upstream_http_x_keyward_key_id;
            proxy_set_header X-Keyward-Key-Id $keyward_key;
            proxy_pass http://127.0.0.1:{upstream};
        }}

        location /billing/ {{
            set $required_scopes "billing:write";
            auth_request /_keyward;
            proxy_pass http://127.0.0.1:{upstream};
        }}
    }}
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
    app.kw().revoke_credential(&caller, &revoked_id, None).await.unwrap();

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
        .update_account(
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
        .update_account(
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

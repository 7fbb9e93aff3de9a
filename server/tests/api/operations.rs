//! Health checks, pages, assets and the 404.

use crate::binary::Binary;
use crate::helpers::spawn_app;
use reqwest::StatusCode;

#[tokio::test]
async fn healthz_and_readyz_answer() {
    let app = spawn_app().await;
    let s = app.session();
    assert_eq!(s.get("/healthz").await.status(), StatusCode::OK);
    let ready = s.get("/readyz").await;
    assert_eq!(ready.status(), StatusCode::OK);
    assert_eq!(ready.json::<serde_json::Value>().await.unwrap()["status"], "ready");
}

#[tokio::test]
async fn readyz_reports_unavailable_when_the_database_is_closed() {
    let app = spawn_app().await;
    app.server.as_ref().unwrap().keyward.store().close().await;
    assert_eq!(
        app.session().get("/readyz").await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
}

#[tokio::test]
async fn unknown_paths_get_the_404_page_with_a_404_status() {
    let app = spawn_app().await;
    let res = app.session().get("/no/such/page").await;
    assert_eq!(res.status(), StatusCode::NOT_FOUND);
    assert!(res.text().await.unwrap().contains("Page not found"));
}

#[tokio::test]
async fn pages_without_a_session_redirect_to_sign_in() {
    let app = spawn_app().await;
    let res = app
        .session()
        .client
        .get(format!("{}/users", app.base))
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.status(),
        StatusCode::SEE_OTHER,
        "from the server, before anything renders"
    );
    assert_eq!(res.headers()["location"], "/login?next=%2Fusers");
}

#[tokio::test]
async fn the_sign_in_page_renders_on_the_server() {
    let app = spawn_app().await;
    let res = app.session().get("/login").await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    assert!(html.contains("Sign in to Keyward"));
    assert!(html.contains("/pkg/keyward.wasm"), "the page loads the WASM bundle");
}

#[tokio::test]
async fn responses_carry_security_headers() {
    let app = spawn_app().await;
    let res = app.session().get("/login").await;
    assert_eq!(res.headers()["x-content-type-options"], "nosniff");
    assert_eq!(res.headers()["x-frame-options"], "DENY");
}

#[tokio::test]
async fn the_data_dir_is_private_and_the_master_key_is_0600() {
    use std::os::unix::fs::PermissionsExt;
    let app = spawn_app().await;
    let data = app.dir.path().join("data");
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&data), 0o700);
    assert_eq!(mode(&data.join("master.key")), 0o600);
}

#[tokio::test]
async fn sqlite_runs_in_wal_mode_with_full_sync_and_foreign_keys() {
    use keyward::store::Pragma;
    let app = spawn_app().await;
    let store = app.server.as_ref().unwrap().keyward.store().clone();
    if store.engine() == keyward::store::Engine::Postgres {
        // The nearest settings: a writer waits 5 s for the writer lock.
        assert_eq!(store.pragma(Pragma::BusyTimeout).await.unwrap(), "5s");
        assert_eq!(store.pragma(Pragma::ForeignKeys).await.unwrap(), "1");
        return;
    }
    assert_eq!(store.pragma(Pragma::JournalMode).await.unwrap(), "wal");
    assert_eq!(store.pragma(Pragma::Synchronous).await.unwrap(), "2");
    assert_eq!(store.pragma(Pragma::ForeignKeys).await.unwrap(), "1");
    assert_eq!(store.pragma(Pragma::BusyTimeout).await.unwrap(), "5000");
}

#[tokio::test]
async fn embedded_assets_are_served_with_types_and_compression() {
    let app = spawn_app().await;
    let s = app.session();
    let css = s.get("/pkg/keyward.css").await;
    assert_eq!(
        css.status(),
        StatusCode::OK,
        "run `cargo leptos build` first: the site is embedded from target/site"
    );
    assert_eq!(css.headers()["content-type"], "text/css");
    let wasm = s
        .client
        .get(format!("{}/pkg/keyward.wasm", app.base))
        .header("accept-encoding", "br")
        .send()
        .await
        .unwrap();
    assert_eq!(wasm.status(), StatusCode::OK);
    assert_eq!(wasm.headers()["content-type"], "application/wasm");
    assert_eq!(wasm.headers()["content-encoding"], "br");
    let etag = css.headers()["etag"].to_str().unwrap().to_owned();
    let again = s
        .client
        .get(format!("{}/pkg/keyward.css", app.base))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_MODIFIED);
}

#[tokio::test]
async fn sigterm_stops_the_binary_gracefully() {
    let dir = tempfile::tempdir().unwrap();
    let server = Binary::start(&dir.path().join("data")).await;
    assert_eq!(
        reqwest::get(format!("{}/healthz", server.base)).await.unwrap().status(),
        StatusCode::OK
    );
    let log = server.terminate(std::time::Duration::from_secs(10)).await;
    assert!(log.contains("Keyward stopped"), "{log}");
    assert!(!log.contains("closing their connections"), "{log}");
    assert!(!log.contains("did not finish in time"), "{log}");
}

/// A client that stops halfway through its request (a stalled proxy, a
/// slowloris) used to keep the process alive forever after SIGTERM.
#[tokio::test]
async fn sigterm_stops_the_binary_even_with_a_request_stalled_halfway() {
    use tokio::io::AsyncWriteExt;
    let dir = tempfile::tempdir().unwrap();
    let server = Binary::start(&dir.path().join("data")).await;
    let addr = server.base.trim_start_matches("http://").to_owned();
    let mut stalled = tokio::net::TcpStream::connect(&addr).await.unwrap();
    stalled
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    stalled.flush().await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let log = server.terminate(std::time::Duration::from_secs(30)).await;
    assert!(log.contains("closing their connections"), "{log}");
    assert!(log.contains("Keyward stopped"), "{log}");
    drop(stalled);
}

#[tokio::test]
async fn the_api_reference_renders_from_the_binary_without_a_cdn() {
    let app = spawn_app().await;
    let res = app.session().get("/docs").await;
    assert_eq!(res.status(), StatusCode::OK);
    let html = res.text().await.unwrap();
    for needle in [
        "API reference",
        "/v1/keys/verify",
        "/v1/auth",
        "schema-Credential",
        "NAME_IMMUTABLE",
    ] {
        assert!(html.contains(needle), "{needle} missing from /docs");
    }
    for external in ["cdn.", "unpkg", "jsdelivr", "googleapis"] {
        assert!(!html.contains(external), "/docs loads {external}");
    }
}

#[tokio::test]
async fn metrics_count_requests_by_route_verification_outcomes_and_rate_limit_refusals() {
    let app = crate::helpers::spawn_app().await;
    let api = app.management_key().await;
    let (id, key) = app
        .key(serde_json::json!({ "name": "metered", "rate_limit": { "limited": { "limit": 1, "window_seconds": 60, "burst": 2 } } }))
        .await;
    let client = reqwest::Client::new();
    for _ in 0..3 {
        client
            .get(format!("{}/v1/auth", app.base))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
    }
    api.verify(serde_json::json!({ "key": "kw_prod_nope" })).await;
    assert_eq!(
        api.get(&format!("/v1/keys/{id}")).await.status(),
        reqwest::StatusCode::OK
    );
    app.kw().usage().flush().await.unwrap();

    let res = reqwest::get(format!("{}/metrics", app.base)).await.unwrap();
    assert_eq!(res.status(), reqwest::StatusCode::OK);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain; version=0.0.4")
    );
    let text = res.text().await.unwrap();
    for line in [
        "keyward_http_requests_total{route=\"/v1/auth\",method=\"GET\",code=\"200\"} 2",
        "keyward_http_requests_total{route=\"/v1/auth\",method=\"GET\",code=\"429\"} 1",
        "keyward_http_requests_total{route=\"/v1/keys/{id}\",method=\"GET\",code=\"200\"} 1",
        "keyward_http_request_duration_seconds_bucket{route=\"/v1/auth\",method=\"GET\",code=\"200\",le=\"+Inf\"} 2",
        "keyward_verifications_total{code=\"RATE_LIMITED\"} 1",
        "keyward_verifications_total{code=\"MALFORMED\"} 1",
        "keyward_rate_limited_total 1",
        "keyward_usage_flush_lag_seconds 0",
        "keyward_sqlite_pool_connections{state=\"max\"}",
        "keyward_sqlite_pool_saturation",
    ] {
        assert!(text.contains(line), "missing {line} in:\n{text}");
    }
    assert!(!text.contains(&id), "ids never become labels");
    assert!(!text.contains(&key), "no secret, ever");
}

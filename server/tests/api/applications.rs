//! Application credentials (OVH style) through the real server: AK, AS and a
//! first CK shown once; signed requests checked by `/v1/auth` (as a gateway
//! forwards them) and `/v1/keys/verify`; the consumer-key flow under `/1.0`.
//! Listing and revoking consumer keys are in `consumer_keys.rs`.

use keyward::crypto::request_signature::{SignedParts, sign};
use keyward::service::{Caller, ConsumerKeyDecision};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, auth, spawn_app};

/// An application's three values.
pub struct App {
    pub id: String,
    pub ak: String,
    pub secret: String,
    pub ck: String,
}

pub async fn application(app: &TestApp, name: &str, rights: Value) -> App {
    let api = app.management_key_for_admin().await;
    let created = api
        .create(json!({ "name": name, "kind": "application", "rights": rights, "expires": "never" }))
        .await;
    assert_eq!(created["kind"], "application");
    assert_eq!(created["expires_at"], Value::Null, "unlimited validity");
    App {
        id: created["id"].as_str().unwrap().to_owned(),
        ak: created["client_id"].as_str().unwrap().to_owned(),
        secret: created["secret"].as_str().unwrap().to_owned(),
        ck: created["consumer_key"].as_str().unwrap().to_owned(),
    }
}

/// The headers a gateway forwards for a signed call of `method` on `uri`
/// (below host `api.example.com`), signed at `ts`.
pub fn forwarded(a: &App, ck: &str, method: &str, uri: &str, ts: i64) -> Vec<(&'static str, String)> {
    let url = format!("https://api.example.com{uri}");
    let ts = ts.to_string();
    let signature = sign(
        &a.secret,
        ck,
        &SignedParts {
            method,
            url: &url,
            body: b"",
            timestamp: &ts,
        },
    );
    vec![
        ("x-ovh-application", a.ak.clone()),
        ("x-ovh-consumer", ck.to_owned()),
        ("x-ovh-timestamp", ts),
        ("x-ovh-signature", signature),
        ("x-forwarded-method", method.to_owned()),
        ("x-forwarded-proto", "https".to_owned()),
        ("x-forwarded-host", "api.example.com".to_owned()),
        ("x-forwarded-uri", uri.to_owned()),
    ]
}

pub async fn gateway(app: &TestApp, headers: &[(&'static str, String)]) -> (StatusCode, String) {
    let pairs: Vec<(&'static str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let res = auth(&app.base, &pairs).await;
    let code = res
        .headers()
        .get("x-keyward-code")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (res.status(), code)
}

#[tokio::test]
async fn signed_requests_do_what_their_rights_allow_and_nothing_more() {
    let app = spawn_app().await;
    let a = application(
        &app,
        "inventory",
        json!([{ "methods": ["GET"], "path": "/compute/*" }, { "methods": ["*"], "path": "/me" }]),
    )
    .await;
    assert!(a.ak.starts_with("kwc_prod_") && a.secret.starts_with("kws_prod_") && a.ck.starts_with("kwk_prod_"));
    let now = keyward::clock::Clock::now(&app.clock);

    let ok = gateway(
        &app,
        &forwarded(&a, &a.ck, "GET", "/1.0/compute/vm-1?details=true", now),
    )
    .await;
    assert_eq!(ok, (StatusCode::OK, "VALID".into()));
    let ok = gateway(&app, &forwarded(&a, &a.ck, "DELETE", "/1.0/me", now)).await;
    assert_eq!(ok.0, StatusCode::OK);

    for (method, uri) in [
        ("DELETE", "/1.0/compute/vm-1"),
        ("GET", "/1.0/billing"),
        ("GET", "/1.0/compute/../billing"),
        ("GET", "/1.0/compute/%2e%2e/billing"),
        ("GET", "/2.0/compute/vm-1"),
        ("GET", "/compute/vm-1"),
    ] {
        let refused = gateway(&app, &forwarded(&a, &a.ck, method, uri, now)).await;
        assert_eq!(refused.0, StatusCode::FORBIDDEN, "{method} {uri}");
    }

    // What was signed must be what is checked.
    let mut tampered = forwarded(&a, &a.ck, "GET", "/1.0/compute/vm-1", now);
    tampered[7].1 = "/1.0/compute/vm-2".into();
    assert_eq!(
        gateway(&app, &tampered).await,
        (StatusCode::UNAUTHORIZED, "NOT_FOUND".into())
    );
    let mut other_host = forwarded(&a, &a.ck, "GET", "/1.0/compute/vm-1", now);
    other_host[6].1 = "evil.example.com".into();
    assert_eq!(gateway(&app, &other_host).await.0, StatusCode::UNAUTHORIZED);
    let wrong_secret = App {
        secret: "kws_prod_notthesecret".into(),
        ..application(&app, "other", json!([])).await
    };
    let forged = forwarded(&wrong_secret, &wrong_secret.ck, "GET", "/1.0/compute/vm-1", now);
    assert_eq!(
        gateway(&app, &forged).await,
        (StatusCode::UNAUTHORIZED, "NOT_FOUND".into())
    );
    // One application's consumer key with another's signature.
    let crossed = forwarded(&a, &wrong_secret.ck, "GET", "/1.0/compute/vm-1", now);
    assert_eq!(gateway(&app, &crossed).await.1, "NOT_FOUND");

    // The timestamp window, and a replay within it.
    let stale = forwarded(&a, &a.ck, "GET", "/1.0/compute/vm-3", now - 121);
    assert_eq!(
        gateway(&app, &stale).await,
        (StatusCode::UNAUTHORIZED, "STALE_SIGNATURE".into())
    );
    let future = forwarded(&a, &a.ck, "GET", "/1.0/compute/vm-3", now + 121);
    assert_eq!(gateway(&app, &future).await.1, "STALE_SIGNATURE");
    let once = forwarded(&a, &a.ck, "GET", "/1.0/compute/vm-4", now - 60);
    assert_eq!(gateway(&app, &once).await.0, StatusCode::OK);
    assert_eq!(
        gateway(&app, &once).await,
        (StatusCode::UNAUTHORIZED, "STALE_SIGNATURE".into())
    );

    // The application secret is bearer of nothing: not a key, not a client pair.
    let bearer = format!("Bearer {}", a.secret);
    assert_eq!(
        auth(&app.base, &[("authorization", &bearer)]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let ck_bearer = format!("Bearer {}", a.ck);
    assert_eq!(
        auth(&app.base, &[("authorization", &ck_bearer)]).await.status(),
        StatusCode::UNAUTHORIZED
    );
    let verify = app.api("").verify(json!({ "key": a.secret, "client_id": a.ak })).await;
    assert_eq!(verify["valid"], false);

    // The account's Enable API switch applies.
    app.kw()
        .accounts()
        .update(
            &Caller::System("t"),
            "default",
            keyward::service::AccountPatch {
                api_enabled: Some(false),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let off = gateway(&app, &forwarded(&a, &a.ck, "GET", "/1.0/compute/vm-5", now)).await;
    assert_eq!(off, (StatusCode::FORBIDDEN, "API_DISABLED".into()));
}

#[tokio::test]
async fn verify_checks_a_signed_body_and_tells_which_consumer_key() {
    let app = spawn_app().await;
    let a = application(&app, "orders", json!([{ "methods": ["POST"], "path": "/orders" }])).await;
    let now = keyward::clock::Clock::now(&app.clock).to_string();
    let url = "https://api.example.com/1.0/orders";
    let body = "{\"item\":\"café ☕\",\"qty\":2}";
    let signature = sign(
        &a.secret,
        &a.ck,
        &SignedParts {
            method: "POST",
            url,
            body: body.as_bytes(),
            timestamp: &now,
        },
    );
    let request = |body: &str| {
        json!({
            "method": "POST", "url": url, "body": body,
            "headers": { "X-Ovh-Application": a.ak, "X-Ovh-Consumer": a.ck, "X-Ovh-Timestamp": now, "X-Ovh-Signature": signature },
        })
    };
    let api = app.api("");
    let tampered = api.verify(request("{\"item\":\"café ☕\",\"qty\":200}")).await;
    assert_eq!(tampered["code"], "NOT_FOUND");
    let answer = api.verify(request(body)).await;
    assert_eq!(answer["valid"], true, "{answer}");
    assert_eq!(answer["key_id"], a.id.as_str());
    assert!(answer["consumer_key_id"].as_str().unwrap().starts_with("ck_"));
    assert_eq!(api.verify(request(body)).await["code"], "STALE_SIGNATURE", "replayed");

    let res = api
        .client
        .post(format!("{}/v1/keys/verify", app.base))
        .json(&json!({ "method": "GET", "headers": { "X-Ovh-Application": a.ak, "X-Ovh-Consumer": a.ck, "X-Ovh-Timestamp": now, "X-Ovh-Signature": "$1$00" } }))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY, "no url");
}

#[tokio::test]
async fn the_consumer_key_flow_waits_for_a_user_and_stays_within_the_application() {
    let app = spawn_app().await;
    let a = application(
        &app,
        "partner",
        json!([{ "methods": ["GET", "DELETE"], "path": "/compute/*" }]),
    )
    .await;
    let client = reqwest::Client::new();
    let time: i64 = client
        .get(format!("{}/1.0/auth/time", app.base))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(time, keyward::clock::Clock::now(&app.clock));

    let ask = |rules: Value, ak: &str| {
        client
            .post(format!("{}/1.0/auth/credential", app.base))
            .header("x-ovh-application", ak)
            .json(
                &json!({ "accessRules": rules, "redirection": "https://partner.example.com/done", "allowedIPs": null }),
            )
            .send()
    };
    let res = ask(json!([{ "method": "GET", "path": "/billing/*" }]), &a.ak)
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::BAD_REQUEST, "beyond the application's rights");
    let res = ask(json!([{ "method": "GET", "path": "/compute/*" }]), "kwc_prod_unknown")
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert_eq!(res.json::<Value>().await.unwrap()["errorCode"], "INVALID_KEY");

    let res = ask(json!([{ "method": "GET", "path": "/compute/*" }]), &a.ak)
        .await
        .unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(res.headers()["cache-control"], "no-store");
    let grant: Value = res.json().await.unwrap();
    assert_eq!(grant["state"], "pendingValidation");
    let ck = grant["consumerKey"].as_str().unwrap().to_owned();
    let url = grant["validationUrl"].as_str().unwrap();
    assert!(url.contains("/applications/validate?token="), "{url}");
    assert!(!url.contains(&ck), "the consumer key never appears in a URL");
    let token = url.split("token=").nth(1).unwrap().to_owned();

    let now = keyward::clock::Clock::now(&app.clock);
    let pending = gateway(&app, &forwarded(&a, &ck, "GET", "/1.0/compute/vm-1", now)).await;
    assert_eq!(pending.1, "NOT_FOUND", "unusable until approved");

    let kw = app.kw();
    let approve = ConsumerKeyDecision {
        approve: true,
        account: None,
        expires: Some("1mo".into()),
    };
    let redirection = kw
        .applications()
        .decide(&Caller::System("t"), &token, &approve)
        .await
        .unwrap();
    assert_eq!(redirection.as_deref(), Some("https://partner.example.com/done"));
    assert!(
        kw.applications()
            .decide(&Caller::System("t"), &token, &approve)
            .await
            .is_err(),
        "a token decides once"
    );
    let ok = gateway(&app, &forwarded(&a, &ck, "GET", "/1.0/compute/vm-2", now)).await;
    assert_eq!(ok.0, StatusCode::OK);
    let refused = gateway(&app, &forwarded(&a, &ck, "DELETE", "/1.0/compute/vm-2", now)).await;
    assert_eq!(
        refused.1, "FORBIDDEN_RIGHT",
        "only what was asked for, though the application may more"
    );

    // A request nobody decides lapses.
    let res = ask(json!([{ "method": "GET", "path": "/compute/*" }]), &a.ak)
        .await
        .unwrap();
    let lapsed: Value = res.json().await.unwrap();
    let token = lapsed["validationUrl"]
        .as_str()
        .unwrap()
        .split("token=")
        .nth(1)
        .unwrap()
        .to_owned();
    app.clock.advance_secs(16 * 60);
    assert!(
        kw.applications()
            .decide(&Caller::System("t"), &token, &approve)
            .await
            .is_err()
    );

    // Two-thirds of a month later, still good; after the month, expired.
    let later = keyward::clock::Clock::now(&app.clock);
    assert_eq!(
        gateway(&app, &forwarded(&a, &ck, "GET", "/1.0/compute/vm-3", later))
            .await
            .0,
        StatusCode::OK
    );
    app.clock.advance_secs(31 * 86_400);
    let expired = gateway(
        &app,
        &forwarded(
            &a,
            &ck,
            "GET",
            "/1.0/compute/vm-3",
            keyward::clock::Clock::now(&app.clock),
        ),
    )
    .await;
    assert_eq!(expired.1, "EXPIRED");
}

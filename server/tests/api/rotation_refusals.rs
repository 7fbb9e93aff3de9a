//! What a rotation policy refuses: shapes that do not fit (a private or RSA
//! holder key, an application, an interval under an hour, by_policy with a
//! grace or from the holder itself), and callers who hold less (a reader, a
//! key that could not have issued the credential).

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::spawn_app;
use crate::rotation_policy::{read, valid};

#[tokio::test]
async fn a_policy_is_refused_where_it_does_not_fit_and_to_callers_who_hold_less() {
    let app = spawn_app().await;
    let admin = app.management_key().await;
    let notify = json!({ "every": "30d", "delivery": "notify" });
    let refused = |res: reqwest::Response, status: StatusCode| async move {
        assert_eq!(res.status(), status);
        res.json::<Value>().await.unwrap()
    };
    // Shapes that do not fit.
    let bad_keys = [
        json!({ "kty": "EC", "crv": "P-256", "x": "AA", "y": "AA", "d": "AA" }),
        json!({ "kty": "RSA", "n": "AQAB", "e": "AQAB" }),
    ];
    for holder_key in bad_keys {
        let res = admin
            .post(
                "/v1/keys",
                json!({ "name": "bad holder", "rotation": { "every": "1d", "delivery": "encrypted", "holder_key": holder_key } }),
            )
            .await;
        assert!(res.status().is_client_error(), "{holder_key}: {}", res.status());
    }
    let res = admin
        .post(
            "/v1/keys",
            json!({ "name": "app", "kind": "application", "rotation": notify }),
        )
        .await;
    let problem = refused(res, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert!(problem.to_string().contains("rotation"), "{problem}");
    let res = admin
        .post(
            "/v1/keys",
            json!({ "name": "fast", "rotation": { "every": "30m", "delivery": "notify" } }),
        )
        .await;
    assert!(res.status().is_client_error());

    // Rotate now by policy needs a policy, and keeps to the policy's grace.
    let (plain, plain_secret) = app
        .key(json!({ "name": "no policy", "scopes": ["compute:read"] }))
        .await;
    let res = admin
        .post(&format!("/v1/keys/{plain}/rotate"), json!({ "by_policy": true }))
        .await;
    assert_eq!(
        refused(res, StatusCode::UNPROCESSABLE_ENTITY).await["code"],
        "NO_POLICY"
    );
    let (with_policy, _) = app
        .key(json!({ "name": "with policy", "scopes": ["compute:read"], "rotation": notify }))
        .await;
    let res = admin
        .post(
            &format!("/v1/keys/{with_policy}/rotate"),
            json!({ "by_policy": true, "grace_period_seconds": 5 }),
        )
        .await;
    assert!(res.status().is_client_error());
    // A holder rotating itself gets its secret: by_policy is not for it.
    let res = reqwest::Client::new()
        .post(format!("{}/v1/keys/self/rotate", app.base))
        .bearer_auth(&plain_secret)
        .json(&json!({ "by_policy": true }))
        .send()
        .await
        .unwrap();
    assert!(res.status().is_client_error());
    assert!(valid(&app, &plain_secret).await, "and nothing was rotated");

    // A reader cannot set a policy or rotate by one.
    let reader = app.management_key_for_reading().await;
    let res = reader
        .patch(&format!("/v1/keys/{plain}"), json!({ "rotation": notify }))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = reader
        .post(&format!("/v1/keys/{with_policy}/rotate"), json!({ "by_policy": true }))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);

    // A key that may write keys but holds less than a Global Admin key
    // cannot put a policy on one (it could not have issued it).
    let (root, _) = app
        .key(json!({ "name": "root", "scopes": ["*:*"], "roles": ["global_admin"] }))
        .await;
    let (_, writer) = app
        .key(json!({ "name": "writer", "scopes": ["keys:write", "keys:read"], "expires": "never" }))
        .await;
    let writer = app.api(&writer);
    let res = writer
        .patch(&format!("/v1/keys/{root}"), json!({ "rotation": notify }))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN, "{}", res.text().await.unwrap());
    let res = writer
        .post(&format!("/v1/keys/{root}/rotate"), json!({ "by_policy": true }))
        .await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    assert!(read(&admin, &root).await.get("rotation").is_none());

    // Removing a policy takes the credential out of the schedule.
    let res = admin
        .patch(&format!("/v1/keys/{with_policy}"), json!({ "rotation": null }))
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    let after = read(&admin, &with_policy).await;
    assert!(
        after.get("rotation").is_none() && after.get("rotation_due_at").is_none(),
        "{after}"
    );
}

#[tokio::test]
async fn the_same_policy_sent_again_keeps_its_due_date_and_a_new_interval_moves_it() {
    let app = spawn_app().await;
    let admin = app.management_key().await;
    let policy = json!({ "every": "30d", "delivery": "notify", "grace_seconds": 3600 });
    let created = admin.create(json!({ "name": "steady", "rotation": policy })).await;
    let id = created["id"].as_str().unwrap();
    let issued = created["created_at"].as_i64().unwrap();
    // "Rotate now by policy" on a notify policy makes it due now…
    app.clock.advance_secs(86_400);
    let res = admin
        .post(&format!("/v1/keys/{id}/rotate"), json!({ "by_policy": true }))
        .await;
    assert_eq!(res.status(), StatusCode::ACCEPTED);
    let due = read(&admin, id).await["rotation_due_at"].as_i64().unwrap();
    assert_eq!(due, issued + 86_400);
    // …and an edit that sends the same policy (the console sends every field) keeps it.
    let res = admin
        .patch(
            &format!("/v1/keys/{id}"),
            json!({ "description": "nightly", "rotation": policy }),
        )
        .await;
    assert_eq!(res.status(), StatusCode::OK);
    assert_eq!(read(&admin, id).await["rotation_due_at"].as_i64(), Some(due));
    // A new interval counts from when the current secret was issued.
    let longer = json!({ "every": "90d", "delivery": "notify", "grace_seconds": 3600 });
    admin
        .patch(&format!("/v1/keys/{id}"), json!({ "rotation": longer }))
        .await;
    assert_eq!(
        read(&admin, id).await["rotation_due_at"].as_i64(),
        Some(issued + 90 * 86_400)
    );
}

#[tokio::test]
async fn in_the_console_a_viewer_cannot_rotate_by_policy_and_an_admin_can() {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let viewer = app.user(&admin, "gv@example.com", "global_viewer", true, vec![]).await;
    let (id, _) = app
        .key(json!({ "name": "watched", "rotation": { "every": "30d", "delivery": "notify" } }))
        .await;
    let call = json!({ "id": id });
    let res = viewer.json("/api/credentials/rotate_by_policy", call.clone()).await;
    assert_eq!(res.status(), StatusCode::FORBIDDEN);
    let res = admin.json("/api/credentials/rotate_by_policy", call).await;
    assert_eq!(res.status(), StatusCode::OK, "{}", res.text().await.unwrap());
    let done: Value = res.json().await.unwrap();
    assert_eq!(done["delivery"], "notify");
    assert!(done.get("secret").is_none());
}

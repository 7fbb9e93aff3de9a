//! Concurrent changes of one credential: a revocation is never undone by a
//! racing edit, two edits of different fields both survive, and `If-Match`
//! refuses a change made from a stale read.

use crate::helpers::spawn_app;
use reqwest::StatusCode;
use serde_json::{Value, json};

#[tokio::test]
async fn two_hundred_patch_and_delete_races_all_end_revoked() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    for round in 0..200 {
        let created = api
            .create(json!({ "name": format!("raced-{round}"), "scopes": ["compute:read"] }))
            .await;
        let id = created["id"].as_str().unwrap().to_owned();
        let secret = created["secret"].as_str().unwrap().to_owned();
        let path = format!("/v1/keys/{id}");
        let (patched, deleted) = tokio::join!(
            api.patch(
                &path,
                json!({ "description": format!("edit {round}"), "scopes": ["compute:read"] })
            ),
            api.delete(&path),
        );
        assert!(
            [StatusCode::OK, StatusCode::UNPROCESSABLE_ENTITY].contains(&patched.status()),
            "round {round}: {}",
            patched.status()
        );
        assert_eq!(deleted.status(), StatusCode::NO_CONTENT, "round {round}");
        let stored: Value = api.get(&path).await.json().await.unwrap();
        assert_eq!(stored["status"], "revoked", "round {round}: the database");
        let verdict = api.verify(json!({ "key": secret })).await;
        assert_eq!(verdict["code"], "REVOKED", "round {round}: the in-memory index");
    }
}

#[tokio::test]
async fn concurrent_patches_of_different_fields_both_survive() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    for round in 0..50 {
        let created = api.create(json!({ "name": format!("shared-{round}") })).await;
        let path = format!("/v1/keys/{}", created["id"].as_str().unwrap());
        let (a, b) = tokio::join!(
            api.patch(&path, json!({ "description": "from a" })),
            api.patch(&path, json!({ "metadata": { "team": "b" } })),
        );
        assert_eq!((a.status(), b.status()), (StatusCode::OK, StatusCode::OK));
        let stored: Value = api.get(&path).await.json().await.unwrap();
        assert_eq!(stored["description"], "from a", "round {round}");
        assert_eq!(stored["metadata"], json!({ "team": "b" }), "round {round}");
    }
}

#[tokio::test]
async fn if_match_refuses_a_change_made_from_a_stale_read() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    let created = api.create(json!({ "name": "versioned" })).await;
    let path = format!("/v1/keys/{}", created["id"].as_str().unwrap());
    let read = api.get(&path).await;
    let etag = read.headers()["etag"].to_str().unwrap().to_owned();
    assert_eq!(etag, format!("\"{}\"", created["version"]));

    let with = |tag: &str, body: Value| {
        api.client
            .patch(format!("{}{path}", api.base))
            .bearer_auth(&api.secret)
            .header("if-match", tag)
            .json(&body)
            .send()
    };
    let res = with(&etag, json!({ "description": "first" })).await.unwrap();
    assert_eq!(res.status(), StatusCode::OK);
    let next = res.headers()["etag"].to_str().unwrap().to_owned();
    assert_ne!(next, etag);

    let res = with(&etag, json!({ "description": "lost update" })).await.unwrap();
    assert_eq!(res.status(), StatusCode::PRECONDITION_FAILED);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], "PRECONDITION_FAILED");
    let stored: Value = api.get(&path).await.json().await.unwrap();
    assert_eq!(stored["description"], "first");

    assert_eq!(
        with("*", json!({ "description": "any" })).await.unwrap().status(),
        StatusCode::OK
    );
    assert_eq!(
        with("W/\"1\"", json!({ "description": "weak" }))
            .await
            .unwrap()
            .status(),
        StatusCode::PRECONDITION_FAILED
    );
    // A rotation is a change too: the tag read before it no longer applies.
    let current = api.get(&path).await.headers()["etag"].to_str().unwrap().to_owned();
    api.post(&format!("{path}/rotate"), json!({})).await;
    assert_eq!(
        with(&current, json!({ "description": "after rotation" }))
            .await
            .unwrap()
            .status(),
        StatusCode::PRECONDITION_FAILED
    );
}

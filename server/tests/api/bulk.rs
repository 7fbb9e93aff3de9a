//! Bulk work on credentials through the REST API: revoke a selection (by
//! ids or by a confirmed filter) and export a filtered list as CSV or JSON.

use crate::helpers::{Api, TestApp, spawn_app};
use reqwest::StatusCode;
use serde_json::{Value, json};

/// Creates `n` never-expiring keys named `{prefix}{i:03}` in `default`.
async fn keys(app: &TestApp, prefix: &str, n: usize) -> Vec<(String, String)> {
    let mut out = Vec::with_capacity(n);
    for i in 0..n {
        out.push(
            app.key(json!({ "name": format!("{prefix}{i:03}"), "scopes": ["compute:read"], "expires": "never" }))
                .await,
        );
    }
    out
}

/// The ids `GET /v1/keys` lists for `query` (one page of up to 200).
async fn listed(api: &Api, query: &str) -> Vec<Value> {
    let res = api.get(&format!("/v1/keys?limit=200&{query}")).await;
    assert_eq!(res.status(), StatusCode::OK);
    let page: Value = res.json().await.unwrap();
    assert!(page["next_cursor"].is_null(), "one page holds them all");
    page["items"].as_array().unwrap().clone()
}

async fn revoke(api: &Api, body: Value) -> (StatusCode, Value) {
    let res = api.post("/v1/keys/revoke", body).await;
    let status = res.status();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// The audit entries with `action`, up to 200.
async fn audited(api: &Api, action: &str) -> usize {
    let page: Value = api
        .get(&format!("/v1/audit?action={action}&limit=200"))
        .await
        .json()
        .await
        .unwrap();
    page["entries"].as_array().unwrap().len()
}

/// Reads RFC 4180 CSV: quoted cells, doubled quotes, CRLF line ends.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let (mut rows, mut row, mut cell) = (Vec::new(), Vec::new(), String::new());
    let (mut quoted, mut chars) = (false, text.chars().peekable());
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (true, '"') if chars.peek() == Some(&'"') => {
                chars.next();
                cell.push('"');
            }
            (true, '"') => quoted = false,
            (true, c) => cell.push(c),
            (false, '"') => quoted = true,
            (false, ',') => row.push(std::mem::take(&mut cell)),
            (false, '\r') => {}
            (false, '\n') => {
                row.push(std::mem::take(&mut cell));
                rows.push(std::mem::take(&mut row));
            }
            (false, c) => cell.push(c),
        }
    }
    rows
}

#[tokio::test]
async fn bulk_revoke_of_120_credentials_selected_by_filter_revokes_exactly_those() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    let batch = keys(&app, "batch-", 120).await;
    let others = keys(&app, "other-", 10).await;
    assert_eq!(listed(&api, "q=batch-").await.len(), 120);

    let (status, out) = revoke(&api, json!({ "filter": { "q": "batch-" }, "confirm_count": 120 })).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["revoked"].as_array().unwrap().len(), 120, "{out}");
    assert_eq!(out["failed"], json!([]));

    assert!(listed(&api, "q=batch-").await.iter().all(|c| c["status"] == "revoked"));
    assert!(listed(&api, "q=other-").await.iter().all(|c| c["status"] == "active"));
    let (_, secret) = &batch[7];
    assert_eq!(api.verify(json!({ "key": secret })).await["valid"], false);
    let (_, secret) = &others[3];
    assert_eq!(api.verify(json!({ "key": secret })).await["valid"], true);
    assert_eq!(
        audited(&api, "key.revoked").await,
        120,
        "one audit entry per credential"
    );

    // Again: all 120 are already revoked, none is revoked twice.
    let (status, out) = revoke(&api, json!({ "filter": { "q": "batch-" }, "confirm_count": 120 })).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(out["revoked"], json!([]));
    assert!(
        out["failed"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["code"] == "ALREADY_REVOKED")
    );
    assert_eq!(audited(&api, "key.revoked").await, 120);
}

#[tokio::test]
async fn a_filter_matching_another_count_than_confirmed_revokes_nothing() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    keys(&app, "batch-", 5).await;
    for count in [4, 6] {
        let (status, problem) = revoke(&api, json!({ "filter": { "q": "batch-" }, "confirm_count": count })).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{problem}");
        assert_eq!(problem["code"], "COUNT_CHANGED");
    }
    let (status, _) = revoke(&api, json!({ "filter": { "q": "batch-" } })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "a filter needs its count");
    let (status, _) = revoke(&api, json!({ "ids": [], "filter": {}, "confirm_count": 1 })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "ids or a filter, not both");
    assert!(listed(&api, "q=batch-").await.iter().all(|c| c["status"] == "active"));
    assert_eq!(audited(&api, "key.revoked").await, 0);
}

#[tokio::test]
async fn a_caller_holding_less_revokes_nothing_beyond_its_reach() {
    let app = spawn_app().await;
    let api = app.global_admin_key().await;
    let batch = keys(&app, "batch-", 3).await;
    let ids: Vec<&str> = batch.iter().map(|(id, _)| id.as_str()).collect();

    // A reader sees them but may not revoke one.
    let reader = app.management_key_for_reading().await;
    let (status, out) = revoke(&reader, json!({ "filter": { "q": "batch-" }, "confirm_count": 3 })).await;
    assert!(
        status == StatusCode::FORBIDDEN
            || out["failed"]
                .as_array()
                .is_some_and(|f| f.len() == 3 && f.iter().all(|f| f["code"] == "FORBIDDEN")),
        "{status} {out}"
    );
    assert_eq!(out["revoked"].as_array().map_or(0, Vec::len), 0);

    // A key of another account does not see them at all.
    let res = api.post("/v1/accounts", json!({ "name": "acme" })).await;
    assert_eq!(res.status(), StatusCode::CREATED);
    let (_, tenant) = app
        .key(json!({ "name": "acme-admin", "account": "acme", "scopes": ["keys:write", "keys:read"], "expires": "never" }))
        .await;
    let tenant = app.api(&tenant);
    let (status, out) = revoke(&tenant, json!({ "ids": ids })).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["revoked"], json!([]));
    let failed = out["failed"].as_array().unwrap();
    assert_eq!(failed.len(), 3);
    assert!(failed.iter().all(|f| f["code"] == "NOT_FOUND"), "{out}");
    let (status, problem) = revoke(&tenant, json!({ "filter": { "q": "batch-" }, "confirm_count": 3 })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "it matches none: {problem}");

    assert!(listed(&api, "q=batch-").await.iter().all(|c| c["status"] == "active"));
    assert_eq!(audited(&api, "key.revoked").await, 0);
}

#[tokio::test]
async fn revoking_by_ids_reports_each_one_and_spares_the_caller() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    let batch = keys(&app, "batch-", 2).await;
    let me: Value = listed(&api, "q=management").await[0].clone();
    let body = json!({ "ids": [batch[0].0, batch[1].0, batch[0].0, "key_nope", me["id"]] });
    let (status, out) = revoke(&api, body).await;
    assert_eq!(status, StatusCode::OK, "{out}");
    assert_eq!(out["revoked"], json!([batch[0].0, batch[1].0]), "each once");
    let codes: Vec<&str> = out["failed"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["code"].as_str().unwrap())
        .collect();
    assert_eq!(codes, ["NOT_FOUND", "SELF"]);
    assert_eq!(
        api.get("/v1/keys").await.status(),
        StatusCode::OK,
        "the caller still works"
    );
    let too_many: Vec<String> = (0..1001).map(|i| format!("key_{i}")).collect();
    let (status, _) = revoke(&api, json!({ "ids": too_many })).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn csv_export_of_a_filtered_list_matches_the_apis_list() {
    let app = spawn_app().await;
    let api = app.management_key().await;
    let created = keys(&app, "exp-", 7).await;
    let (formula, formula_secret) = app
        .key(json!({ "name": "=HYPERLINK(\"http://evil\",\"exp-, \"\"click\"\"\")", "expires": "never" }))
        .await;
    keys(&app, "unrelated-", 3).await;
    api.delete(&format!("/v1/keys/{}", created[2].0)).await;

    let res = api.get("/v1/keys/export?format=csv&q=exp-").await;
    assert_eq!(res.status(), StatusCode::OK);
    let h = res.headers();
    assert!(
        h[reqwest::header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    assert!(
        h[reqwest::header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    assert_eq!(h[reqwest::header::CACHE_CONTROL], "no-store");
    let text = res.text().await.unwrap();
    for (_, secret) in created.iter().chain([&(formula.clone(), formula_secret)]) {
        assert!(!text.contains(secret.as_str()), "no secret in the export");
    }

    let rows = parse_csv(&text);
    let header = &rows[0];
    let col = |name: &str| header.iter().position(|h| h == name).unwrap();
    let list = listed(&api, "q=exp-").await;
    assert_eq!(rows.len() - 1, list.len());
    assert_eq!(list.len(), 8);
    for (row, item) in rows[1..].iter().zip(&list) {
        assert_eq!(row[col("id")], item["id"].as_str().unwrap());
        assert_eq!(row[col("status")], item["status"].as_str().unwrap());
        assert_eq!(row[col("prefix")], item["prefix"].as_str().unwrap());
        assert_eq!(row[col("account")], "default");
        let name = item["name"].as_str().unwrap();
        if item["id"] == formula.as_str() {
            assert_eq!(row[col("name")], format!("'{name}"), "the formula is text");
        } else {
            assert_eq!(row[col("name")], name);
        }
    }
    let revoked = rows.iter().find(|r| r[col("id")] == created[2].0).unwrap();
    assert_eq!(revoked[col("status")], "revoked");
    assert!(!revoked[col("revoked_at")].is_empty());

    let res = api.get("/v1/keys/export?format=json&q=exp-").await;
    assert_eq!(res.status(), StatusCode::OK);
    let exported: Value = res.json().await.unwrap();
    assert_eq!(exported, Value::Array(list));

    let res = api.get("/v1/keys/export?format=xml").await;
    assert_eq!(res.status(), StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn the_openapi_document_lists_the_bulk_operations() {
    let app = spawn_app().await;
    let doc: Value = reqwest::get(format!("{}/openapi.json", app.base))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let revoke = &doc["paths"]["/v1/keys/revoke"]["post"];
    assert!(revoke["responses"]["200"].is_object());
    assert!(revoke["responses"]["422"].is_object());
    let export = &doc["paths"]["/v1/keys/export"]["get"];
    assert!(export["responses"]["200"]["content"]["text/csv"].is_object());
    assert!(export["responses"]["200"]["content"]["application/json"].is_object());
    let params = export["parameters"].to_string();
    assert!(params.contains("\"csv\""), "the formats are listed: {params}");
    for name in ["ExportFormat", "CredentialStatus", "CredentialKind", "Environment"] {
        assert!(
            !params.contains(&format!("#/components/schemas/{name}\""))
                || doc["components"]["schemas"][name].is_object(),
            "every reference resolves: {name}"
        );
    }
}

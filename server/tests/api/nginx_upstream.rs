//! The README's nginx block for several instances, run for real in front of
//! three instances on PostgreSQL: requests spread over them, and one can die
//! without a client seeing an error.

use crate::binary::Binary;
use crate::nginx::{free_port, launch, readme_nginx_block};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::time::Duration;

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn the_readme_upstream_spreads_requests_and_survives_an_instance_dying() {
    let url = crate::pg::fresh_database().await;
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let admin = crate::cluster::admin_key(&data, &url).await;
    let mut servers = futures::future::join_all((0..3).map(|_| Binary::start_on(&data, Some(&url)))).await;

    // The README's block with this machine's addresses: loopback ports for
    // the three instances, and plain HTTP on a free port instead of 443.
    let mut block = readme_nginx_block("upstream keyward");
    for (i, s) in servers.iter().enumerate() {
        block = block.replace(&format!("10.0.0.1{}:8080", i + 1), s.base.trim_start_matches("http://"));
    }
    let port = free_port();
    let block = block.replace("listen 443 ssl;", &format!("listen 127.0.0.1:{port};"));
    assert!(!block.contains("10.0.0."), "every README address was replaced: {block}");
    let nginx = launch(&dir.path().join("nginx"), port, &block).await;

    let client = reqwest::Client::new();
    let create = |name: String| {
        client
            .post(format!("{}/v1/keys", nginx.base))
            .bearer_auth(&admin)
            .json(&json!({ "name": name }))
            .send()
    };
    let verify = |key: String| {
        client
            .post(format!("{}/v1/keys/verify", nginx.base))
            .json(&json!({ "key": key }))
            .send()
    };
    let mut secrets = Vec::new();
    for i in 0..30 {
        let res = create(format!("through-nginx-{i}")).await.unwrap();
        assert_eq!(res.status(), StatusCode::CREATED);
        secrets.push(
            res.json::<Value>().await.unwrap()["secret"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    // Whichever instance nginx picks knows every key.
    for s in &secrets {
        let v: Value = verify(s.clone()).await.unwrap().json().await.unwrap();
        assert_eq!(v["valid"], true);
    }

    // One instance dies; nginx moves on to the others and no client sees it.
    servers.remove(1).kill_9().await;
    for (i, s) in secrets.iter().cycle().take(90).enumerate() {
        let res = verify(s.clone()).await.unwrap();
        assert_eq!(res.status(), StatusCode::OK, "request {i} after the kill");
        assert_eq!(res.json::<Value>().await.unwrap()["valid"], true);
    }
    let res = create("after the kill".into()).await.unwrap();
    assert_eq!(res.status(), StatusCode::CREATED);
    drop(nginx);
    for s in servers {
        s.terminate(Duration::from_secs(10)).await;
    }
}

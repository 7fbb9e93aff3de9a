//! Verifying an application's signed request against verifying an API key,
//! in process, on one instance (`make bench`): the same service call a
//! handler makes, without HTTP, so the ratio shows what the signature costs
//! (opening the sealed secret, SHA-1, the replay memory) over a keyed-hash
//! look-up. Signatures are made beforehand, each distinct, as a replay
//! would be refused. Figures, not assertions.

use std::sync::Arc;
use std::time::Instant;

use keyward::clock::{Clock, SystemClock};
use keyward::config::Config;
use keyward::crypto::request_signature::{SignedParts, sign};
use keyward::policy::RequestFacts;
use keyward::service::{Caller, Keyward};
use keyward::verify::{Presented, SignedRequest};

const CALLS: usize = 200_000;

fn main() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    runtime.block_on(async {
        let kw = Keyward::open(Config::new(dir.path().join("data")), Arc::new(SystemClock))
            .await
            .expect("open");
        let input = |v: serde_json::Value| serde_json::from_value(v).expect("a valid input");
        let system = Caller::System("bench");
        let unlimited = serde_json::json!("unlimited");
        let key = kw
            .credentials()
            .create(
                &system,
                input(serde_json::json!({ "name": "key", "rate_limit": unlimited })),
            )
            .await
            .expect("key");
        let app = kw
            .credentials()
            .create(
                &system,
                input(
                    serde_json::json!({ "name": "app", "kind": "application", "rate_limit": unlimited,
                    "rights": [{ "methods": ["GET"], "path": "/compute/*" }] }),
                ),
            )
            .await
            .expect("application");
        let ak = app.credential.client_id.clone().expect("an application key");
        let ck = app.consumer_key.clone().expect("a consumer key");
        let ts = SystemClock.now().to_string();
        let urls: Vec<String> = (0..CALLS)
            .map(|i| format!("https://api.example.com/1.0/compute/vm-{i}"))
            .collect();
        let signatures: Vec<String> = urls
            .iter()
            .map(|url| {
                let parts = SignedParts {
                    method: "GET",
                    url,
                    body: b"",
                    timestamp: &ts,
                };
                sign(&app.secret, &ck, &parts)
            })
            .collect();
        let facts = RequestFacts::default();

        let started = Instant::now();
        for _ in 0..CALLS {
            let presented = Presented::Key {
                key: &key.secret,
                from_query: false,
            };
            let v = kw.verification().verify(presented, &facts).await.expect("verify");
            assert!(v.code.is_valid());
        }
        let keyed = started.elapsed().as_secs_f64() * 1e9 / CALLS as f64;

        let started = Instant::now();
        for (url, signature) in urls.iter().zip(&signatures) {
            let signed = SignedRequest {
                application: &ak,
                consumer: &ck,
                timestamp: &ts,
                signature,
                method: "GET",
                url,
                body: b"",
            };
            let v = kw
                .verification()
                .verify(Presented::Signed(&signed), &facts)
                .await
                .expect("verify");
            assert!(v.code.is_valid(), "{:?}", v.code);
        }
        let signed = started.elapsed().as_secs_f64() * 1e9 / CALLS as f64;

        println!();
        println!("Verification in process, {CALLS} calls each, one instance on SQLite");
        println!("{:<34} {:>10}", "", "ns/call");
        println!("{:<34} {:>10.0}", "API key (keyed hash, baseline)", keyed);
        println!(
            "{:<34} {:>10.0}   ratio {:.2}",
            "signed request (OVH style)",
            signed,
            signed / keyed
        );
    });
}

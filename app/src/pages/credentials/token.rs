//! "Get a token": an OAuth client's page runs the real client-credentials call
//! against `/oauth/token` from the browser, with the secret the user pastes,
//! and shows the decoded token. The secret never goes through a server
//! function and is forgotten when the page is left.

use leptos::prelude::*;

use crate::components::{BTN_PRIMARY, Card, CopyButton, Field, INPUT, Icon};

/// What the token endpoint answered. Only the browser build makes the call,
/// so the server build never constructs the answers.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(not(target_arch = "wasm32"), allow(dead_code))]
enum Outcome {
    Token {
        access_token: String,
        expires_in: i64,
        scope: String,
        header: String,
        claims: String,
    },
    Refused {
        status: u16,
        error: String,
        description: String,
    },
}

/// The panel on an OAuth client's detail page.
#[component]
pub fn GetTokenPanel(client_id: String) -> impl IntoView {
    let secret = RwSignal::new(String::new());
    let scope = RwSignal::new(String::new());
    let outcome = RwSignal::new(None::<Result<Outcome, String>>);
    let pending = RwSignal::new(false);
    let id = client_id.clone();
    let run = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if secret.get_untracked().trim().is_empty() || pending.get_untracked() {
            return;
        }
        pending.set(true);
        let (id, secret, scope) = (id.clone(), secret.get_untracked(), scope.get_untracked());
        leptos::task::spawn_local(async move {
            outcome.set(Some(request_token(&id, secret.trim(), scope.trim()).await));
            pending.set(false);
        });
    };
    view! {
        <Card title="Get a token">
            <p class="mb-4 text-sm text-zinc-500 dark:text-zinc-400">
                "Runs the real client-credentials call ("<code class="font-mono text-xs">"POST /oauth/token"</code>
                ", credentials in the form body) from this browser and shows the decoded access token. The secret stays in this page."
            </p>
            <form class="grid gap-4 sm:grid-cols-2" on:submit=run data-testid="token-form">
                <Field label="Client secret" id="token-secret" hint="The kws_… secret shown when the client was created or rotated.">
                    <input id="token-secret" type="password" class=format!("{INPUT} font-mono") autocomplete="off" spellcheck="false" required
                        prop:value=move || secret.get() on:input=move |ev| secret.set(event_target_value(&ev))/>
                </Field>
                <Field label="Scope" id="token-scope" hint="Optional, space-separated; a subset of the client's scopes.">
                    <input id="token-scope" class=format!("{INPUT} font-mono") autocomplete="off" placeholder="keys:read"
                        prop:value=move || scope.get() on:input=move |ev| scope.set(event_target_value(&ev))/>
                </Field>
                <div class="sm:col-span-2">
                    <button type="submit" class=BTN_PRIMARY disabled=move || pending.get() data-testid="get-token">
                        <Icon name="key"/>{move || if pending.get() { "Requesting…" } else { "Request a token" }}
                    </button>
                </div>
            </form>
            <div aria-live="polite" class="mt-5 empty:hidden">
                {move || outcome.get().map(|o| match o {
                    Ok(Outcome::Token { access_token, expires_in, scope, header, claims }) => view! {
                        <div class="space-y-4" data-testid="token-result">
                            <p class="text-sm">
                                <span class="font-medium text-emerald-700 dark:text-emerald-400">"Issued. "</span>
                                {format!("Expires in {expires_in} s; scope: {}", if scope.is_empty() { "(none)" } else { &scope })}
                            </p>
                            <div class="flex items-start gap-2">
                                <code class="block min-w-0 flex-1 break-all rounded-lg bg-zinc-100 p-3 font-mono text-xs dark:bg-zinc-950" data-testid="access-token">{access_token.clone()}</code>
                                <CopyButton text=access_token/>
                            </div>
                            <div class="grid gap-4 lg:grid-cols-2">
                                <div>
                                    <p class="mb-1 text-xs font-medium uppercase tracking-wide text-zinc-500 dark:text-zinc-400">"Header"</p>
                                    <pre class="overflow-x-auto rounded-lg bg-zinc-950 p-3 font-mono text-xs text-zinc-100" data-testid="token-header">{header}</pre>
                                </div>
                                <div>
                                    <p class="mb-1 text-xs font-medium uppercase tracking-wide text-zinc-500 dark:text-zinc-400">"Claims"</p>
                                    <pre class="overflow-x-auto rounded-lg bg-zinc-950 p-3 font-mono text-xs text-zinc-100" data-testid="token-claims">{claims}</pre>
                                </div>
                            </div>
                        </div>
                    }.into_any(),
                    Ok(Outcome::Refused { status, error, description }) => view! {
                        <p role="alert" class="text-sm text-red-600" data-testid="token-error">
                            <span class="font-mono font-medium">{format!("{status} {error}")}</span>": "{description}
                        </p>
                    }.into_any(),
                    Err(e) => view! { <p role="alert" class="text-sm text-red-600" data-testid="token-error">{e}</p> }.into_any(),
                })}
            </div>
        </Card>
    }
    .into_any()
}

/// The token call, from the browser (the server renders only the form). The
/// credentials go in the form body: a 401 to HTTP Basic carries
/// `WWW-Authenticate: Basic`, which would make the browser pop up its own
/// sign-in prompt.
#[cfg(target_arch = "wasm32")]
async fn request_token(client_id: &str, secret: &str, scope: &str) -> Result<Outcome, String> {
    use super::encode;
    let window = window();
    let mut body = format!(
        "grant_type=client_credentials&client_id={}&client_secret={}",
        encode(client_id),
        encode(secret)
    );
    if !scope.is_empty() {
        body.push_str("&scope=");
        body.push_str(&encode(scope));
    }
    let res = gloo_net::http::Request::post("/oauth/token")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .map_err(|e| e.to_string())?
        .send()
        .await
        .map_err(|e| format!("The token endpoint could not be reached: {e}"))?;
    let status = res.status();
    let json: serde_json::Value = serde_json::from_str(&res.text().await.map_err(|e| e.to_string())?)
        .map_err(|_| format!("The token endpoint answered {status} without JSON."))?;
    let text = |k: &str| json[k].as_str().unwrap_or_default().to_owned();
    if status != 200 {
        return Ok(Outcome::Refused {
            status,
            error: text("error"),
            description: text("error_description"),
        });
    }
    let access_token = text("access_token");
    let part = |i: usize| -> String {
        access_token
            .split('.')
            .nth(i)
            .map(|seg| {
                let mut b64: String = seg
                    .chars()
                    .map(|c| match c {
                        '-' => '+',
                        '_' => '/',
                        c => c,
                    })
                    .collect();
                while !b64.len().is_multiple_of(4) {
                    b64.push('=');
                }
                b64
            })
            .and_then(|b64| window.atob(&b64).ok())
            .and_then(|raw| serde_json::from_str::<serde_json::Value>(&raw).ok())
            .and_then(|v| serde_json::to_string_pretty(&v).ok())
            .unwrap_or_else(|| "(not JSON)".into())
    };
    Ok(Outcome::Token {
        header: part(0),
        claims: part(1),
        expires_in: json["expires_in"].as_i64().unwrap_or_default(),
        scope: text("scope"),
        access_token,
    })
}

/// On the server the form is only rendered; the call happens after hydration.
#[cfg(not(target_arch = "wasm32"))]
async fn request_token(_client_id: &str, _secret: &str, _scope: &str) -> Result<Outcome, String> {
    Err("The token call runs in the browser.".into())
}

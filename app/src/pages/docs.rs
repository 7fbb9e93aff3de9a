//! `/docs`: the API reference, rendered from the OpenAPI document that the
//! binary generates. No CDN and no third-party viewer: it is a console page.

use leptos::prelude::*;
use leptos_meta::Title;
use serde_json::Value;

use crate::api::docs::openapi_document;
use crate::components::{Badge, ErrorNotice, LINK, LoadingRows, Tone};

fn method_tone(m: &str) -> Tone {
    match m {
        "get" => Tone::Info,
        "post" => Tone::Good,
        "patch" | "put" => Tone::Warn,
        "delete" => Tone::Bad,
        _ => Tone::Neutral,
    }
}

/// `#/components/schemas/Credential` → `Credential`.
fn ref_name(v: &Value) -> Option<String> {
    v.get("$ref")?.as_str()?.rsplit('/').next().map(str::to_owned)
}

/// A short type description: `string`, `Credential[]`, `integer | null`, …
fn type_of(v: &Value) -> String {
    if let Some(r) = ref_name(v) {
        return r;
    }
    if let Some(one) = v.get("oneOf").or_else(|| v.get("anyOf")).and_then(Value::as_array) {
        return one.iter().map(type_of).collect::<Vec<_>>().join(" | ");
    }
    match &v["type"] {
        Value::String(t) if t == "array" => format!("{}[]", type_of(&v["items"])),
        Value::String(t) => t.clone(),
        Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect::<Vec<_>>().join(" | "),
        _ if v.get("enum").is_some() => "enum".into(),
        _ => "object".into(),
    }
}

fn text(v: &Value, key: &str) -> String {
    v.get(key).and_then(Value::as_str).unwrap_or_default().to_owned()
}

#[component]
fn TypeLink(ty: String) -> impl IntoView {
    let linkable = ty.chars().next().is_some_and(char::is_uppercase);
    let base = ty.trim_end_matches("[]").to_owned();
    if linkable {
        view! { <a href=format!("#schema-{base}") class=format!("{LINK} font-mono text-xs")>{ty}</a> }.into_any()
    } else {
        view! { <span class="font-mono text-xs text-zinc-600 dark:text-zinc-400">{ty}</span> }.into_any()
    }
}

#[component]
fn Operation(method: String, path: String, op: Value) -> impl IntoView {
    let params = op["parameters"].as_array().cloned().unwrap_or_default();
    let body = op["requestBody"]["content"]
        .as_object()
        .and_then(|c| c.values().next())
        .map(|m| type_of(&m["schema"]));
    let scopes: Vec<String> = op["security"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["bearer"].as_array())
        .flatten()
        .filter_map(|s| s.as_str().map(str::to_owned))
        .collect();
    let responses: Vec<(String, Value)> = op["responses"]
        .as_object()
        .map(|r| r.clone().into_iter().collect())
        .unwrap_or_default();
    let anchor = format!("op-{}-{}", method, path.replace(['/', '{', '}'], "-"));
    view! {
        <section id=anchor class="scroll-mt-6 rounded-xl border border-zinc-200 bg-white p-5 shadow-sm dark:border-zinc-800 dark:bg-zinc-900">
            <div class="flex flex-wrap items-center gap-3">
                <Badge text=method.to_uppercase() tone=method_tone(&method)/>
                <h3 class="font-mono text-sm font-semibold"><code>{path.clone()}</code></h3>
                {(!scopes.is_empty()).then(|| view! {
                    <span class="text-xs text-zinc-500 dark:text-zinc-400">"Bearer with " {scopes.join(" or ")}</span>
                })}
            </div>
            <p class="mt-2 text-sm font-medium">{text(&op, "summary")}</p>
            <p class="mt-1 whitespace-pre-line text-sm text-zinc-600 dark:text-zinc-400">{text(&op, "description")}</p>
            {(!params.is_empty()).then(|| view! {
                <h4 class="mt-4 text-xs font-semibold uppercase tracking-wide text-zinc-500 dark:text-zinc-400">"Parameters"</h4>
                <ul class="mt-2 space-y-1 text-sm">
                    {params.into_iter().map(|p| view! {
                        <li>
                            <code class="font-mono text-xs font-semibold">{text(&p, "name")}</code>
                            <span class="ml-2 text-xs text-zinc-500 dark:text-zinc-400">{text(&p, "in")}{if p["required"].as_bool() == Some(true) { ", required" } else { "" }}</span>
                            <span class="ml-2 text-zinc-600 dark:text-zinc-400">{text(&p, "description")}</span>
                        </li>
                    }).collect_view()}
                </ul>
            })}
            {body.map(|b| view! {
                <h4 class="mt-4 text-xs font-semibold uppercase tracking-wide text-zinc-500 dark:text-zinc-400">"Request body"</h4>
                <p class="mt-1"><TypeLink ty=b/></p>
            })}
            <h4 class="mt-4 text-xs font-semibold uppercase tracking-wide text-zinc-500 dark:text-zinc-400">"Responses"</h4>
            <ul class="mt-2 space-y-1 text-sm">
                {responses.into_iter().map(|(status, r)| {
                    let ty = r["content"].as_object().and_then(|c| c.values().next()).map(|m| type_of(&m["schema"]));
                    let colour = if status.starts_with('2') { "text-emerald-700 dark:text-emerald-400" } else { "text-red-600 dark:text-red-400" };
                    view! {
                        <li class="flex flex-wrap items-baseline gap-2">
                            <code class=format!("font-mono text-xs font-semibold {colour}")>{status}</code>
                            <span class="text-zinc-600 dark:text-zinc-400">{text(&r, "description")}</span>
                            {ty.map(|t| view! { <TypeLink ty=t/> })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

#[component]
fn Schema(name: String, schema: Value) -> impl IntoView {
    let required: Vec<String> = schema["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    let props: Vec<(String, Value)> = schema["properties"]
        .as_object()
        .map(|p| p.clone().into_iter().collect())
        .unwrap_or_default();
    let anchor = format!("schema-{name}");
    let variants: Vec<String> = schema["enum"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect();
    view! {
        <section id=anchor class="scroll-mt-6 rounded-xl border border-zinc-200 bg-white p-5 dark:border-zinc-800 dark:bg-zinc-900">
            <h3 class="font-mono text-sm font-semibold">{name}</h3>
            <p class="mt-1 text-sm text-zinc-600 dark:text-zinc-400">{text(&schema, "description")}</p>
            {(!variants.is_empty()).then(|| view! {
                <p class="mt-2 flex flex-wrap gap-1">{variants.into_iter().map(|v| view! { <Badge text=v/> }).collect_view()}</p>
            })}
            {(!props.is_empty()).then(|| view! {
                <dl class="mt-3 divide-y divide-zinc-100 text-sm dark:divide-zinc-800">
                    {props.into_iter().map(|(field, p)| {
                        let req = required.contains(&field);
                        view! {
                            <div class="grid gap-1 py-2 sm:grid-cols-3">
                                <dt><code class="font-mono text-xs font-semibold">{field}</code>{req.then(|| view! { <span class="ml-1 text-xs text-red-600">"*"</span> })}</dt>
                                <dd class="sm:col-span-2"><TypeLink ty=type_of(&p)/><span class="ml-2 text-zinc-600 dark:text-zinc-400">{text(&p, "description")}</span></dd>
                            </div>
                        }
                    }).collect_view()}
                </dl>
            })}
        </section>
    }
    .into_any()
}

/// The whole reference: operations by tag, then the schemas.
#[component]
pub fn DocsPage() -> impl IntoView {
    let doc = Resource::new(|| (), |_| openapi_document());
    view! {
        <Title text="API reference"/>
        <main id="main" class="mx-auto max-w-5xl px-4 py-10 sm:px-8">
            <header class="mb-8 flex flex-wrap items-center justify-between gap-4">
                <div>
                    <p class="text-sm font-semibold text-indigo-600 dark:text-indigo-400">"Keyward"</p>
                    <h1 class="text-2xl font-semibold tracking-tight">"API reference"</h1>
                </div>
                <div class="flex gap-4 text-sm">
                    <a href="/openapi.json" class=LINK>"openapi.json"</a>
                    <a href="/" class=LINK>"Console"</a>
                </div>
            </header>
            <Suspense fallback=|| view! { <LoadingRows rows=6/> }>
                {move || Suspend::new(async move {
                    match doc.await.map(|t| serde_json::from_str::<Value>(&t)) {
                        Ok(Ok(d)) => render(d).into_any(),
                        Ok(Err(_)) => view! { <ErrorNotice error=crate::error::ConsoleError::Internal/> }.into_any(),
                        Err(e) => view! { <ErrorNotice error=e/> }.into_any(),
                    }
                })}
            </Suspense>
        </main>
    }
    .into_any()
}

fn render(d: Value) -> impl IntoView {
    let tags: Vec<(String, String)> = d["tags"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|t| (text(t, "name"), text(t, "description")))
        .collect();
    let mut ops: Vec<(String, String, String, Value)> = Vec::new();
    if let Some(paths) = d["paths"].as_object() {
        for (path, methods) in paths {
            for (method, op) in methods.as_object().into_iter().flatten() {
                let tag = op["tags"][0].as_str().unwrap_or("other").to_owned();
                ops.push((tag, method.clone(), path.clone(), op.clone()));
            }
        }
    }
    let schemas: Vec<(String, Value)> = d["components"]["schemas"]
        .as_object()
        .map(|s| s.clone().into_iter().collect())
        .unwrap_or_default();
    view! {
        <p class="max-w-3xl text-sm text-zinc-600 dark:text-zinc-300">{text(&d["info"], "description")}</p>
        <nav aria-label="Operations" class="mt-6 flex flex-wrap gap-2 text-sm">
            {tags.iter().map(|(t, _)| view! { <a href=format!("#tag-{t}") class=format!("rounded-md border border-zinc-200 px-2.5 py-1 dark:border-zinc-700 {LINK}")>{t.clone()}</a> }).collect_view()}
            <a href="#schemas" class=format!("rounded-md border border-zinc-200 px-2.5 py-1 dark:border-zinc-700 {LINK}")>"schemas"</a>
        </nav>
        {tags.into_iter().map(|(tag, description)| {
            let mine: Vec<_> = ops.iter().filter(|o| o.0 == tag).cloned().collect();
            view! {
                <section id=format!("tag-{tag}") class="mt-10 scroll-mt-6">
                    <h2 class="text-lg font-semibold capitalize">{tag.clone()}</h2>
                    <p class="text-sm text-zinc-500 dark:text-zinc-400">{description}</p>
                    <div class="mt-4 space-y-4">
                        {mine.into_iter().map(|(_, method, path, op)| view! { <Operation method path op/> }).collect_view()}
                    </div>
                </section>
            }
        }).collect_view()}
        <section id="schemas" class="mt-12 scroll-mt-6">
            <h2 class="text-lg font-semibold">"Schemas"</h2>
            <div class="mt-4 grid gap-4 lg:grid-cols-2">
                {schemas.into_iter().map(|(name, schema)| view! { <Schema name schema/> }).collect_view()}
            </div>
        </section>
    }
}

//! Ready-to-paste examples for a new secret, filled with this server's URL.

use leptos::prelude::*;

use super::CopyButton;
use keyward::domain::CredentialKind;

/// Which language a sample is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    Curl,
    Python,
    Node,
}

fn samples(lang: Lang, kind: CredentialKind, base: &str, secret: &str, client_id: Option<&str>) -> String {
    let id = client_id.unwrap_or_default();
    match (lang, kind) {
        (Lang::Curl, CredentialKind::ApiKey) => format!(
            "# Ask Keyward whether the key is good (what your gateway does):\ncurl -i {base}/v1/auth \\\n  -H \"Authorization: Bearer {secret}\"\n\n# Verify it for a specific call:\ncurl -X POST {base}/v1/keys/verify \\\n  -H \"Content-Type: application/json\" \\\n  -d '{{\"key\": \"{secret}\", \"scopes\": [\"compute:read\"]}}'\n\n# Call your API through the gateway:\ncurl https://api.example.com/v1/instances \\\n  -H \"Authorization: Bearer {secret}\""
        ),
        (Lang::Python, CredentialKind::ApiKey) => format!(
            "import requests\n\napi_key = \"{secret}\"\nheaders = {{\"Authorization\": f\"Bearer {{api_key}}\"}}\n\n# Is the key good? (what your gateway asks)\nauth = requests.get(\"{base}/v1/auth\", headers=headers)\nprint(auth.status_code, auth.headers.get(\"X-Keyward-Key-Id\"))\n\n# Call your API through the gateway\nresponse = requests.get(\"https://api.example.com/v1/instances\", headers=headers)\nprint(response.json())"
        ),
        (Lang::Node, CredentialKind::ApiKey) => format!(
            "const apiKey = \"{secret}\";\nconst headers = {{ Authorization: `Bearer ${{apiKey}}` }};\n\n// Is the key good? (what your gateway asks)\nconst auth = await fetch(\"{base}/v1/auth\", {{ headers }});\nconsole.log(auth.status, auth.headers.get(\"x-keyward-key-id\"));\n\n// Call your API through the gateway\nconst response = await fetch(\"https://api.example.com/v1/instances\", {{ headers }});\nconsole.log(await response.json());"
        ),
        (Lang::Curl, CredentialKind::Basic) => format!(
            "# HTTP Basic with the id and the secret:\ncurl -i -u \"{id}:{secret}\" {base}/v1/auth\n\n# Call your API through the gateway:\ncurl -u \"{id}:{secret}\" https://api.example.com/v1/instances"
        ),
        (Lang::Python, CredentialKind::Basic) => format!(
            "import requests\n\nauth = (\"{id}\", \"{secret}\")\nprint(requests.get(\"{base}/v1/auth\", auth=auth).status_code)\nresponse = requests.get(\"https://api.example.com/v1/instances\", auth=auth)\nprint(response.json())"
        ),
        (Lang::Node, CredentialKind::Basic) => format!(
            "const basic = Buffer.from(\"{id}:{secret}\").toString(\"base64\");\nconst headers = {{ Authorization: `Basic ${{basic}}` }};\n\nconst auth = await fetch(\"{base}/v1/auth\", {{ headers }});\nconsole.log(auth.status);\nconst response = await fetch(\"https://api.example.com/v1/instances\", {{ headers }});\nconsole.log(await response.json());"
        ),
        (Lang::Curl, CredentialKind::OauthClient) => format!(
            "# Request an access token (client credentials, RFC 6749 §4.4):\ncurl -X POST {base}/oauth/token \\\n  -u \"{id}:{secret}\" \\\n  -d grant_type=client_credentials\n\n# Then call your API with it:\ncurl https://api.example.com/v1/instances \\\n  -H \"Authorization: Bearer <access_token>\""
        ),
        (Lang::Python, CredentialKind::OauthClient) => format!(
            "import requests\n\ntoken = requests.post(\n    \"{base}/oauth/token\",\n    auth=(\"{id}\", \"{secret}\"),\n    data={{\"grant_type\": \"client_credentials\"}},\n).json()[\"access_token\"]\n\nresponse = requests.get(\n    \"https://api.example.com/v1/instances\",\n    headers={{\"Authorization\": f\"Bearer {{token}}\"}},\n)\nprint(response.json())"
        ),
        (Lang::Node, CredentialKind::OauthClient) => format!(
            "const basic = Buffer.from(\"{id}:{secret}\").toString(\"base64\");\nconst {{ access_token }} = await (await fetch(\"{base}/oauth/token\", {{\n  method: \"POST\",\n  headers: {{ Authorization: `Basic ${{basic}}`, \"Content-Type\": \"application/x-www-form-urlencoded\" }},\n  body: \"grant_type=client_credentials\",\n}})).json();\n\nconst response = await fetch(\"https://api.example.com/v1/instances\", {{\n  headers: {{ Authorization: `Bearer ${{access_token}}` }},\n}});\nconsole.log(await response.json());"
        ),
        (_, CredentialKind::Application) => format!(
            "# An application signs each request with its secret and a consumer key\n# (OVH style); its page shows Python and curl examples.\ncurl {base}/1.0/auth/time"
        ),
    }
}

/// Tabs of curl, Python and Node examples for a freshly revealed secret.
#[component]
pub fn CodeSamples(kind: CredentialKind, secret: String, client_id: Option<String>) -> impl IntoView {
    let lang = RwSignal::new(Lang::Curl);
    // The server's own URL, as the browser reached it.
    let base = RwSignal::new(String::new());
    Effect::new(move |_| base.set(window().location().origin().unwrap_or_default()));
    let code = Signal::derive(move || samples(lang.get(), kind, &base.get(), &secret, client_id.as_deref()));
    let tab = move |l: Lang, label: &'static str| {
        view! {
            <button
                type="button"
                role="tab"
                aria-selected=move || (lang.get() == l).to_string()
                on:click=move |_| lang.set(l)
                class=move || format!(
                    "rounded-md px-3 py-1.5 text-sm font-medium focus-visible:outline-2 focus-visible:outline-indigo-500 {}",
                    if lang.get() == l { "bg-zinc-900 text-white dark:bg-white dark:text-zinc-900" } else { "text-zinc-600 hover:bg-zinc-100 dark:text-zinc-300 dark:hover:bg-zinc-800" },
                )
            >
                {label}
            </button>
        }
    };
    view! {
        <div class="rounded-xl border border-zinc-200 dark:border-zinc-800">
            <div class="flex items-center justify-between gap-2 border-b border-zinc-200 px-3 py-2 dark:border-zinc-800">
                <div role="tablist" aria-label="Example language" class="flex gap-1">
                    {tab(Lang::Curl, "curl")}
                    {tab(Lang::Python, "Python")}
                    {tab(Lang::Node, "Node")}
                </div>
                <CopyButton text=code label="Copy code"/>
            </div>
            <pre class="max-h-80 overflow-auto p-4 text-xs leading-relaxed" data-testid="code-sample"><code class="font-mono">{move || code.get()}</code></pre>
        </div>
    }
}

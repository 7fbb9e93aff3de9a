//! Ready-to-paste examples for an application (OVH-style credentials): the
//! `ovh` Python package, and curl with the signature computed in bash.

use leptos::prelude::*;

use super::CopyButton;

/// Which language a sample is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lang {
    Python,
    Curl,
}

/// The keys a sample is filled with; a secret not at hand shows as a placeholder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleKeys {
    pub application_key: String,
    pub application_secret: Option<String>,
    pub consumer_key: Option<String>,
}

fn sample(lang: Lang, keyward: &str, base_path: &str, keys: &SampleKeys) -> String {
    let ak = &keys.application_key;
    let secret = keys.application_secret.as_deref().unwrap_or("<application secret>");
    let ck = keys.consumer_key.as_deref().unwrap_or("<consumer key>");
    let endpoint = format!("https://api.example.com{base_path}");
    match lang {
        Lang::Python => format!(
            r#"# pip install ovh
import ovh

# Your gateway, which sends {base_path}/auth/ to Keyward ({keyward}) and
# checks every other call with Keyward's /v1/auth. python-ovh knows only
# OVHcloud's named endpoints, so register this one under a name.
ovh.client.ENDPOINTS["keyward"] = "{endpoint}"

client = ovh.Client(
    endpoint="keyward",
    application_key="{ak}",
    application_secret="{secret}",
    consumer_key="{ck}",
)

# Signed with the application secret and the consumer key.
print(client.get("/me"))

# A new consumer key for a user to approve in the console:
# request = client.request_consumerkey([{{"method": "GET", "path": "/*"}}])
# print(request["validationUrl"], request["consumerKey"])"#
        ),
        Lang::Curl => format!(
            r#"AK="{ak}"
AS="{secret}"
CK="{ck}"
METHOD=GET
URL="{endpoint}/me"
BODY=""
# The server's clock, so the timestamp is within Keyward's window.
TS=$(curl -s "{endpoint}/auth/time")
# "$1$" + SHA-1 of AS+CK+METHOD+URL+BODY+TS
SIG='$1$'$(printf '%s' "$AS+$CK+$METHOD+$URL+$BODY+$TS" | sha1sum | cut -d' ' -f1)

curl -X "$METHOD" "$URL" \
  -H "X-Ovh-Application: $AK" \
  -H "X-Ovh-Consumer: $CK" \
  -H "X-Ovh-Timestamp: $TS" \
  -H "X-Ovh-Signature: $SIG""#
        ),
    }
}

/// Tabs of Python and curl examples for an application.
#[component]
pub fn ApplicationSamples(keys: SampleKeys, #[prop(into)] base_path: String) -> impl IntoView {
    let lang = RwSignal::new(Lang::Python);
    // Keyward's own URL, as the browser reached it.
    let origin = RwSignal::new(String::new());
    Effect::new(move |_| origin.set(window().location().origin().unwrap_or_default()));
    let code = Signal::derive(move || sample(lang.get(), &origin.get(), &base_path, &keys));
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
                    {tab(Lang::Python, "Python (ovh)")}
                    {tab(Lang::Curl, "curl")}
                </div>
                <CopyButton text=code label="Copy code"/>
            </div>
            <pre class="max-h-96 overflow-auto p-4 text-xs leading-relaxed" data-testid="application-sample"><code class="font-mono">{move || code.get()}</code></pre>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn samples_carry_the_keys_and_sign_like_ovh() {
        let keys = SampleKeys {
            application_key: "ak".into(),
            application_secret: None,
            consumer_key: Some("ck".into()),
        };
        let py = sample(Lang::Python, "http://kw", "/1.0", &keys);
        assert!(py.contains("application_key=\"ak\""));
        assert!(py.contains("application_secret=\"<application secret>\""));
        assert!(py.contains("ENDPOINTS[\"keyward\"] = \"https://api.example.com/1.0\""));
        let sh = sample(Lang::Curl, "http://kw", "/1.0", &keys);
        assert!(sh.contains("$AS+$CK+$METHOD+$URL+$BODY+$TS"));
        assert!(sh.contains("CK=\"ck\""));
    }
}

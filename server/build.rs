//! Rebuilds the binary when the console's built assets change, so the release
//! binary always embeds the `target/site` that cargo-leptos just produced.

fn main() {
    println!("cargo:rerun-if-changed=../target/site");
}

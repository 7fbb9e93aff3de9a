//! Which database a process uses, and how its address is written and shown.

use sqlx::AnyConnection;
use std::path::Path;

/// Which database a process uses.
#[derive(Clone, PartialEq, Eq)]
pub enum Database {
    /// The embedded default: one SQLite file.
    SqliteFile(std::path::PathBuf),
    /// A PostgreSQL 15+ server, shared by several instances.
    Postgres(String),
}

impl std::fmt::Debug for Database {
    /// The URL may carry a password: only the engine and host are shown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Database::SqliteFile(p) => write!(f, "SqliteFile({})", p.display()),
            Database::Postgres(url) => write!(f, "Postgres({})", redact(url)),
        }
    }
}

/// A PostgreSQL URL as configured; its `Debug` hides the password.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl(pub String);

impl std::fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&redact(&self.0))
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:…@host/db`; a
/// `password=` parameter is hidden the same way.
pub fn redact(url: &str) -> String {
    match url.split_once('?') {
        Some((base, query)) => {
            let params: Vec<String> = query
                .split('&')
                .map(|p| match p.split_once('=') {
                    Some((k, _)) if k.eq_ignore_ascii_case("password") => format!("{k}=…"),
                    _ => p.to_owned(),
                })
                .collect();
            format!("{}?{}", redact_userinfo(base), params.join("&"))
        }
        None => redact_userinfo(url),
    }
}

fn redact_userinfo(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme), Some(at)) if at > scheme => {
            let creds = &url[scheme + 3..at];
            match creds.find(':') {
                Some(colon) => format!("{}:…{}", &url[..scheme + 3 + colon], &url[at..]),
                None => url.to_owned(),
            }
        }
        _ => url.to_owned(),
    }
}

/// The two engines; store functions whose SQL differs pick their text by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    Sqlite,
    Postgres,
}

impl Engine {
    /// The engine behind a connection.
    pub fn of(conn: &AnyConnection) -> Self {
        if conn.backend_name() == "PostgreSQL" {
            Engine::Postgres
        } else {
            Engine::Sqlite
        }
    }

    /// How the settings page names it.
    pub fn label(self) -> &'static str {
        match self {
            Engine::Sqlite => "SQLite",
            Engine::Postgres => "PostgreSQL",
        }
    }
}

/// A SQLite URL for `path`, created if missing. `%`, `?` and `#` are escaped:
/// sqlx decodes the path and splits parameters at `?`.
pub(super) fn sqlite_url(path: &Path) -> String {
    let mut url = String::from("sqlite://");
    for c in path.to_string_lossy().chars() {
        match c {
            '%' => url.push_str("%25"),
            '?' => url.push_str("%3F"),
            '#' => url.push_str("%23"),
            c => url.push(c),
        }
    }
    url.push_str("?mode=rwc");
    url
}

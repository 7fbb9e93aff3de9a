//! Work on many credentials at once: which ones (a list of ids or a filter),
//! what became of each after a bulk revocation, and the export of a filtered
//! list as CSV or JSON (never a secret).

use serde::{Deserialize, Serialize};

use super::view::{Credential, CredentialQuery};

/// The most ids one bulk call names: enough for any page selection, small
/// enough that one request never holds the server for long.
pub const MAX_BULK_IDS: usize = 1000;

/// The most credentials a filter may select for a revocation or an export;
/// past it the caller narrows the filter (a typo never revokes everything).
pub const MAX_BULK_MATCHES: usize = 10_000;

/// Which credentials a bulk revocation acts on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum BulkSelection {
    /// These public ids (at most [`MAX_BULK_IDS`]).
    Ids(Vec<String>),
    /// Every credential the filter matches, only if they are still exactly
    /// `confirm_count` (the number the person saw), so "revoke 120" never
    /// revokes 121.
    Filter { query: CredentialQuery, confirm_count: u64 },
}

/// One credential a bulk revocation did not revoke, and why.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkFailure {
    /// The id as given (or as matched).
    pub id: String,
    /// A stable code: `NOT_FOUND`, `FORBIDDEN`, `EXCEEDS_CALLER`, `ALREADY_REVOKED`, `SELF`, …
    pub code: String,
    /// What a person reads.
    pub message: String,
}

/// What a bulk revocation did: each credential is either revoked or failed.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct BulkOutcome {
    /// The ids revoked by this call, each audited as `key.revoked`.
    pub revoked: Vec<String>,
    /// The ones left as they were, with the reason.
    pub failed: Vec<BulkFailure>,
}

/// The file format of an export.
#[cfg_attr(feature = "server", derive(utoipa::ToSchema))]
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    /// RFC 4180, one header line, for spreadsheets.
    #[default]
    Csv,
    /// A JSON array of credentials as `GET /v1/keys` shows them.
    Json,
}

impl ExportFormat {
    /// The `Content-Type` of the file.
    pub fn content_type(self) -> &'static str {
        match self {
            ExportFormat::Csv => "text/csv; charset=utf-8",
            ExportFormat::Json => "application/json",
        }
    }

    /// The file name offered for download.
    pub fn file_name(self) -> &'static str {
        match self {
            ExportFormat::Csv => "credentials.csv",
            ExportFormat::Json => "credentials.json",
        }
    }
}

/// The columns of a CSV export, in order.
pub const CSV_COLUMNS: [&str; 12] = [
    "id",
    "name",
    "account",
    "kind",
    "environment",
    "prefix",
    "status",
    "scopes",
    "created_at",
    "expires_at",
    "last_used_at",
    "revoked_at",
];

/// Writes credentials as CSV (RFC 4180, CRLF line ends). Scopes are joined
/// by spaces; dates are Unix seconds, empty when absent.
pub fn to_csv(items: &[Credential]) -> String {
    let mut out = String::new();
    push_row(&mut out, CSV_COLUMNS.iter().map(|c| (*c).to_owned()));
    let date = |d: Option<i64>| d.map(|d| d.to_string()).unwrap_or_default();
    for c in items {
        let scopes: Vec<String> = c.scopes.iter().map(ToString::to_string).collect();
        push_row(
            &mut out,
            [
                c.id.clone(),
                c.name.clone(),
                c.account.clone(),
                c.kind.as_str().to_owned(),
                c.environment.as_str().to_owned(),
                c.prefix.clone(),
                c.status.as_str().to_owned(),
                scopes.join(" "),
                c.created_at.to_string(),
                date(c.expires_at),
                date(c.last_used_at),
                date(c.revoked_at),
            ],
        );
    }
    out
}

fn push_row(out: &mut String, cells: impl IntoIterator<Item = String>) {
    for (i, cell) in cells.into_iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&csv_cell(&cell));
    }
    out.push_str("\r\n");
}

/// One CSV cell. A cell a spreadsheet would run as a formula (starting with
/// `=`, `+`, `-`, `@`, tab or CR) gets a leading `'`, so a credential named
/// `=HYPERLINK(…)` is text, not code; a cell with a comma, quote or line
/// break is quoted, quotes doubled.
pub fn csv_cell(value: &str) -> String {
    let guarded = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_cells_stay_as_they_are() {
        assert_eq!(csv_cell("batch-1"), "batch-1");
        assert_eq!(csv_cell(""), "");
    }

    #[test]
    fn cells_with_separators_or_quotes_are_quoted() {
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("two\nlines"), "\"two\nlines\"");
    }

    #[test]
    fn formulas_are_neutralised() {
        assert_eq!(csv_cell("=1+1"), "'=1+1");
        assert_eq!(csv_cell("+33"), "'+33");
        assert_eq!(csv_cell("-2"), "'-2");
        assert_eq!(csv_cell("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(
            csv_cell("=HYPERLINK(\"x\",\"y\")"),
            "\"'=HYPERLINK(\"\"x\"\",\"\"y\"\")\""
        );
    }

    #[test]
    fn an_empty_export_is_its_header() {
        assert_eq!(to_csv(&[]), format!("{}\r\n", CSV_COLUMNS.join(",")));
    }
}

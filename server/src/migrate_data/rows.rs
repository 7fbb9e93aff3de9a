//! Reading one table's rows from SQLite and writing them to PostgreSQL,
//! typed by what SQLite stored and checked against PostgreSQL's columns.

use sqlx::postgres::{PgConnection, Postgres};
use sqlx::sqlite::{Sqlite, SqliteConnection, SqliteRow};
use sqlx::{Decode, QueryBuilder, Row, TypeInfo, ValueRef};

use super::{copied_rows, ident, pg_err};

/// Rows per INSERT (fewer for wide tables: PostgreSQL takes 65,535 binds).
const BATCH: usize = 500;

/// The PostgreSQL column types Keyward uses, for checking values and typing NULLs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Int,
    Float,
    Text,
    Bytes,
}

/// One value as SQLite stored it; a NULL carries its column's type.
#[derive(Clone)]
enum Value {
    Int(i64),
    Float(f64),
    Text(String),
    Bytes(Vec<u8>),
    Null(Kind),
}

/// How one table is read and written.
pub(super) struct Plan {
    table: String,
    /// Each column's name and PostgreSQL type, in SQLite's order.
    columns: Vec<(String, Kind)>,
    /// The primary key's columns (indexes into `columns`), which order the
    /// reads and name a row in an error.
    key: Vec<usize>,
}

/// The columns of `table` as SQLite lists them, typed by PostgreSQL; the two
/// must name the same columns.
pub(super) async fn plan(src: &mut SqliteConnection, pg: &mut PgConnection, table: &str) -> Result<Plan, String> {
    let here: Vec<(String, i64)> = sqlx::query_as("SELECT name, pk FROM pragma_table_info(?) ORDER BY cid")
        .bind(table)
        .fetch_all(&mut *src)
        .await
        .map_err(|e| format!("reading the columns of {table}: {e}"))?;
    let there: Vec<(String, String)> = sqlx::query_as(
        "SELECT column_name::text, data_type::text FROM information_schema.columns
         WHERE table_schema = current_schema() AND table_name = $1",
    )
    .bind(table)
    .fetch_all(&mut *pg)
    .await
    .map_err(pg_err)?;
    if let Some((extra, _)) = there.iter().find(|(c, _)| !here.iter().any(|(h, _)| h == c)) {
        return Err(format!("{table}.{extra} exists in PostgreSQL only: the schemas differ"));
    }
    let (mut columns, mut key) = (Vec::with_capacity(here.len()), Vec::new());
    for (name, pk) in here {
        let Some((_, data_type)) = there.iter().find(|(c, _)| *c == name) else {
            return Err(format!("{table}.{name} is missing in PostgreSQL: the schemas differ"));
        };
        let kind = match data_type.as_str() {
            "bigint" | "integer" | "smallint" => Kind::Int,
            "double precision" | "real" => Kind::Float,
            "text" | "character varying" => Kind::Text,
            "bytea" => Kind::Bytes,
            _ => {
                return Err(format!(
                    "{table}.{name} has the unexpected type {data_type} in PostgreSQL"
                ));
            }
        };
        if pk > 0 {
            key.push((pk, columns.len()));
        }
        columns.push((name, kind));
    }
    if key.is_empty() {
        return Err(format!("{table} has no primary key"));
    }
    key.sort_unstable();
    let (table, key) = (table.to_owned(), key.into_iter().map(|(_, i)| i).collect());
    Ok(Plan { table, columns, key })
}

/// Copies one table in primary-key order (each read resumes after the last
/// key, all in the one snapshot), a batch at a time; answers how many rows it
/// read.
pub(super) async fn copy(src: &mut SqliteConnection, pg: &mut PgConnection, plan: &Plan) -> Result<u64, String> {
    let names = |idx: &[usize]| {
        idx.iter()
            .map(|&i| ident(&plan.columns[i].0))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let (columns, key) = (names(&(0..plan.columns.len()).collect::<Vec<_>>()), names(&plan.key));
    let after = format!("({key}) > ({})", vec!["?"; plan.key.len()].join(", "));
    let batch = BATCH.min(65_000 / plan.columns.len().max(1));
    let table = &plan.table;
    let (mut last, mut read) = (None::<Vec<Value>>, 0u64);
    loop {
        let conditions: Vec<&str> = copied_rows(table)
            .into_iter()
            .chain(last.is_some().then_some(after.as_str()))
            .collect();
        let filter = if conditions.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conditions.join(" AND "))
        };
        let sql = format!(
            "SELECT {columns} FROM {}{filter} ORDER BY {key} LIMIT {batch}",
            ident(table)
        );
        let mut query = sqlx::query::<Sqlite>(&sql);
        for value in last.iter().flatten() {
            query = match value.clone() {
                Value::Int(v) => query.bind(v),
                Value::Float(v) => query.bind(v),
                Value::Text(v) => query.bind(v),
                Value::Bytes(v) => query.bind(v),
                Value::Null(_) => query.bind(None::<i64>),
            };
        }
        let rows = query
            .fetch_all(&mut *src)
            .await
            .map_err(|e| format!("reading {table}: {e}"))?;
        let first = read + 1;
        let mut values = Vec::with_capacity(rows.len());
        for row in &rows {
            read += 1;
            values.push(decode(plan, row, read)?);
        }
        let Some(tail) = values.last() else { break };
        last = Some(plan.key.iter().map(|&i| tail[i].clone()).collect());
        insert(pg, plan, &columns, values)
            .await
            .map_err(|e| format!("writing {table} rows {first} to {read}: {e}"))?;
        if rows.len() < batch {
            break;
        }
    }
    Ok(read)
}

/// One SQLite row as values PostgreSQL takes for the plan's columns.
fn decode(plan: &Plan, row: &SqliteRow, n: u64) -> Result<Vec<Value>, String> {
    let mut values = Vec::with_capacity(plan.columns.len());
    for (i, (column, kind)) in plan.columns.iter().enumerate() {
        values.push(value(row, i, *kind).map_err(|why| {
            // Named by its place in the read and by its key where that is a
            // number or a name (never by a digest or any other value).
            let key: Vec<String> = (plan.key.iter())
                .filter_map(|&k| match value(row, k, plan.columns[k].1) {
                    Ok(Value::Int(v)) => Some(format!("{} = {v}", plan.columns[k].0)),
                    Ok(Value::Text(v)) => Some(format!("{} = {v:?}", plan.columns[k].0)),
                    _ => None,
                })
                .collect();
            let key = if key.is_empty() {
                String::new()
            } else {
                format!(" ({})", key.join(", "))
            };
            format!("{}, row {n}{key}: column {column} {why}", plan.table)
        })?);
    }
    Ok(values)
}

/// Column `i` by the type SQLite stored it with (STRICT tables promise it,
/// a hand-edited file may not keep the promise).
fn value(row: &SqliteRow, i: usize, kind: Kind) -> Result<Value, String> {
    let raw = row.try_get_raw(i).map_err(|e| e.to_string())?;
    if raw.is_null() {
        return Ok(Value::Null(kind));
    }
    let stored = raw.type_info().name().to_owned();
    let bad = |e: sqlx::error::BoxDynError| format!("cannot be read: {e}");
    let value = match stored.as_str() {
        "INTEGER" => Value::Int(<i64 as Decode<Sqlite>>::decode(raw).map_err(bad)?),
        "REAL" => Value::Float(<f64 as Decode<Sqlite>>::decode(raw).map_err(bad)?),
        "TEXT" => match <String as Decode<Sqlite>>::decode(raw) {
            Ok(text) if text.contains('\0') => {
                return Err("holds a NUL character, which PostgreSQL cannot store in text".into());
            }
            Ok(text) => Value::Text(text),
            Err(_) => return Err("holds text that is not UTF-8".into()),
        },
        "BLOB" => Value::Bytes(<Vec<u8> as Decode<Sqlite>>::decode(raw).map_err(bad)?),
        other => return Err(format!("holds a value of SQLite type {other}")),
    };
    match (&value, kind) {
        (Value::Int(_), Kind::Int)
        | (Value::Float(_), Kind::Float)
        | (Value::Text(_), Kind::Text)
        | (Value::Bytes(_), Kind::Bytes) => Ok(value),
        _ => Err(format!("holds {stored} where PostgreSQL expects {kind:?}")),
    }
}

/// Writes one batch with a multi-row INSERT.
async fn insert(pg: &mut PgConnection, plan: &Plan, columns: &str, rows: Vec<Vec<Value>>) -> Result<(), String> {
    let mut insert = QueryBuilder::<Postgres>::new(format!("INSERT INTO {} ({columns}) ", ident(&plan.table)));
    insert.push_values(rows, |mut b, row| {
        for value in row {
            match value {
                Value::Int(v) => b.push_bind(v),
                Value::Float(v) => b.push_bind(v),
                Value::Text(v) => b.push_bind(v),
                Value::Bytes(v) => b.push_bind(v),
                Value::Null(Kind::Int) => b.push_bind(None::<i64>),
                Value::Null(Kind::Float) => b.push_bind(None::<f64>),
                Value::Null(Kind::Text) => b.push_bind(None::<String>),
                Value::Null(Kind::Bytes) => b.push_bind(None::<Vec<u8>>),
            };
        }
    });
    insert.build().execute(&mut *pg).await.map_err(|e| e.to_string())?;
    Ok(())
}

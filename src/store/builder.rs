//! Statements assembled at run time. sqlx's `QueryBuilder` numbers nothing for
//! the `Any` driver (it writes `?`, which PostgreSQL refuses), so this one
//! writes `$1, $2, …`, which both engines read, and spells lists out as
//! `IN ($3, $4)` instead of an engine's JSON table function.

use sqlx::any::AnyArguments;
use sqlx::{Any, Arguments, Encode, Type};
use std::fmt::Write;

use super::{StoreError, StoreResult};

/// SQL text and its arguments, in step.
#[derive(Default)]
pub struct Builder<'a> {
    sql: String,
    args: AnyArguments<'a>,
    failed: Option<String>,
}

impl<'a> Builder<'a> {
    pub fn new(sql: &str) -> Self {
        Self {
            sql: sql.to_owned(),
            ..Self::default()
        }
    }

    /// Appends SQL text as is.
    pub fn push(&mut self, sql: &str) -> &mut Self {
        self.sql.push_str(sql);
        self
    }

    /// Appends a placeholder and binds `value` to it.
    pub fn push_bind<T: Encode<'a, Any> + Type<Any> + 'a>(&mut self, value: T) -> &mut Self {
        if let Err(e) = self.args.add(value) {
            self.failed.get_or_insert(e.to_string());
        }
        let _ = write!(self.sql, "${}", self.args.len());
        self
    }

    /// Appends `column IN ($n, …)`, or a condition that is never true when
    /// `values` is empty (`IN ()` is not SQL everywhere).
    pub fn push_in<T: Encode<'a, Any> + Type<Any> + Copy + 'a>(&mut self, column: &str, values: &[T]) -> &mut Self {
        if values.is_empty() {
            return self.push("1 = 0");
        }
        self.push(column).push(" IN (");
        for (i, v) in values.iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.push_bind(*v);
        }
        self.push(")")
    }

    /// The finished text and its arguments.
    pub fn finish(self) -> StoreResult<(String, AnyArguments<'a>)> {
        match self.failed {
            Some(e) => Err(StoreError::Corrupt(format!("cannot bind a value: {e}"))),
            None => Ok((self.sql, self.args)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_numbered_and_lists_spelled_out() {
        let mut b = Builder::new("SELECT 1 FROM t WHERE ");
        b.push_bind(7_i64)
            .push(" AND ")
            .push_in("a", &[1_i64, 2, 3])
            .push(" AND ")
            .push_in::<i64>("b", &[]);
        let (sql, args) = b.finish().unwrap();
        assert_eq!(sql, "SELECT 1 FROM t WHERE $1 AND a IN ($2, $3, $4) AND 1 = 0");
        assert_eq!(args.len(), 4);
    }
}

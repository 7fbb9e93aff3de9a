//! The change feed: PostgreSQL's `LISTEN`, which wakes every instance as soon
//! as a change commits anywhere. It only says "look now": what changed is
//! always read from `change_log`, which each instance also polls, so a lost
//! notification, a reconnect, or an engine without `LISTEN` (SQLite, or
//! CockroachDB) still converges, one poll later.

use sqlx::postgres::PgListener;

use super::{Engine, Store, StoreResult};

/// The channel `Change::commit` notifies in the change's own transaction
/// (PostgreSQL delivers a notification only if its transaction commits).
pub const CHANNEL: &str = "keyward_changes";

/// What woke the listener.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// A change committed somewhere.
    Notified,
    /// The connection dropped and came back: notifications sent meanwhile
    /// are lost, so everything after the last applied row must be read.
    Reconnected,
}

/// A live `LISTEN` on its own connection (not one of the pool's).
pub struct ChangeFeed {
    listener: PgListener,
}

impl ChangeFeed {
    /// Starts listening; `None` on SQLite, which has no feed (polling covers it).
    pub async fn open(store: &Store) -> StoreResult<Option<Self>> {
        if store.engine() != Engine::Postgres {
            return Ok(None);
        }
        let mut listener = PgListener::connect(store.url()).await?;
        listener.listen(CHANNEL).await?;
        Ok(Some(Self { listener }))
    }

    /// Waits for the next wake-up. A reconnect is reported once, after the
    /// listener has re-subscribed.
    pub async fn next(&mut self) -> StoreResult<Wake> {
        Ok(match self.listener.try_recv().await? {
            Some(_) => Wake::Notified,
            None => Wake::Reconnected,
        })
    }
}

/// Queues a notification in the caller's write transaction; nothing on SQLite.
pub async fn notify(conn: &mut sqlx::AnyConnection) -> StoreResult<()> {
    if Engine::of(conn) == Engine::Postgres {
        sqlx::query("SELECT pg_notify($1, '')")
            .bind(CHANNEL)
            .execute(conn)
            .await?;
    }
    Ok(())
}

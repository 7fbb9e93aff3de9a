//! Console passwords: argon2id at OWASP's parameters (m=19456 KiB, t=2, p=1).
//!
//! Each hash or check takes tens of milliseconds of CPU and 19 MiB of memory on
//! purpose. So they run on tokio's blocking pool (a burst of sign-ins must not
//! stall the API), and only a few at once (hundreds of parallel requests must
//! not take hundreds of 19 MiB buffers). A bounded queue waits for a slot;
//! beyond it a request is refused at once with [`Busy`], which callers turn
//! into "try again in a second" rather than letting waits grow without end.

use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use rand::rngs::OsRng;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::domain::Password;

/// A hash checked when the e-mail is unknown, so a miss costs as long as a hit
/// and response time does not reveal which addresses have accounts.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| hash_blocking("keyward-dummy-password"));

/// Requests allowed to wait for a slot. With two slots and ~30 ms a hash, the
/// last in line waits about half a second; a console never queues this deep
/// unless it is under a burst, and then refusing at once is kinder than a
/// wait that grows with the burst.
const MAX_WAITING: usize = 32;

/// What a refused caller is told to wait: the queue drains in about that long.
pub const BUSY_RETRY_SECS: i64 = 1;

fn argon2() -> Argon2<'static> {
    let params = Params::new(19_456, 2, 1, None).expect("OWASP argon2id parameters are valid");
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params)
}

fn hash_blocking(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    argon2()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 hashing cannot fail with valid parameters")
        .to_string()
}

fn verify_blocking(hash: Option<&str>, candidate: &str) -> bool {
    let stored = hash.unwrap_or(DUMMY_HASH.as_str());
    let ok = PasswordHash::new(stored)
        .map(|parsed| argon2().verify_password(candidate.as_bytes(), &parsed).is_ok())
        .unwrap_or(false);
    ok && hash.is_some()
}

/// Every slot is taken and the queue is full: try again in [`BUSY_RETRY_SECS`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("too many password checks at once; try again in a second")]
pub struct Busy;

/// Counts of the argon2 work done, for `GET /metrics`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PasswordStats {
    /// Hashes and checks run since start.
    pub hashes_total: u64,
    /// Hashes and checks refused with [`Busy`] since start.
    pub refused_total: u64,
    /// The most that ran at the same moment since start.
    pub peak_concurrency: usize,
    /// How many may run at once.
    pub slots: usize,
}

/// The process's argon2 work, capped: at most `slots` at once, at most
/// `max_waiting` more in line.
#[derive(Debug)]
pub struct Passwords {
    slots: Arc<Semaphore>,
    slot_count: usize,
    max_waiting: usize,
    waiting: AtomicUsize,
    refused: AtomicU64,
    work: Arc<Work>,
}

/// Counters updated by the jobs themselves, on the blocking pool.
#[derive(Debug, Default)]
struct Work {
    running: AtomicUsize,
    peak: AtomicUsize,
    total: AtomicU64,
}

/// One job running; counts it out when dropped.
struct Running<'a>(&'a Work);

impl Work {
    fn begin(&self) -> Running<'_> {
        self.total.fetch_add(1, Ordering::Relaxed);
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        Running(self)
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.0.running.fetch_sub(1, Ordering::SeqCst);
    }
}

/// One caller in the queue; leaves it when dropped (admitted, refused or cancelled).
struct Queued<'a>(&'a AtomicUsize);

impl Drop for Queued<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

impl Passwords {
    /// `slots` jobs at once (at least one), `max_waiting` more in line.
    pub fn new(slots: usize, max_waiting: usize) -> Self {
        let slots = slots.max(1);
        Self {
            slots: Arc::new(Semaphore::new(slots)),
            slot_count: slots,
            max_waiting,
            waiting: AtomicUsize::new(0),
            refused: AtomicU64::new(0),
            work: Arc::default(),
        }
    }

    /// One slot per CPU, and at least two, so one slow hash never blocks every
    /// sign-in; argon2 at p=1 keeps one core busy per slot.
    pub fn for_this_machine() -> Self {
        let cpus = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
        Self::new(cpus.max(2), MAX_WAITING)
    }

    /// Hashes a new password in PHC string form.
    pub async fn hash(&self, password: &Password) -> Result<String, Busy> {
        let p = password.expose().to_owned();
        self.run(move || hash_blocking(&p)).await
    }

    /// Checks `candidate` against `hash`; with no hash (unknown user) it still
    /// does the same work and answers false.
    pub async fn verify(&self, hash: Option<String>, candidate: String) -> Result<bool, Busy> {
        self.run(move || verify_blocking(hash.as_deref(), &candidate)).await
    }

    /// The counters for `GET /metrics`.
    pub fn stats(&self) -> PasswordStats {
        PasswordStats {
            hashes_total: self.work.total.load(Ordering::Relaxed),
            refused_total: self.refused.load(Ordering::Relaxed),
            peak_concurrency: self.work.peak.load(Ordering::SeqCst),
            slots: self.slot_count,
        }
    }

    /// Runs `job` on the blocking pool once a slot is free. The slot moves into
    /// the job, so a caller that goes away mid-hash cannot free it early.
    async fn run<T: Send + 'static>(&self, job: impl FnOnce() -> T + Send + 'static) -> Result<T, Busy> {
        let slot = self.admit().await.inspect_err(|_| {
            self.refused.fetch_add(1, Ordering::Relaxed);
        })?;
        let work = Arc::clone(&self.work);
        let outcome = tokio::task::spawn_blocking(move || {
            let _slot = slot;
            let _running = work.begin();
            job()
        })
        .await;
        match outcome {
            Ok(value) => Ok(value),
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            // The runtime is shutting down: the caller may try again elsewhere.
            Err(_) => Err(Busy),
        }
    }

    /// A free slot, after waiting in line if there is room in the queue.
    async fn admit(&self) -> Result<OwnedSemaphorePermit, Busy> {
        if let Ok(slot) = Arc::clone(&self.slots).try_acquire_owned() {
            return Ok(slot);
        }
        let ahead = self.waiting.fetch_add(1, Ordering::SeqCst);
        let _queued = Queued(&self.waiting);
        if ahead >= self.max_waiting {
            return Err(Busy);
        }
        Arc::clone(&self.slots).acquire_owned().await.map_err(|_| Busy)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_with_argon2id_at_owasp_parameters_and_verifies() {
        let passwords = Passwords::new(2, MAX_WAITING);
        let p = Password::parse("correct horse battery").unwrap();
        let h = passwords.hash(&p).await.unwrap();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert_eq!(
            passwords.verify(Some(h.clone()), "correct horse battery".into()).await,
            Ok(true)
        );
        assert_eq!(passwords.verify(Some(h), "wrong horse battery".into()).await, Ok(false));
        assert_eq!(passwords.stats().hashes_total, 3);
    }

    #[tokio::test]
    async fn unknown_user_never_verifies_even_with_the_dummy_password() {
        let passwords = Passwords::new(2, MAX_WAITING);
        assert_eq!(passwords.verify(None, "keyward-dummy-password".into()).await, Ok(false));
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn never_runs_more_than_its_slots_at_once() {
        let passwords = Arc::new(Passwords::new(2, 100));
        let mut jobs = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let passwords = Arc::clone(&passwords);
            jobs.spawn(async move { passwords.verify(None, "guess".into()).await });
        }
        while let Some(done) = jobs.join_next().await {
            assert_eq!(done.unwrap(), Ok(false));
        }
        let stats = passwords.stats();
        assert_eq!(stats.hashes_total, 8);
        assert!((1..=2).contains(&stats.peak_concurrency), "{stats:?}");
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_full_queue_refuses_at_once_and_the_queue_still_drains() {
        let passwords = Arc::new(Passwords::new(1, 1));
        let held = passwords.admit().await.unwrap();
        let queued = tokio::spawn({
            let passwords = Arc::clone(&passwords);
            async move { passwords.verify(None, "in line".into()).await }
        });
        while passwords.waiting.load(Ordering::SeqCst) == 0 {
            tokio::task::yield_now().await;
        }
        assert_eq!(passwords.verify(None, "one too many".into()).await, Err(Busy));
        drop(held);
        assert_eq!(queued.await.unwrap(), Ok(false));
        let stats = passwords.stats();
        assert_eq!((stats.hashes_total, stats.refused_total), (1, 1));
        assert_eq!(passwords.waiting.load(Ordering::SeqCst), 0);
    }
}

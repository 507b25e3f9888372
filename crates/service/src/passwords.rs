use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use roster_domain::{AppError, Password};
use std::cell::RefCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};

/// Argon2id hashing off the async executor, on a pool of its own: one
/// thread per core, each reusing its 19 MiB of Argon2 memory instead of
/// allocating and zeroing it per hash, and each at a lower scheduling
/// priority (nice 10), so that a burst of sign-ins queues behind the pool
/// and takes only the CPU that searches and page loads leave free. The
/// queue is bounded: past its limit a hash is refused at once (`Busy`)
/// rather than kept waiting, and a hash whose caller has gone (the request
/// timed out or was dropped) is skipped rather than run late.
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    pool: HashPool,
    /// Verified when a user has no hash, so that "no such user" takes as
    /// long as "wrong password".
    dummy_hash: Arc<str>,
}

type Job = Box<dyn FnOnce() + Send>;

#[derive(Clone)]
struct HashPool {
    sender: mpsc::Sender<Job>,
    /// Jobs sent and not yet picked up by a thread.
    waiting: Arc<AtomicUsize>,
    /// How many may wait; more are refused.
    queue_limit: usize,
}

/// What a refused hash tells the caller: try again in a second.
const BUSY_RETRY_AFTER_SECONDS: u64 = 1;

impl HashPool {
    fn start(threads: usize) -> HashPool {
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        for n in 0..threads {
            let receiver = receiver.clone();
            let spawned = std::thread::Builder::new().name(format!("roster-argon2-{n}")).spawn(move || {
                lower_this_threads_priority();
                loop {
                    // The lock is held only while waiting for the next job.
                    let job = match receiver.lock() {
                        Ok(receiver) => receiver.recv(),
                        Err(_) => return,
                    };
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                }
            });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start a password hashing thread");
            }
        }
        HashPool { sender, waiting: Arc::new(AtomicUsize::new(0)), queue_limit: usize::MAX }
    }

    async fn run<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= self.queue_limit {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            tracing::warn!(limit = self.queue_limit, "password hashing queue full; a request is answered 503");
            return Err(AppError::Busy { retry_after_seconds: BUSY_RETRY_AFTER_SECONDS });
        }
        let (done, result) = tokio::sync::oneshot::channel();
        let waiting = self.waiting.clone();
        let job: Job = Box::new(move || {
            waiting.fetch_sub(1, Ordering::SeqCst);
            // Nobody waits for the answer any more: spare the CPU.
            if !done.is_closed() {
                let _ = done.send(work());
            }
        });
        if self.sender.send(job).is_err() {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(AppError::Internal);
        }
        result.await.map_err(|_| {
            tracing::error!("password hashing thread stopped");
            AppError::Internal
        })
    }
}

/// Linux keeps a nice value per thread; elsewhere the pool runs at normal priority.
fn lower_this_threads_priority() {
    #[cfg(target_os = "linux")]
    // SAFETY: setpriority only reads its arguments; gettid has no preconditions.
    unsafe {
        let tid = libc::gettid();
        libc::setpriority(libc::PRIO_PROCESS, tid as libc::id_t, 10);
    }
}

thread_local! {
    /// The Argon2 working memory of this hashing thread, kept between hashes.
    static MEMORY: RefCell<Vec<Block>> = const { RefCell::new(Vec::new()) };
}

impl PasswordHasher {
    /// OWASP's recommendation: m = 19 MiB, t = 2, p = 1.
    pub fn owasp() -> Self {
        Self::with_params(Params::new(19_456, 2, 1, None).expect("valid Argon2 parameters"))
    }

    pub fn with_params(params: Params) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let dummy_hash = hash_now(&params, "a password nobody has").into();
        PasswordHasher { params, pool: HashPool::start(cores), dummy_hash }
    }

    /// At most `limit` hashes wait for a thread; more are refused with `Busy`.
    pub fn with_queue_limit(mut self, limit: usize) -> Self {
        self.pool.queue_limit = limit;
        self
    }

    pub async fn hash(&self, password: &Password) -> Result<String, AppError> {
        let password = password.expose().to_owned();
        let params = self.params.clone();
        self.pool.run(move || hash_now(&params, &password)).await
    }

    /// Whether `candidate` matches `stored`. With no stored hash the dummy is
    /// checked (and the answer is always no).
    pub async fn verify(&self, candidate: &str, stored: Option<&str>) -> Result<bool, AppError> {
        let has_hash = stored.is_some();
        let stored = stored.map_or_else(|| self.dummy_hash.to_string(), str::to_owned);
        let candidate = candidate.to_owned();
        let matches = self.pool.run(move || verify_now(&candidate, &stored)).await?;
        Ok(has_hash && matches)
    }

    /// Whether a stored hash was made with weaker settings than today's (or
    /// another algorithm), so it should be replaced at the next sign-in.
    pub fn is_outdated(&self, stored: &str) -> bool {
        let Ok(parsed) = PasswordHash::new(stored) else { return false };
        let Ok(params) = Params::try_from(&parsed) else { return true };
        parsed.algorithm != Algorithm::Argon2id.ident()
            || params.m_cost() < self.params.m_cost()
            || params.t_cost() < self.params.t_cost()
            || params.p_cost() < self.params.p_cost()
    }
}

/// Runs Argon2 in this thread's kept memory.
fn argon2_into(
    algorithm: Algorithm,
    version: Version,
    params: &Params,
    password: &[u8],
    salt: &[u8],
    out: &mut [u8],
) -> Result<(), argon2::Error> {
    let argon2 = Argon2::new(algorithm, version, params.clone());
    MEMORY.with(|memory| {
        let mut memory = memory.borrow_mut();
        if memory.len() < params.block_count() {
            memory.resize(params.block_count(), Block::default());
        }
        argon2.hash_password_into_with_memory(password, salt, out, &mut memory[..])
    })
}

/// A PHC string (`$argon2id$v=19$m=…,t=…,p=…$salt$hash`) for `password`.
fn hash_now(params: &Params, password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let salt_bytes = salt.decode_b64(&mut salt_bytes).expect("a generated salt decodes");
    let len = params.output_len().unwrap_or(Params::DEFAULT_OUTPUT_LEN);
    let output = Output::init_with(len, |out| {
        argon2_into(Algorithm::Argon2id, Version::V0x13, params, password.as_bytes(), salt_bytes, out)
            .map_err(|_| argon2::password_hash::Error::Crypto)
    })
    .expect("Argon2 accepts any password with valid parameters");
    PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(params).expect("valid Argon2 parameters"),
        salt: Some(salt.as_salt()),
        hash: Some(output),
    }
    .to_string()
}

/// Whether `candidate` hashes to the PHC string `stored` (any Argon2 variant
/// and parameters); the comparison takes the same time wherever they differ.
fn verify_now(candidate: &str, stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else { return false };
    let (Ok(algorithm), Some(expected), Some(salt)) = (Algorithm::try_from(parsed.algorithm), parsed.hash, parsed.salt)
    else {
        return false;
    };
    let Ok(version) = parsed.version.map_or(Ok(Version::V0x13), Version::try_from) else { return false };
    let Ok(params) = Params::try_from(&parsed) else { return false };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt_bytes) = salt.decode_b64(&mut salt_bytes) else { return false };
    let computed = Output::init_with(expected.len(), |out| {
        argon2_into(algorithm, version, &params, candidate.as_bytes(), salt_bytes, out)
            .map_err(|_| argon2::password_hash::Error::Crypto)
    });
    // Output's equality is constant-time.
    computed.is_ok_and(|computed| computed == expected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn hashes_with_owasp_parameters_and_verifies() {
        let hasher = PasswordHasher::owasp();
        let password = Password::parse("correct horse battery").unwrap();
        let first = hasher.hash(&password).await.unwrap();
        let second = hasher.hash(&password).await.unwrap();
        assert!(first.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{first}");
        assert_ne!(first, second, "equal passwords get different salts");
        assert!(hasher.verify("correct horse battery", Some(&first)).await.unwrap());
        assert!(!hasher.verify("correct horse batterY", Some(&first)).await.unwrap());
    }

    #[tokio::test]
    async fn hashes_agree_with_the_argon2_crates_own_hashing_and_verifying() {
        use argon2::password_hash::{PasswordHasher as _, PasswordVerifier as _};
        let hasher = PasswordHasher::owasp();
        let password = Password::parse("correct horse battery").unwrap();
        let ours = hasher.hash(&password).await.unwrap();
        let stock = Argon2::default();
        assert!(stock.verify_password(b"correct horse battery", &PasswordHash::new(&ours).unwrap()).is_ok());
        assert!(stock.verify_password(b"correct horse batterY", &PasswordHash::new(&ours).unwrap()).is_err());
        for (algorithm, params) in [
            (Algorithm::Argon2id, Params::new(8, 1, 1, None).unwrap()),
            (Algorithm::Argon2i, Params::new(64, 3, 2, Some(16)).unwrap()),
        ] {
            let salt = SaltString::generate(&mut OsRng);
            let theirs = Argon2::new(algorithm, Version::V0x13, params).hash_password(b"older one", &salt).unwrap();
            assert!(hasher.verify("older one", Some(&theirs.to_string())).await.unwrap(), "{theirs}");
            assert!(!hasher.verify("older two", Some(&theirs.to_string())).await.unwrap(), "{theirs}");
        }
    }

    #[test]
    fn weaker_hashes_are_outdated() {
        let weak = PasswordHasher::with_params(Params::new(8, 1, 1, None).unwrap());
        let weak_hash = hash_now(&weak.params, "a password");
        let owasp = PasswordHasher::owasp();
        assert!(owasp.is_outdated(&weak_hash));
        assert!(!owasp.is_outdated(&hash_now(&owasp.params, "a password")));
        assert!(!weak.is_outdated(&hash_now(&owasp.params, "a password")));
    }

    /// One thread, held busy: what waits past the limit is refused, and what
    /// its caller gave up on is never run.
    #[tokio::test]
    async fn the_queue_is_bounded_and_abandoned_hashes_are_skipped() {
        let pool = HashPool { queue_limit: 2, ..HashPool::start(1) };
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let (started, running) = tokio::sync::oneshot::channel::<()>();
        let busy = tokio::spawn({
            let pool = pool.clone();
            async move {
                pool.run(move || {
                    let _ = started.send(());
                    hold.recv().ok()
                })
                .await
            }
        });
        running.await.unwrap();
        let ran = Arc::new(AtomicUsize::new(0));
        let job = |ran: Arc<AtomicUsize>| move || ran.fetch_add(1, Ordering::SeqCst);
        let abandoned = tokio::spawn({
            let (pool, ran) = (pool.clone(), ran.clone());
            async move { pool.run(job(ran)).await }
        });
        while pool.waiting.load(Ordering::SeqCst) < 1 {
            tokio::task::yield_now().await;
        }
        let kept = tokio::spawn({
            let (pool, ran) = (pool.clone(), ran.clone());
            async move { pool.run(job(ran)).await }
        });
        while pool.waiting.load(Ordering::SeqCst) < 2 {
            tokio::task::yield_now().await;
        }
        let refused = pool.run(job(ran.clone())).await;
        assert_eq!(refused.unwrap_err(), AppError::Busy { retry_after_seconds: 1 });
        abandoned.abort();
        let _ = abandoned.await;
        release.send(()).unwrap();
        busy.await.unwrap().unwrap();
        assert_eq!(kept.await.unwrap().unwrap(), 0, "the kept job ran first, with nothing before it");
        assert_eq!(ran.load(Ordering::SeqCst), 1, "the abandoned job never ran");
        assert_eq!(pool.waiting.load(Ordering::SeqCst), 0);
    }

    #[tokio::test]
    async fn without_a_hash_nothing_verifies() {
        let hasher = PasswordHasher::owasp();
        assert!(!hasher.verify("a password nobody has", None).await.unwrap());
        assert!(!hasher.verify("anything", Some("not a PHC string")).await.unwrap());
    }
}

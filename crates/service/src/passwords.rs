use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{PasswordHash, PasswordHasher as _, PasswordVerifier, SaltString};
use argon2::{Algorithm, Argon2, Params, Version};
use roster_domain::{AppError, Password};
use std::sync::Arc;
use tokio::sync::Semaphore;

/// Argon2id hashing off the async executor, at most one hash per core at a
/// time so a burst of sign-ins queues instead of starving every other task.
#[derive(Clone)]
pub struct PasswordHasher {
    params: Params,
    permits: Arc<Semaphore>,
    /// Verified when a user has no hash, so that "no such user" takes as
    /// long as "wrong password".
    dummy_hash: Arc<str>,
}

impl PasswordHasher {
    /// OWASP's recommendation: m = 19 MiB, t = 2, p = 1.
    pub fn owasp() -> Self {
        Self::with_params(Params::new(19_456, 2, 1, None).expect("valid Argon2 parameters"))
    }

    pub fn with_params(params: Params) -> Self {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let dummy_hash = hash_now(&params, "a password nobody has").into();
        PasswordHasher { params, permits: Arc::new(Semaphore::new(cores)), dummy_hash }
    }

    pub async fn hash(&self, password: &Password) -> Result<String, AppError> {
        let password = password.expose().to_owned();
        let params = self.params.clone();
        self.blocking(move || hash_now(&params, &password)).await
    }

    /// Whether `candidate` matches `stored`. With no stored hash the dummy is
    /// checked (and the answer is always no).
    pub async fn verify(&self, candidate: &str, stored: Option<&str>) -> Result<bool, AppError> {
        let has_hash = stored.is_some();
        let stored = stored.map_or_else(|| self.dummy_hash.to_string(), str::to_owned);
        let candidate = candidate.to_owned();
        let matches = self
            .blocking(move || {
                PasswordHash::new(&stored)
                    .map(|parsed| Argon2::default().verify_password(candidate.as_bytes(), &parsed).is_ok())
                    .unwrap_or(false)
            })
            .await?;
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

    async fn blocking<T: Send + 'static>(&self, work: impl FnOnce() -> T + Send + 'static) -> Result<T, AppError> {
        let _permit = self.permits.acquire().await.map_err(|_| AppError::Internal)?;
        tokio::task::spawn_blocking(work).await.map_err(|e| {
            tracing::error!(error = %e, "password hashing task failed");
            AppError::Internal
        })
    }
}

fn hash_now(params: &Params, password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone())
        .hash_password(password.as_bytes(), &salt)
        .expect("Argon2 accepts any password with valid parameters")
        .to_string()
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

    #[test]
    fn weaker_hashes_are_outdated() {
        let weak = PasswordHasher::with_params(Params::new(8, 1, 1, None).unwrap());
        let weak_hash = hash_now(&weak.params, "a password");
        let owasp = PasswordHasher::owasp();
        assert!(owasp.is_outdated(&weak_hash));
        assert!(!owasp.is_outdated(&hash_now(&owasp.params, "a password")));
        assert!(!weak.is_outdated(&hash_now(&owasp.params, "a password")));
    }

    #[tokio::test]
    async fn without_a_hash_nothing_verifies() {
        let hasher = PasswordHasher::owasp();
        assert!(!hasher.verify("a password nobody has", None).await.unwrap());
        assert!(!hasher.verify("anything", Some("not a PHC string")).await.unwrap());
    }
}

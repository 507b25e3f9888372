//! Per-address throttling of everything that checks a password or code:
//! a burst of attempts, then one every 60/N seconds; beyond that 429 with
//! `Retry-After`. Lockout protects each account; this slows one address
//! trying many accounts, and its burst stays below the lockout threshold,
//! so that one address alone cannot lock an account in one go. The counts
//! live in this process (several instances each allow the rate). Behind a
//! balancer listed in `trusted-proxies` the address is the visitor's (see
//! `client_address`).

use crate::client_address::ClientAddress;
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use http::header::{CONTENT_TYPE, RETRY_AFTER};
use http::StatusCode;
use roster_domain::AppError;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// The server functions that check a password or code: what an attacker
/// (or a thief of a session cookie) would hammer.
const THROTTLED_PATHS: [&str; 5] = [
    "/api/sign_in",
    "/api/verify_sign_in_code",
    "/api/change_password",
    "/api/remove_my_two_factor",
    "/api/confirm_identity",
];
/// Forget idle addresses once this many are tracked.
const TRACKED_ADDRESSES: usize = 10_000;

#[derive(Clone)]
pub struct SignInThrottle(Option<Arc<DefaultKeyedRateLimiter<IpAddr>>>, Arc<ThrottleLog>);

/// Throttled attempts are logged as a count every `LOG_EVERY`, not one line
/// each: a flood answered 429 thousands of times a second would otherwise
/// spend more on the log than on the answers.
#[derive(Default)]
struct ThrottleLog {
    since_last_line: AtomicU64,
    last_line_at: Mutex<Option<Instant>>,
}

const LOG_EVERY: Duration = Duration::from_secs(10);

impl ThrottleLog {
    fn count(&self, ip: IpAddr) {
        self.since_last_line.fetch_add(1, Ordering::Relaxed);
        let Ok(mut last) = self.last_line_at.try_lock() else { return };
        if last.is_some_and(|at| at.elapsed() < LOG_EVERY) {
            return;
        }
        *last = Some(Instant::now());
        let throttled = self.since_last_line.swap(0, Ordering::Relaxed);
        tracing::warn!(throttled, latest = %ip, "password and code attempts throttled since the last such line");
    }
}

impl SignInThrottle {
    /// `per_minute` attempts per address, at most `lockout_threshold - 1`
    /// of them at once; 0 turns throttling off.
    pub fn new(per_minute: u32, lockout_threshold: u32) -> Self {
        let limiter = NonZeroU32::new(per_minute).map(|n| {
            let burst = NonZeroU32::new(n.get().min(lockout_threshold.saturating_sub(1))).unwrap_or(NonZeroU32::MIN);
            Arc::new(RateLimiter::keyed(Quota::per_minute(n).allow_burst(burst)))
        });
        SignInThrottle(limiter, Arc::default())
    }
}

pub async fn throttle_sign_in(State(throttle): State<SignInThrottle>, request: Request, next: Next) -> Response {
    let (Some(limiter), true) = (&throttle.0, THROTTLED_PATHS.contains(&request.uri().path())) else {
        return next.run(request).await;
    };
    let Some(ip) = request.extensions().get::<ClientAddress>().map(|c| c.0) else {
        return next.run(request).await;
    };
    if limiter.len() > TRACKED_ADDRESSES {
        limiter.retain_recent();
    }
    match limiter.check_key(&ip) {
        Ok(()) => next.run(request).await,
        Err(not_until) => {
            let wait = not_until.wait_time_from(DefaultClock::default().now());
            let retry_after_seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            throttle.1.count(ip);
            let body = serde_json::to_string(&AppError::TooManyAttempts { retry_after_seconds }).unwrap_or_default();
            let headers = [(RETRY_AFTER, retry_after_seconds.to_string()), (CONTENT_TYPE, "application/json".into())];
            (StatusCode::TOO_MANY_REQUESTS, headers, body).into_response()
        }
    }
}

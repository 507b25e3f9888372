use serde::Deserialize;

/// Roster's own settings: the `[roster]` table of `Leptos.toml`, each
/// overridable by an environment variable (see the server's config).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case", default, deny_unknown_fields)]
pub struct Settings {
    /// `sqlite://data/roster.db` or `postgres://…`.
    pub database_url: String,
    /// Consecutive failed sign-ins that lock an account.
    pub lockout_threshold: u32,
    /// A session unused this long ends.
    pub session_idle_minutes: i64,
    /// A session ends this long after sign-in, however busy.
    pub session_absolute_hours: i64,
    /// Mark the session cookie `Secure` (serve Roster over HTTPS).
    pub secure_cookies: bool,
    /// Sign-in and code attempts one address may make per minute (in a
    /// burst, then one every 60/N seconds); 0 turns throttling off.
    pub sign_in_attempts_per_minute: u32,
    /// Load balancers or proxies in front of Roster: from these peers the
    /// visitor's address is read from `X-Forwarded-For`.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            database_url: "sqlite://data/roster.db".into(),
            lockout_threshold: 10,
            session_idle_minutes: 120,
            session_absolute_hours: 24,
            secure_cookies: false,
            sign_in_attempts_per_minute: 20,
            trusted_proxies: Vec::new(),
        }
    }
}

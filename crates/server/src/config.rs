//! Runtime configuration from `Leptos.toml`, overridden by environment
//! variables, so the release binary runs without cargo-leptos.

use leptos::config::{Env, LeptosOptions};
use roster_service::Settings;
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::Path;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path} is not valid: {source}")]
    Parse { path: String, source: toml::de::Error },
    #[error("environment variable {name} has an invalid value {value:?}")]
    Env { name: &'static str, value: String },
}

/// Where and how the site is served (`[site]` in `Leptos.toml`).
#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "kebab-case", default, deny_unknown_fields)]
pub struct SiteConfig {
    pub addr: SocketAddr,
    /// The folder cargo-leptos builds the site into.
    pub root: String,
    pub pkg_dir: String,
    /// The file name of the WebAssembly, JavaScript and CSS bundles.
    pub output_name: String,
}

impl Default for SiteConfig {
    fn default() -> Self {
        SiteConfig {
            addr: SocketAddr::from(([127, 0, 0, 1], 3417)),
            root: "target/site".into(),
            pkg_dir: "pkg".into(),
            output_name: "roster".into(),
        }
    }
}

#[derive(Clone, Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    pub site: SiteConfig,
    pub roster: Settings,
}

impl Config {
    /// Reads `path` (defaults apply when it does not exist), then the environment.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let shown = path.display().to_string();
        let mut config = match std::fs::read_to_string(path) {
            Ok(text) => toml::from_str(&text).map_err(|source| ConfigError::Parse { path: shown, source })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                tracing::warn!("{shown} not found; using built-in defaults");
                Config::default()
            }
            Err(source) => return Err(ConfigError::Read { path: shown, source }),
        };
        config.apply_env(|name| std::env::var(name).ok())?;
        Ok(config)
    }

    /// Environment variables win over the file. The `LEPTOS_*` names are the
    /// ones cargo-leptos sets, so `cargo leptos serve` works too.
    pub fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        fn parse<T: std::str::FromStr>(name: &'static str, value: String) -> Result<T, ConfigError> {
            value.parse().map_err(|_| ConfigError::Env { name, value })
        }
        if let Some(v) = var("LEPTOS_SITE_ADDR") {
            self.site.addr = parse("LEPTOS_SITE_ADDR", v)?;
        }
        if let Some(v) = var("LEPTOS_SITE_ROOT") {
            self.site.root = v;
        }
        if let Some(v) = var("LEPTOS_SITE_PKG_DIR") {
            self.site.pkg_dir = v;
        }
        if let Some(v) = var("LEPTOS_OUTPUT_NAME") {
            self.site.output_name = v;
        }
        if let Some(v) = var("DATABASE_URL") {
            self.roster.database_url = v;
        }
        if let Some(v) = var("ROSTER_LOCKOUT_THRESHOLD") {
            self.roster.lockout_threshold = parse("ROSTER_LOCKOUT_THRESHOLD", v)?;
        }
        if let Some(v) = var("ROSTER_SESSION_IDLE_MINUTES") {
            self.roster.session_idle_minutes = parse("ROSTER_SESSION_IDLE_MINUTES", v)?;
        }
        if let Some(v) = var("ROSTER_SESSION_ABSOLUTE_HOURS") {
            self.roster.session_absolute_hours = parse("ROSTER_SESSION_ABSOLUTE_HOURS", v)?;
        }
        if let Some(v) = var("ROSTER_SIGN_IN_ATTEMPTS_PER_MINUTE") {
            self.roster.sign_in_attempts_per_minute = parse("ROSTER_SIGN_IN_ATTEMPTS_PER_MINUTE", v)?;
        }
        if let Some(v) = var("ROSTER_TRUSTED_PROXIES") {
            let addresses: Result<Vec<std::net::IpAddr>, _> = v.split(',').map(str::trim).filter(|a| !a.is_empty()).map(str::parse).collect();
            self.roster.trusted_proxies = addresses.map_err(|_| ConfigError::Env { name: "ROSTER_TRUSTED_PROXIES", value: v })?;
        }
        if let Some(v) = var("ROSTER_SECURE_COOKIES") {
            self.roster.secure_cookies = parse("ROSTER_SECURE_COOKIES", v)?;
        }
        Ok(())
    }

    pub fn leptos_options(&self) -> LeptosOptions {
        LeptosOptions::builder()
            .output_name(self.site.output_name.as_str())
            .site_root(self.site.root.as_str())
            .site_pkg_dir(self.site.pkg_dir.as_str())
            .site_addr(self.site.addr)
            .env(Env::PROD)
            .build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_leptos_toml_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Leptos.toml");
        let text = std::fs::read_to_string(path).unwrap();
        let config: Config = toml::from_str(&text).unwrap();
        assert_eq!(config.site.output_name, "roster");
        assert_eq!(config.roster.lockout_threshold, 10);
    }

    #[test]
    fn environment_overrides_the_file_and_bad_values_are_named() {
        let mut config = Config::default();
        let env = |name: &str| match name {
            "DATABASE_URL" => Some("postgres://db/roster".to_owned()),
            "LEPTOS_SITE_ADDR" => Some("0.0.0.0:8080".to_owned()),
            "ROSTER_TRUSTED_PROXIES" => Some("10.0.0.5, fd00::5".to_owned()),
            _ => None,
        };
        config.apply_env(env).unwrap();
        assert_eq!(config.roster.database_url, "postgres://db/roster");
        assert_eq!(config.site.addr.port(), 8080);
        let proxies: Vec<std::net::IpAddr> = vec!["10.0.0.5".parse().unwrap(), "fd00::5".parse().unwrap()];
        assert_eq!(config.roster.trusted_proxies, proxies);

        let not_an_address = |name: &str| (name == "ROSTER_TRUSTED_PROXIES").then(|| "10.0.0.5, balancer".to_owned());
        let err = Config::default().apply_env(not_an_address).unwrap_err();
        assert!(err.to_string().contains("ROSTER_TRUSTED_PROXIES"), "{err}");

        let bad = |name: &str| (name == "ROSTER_LOCKOUT_THRESHOLD").then(|| "ten".to_owned());
        let err = Config::default().apply_env(bad).unwrap_err();
        assert_eq!(err.to_string(), "environment variable ROSTER_LOCKOUT_THRESHOLD has an invalid value \"ten\"");
    }

    #[test]
    fn unknown_settings_are_refused() {
        assert!(toml::from_str::<Config>("[roster]\nlockout = 3\n").is_err());
    }
}

//! Runtime configuration: `Leptos.toml` (or the file `--config` names),
//! then environment variables. Every setting is defined once, in a
//! `settings_table!` (here for the site, in `roster_service::Settings` for
//! the rest), and the shipped `Leptos.toml` is what `Config::to_toml` writes
//! (a test holds the two together).

use leptos::config::{Env, LeptosOptions};
use roster_service::settings::InvalidEnv;
use roster_service::{settings_table, Settings};
use serde::Deserialize;
use std::net::SocketAddr;
use std::path::Path;
use thiserror::Error;

/// The file name of the site's script, module and stylesheet, fixed when
/// Roster is built (`.cargo/config.toml`).
pub const OUTPUT_NAME: &str = env!("LEPTOS_OUTPUT_NAME");
/// Where the built site keeps them, below its root.
pub const PKG_DIR: &str = "pkg";

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read { path: String, source: std::io::Error },
    #[error("{path} is not valid: {source}")]
    Parse { path: String, source: toml::de::Error },
    #[error(transparent)]
    Env(#[from] InvalidEnv),
}

settings_table! {
    /// Where and how the site is served: the `[site]` table.
    pub struct SiteConfig in "site" {
        /// the address Roster listens on
        addr: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 3417)), env "LEPTOS_SITE_ADDR";
        /// the built site (scripts/build writes it): public files, and the bundle in pkg/
        root: String = "target/site".into(), env "LEPTOS_SITE_ROOT";
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

    /// Environment variables win over the file.
    pub fn apply_env(&mut self, var: impl Fn(&str) -> Option<String>) -> Result<(), ConfigError> {
        self.site.apply_env(&var)?;
        self.roster.apply_env(&var)?;
        Ok(())
    }

    /// The configuration as a file, every setting on a line with the
    /// environment variable that overrides it: `Leptos.toml` is this, for the defaults.
    pub fn to_toml(&self) -> String {
        format!(
            "# Roster's runtime configuration, read by roster-server at start-up.\n\
             # Each setting can be overridden by the environment variable named beside it.\n\
             # Written by `roster-server config` from the settings' definitions.\n\n{}\n{}",
            self.site.to_toml(),
            self.roster.to_toml()
        )
    }

    pub fn leptos_options(&self) -> LeptosOptions {
        LeptosOptions::builder()
            .output_name(OUTPUT_NAME)
            .site_root(self.site.root.as_str())
            .site_pkg_dir(PKG_DIR)
            .site_addr(self.site.addr)
            .env(Env::PROD)
            .build()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_leptos_toml_is_the_defaults_as_written() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Leptos.toml");
        let shipped = std::fs::read_to_string(path).unwrap();
        assert_eq!(
            shipped,
            Config::default().to_toml(),
            "Leptos.toml is not what the settings' definitions give; write it anew with \
             `cargo run -p roster-server -- config --defaults > Leptos.toml`"
        );
        let read: Config = toml::from_str(&shipped).unwrap();
        assert_eq!((read.site, read.roster), (SiteConfig::default(), Settings::default()));
    }

    #[test]
    fn environment_overrides_the_file_and_bad_values_are_named() {
        let mut config: Config = toml::from_str("[site]\naddr = \"127.0.0.1:9000\"\n[roster]\nlockout-threshold = 3\n").unwrap();
        let env = |name: &str| match name {
            "DATABASE_URL" => Some("postgres://db/roster".to_owned()),
            "LEPTOS_SITE_ADDR" => Some("0.0.0.0:8080".to_owned()),
            _ => None,
        };
        config.apply_env(env).unwrap();
        assert_eq!(config.roster.database_url, "postgres://db/roster");
        assert_eq!(config.site.addr.port(), 8080);
        assert_eq!(config.roster.lockout_threshold, 3, "the file's value stands where no variable is set");

        let bad = |name: &str| (name == "LEPTOS_SITE_ADDR").then(|| "port 80".to_owned());
        let err = Config::default().apply_env(bad).unwrap_err();
        assert_eq!(err.to_string(), "environment variable LEPTOS_SITE_ADDR has an invalid value \"port 80\"");
    }

    #[test]
    fn unknown_settings_are_refused() {
        assert!(toml::from_str::<Config>("[roster]\nlockout = 3\n").is_err());
        assert!(toml::from_str::<Config>("[site]\noutput-name = \"roster\"\n").is_err());
    }
}

//! Roster's settings, each defined once: its name, type, default, the
//! environment variable that overrides it and what it means. The struct,
//! its defaults, the environment overrides and the text of the shipped
//! `Leptos.toml` all follow from that one line (`settings_table!`).

use ipnet::IpNet;
use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

/// An environment variable whose value does not fit its setting.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
#[error("environment variable {name} has an invalid value {value:?}")]
pub struct InvalidEnv {
    pub name: &'static str,
    pub value: String,
}

/// A type a setting can have: read from an environment variable, written as TOML.
pub trait SettingValue: Sized {
    fn from_env(text: &str) -> Option<Self>;
    fn to_toml(&self) -> String;
}

impl SettingValue for String {
    fn from_env(text: &str) -> Option<Self> {
        Some(text.to_owned())
    }
    fn to_toml(&self) -> String {
        format!("\"{}\"", self.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

macro_rules! setting_value_from_str {
    ($($ty:ty),*) => {$(
        impl SettingValue for $ty {
            fn from_env(text: &str) -> Option<Self> {
                text.trim().parse().ok()
            }
            fn to_toml(&self) -> String {
                self.to_string()
            }
        }
    )*};
}
setting_value_from_str!(u32, i64, bool);

/// Comma-separated in the environment, an array in TOML.
impl SettingValue for Vec<u32> {
    fn from_env(text: &str) -> Option<Self> {
        text.split(',').map(str::trim).filter(|n| !n.is_empty()).map(|n| n.parse().ok()).collect()
    }
    fn to_toml(&self) -> String {
        let items: Vec<String> = self.iter().map(u32::to_string).collect();
        format!("[{}]", items.join(", "))
    }
}

impl SettingValue for SocketAddr {
    fn from_env(text: &str) -> Option<Self> {
        text.trim().parse().ok()
    }
    fn to_toml(&self) -> String {
        self.to_string().to_toml()
    }
}

/// A trusted proxy: one address (`10.0.0.5`) or a range of them (`10.0.0.0/8`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Deserialize)]
#[serde(try_from = "String")]
pub struct AddressRange(IpNet);

impl AddressRange {
    /// Whether `ip` is in the range; an IPv4 address written as IPv6
    /// (`::ffff:10.0.0.5`, as a dual-stack socket reports it) counts as itself.
    pub fn contains(&self, ip: IpAddr) -> bool {
        self.0.contains(&ip.to_canonical())
    }
}

impl FromStr for AddressRange {
    type Err = ipnet::AddrParseError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.parse::<IpAddr>() {
            Ok(ip) => Ok(AddressRange(IpNet::from(ip.to_canonical()))),
            Err(_) => Ok(AddressRange(text.parse::<IpNet>()?.trunc())),
        }
    }
}

impl TryFrom<String> for AddressRange {
    type Error = ipnet::AddrParseError;

    fn try_from(text: String) -> Result<Self, Self::Error> {
        text.parse()
    }
}

/// One address as itself, a range in CIDR notation.
impl fmt::Display for AddressRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0.prefix_len() == self.0.max_prefix_len() {
            self.0.addr().fmt(f)
        } else {
            self.0.fmt(f)
        }
    }
}

/// Comma-separated in the environment, an array in TOML.
impl SettingValue for Vec<AddressRange> {
    fn from_env(text: &str) -> Option<Self> {
        text.split(',').map(str::trim).filter(|a| !a.is_empty()).map(|a| a.parse().ok()).collect()
    }
    fn to_toml(&self) -> String {
        let items: Vec<String> = self.iter().map(|a| a.to_string().to_toml()).collect();
        format!("[{}]", items.join(", "))
    }
}

/// Declares a table of settings. Each line — doc comment, field, type,
/// default, environment variable — defines one setting, and the struct
/// (read from its `[table]` in TOML, unknown keys refused), its `Default`,
/// `apply_env` and `to_toml` (the table as `Leptos.toml` ships it, each line
/// commented with its variable and meaning) all follow from it. The crate
/// that uses it needs `serde` (for `Deserialize`).
#[macro_export]
macro_rules! settings_table {
    (
        $(#[$meta:meta])*
        pub struct $name:ident in $table:literal {
            $( #[doc = $doc:literal] $field:ident : $ty:ty = $default:expr, env $env:literal; )*
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Debug, PartialEq, Eq, ::serde::Deserialize)]
        #[serde(rename_all = "kebab-case", default, deny_unknown_fields)]
        pub struct $name {
            $( #[doc = $doc] pub $field: $ty, )*
        }

        impl Default for $name {
            fn default() -> Self {
                $name { $( $field: $default, )* }
            }
        }

        impl $name {
            /// The environment variables that override these settings.
            pub const ENV: &'static [&'static str] = &[$($env),*];

            /// Environment variables win over the file.
            pub fn apply_env(&mut self, var: &dyn Fn(&str) -> Option<String>) -> Result<(), $crate::settings::InvalidEnv> {
                $(
                    if let Some(value) = var($env) {
                        self.$field = $crate::settings::SettingValue::from_env(&value)
                            .ok_or($crate::settings::InvalidEnv { name: $env, value })?;
                    }
                )*
                Ok(())
            }

            /// The table in TOML, a setting a line, with its variable and meaning.
            pub fn to_toml(&self) -> String {
                let mut lines = vec![format!("[{}]", $table)];
                $(
                    let key = stringify!($field).replace('_', "-");
                    let value = $crate::settings::SettingValue::to_toml(&self.$field);
                    lines.push(format!("{:<42} # {}: {}", format!("{key} = {value}"), $env, $doc.trim()));
                )*
                lines.join("\n") + "\n"
            }
        }
    };
}

settings_table! {
    /// Roster's own settings: the `[roster]` table of `Leptos.toml`.
    pub struct Settings in "roster" {
        /// sqlite:… or postgres:…
        database_url: String = "sqlite://data/roster.db".into(), env "DATABASE_URL";
        /// failed sign-ins in a row that lock an account
        lockout_threshold: u32 = 10, env "ROSTER_LOCKOUT_THRESHOLD";
        /// seconds each lock in a row lasts, the last repeating ([]: until an admin unlocks)
        lockout_wait_seconds: Vec<u32> = vec![60, 300, 900, 3600], env "ROSTER_LOCKOUT_WAIT_SECONDS";
        /// after this many locks in a row the next lasts until an admin unlocks (0: never)
        lockout_permanent_after: u32 = 0, env "ROSTER_LOCKOUT_PERMANENT_AFTER";
        /// password checks waiting for a hashing thread at most; more are answered 503 at once
        password_checks_queued: u32 = 32, env "ROSTER_PASSWORD_CHECKS_QUEUED";
        /// admin mode: deleting users, setting passwords, removing two-factor, viewing as a user and role changes need the password re-entered within this
        admin_mode_minutes: i64 = 15, env "ROSTER_ADMIN_MODE_MINUTES";
        /// a session unused this long ends
        session_idle_minutes: i64 = 120, env "ROSTER_SESSION_IDLE_MINUTES";
        /// a session ends this long after sign-in, however busy
        session_absolute_hours: i64 = 24, env "ROSTER_SESSION_ABSOLUTE_HOURS";
        /// a view of Roster from a user's perspective ends this long after it started
        impersonation_minutes: i64 = 60, env "ROSTER_IMPERSONATION_MINUTES";
        /// true when served over HTTPS: the session cookie is then Secure and __Host-, and HSTS is sent
        secure_cookies: bool = false, env "ROSTER_SECURE_COOKIES";
        /// per address, sign-in, code and password checks: a burst (below the lockout threshold), then one every 60/N seconds (0: off)
        sign_in_attempts_per_minute: u32 = 20, env "ROSTER_SIGN_IN_ATTEMPTS_PER_MINUTE";
        /// load balancers (addresses, or ranges as 10.0.0.0/8), comma-separated; their X-Forwarded-For is believed
        trusted_proxies: Vec<AddressRange> = Vec::new(), env "ROSTER_TRUSTED_PROXIES";
        /// the key sealing authenticator secrets (base64 of 32 bytes, mode 0600); ROSTER_SECRET_KEY wins over it
        secret_key_file: String = "data/secret.key".into(), env "ROSTER_SECRET_KEY_FILE";
        /// the Users panel's "No sign-in for N days" filter: this many days without a sign-in (since creation if never)
        dormant_after_days: i64 = 90, env "ROSTER_DORMANT_AFTER_DAYS";
        /// deactivate accounts this many days without a sign-in, checked every hour by one instance (0: never)
        deactivate_dormant_after_days: i64 = 0, env "ROSTER_DEACTIVATE_DORMANT_AFTER_DAYS";
        /// whether that deactivates admins too (never the last active ones)
        deactivate_dormant_admins: bool = false, env "ROSTER_DEACTIVATE_DORMANT_ADMINS";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_setting_is_read_from_its_variable_and_a_bad_value_is_named() {
        let mut settings = Settings::default();
        let env = |name: &str| match name {
            "DATABASE_URL" => Some("postgres://db/roster".to_owned()),
            "ROSTER_TRUSTED_PROXIES" => Some("10.0.0.5, fd00::5, 10.1.0.0/16".to_owned()),
            "ROSTER_SECURE_COOKIES" => Some("true".to_owned()),
            _ => None,
        };
        settings.apply_env(&env).unwrap();
        assert_eq!(settings.database_url, "postgres://db/roster");
        assert!(settings.secure_cookies);
        let proxies: Vec<AddressRange> = ["10.0.0.5", "fd00::5", "10.1.0.0/16"].map(|p| p.parse().unwrap()).into();
        assert_eq!(settings.trusted_proxies, proxies);
        assert_eq!(settings.lockout_threshold, 10, "untouched settings keep their defaults");

        let not_an_address = |name: &str| (name == "ROSTER_TRUSTED_PROXIES").then(|| "10.0.0.5, balancer".to_owned());
        let err = Settings::default().apply_env(&not_an_address).unwrap_err();
        assert_eq!(err, InvalidEnv { name: "ROSTER_TRUSTED_PROXIES", value: "10.0.0.5, balancer".into() });
        let bad = |name: &str| (name == "ROSTER_LOCKOUT_THRESHOLD").then(|| "ten".to_owned());
        let err = Settings::default().apply_env(&bad).unwrap_err();
        assert_eq!(err.to_string(), "environment variable ROSTER_LOCKOUT_THRESHOLD has an invalid value \"ten\"");
    }

    #[test]
    fn the_toml_written_reads_back_as_the_same_settings() {
        let settings = Settings {
            database_url: "postgres://ann@db/\"roster\"".into(),
            trusted_proxies: ["10.0.0.5", "fd00::5", "10.1.0.0/16"].map(|p| p.parse().unwrap()).into(),
            ..Settings::default()
        };
        let text = settings.to_toml();
        assert!(text.starts_with("[roster]\n"), "{text}");
        assert!(text.contains("# ROSTER_LOCKOUT_THRESHOLD: failed sign-ins in a row that lock an account\n"), "{text}");
        #[derive(serde::Deserialize)]
        struct File {
            roster: Settings,
        }
        let read: File = toml::from_str(&text).unwrap();
        assert_eq!(read.roster, settings);
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap()
    }

    #[test]
    fn a_trusted_proxy_is_an_address_or_a_range() {
        let range: AddressRange = "10.0.0.0/8".parse().unwrap();
        assert!(range.contains(ip("10.200.3.4")) && !range.contains(ip("11.0.0.1")));
        assert!(range.contains(ip("::ffff:10.0.0.5")), "an IPv4-mapped IPv6 peer matches its IPv4 range");
        let one: AddressRange = "10.0.0.5".parse().unwrap();
        assert!(one.contains(ip("10.0.0.5")) && one.contains(ip("::ffff:10.0.0.5")) && !one.contains(ip("10.0.0.6")));
        let v6: AddressRange = "fd00::/8".parse().unwrap();
        assert!(v6.contains(ip("fd12::1")) && !v6.contains(ip("fe80::1")));
        assert_eq!("10.1.2.3/16".parse::<AddressRange>().unwrap().to_string(), "10.1.0.0/16", "written as the range");
        assert_eq!("::ffff:10.0.0.5".parse::<AddressRange>().unwrap().to_string(), "10.0.0.5");
        for bad in ["balancer", "10.0.0.0/33", "10.0.0.0/", ""] {
            assert!(bad.parse::<AddressRange>().is_err(), "{bad}");
        }
    }
}

//! Runtime configuration: `Leptos.toml`, then environment variables on top.
//!
//! Every failure names the key (and the variable, when one was used) so an operator can fix a
//! deployment from the first log line.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::time::Duration;

use leptos::config::{Env, LeptosOptions};
use serde::Deserialize;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError(pub String);

impl std::fmt::Display for ConfigError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "invalid configuration: {}", self.0)
    }
}

impl std::error::Error for ConfigError {}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Environment {
    Development,
    Production,
}

impl Environment {
    fn parse(value: &str) -> Option<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "development" | "dev" => Some(Self::Development),
            "production" | "prod" => Some(Self::Production),
            _ => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub site: SiteConfig,
    pub database: DatabaseConfig,
    pub http: HttpConfig,
    pub cookies: CookieConfig,
    pub sessions: SessionConfig,
    pub rate_limits: RateLimitConfig,
    pub limits: crate::model::Limits,
    pub caches: CacheConfig,
}

/// The most each of the server's in-memory caches keeps, compressed copies included; the least
/// recently filled entry goes first. Together they bound what the process holds beyond the
/// requests in flight. An entry over a quarter of its cache is not kept.
#[derive(Debug, Clone, PartialEq)]
pub struct CacheConfig {
    /// Trees as the editor reads them (`get_tree`).
    pub tree_answers_bytes: usize,
    /// Trees the editor's page is drawn from and carries.
    pub editor_pages_bytes: usize,
    /// Trees read through a share link (its export).
    pub shared_answers_bytes: usize,
    /// Rendered share pages (`http.share_page_cache`).
    pub share_pages_bytes: usize,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SessionConfig {
    /// A session unused for this long ends.
    pub idle_timeout: Duration,
    /// A session ends this long after log-in, however busy.
    pub absolute_timeout: Duration,
}

/// Attempts allowed per window, counted in PostgreSQL so every server process shares them.
#[derive(Debug, Clone, PartialEq)]
pub struct RateLimitConfig {
    pub window: Duration,
    pub login_per_ip: u32,
    pub login_failures_per_account: u32,
    pub signup_per_ip: u32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct SiteConfig {
    pub addr: SocketAddr,
    pub root: String,
    pub pkg_dir: String,
    pub output_name: String,
    pub environment: Environment,
    pub reload_port: u32,
    /// Scheme + host (+ port) that browsers use; the only origin allowed to change state.
    pub public_origin: String,
}

#[derive(Debug, Clone, PartialEq)]
pub struct DatabaseConfig {
    pub url: String,
    pub max_connections: u32,
    pub min_connections: u32,
    pub idle_timeout: Duration,
    pub acquire_timeout: Duration,
    pub statement_timeout: Duration,
    pub startup_timeout: Duration,
}

#[derive(Debug, Clone, PartialEq)]
pub struct HttpConfig {
    pub body_limit_bytes: usize,
    pub request_timeout: Duration,
    pub shutdown_grace: Duration,
    /// Behind a reverse proxy: take the client address from the last `X-Forwarded-For` hop.
    pub trust_forwarded_for: bool,
    /// Share pages kept rendered for visitors without a session (`server::share_cache`).
    pub share_page_cache: bool,
}

#[derive(Debug, Clone, PartialEq)]
pub struct CookieConfig {
    pub secure: bool,
}

// The file's shape. Every field is optional so a partial file works; unknown keys are errors
// (a typo must not silently fall back to a default).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    site: RawSite,
    #[serde(default)]
    database: RawDatabase,
    #[serde(default)]
    http: RawHttp,
    #[serde(default)]
    cookies: RawCookies,
    #[serde(default)]
    sessions: RawSessions,
    #[serde(default)]
    rate_limits: RawRateLimits,
    #[serde(default)]
    limits: RawLimits,
    #[serde(default)]
    caches: RawCaches,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCaches {
    tree_answers_mb: Option<i64>,
    editor_pages_mb: Option<i64>,
    shared_answers_mb: Option<i64>,
    share_pages_mb: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    title_max_chars: Option<i64>,
    description_max_chars: Option<i64>,
    template_data_max_bytes: Option<i64>,
    nodes_per_tree_max: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSessions {
    idle_timeout_mins: Option<i64>,
    absolute_timeout_hours: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRateLimits {
    window_secs: Option<i64>,
    login_per_ip: Option<i64>,
    login_failures_per_account: Option<i64>,
    signup_per_ip: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSite {
    addr: Option<String>,
    root: Option<String>,
    pkg_dir: Option<String>,
    output_name: Option<String>,
    environment: Option<String>,
    reload_port: Option<i64>,
    public_origin: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDatabase {
    url: Option<String>,
    max_connections: Option<i64>,
    min_connections: Option<i64>,
    idle_timeout_secs: Option<i64>,
    acquire_timeout_secs: Option<i64>,
    statement_timeout_secs: Option<i64>,
    startup_timeout_secs: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawHttp {
    body_limit_bytes: Option<i64>,
    request_timeout_secs: Option<i64>,
    shutdown_grace_secs: Option<i64>,
    trust_forwarded_for: Option<bool>,
    share_page_cache: Option<bool>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCookies {
    secure: Option<toml::Value>,
}

/// Where a value came from, so errors can say which knob to turn.
enum Source<'a> {
    File(&'a str),
    Env(&'a str),
    Default,
}

fn describe(key: &str, source: &Source<'_>) -> String {
    match source {
        Source::File(file) => format!("`{key}` in {file}"),
        Source::Env(var) => format!("`{key}` (from environment variable {var})"),
        Source::Default => format!("`{key}` (default)"),
    }
}

struct Resolver<'a> {
    file: &'a str,
    env: &'a HashMap<String, String>,
}

impl Resolver<'_> {
    /// The environment variable wins over the file, which wins over the default.
    fn string(&self, var: &str, file: Option<String>, default: &str) -> (String, Source<'_>) {
        if let Some(value) = self.env.get(var) {
            return (value.clone(), Source::Env(self.env_key(var)));
        }
        match file {
            Some(value) => (value, Source::File(self.file)),
            None => (default.to_string(), Source::Default),
        }
    }

    fn env_key(&self, var: &str) -> &str {
        self.env.get_key_value(var).map(|(k, _)| k.as_str()).unwrap_or("")
    }

    fn integer(
        &self,
        key: &str,
        var: &str,
        file: Option<i64>,
        default: i64,
        range: std::ops::RangeInclusive<i64>,
    ) -> Result<i64, ConfigError> {
        let (value, source) = if let Some(raw) = self.env.get(var) {
            let parsed = raw.trim().parse::<i64>().map_err(|_| {
                ConfigError(format!(
                    "{} must be a whole number, got {raw:?}",
                    describe(key, &Source::Env(self.env_key(var)))
                ))
            })?;
            (parsed, Source::Env(self.env_key(var)))
        } else if let Some(value) = file {
            (value, Source::File(self.file))
        } else {
            (default, Source::Default)
        };
        if !range.contains(&value) {
            return Err(ConfigError(format!(
                "{} must be between {} and {}, got {value}",
                describe(key, &source),
                range.start(),
                range.end()
            )));
        }
        Ok(value)
    }
}

/// The environment variables that override file keys, in one place for the docs and tests.
pub const ENV_VARS: &[(&str, &str)] = &[
    ("site.addr", "LEPTOS_SITE_ADDR"),
    ("site.root", "LEPTOS_SITE_ROOT"),
    ("site.pkg_dir", "LEPTOS_SITE_PKG_DIR"),
    ("site.output_name", "LEPTOS_OUTPUT_NAME"),
    ("site.environment", "LEPTOS_ENV"),
    ("site.reload_port", "LEPTOS_RELOAD_PORT"),
    ("site.public_origin", "IMPACT_TREE_PUBLIC_ORIGIN"),
    ("database.url", "DATABASE_URL"),
    ("database.max_connections", "IMPACT_TREE_DB_MAX_CONNECTIONS"),
    ("database.min_connections", "IMPACT_TREE_DB_MIN_CONNECTIONS"),
    ("database.idle_timeout_secs", "IMPACT_TREE_DB_IDLE_TIMEOUT_SECS"),
    ("database.acquire_timeout_secs", "IMPACT_TREE_DB_ACQUIRE_TIMEOUT_SECS"),
    (
        "database.statement_timeout_secs",
        "IMPACT_TREE_DB_STATEMENT_TIMEOUT_SECS",
    ),
    ("database.startup_timeout_secs", "IMPACT_TREE_DB_STARTUP_TIMEOUT_SECS"),
    ("http.body_limit_bytes", "IMPACT_TREE_BODY_LIMIT_BYTES"),
    ("http.request_timeout_secs", "IMPACT_TREE_REQUEST_TIMEOUT_SECS"),
    ("http.shutdown_grace_secs", "IMPACT_TREE_SHUTDOWN_GRACE_SECS"),
    ("http.trust_forwarded_for", "IMPACT_TREE_TRUST_FORWARDED_FOR"),
    ("http.share_page_cache", "IMPACT_TREE_SHARE_PAGE_CACHE"),
    ("cookies.secure", "IMPACT_TREE_COOKIE_SECURE"),
    ("sessions.idle_timeout_mins", "IMPACT_TREE_SESSION_IDLE_TIMEOUT_MINS"),
    (
        "sessions.absolute_timeout_hours",
        "IMPACT_TREE_SESSION_ABSOLUTE_TIMEOUT_HOURS",
    ),
    ("rate_limits.window_secs", "IMPACT_TREE_RATE_LIMIT_WINDOW_SECS"),
    ("rate_limits.login_per_ip", "IMPACT_TREE_RATE_LIMIT_LOGIN_PER_IP"),
    (
        "rate_limits.login_failures_per_account",
        "IMPACT_TREE_RATE_LIMIT_LOGIN_FAILURES_PER_ACCOUNT",
    ),
    ("rate_limits.signup_per_ip", "IMPACT_TREE_RATE_LIMIT_SIGNUP_PER_IP"),
    ("limits.title_max_chars", "IMPACT_TREE_TITLE_MAX_CHARS"),
    ("limits.description_max_chars", "IMPACT_TREE_DESCRIPTION_MAX_CHARS"),
    ("limits.template_data_max_bytes", "IMPACT_TREE_TEMPLATE_DATA_MAX_BYTES"),
    ("limits.nodes_per_tree_max", "IMPACT_TREE_NODES_PER_TREE_MAX"),
    ("caches.tree_answers_mb", "IMPACT_TREE_CACHE_TREE_ANSWERS_MB"),
    ("caches.editor_pages_mb", "IMPACT_TREE_CACHE_EDITOR_PAGES_MB"),
    ("caches.shared_answers_mb", "IMPACT_TREE_CACHE_SHARED_ANSWERS_MB"),
    ("caches.share_pages_mb", "IMPACT_TREE_CACHE_SHARE_PAGES_MB"),
];

fn var(key: &str) -> &'static str {
    ENV_VARS
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, v)| *v)
        .expect("every key has an environment variable")
}

impl Config {
    /// Reads `path` (a missing file means all defaults) and the process environment.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = match std::fs::read_to_string(path) {
            Ok(text) => Some(text),
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => None,
            Err(err) => {
                return Err(ConfigError(format!("cannot read {}: {err}", path.display())));
            }
        };
        let env: HashMap<String, String> = std::env::vars()
            .filter(|(k, _)| ENV_VARS.iter().any(|(_, v)| v == k))
            .collect();
        Self::from_parts(&path.display().to_string(), text.as_deref(), &env)
    }

    /// Pure core of [`Config::load`], so tests need neither files nor process-wide variables.
    pub fn from_parts(file_name: &str, text: Option<&str>, env: &HashMap<String, String>) -> Result<Self, ConfigError> {
        let raw: RawConfig = match text {
            Some(text) => toml::from_str(text).map_err(|err| {
                // toml's message names the offending key and shows the line.
                ConfigError(format!("{file_name}: {}", err.to_string().trim_end()))
            })?,
            None => RawConfig::default(),
        };
        let r = Resolver { file: file_name, env };

        let (environment, source) = r.string(var("site.environment"), raw.site.environment, "development");
        let environment = Environment::parse(&environment).ok_or_else(|| {
            ConfigError(format!(
                "{} must be \"development\" or \"production\", got {environment:?}",
                describe("site.environment", &source)
            ))
        })?;

        let (addr, source) = r.string(var("site.addr"), raw.site.addr, "127.0.0.1:3000");
        let addr: SocketAddr = addr.trim().parse().map_err(|_| {
            ConfigError(format!(
                "{} must be an address like 127.0.0.1:3000, got {addr:?}",
                describe("site.addr", &source)
            ))
        })?;

        let non_empty = |key: &str, value: (String, Source<'_>)| -> Result<String, ConfigError> {
            if value.0.trim().is_empty() {
                Err(ConfigError(format!("{} must not be empty", describe(key, &value.1))))
            } else {
                Ok(value.0)
            }
        };
        let root = non_empty("site.root", r.string(var("site.root"), raw.site.root, "target/site"))?;
        let pkg_dir = non_empty("site.pkg_dir", r.string(var("site.pkg_dir"), raw.site.pkg_dir, "pkg"))?;
        let output_name = non_empty(
            "site.output_name",
            r.string(var("site.output_name"), raw.site.output_name, "impact-tree"),
        )?;
        let reload_port = r.integer(
            "site.reload_port",
            var("site.reload_port"),
            raw.site.reload_port,
            3001,
            1..=65535,
        )? as u32;

        let (origin, source) = r.string(var("site.public_origin"), raw.site.public_origin, "");
        let public_origin = if origin.trim().is_empty() {
            format!("http://{addr}")
        } else {
            normalize_origin(origin.trim()).ok_or_else(|| {
                ConfigError(format!(
                    "{} must be a scheme and host like https://trees.example.com (no path), got {origin:?}",
                    describe("site.public_origin", &source)
                ))
            })?
        };

        let (url, source) = r.string(
            var("database.url"),
            raw.database.url,
            "postgres://postgres@127.0.0.1:5432/impact_tree",
        );
        if !(url.starts_with("postgres://") || url.starts_with("postgresql://")) {
            return Err(ConfigError(format!(
                "{} must be a postgres:// URL",
                describe("database.url", &source)
            )));
        }
        let db_int = |key: &str, file: Option<i64>, default: i64, range| r.integer(key, var(key), file, default, range);
        let max_connections = db_int("database.max_connections", raw.database.max_connections, 20, 1..=1000)? as u32;
        let min_connections = db_int("database.min_connections", raw.database.min_connections, 5, 0..=1000)? as u32;
        if min_connections > max_connections {
            return Err(ConfigError(format!(
                "`database.min_connections` ({min_connections}) must not exceed `database.max_connections` ({max_connections})"
            )));
        }
        let secs = |v: i64| Duration::from_secs(v as u64);
        let idle_timeout = secs(db_int(
            "database.idle_timeout_secs",
            raw.database.idle_timeout_secs,
            30,
            1..=86_400,
        )?);
        let acquire_timeout = secs(db_int(
            "database.acquire_timeout_secs",
            raw.database.acquire_timeout_secs,
            3,
            1..=600,
        )?);
        let statement_timeout = secs(db_int(
            "database.statement_timeout_secs",
            raw.database.statement_timeout_secs,
            30,
            1..=3_600,
        )?);
        let startup_timeout = secs(db_int(
            "database.startup_timeout_secs",
            raw.database.startup_timeout_secs,
            30,
            0..=3_600,
        )?);

        let body_limit_bytes = r.integer(
            "http.body_limit_bytes",
            var("http.body_limit_bytes"),
            raw.http.body_limit_bytes,
            2 * 1024 * 1024,
            1024..=1024 * 1024 * 1024,
        )? as usize;
        let request_timeout = secs(r.integer(
            "http.request_timeout_secs",
            var("http.request_timeout_secs"),
            raw.http.request_timeout_secs,
            30,
            1..=3_600,
        )?);
        let shutdown_grace = secs(r.integer(
            "http.shutdown_grace_secs",
            var("http.shutdown_grace_secs"),
            raw.http.shutdown_grace_secs,
            20,
            0..=3_600,
        )?);

        let flag = |key: &str, file: Option<bool>, default: &str| -> Result<bool, ConfigError> {
            let (value, source) = r.string(var(key), file.map(|b| b.to_string()), default);
            parse_bool(&value).ok_or_else(|| {
                ConfigError(format!(
                    "{} must be true or false, got {value:?}",
                    describe(key, &source)
                ))
            })
        };
        let trust_forwarded_for = flag("http.trust_forwarded_for", raw.http.trust_forwarded_for, "false")?;
        let share_page_cache = flag("http.share_page_cache", raw.http.share_page_cache, "true")?;

        let int = |key: &str, file: Option<i64>, default: i64, range| r.integer(key, var(key), file, default, range);
        let sessions = SessionConfig {
            idle_timeout: Duration::from_secs(
                60 * int(
                    "sessions.idle_timeout_mins",
                    raw.sessions.idle_timeout_mins,
                    7 * 24 * 60,
                    1..=525_600,
                )? as u64,
            ),
            absolute_timeout: Duration::from_secs(
                3600 * int(
                    "sessions.absolute_timeout_hours",
                    raw.sessions.absolute_timeout_hours,
                    30 * 24,
                    1..=8_760,
                )? as u64,
            ),
        };
        if sessions.idle_timeout > sessions.absolute_timeout {
            return Err(ConfigError(
                "`sessions.idle_timeout_mins` must not exceed `sessions.absolute_timeout_hours`".into(),
            ));
        }
        let rate_limits = RateLimitConfig {
            window: Duration::from_secs(
                int("rate_limits.window_secs", raw.rate_limits.window_secs, 900, 1..=86_400)? as u64,
            ),
            login_per_ip: int(
                "rate_limits.login_per_ip",
                raw.rate_limits.login_per_ip,
                30,
                1..=1_000_000,
            )? as u32,
            login_failures_per_account: int(
                "rate_limits.login_failures_per_account",
                raw.rate_limits.login_failures_per_account,
                10,
                1..=1_000_000,
            )? as u32,
            signup_per_ip: int(
                "rate_limits.signup_per_ip",
                raw.rate_limits.signup_per_ip,
                10,
                1..=1_000_000,
            )? as u32,
        };

        let defaults = crate::model::Limits::default();
        let title_max = int(
            "limits.title_max_chars",
            raw.limits.title_max_chars,
            defaults.title_max as i64,
            1..=10_000,
        )? as usize;
        let limits = crate::model::Limits {
            title_max,
            tree_name_max: title_max,
            description_max: int(
                "limits.description_max_chars",
                raw.limits.description_max_chars,
                defaults.description_max as i64,
                0..=1_000_000,
            )? as usize,
            template_data_max_bytes: int(
                "limits.template_data_max_bytes",
                raw.limits.template_data_max_bytes,
                defaults.template_data_max_bytes as i64,
                2..=1_048_576,
            )? as usize,
            nodes_per_tree_max: int(
                "limits.nodes_per_tree_max",
                raw.limits.nodes_per_tree_max,
                defaults.nodes_per_tree_max as i64,
                1..=10_000_000,
            )? as usize,
        };

        let megabytes = |key: &str, file: Option<i64>, default: i64| -> Result<usize, ConfigError> {
            Ok(int(key, file, default, 0..=1_048_576)? as usize * 1024 * 1024)
        };
        let caches = CacheConfig {
            tree_answers_bytes: megabytes("caches.tree_answers_mb", raw.caches.tree_answers_mb, 256)?,
            editor_pages_bytes: megabytes("caches.editor_pages_mb", raw.caches.editor_pages_mb, 128)?,
            shared_answers_bytes: megabytes("caches.shared_answers_mb", raw.caches.shared_answers_mb, 64)?,
            share_pages_bytes: megabytes("caches.share_pages_mb", raw.caches.share_pages_mb, 128)?,
        };

        let secure_raw = match raw.cookies.secure {
            None => None,
            Some(toml::Value::Boolean(b)) => Some(b.to_string()),
            Some(toml::Value::String(s)) => Some(s),
            Some(other) => Some(other.to_string()),
        };
        let (secure, source) = r.string(var("cookies.secure"), secure_raw, "auto");
        let secure = if secure.trim().eq_ignore_ascii_case("auto") {
            environment == Environment::Production
        } else {
            parse_bool(&secure).ok_or_else(|| {
                ConfigError(format!(
                    "{} must be auto, true or false, got {secure:?}",
                    describe("cookies.secure", &source)
                ))
            })?
        };

        Ok(Config {
            site: SiteConfig {
                addr,
                root,
                pkg_dir,
                output_name,
                environment,
                reload_port,
                public_origin,
            },
            database: DatabaseConfig {
                url,
                max_connections,
                min_connections,
                idle_timeout,
                acquire_timeout,
                statement_timeout,
                startup_timeout,
            },
            http: HttpConfig {
                body_limit_bytes,
                request_timeout,
                shutdown_grace,
                trust_forwarded_for,
                share_page_cache,
            },
            cookies: CookieConfig { secure },
            sessions,
            rate_limits,
            limits,
            caches,
        })
    }

    pub fn is_production(&self) -> bool {
        self.site.environment == Environment::Production
    }

    /// The options Leptos itself needs (asset paths, reload port), derived from ours so there is
    /// one source of truth.
    pub fn leptos_options(&self) -> LeptosOptions {
        LeptosOptions::builder()
            .output_name(self.site.output_name.as_str())
            .site_root(self.site.root.as_str())
            .site_pkg_dir(self.site.pkg_dir.as_str())
            .env(match self.site.environment {
                Environment::Development => Env::DEV,
                Environment::Production => Env::PROD,
            })
            .site_addr(self.site.addr)
            .reload_port(self.site.reload_port)
            .build()
    }

    /// The database URL with any password replaced, for logs.
    pub fn redacted_database_url(&self) -> String {
        redact_url(&self.database.url)
    }
}

fn parse_bool(value: &str) -> Option<bool> {
    match value.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "yes" | "on" => Some(true),
        "false" | "0" | "no" | "off" => Some(false),
        _ => None,
    }
}

fn normalize_origin(origin: &str) -> Option<String> {
    let origin = origin.trim_end_matches('/');
    let (scheme, rest) = origin.split_once("://")?;
    if !(scheme == "http" || scheme == "https") || rest.is_empty() || rest.contains(['/', '?', '#', ' ']) {
        return None;
    }
    Some(format!("{scheme}://{}", rest.to_ascii_lowercase()))
}

pub fn redact_url(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((userinfo, host)) => match userinfo.split_once(':') {
            Some((user, _password)) => format!("{scheme}://{user}:***@{host}"),
            None => url.to_string(),
        },
        None => url.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn defaults_without_a_file() {
        let config = Config::from_parts("Leptos.toml", None, &env(&[])).unwrap();
        assert_eq!(config.database.max_connections, 20);
        assert_eq!(config.database.min_connections, 5);
        assert_eq!(config.database.idle_timeout, Duration::from_secs(30));
        assert_eq!(config.http.body_limit_bytes, 2 * 1024 * 1024);
        assert_eq!(config.site.public_origin, "http://127.0.0.1:3000");
        assert!(!config.cookies.secure);
        assert_eq!(config.caches.tree_answers_bytes, 256 << 20);
        assert_eq!(config.caches.editor_pages_bytes, 128 << 20);
        assert_eq!(config.caches.shared_answers_bytes, 64 << 20);
        assert_eq!(config.caches.share_pages_bytes, 128 << 20);
    }

    #[test]
    fn cache_sizes_are_megabytes_and_zero_keeps_nothing() {
        let text = "[caches]\ntree_answers_mb = 32\nshare_pages_mb = 0\n";
        let config = Config::from_parts("L", Some(text), &env(&[("IMPACT_TREE_CACHE_EDITOR_PAGES_MB", "1")])).unwrap();
        assert_eq!(config.caches.tree_answers_bytes, 32 * 1024 * 1024);
        assert_eq!(config.caches.editor_pages_bytes, 1024 * 1024);
        assert_eq!(config.caches.share_pages_bytes, 0);
        let err = Config::from_parts("L", Some("[caches]\nshared_answers_mb = -1\n"), &env(&[])).unwrap_err();
        assert!(err.0.contains("`caches.shared_answers_mb` in L"), "{err}");
    }

    #[test]
    fn unknown_keys_are_named() {
        let err = Config::from_parts("Leptos.toml", Some("[database]\nmax_conections = 3\n"), &env(&[])).unwrap_err();
        assert!(err.0.contains("max_conections"), "{err}");
    }

    #[test]
    fn out_of_range_values_name_key_and_variable() {
        let err = Config::from_parts("L.toml", Some("[database]\nmax_connections = 0\n"), &env(&[])).unwrap_err();
        assert!(err.0.contains("`database.max_connections` in L.toml"), "{err}");
        let err = Config::from_parts("L.toml", None, &env(&[("IMPACT_TREE_BODY_LIMIT_BYTES", "lots")])).unwrap_err();
        assert!(err.0.contains("IMPACT_TREE_BODY_LIMIT_BYTES"), "{err}");
        assert!(err.0.contains("http.body_limit_bytes"), "{err}");
    }

    #[test]
    fn min_above_max_is_refused() {
        let text = "[database]\nmax_connections = 4\nmin_connections = 5\n";
        let err = Config::from_parts("L.toml", Some(text), &env(&[])).unwrap_err();
        assert!(err.0.contains("database.min_connections"), "{err}");
    }

    #[test]
    fn production_turns_secure_cookies_on_unless_told_otherwise() {
        let prod = Config::from_parts("L", Some("[site]\nenvironment = \"production\"\n"), &env(&[])).unwrap();
        assert!(prod.cookies.secure);
        let off = Config::from_parts(
            "L",
            None,
            &env(&[("LEPTOS_ENV", "PROD"), ("IMPACT_TREE_COOKIE_SECURE", "false")]),
        )
        .unwrap();
        assert!(off.is_production());
        assert!(!off.cookies.secure);
    }

    #[test]
    fn public_origin_is_normalised_and_checked() {
        let ok = Config::from_parts(
            "L",
            None,
            &env(&[("IMPACT_TREE_PUBLIC_ORIGIN", "https://Trees.Example.com/")]),
        )
        .unwrap();
        assert_eq!(ok.site.public_origin, "https://trees.example.com");
        let err = Config::from_parts(
            "L",
            None,
            &env(&[("IMPACT_TREE_PUBLIC_ORIGIN", "trees.example.com/app")]),
        )
        .unwrap_err();
        assert!(err.0.contains("site.public_origin"), "{err}");
    }

    #[test]
    fn passwords_are_redacted() {
        assert_eq!(
            redact_url("postgres://app:s3cret@db:5432/x"),
            "postgres://app:***@db:5432/x"
        );
        assert_eq!(
            redact_url("postgres://postgres@127.0.0.1/x"),
            "postgres://postgres@127.0.0.1/x"
        );
    }
}

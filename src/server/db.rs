use std::str::FromStr;
use std::time::{Duration, Instant};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions, PgSslMode};
use sqlx::{Connection, PgPool};

use super::config::DatabaseConfig;

/// Every migration in `migrations/`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

pub fn connect_options(config: &DatabaseConfig) -> Result<PgConnectOptions, sqlx::Error> {
    // TLS follows the URL's `sslmode` (e.g. `?sslmode=require`), handled by sqlx with rustls;
    // a URL without one gets TLS only for a database elsewhere (`plain_by_default`).
    let statement_timeout = format!("{}", config.statement_timeout.as_millis());
    let mut options = PgConnectOptions::from_str(&config.url)?;
    if std::env::var_os("PGSSLMODE").is_none() && plain_by_default(&config.url, options.get_host()) {
        options = options.ssl_mode(PgSslMode::Disable);
    }
    Ok(options
        .application_name("impact-tree")
        // `timestamp` columns (the seed's) are written by now(): keep them in UTC.
        .options([("timezone", "UTC"), ("statement_timeout", statement_timeout.as_str())]))
}

/// Whether a URL that does not choose `sslmode` gets a plain connection: yes for a database on
/// this host. The default (`prefer`, as libpq's) takes TLS wherever the server offers it, which
/// Debian's PostgreSQL does, and over loopback that protects nothing while costing both sides:
/// decrypting the rows was ~6 % of a share page's server time. A URL (or `PGSSLMODE`) that
/// names a mode gets that mode.
fn plain_by_default(url: &str, host: &str) -> bool {
    let names_mode = url
        .split_once('?')
        .is_some_and(|(_, query)| query.split('&').any(|pair| pair.starts_with("sslmode=")));
    let local = host == "localhost"
        || host.starts_with('/')
        || host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    !names_mode && local
}

/// The pool as the seed configures it: max 20, min 5, idle 30 s, short acquire timeout.
pub fn pool_options(config: &DatabaseConfig) -> PgPoolOptions {
    PgPoolOptions::new()
        .max_connections(config.max_connections)
        .min_connections(config.min_connections)
        .idle_timeout(Some(config.idle_timeout))
        .acquire_timeout(config.acquire_timeout)
        // Connections die with database restarts; test one before handing it out again after
        // it sat idle. Not after every use: sqlx's `test_before_acquire` pings on every
        // acquire, a round trip added to every request of a busy server.
        .test_before_acquire(false)
        .before_acquire(|conn, meta| {
            Box::pin(async move {
                // sqlx pings each connection as it comes back to the pool, so one used a
                // moment ago is known good. A failed ping closes it; the pool hands out (or
                // opens) another.
                if meta.idle_for < PING_AFTER_IDLE {
                    Ok(true)
                } else {
                    conn.ping().await.map(|()| true)
                }
            })
        })
}

/// How long a pooled connection may sit unused before it is tested when handed out again.
const PING_AFTER_IDLE: Duration = Duration::from_secs(1);

/// Connects, waiting up to `startup_timeout` for the database to come up (containers and
/// services often start together).
pub async fn connect(config: &DatabaseConfig) -> Result<PgPool, sqlx::Error> {
    let options = connect_options(config)?;
    let started = Instant::now();
    let mut delay = Duration::from_millis(200);
    loop {
        match pool_options(config).connect_with(options.clone()).await {
            Ok(pool) => return Ok(pool),
            Err(err) if started.elapsed() + delay < config.startup_timeout && is_transient(&err) => {
                tracing::warn!(error = %err, "database not reachable yet, retrying");
                tokio::time::sleep(delay).await;
                delay = (delay * 2).min(Duration::from_secs(3));
            }
            Err(err) => return Err(err),
        }
    }
}

fn is_transient(err: &sqlx::Error) -> bool {
    match err {
        sqlx::Error::Io(_) | sqlx::Error::PoolTimedOut | sqlx::Error::Tls(_) => true,
        // 57P03: the database system is starting up.
        sqlx::Error::Database(db) => db.code().as_deref() == Some("57P03"),
        _ => false,
    }
}

/// Applies pending migrations. sqlx takes an advisory lock, so several servers starting at
/// once run each migration exactly once.
pub async fn migrate(pool: &PgPool) -> Result<(), sqlx::migrate::MigrateError> {
    MIGRATOR.run(pool).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mode(url: &str) -> PgSslMode {
        let config = DatabaseConfig {
            url: url.to_string(),
            max_connections: 1,
            min_connections: 0,
            idle_timeout: Duration::from_secs(1),
            acquire_timeout: Duration::from_secs(1),
            statement_timeout: Duration::from_secs(1),
            startup_timeout: Duration::from_secs(1),
        };
        connect_options(&config).expect("a valid URL").get_ssl_mode()
    }

    #[test]
    fn a_database_on_this_host_is_reached_without_tls_unless_the_url_asks() {
        if std::env::var_os("PGSSLMODE").is_some() {
            return; // the environment chooses, by design
        }
        for local in [
            "postgres://postgres@127.0.0.1:5432/impact_tree",
            "postgres://postgres@127.0.0.2/impact_tree",
            "postgres://postgres@localhost/impact_tree?application_name=x",
            "postgres://postgres@[::1]:5432/impact_tree",
            "postgres://postgres@%2Fvar%2Frun%2Fpostgresql/impact_tree",
        ] {
            assert!(matches!(mode(local), PgSslMode::Disable), "{local}");
        }
        assert!(matches!(
            mode("postgres://postgres@127.0.0.1/impact_tree?sslmode=require"),
            PgSslMode::Require
        ));
        assert!(matches!(
            mode("postgres://postgres@localhost/impact_tree?application_name=x&sslmode=prefer"),
            PgSslMode::Prefer
        ));
        for remote in [
            "postgres://postgres@db.example.com/impact_tree",
            "postgres://postgres@10.0.0.5:5432/impact_tree",
        ] {
            assert!(matches!(mode(remote), PgSslMode::Prefer), "{remote}");
        }
    }
}

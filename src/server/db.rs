use std::str::FromStr;
use std::time::{Duration, Instant};

use sqlx::postgres::{PgConnectOptions, PgPoolOptions};
use sqlx::{Connection, PgPool};

use super::config::DatabaseConfig;

/// Every migration in `migrations/`, embedded in the binary.
pub static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!("./migrations");

pub fn connect_options(config: &DatabaseConfig) -> Result<PgConnectOptions, sqlx::Error> {
    // TLS follows the URL's `sslmode` (e.g. `?sslmode=require`), handled by sqlx with rustls.
    let statement_timeout = format!("{}", config.statement_timeout.as_millis());
    Ok(PgConnectOptions::from_str(&config.url)?
        .application_name("impact-tree")
        // `timestamp` columns (the seed's) are written by now(): keep them in UTC.
        .options([("timezone", "UTC"), ("statement_timeout", statement_timeout.as_str())]))
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

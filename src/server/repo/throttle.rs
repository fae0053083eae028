use std::time::Duration;

use sqlx::PgExecutor;

fn interval(window: Duration) -> sqlx::postgres::types::PgInterval {
    sqlx::postgres::types::PgInterval {
        months: 0,
        days: 0,
        microseconds: window.as_micros() as i64,
    }
}

/// Counts one attempt for `key` in the current fixed window and returns the attempts so far,
/// this one included. One statement, so concurrent attempts are all counted.
pub async fn hit(db: impl PgExecutor<'_>, key: &str, window: Duration) -> Result<i32, sqlx::Error> {
    sqlx::query_scalar!(
        r#"INSERT INTO auth_throttle AS t (key, window_started_at, attempts) VALUES ($1, now(), 1)
           ON CONFLICT (key) DO UPDATE SET
             attempts = CASE WHEN t.window_started_at <= now() - $2::interval THEN 1 ELSE t.attempts + 1 END,
             window_started_at = CASE WHEN t.window_started_at <= now() - $2::interval THEN now() ELSE t.window_started_at END
           RETURNING attempts"#,
        key,
        interval(window)
    )
    .fetch_one(db)
    .await
}

/// The attempts counted for `key` in the current window, without counting one.
pub async fn attempts(db: impl PgExecutor<'_>, key: &str, window: Duration) -> Result<i32, sqlx::Error> {
    let count = sqlx::query_scalar!(
        "SELECT attempts FROM auth_throttle WHERE key = $1 AND window_started_at > now() - $2::interval",
        key,
        interval(window)
    )
    .fetch_optional(db)
    .await?;
    Ok(count.unwrap_or(0))
}

/// Forgets counters whose window ended long ago.
pub async fn purge_older_than(db: impl PgExecutor<'_>, age: Duration) -> Result<u64, sqlx::Error> {
    let done = sqlx::query!(
        "DELETE FROM auth_throttle WHERE window_started_at < now() - $1::interval",
        interval(age)
    )
    .execute(db)
    .await?;
    Ok(done.rows_affected())
}

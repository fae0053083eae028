//! A ready-made account for a newcomer's first run, in development only.

use sqlx::PgPool;

use super::auth::password;
use super::repo;

pub const DEMO_EMAIL: &str = "demo@impact-tree.test";
pub const DEMO_PASSWORD: &str = "demo-impact-tree";

/// Creates the demo account if it does not exist, and returns what to print.
pub async fn ensure_demo_account(pool: &PgPool) -> Result<String, crate::error::AppError> {
    if repo::users::find_by_email(pool, DEMO_EMAIL).await?.is_none() {
        let hash = password::hash(DEMO_PASSWORD.to_string()).await?;
        match repo::users::insert(pool, DEMO_EMAIL, "Demo PM", &hash).await {
            Ok(_) => tracing::info!("created the demo account"),
            // Another server process made it at the same moment.
            Err(sqlx::Error::Database(db)) if db.constraint() == Some("users_email_key") => {}
            Err(err) => return Err(err.into()),
        }
    }
    Ok(format!(
        "demo account (development only): {DEMO_EMAIL} / {DEMO_PASSWORD}"
    ))
}

use sqlx::PgExecutor;
use time::format_description::well_known::Rfc3339;

use crate::model::DbStatus;

pub async fn db_status(db: impl PgExecutor<'_>) -> Result<DbStatus, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT
             (SELECT max(version) FROM _sqlx_migrations WHERE success) AS "schema_version!",
             current_setting('server_version') AS "server_version!",
             now() AS "now!""#
    )
    .fetch_one(db)
    .await?;
    Ok(DbStatus {
        schema_version: row.schema_version,
        server_version: row.server_version,
        database_time: row.now.format(&Rfc3339).unwrap_or_default(),
    })
}

/// The cheapest round trip that proves the database answers.
pub async fn ping(db: impl PgExecutor<'_>) -> Result<(), sqlx::Error> {
    sqlx::query!("SELECT 1 AS one").fetch_one(db).await.map(|_| ())
}

use sqlx::PgExecutor;

/// A row of `users` as the server sees it (the browser gets `model::CurrentUser`).
#[derive(Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: String,
    pub email: Option<String>,
    pub display_name: String,
    pub password_hash: Option<String>,
}

// The hash stays out of logs.
impl std::fmt::Debug for UserRecord {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("UserRecord")
            .field("id", &self.id)
            .field("email", &self.email)
            .finish_non_exhaustive()
    }
}

pub async fn insert(
    db: impl PgExecutor<'_>,
    email: &str,
    display_name: &str,
    password_hash: &str,
) -> Result<UserRecord, sqlx::Error> {
    sqlx::query_as!(
        UserRecord,
        "INSERT INTO users (email, display_name, password_hash) VALUES ($1, $2, $3)
         RETURNING id, email, display_name, password_hash",
        email,
        display_name,
        password_hash
    )
    .fetch_one(db)
    .await
}

/// By address, whatever its case (backed by the unique index on lower(email)).
pub async fn find_by_email(db: impl PgExecutor<'_>, email: &str) -> Result<Option<UserRecord>, sqlx::Error> {
    sqlx::query_as!(
        UserRecord,
        "SELECT id, email, display_name, password_hash FROM users WHERE lower(email) = lower($1)",
        email
    )
    .fetch_optional(db)
    .await
}

pub async fn find_by_id(db: impl PgExecutor<'_>, id: &str) -> Result<Option<UserRecord>, sqlx::Error> {
    sqlx::query_as!(
        UserRecord,
        "SELECT id, email, display_name, password_hash FROM users WHERE id = $1",
        id
    )
    .fetch_optional(db)
    .await
}

pub async fn set_password_hash(db: impl PgExecutor<'_>, id: &str, password_hash: &str) -> Result<(), sqlx::Error> {
    let done = sqlx::query!("UPDATE users SET password_hash = $2 WHERE id = $1", id, password_hash)
        .execute(db)
        .await?;
    if done.rows_affected() == 0 {
        return Err(sqlx::Error::RowNotFound);
    }
    Ok(())
}

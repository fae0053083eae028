//! Accounts and sessions: axum-login over tower-sessions, stored in PostgreSQL.

pub mod password;
pub mod session;

use axum_login::{AuthUser, AuthnBackend, UserId};
use sqlx::PgPool;

use crate::error::AppError;
use crate::model::CurrentUser;
use crate::server::repo::{self, users::UserRecord};

#[derive(Clone, Debug)]
pub struct User(pub UserRecord);

impl AuthUser for User {
    type Id = String;

    fn id(&self) -> String {
        self.0.id.clone()
    }

    /// Sessions remember this; when the password changes, every other session stops matching
    /// and is logged out.
    fn session_auth_hash(&self) -> &[u8] {
        self.0.password_hash.as_deref().unwrap_or("").as_bytes()
    }
}

impl User {
    pub fn public(&self) -> CurrentUser {
        CurrentUser {
            id: self.0.id.clone(),
            email: self.0.email.clone().unwrap_or_default(),
            display_name: self.0.display_name.clone(),
        }
    }
}

#[derive(Clone)]
pub struct Credentials {
    pub email: String,
    pub password: String,
}

#[derive(Clone)]
pub struct Backend {
    pool: PgPool,
}

impl Backend {
    pub fn new(pool: PgPool) -> Self {
        Backend { pool }
    }
}

impl AuthnBackend for Backend {
    type User = User;
    type Credentials = Credentials;
    type Error = AppError;

    async fn authenticate(&self, creds: Credentials) -> Result<Option<User>, AppError> {
        let record = repo::users::find_by_email(&self.pool, &creds.email).await?;
        // Verify even when there is no such account: same time, same answer.
        let stored = record.as_ref().and_then(|r| r.password_hash.clone());
        let ok = password::verify(creds.password, stored).await?;
        Ok(record.filter(|_| ok).map(User))
    }

    async fn get_user(&self, id: &UserId<Self>) -> Result<Option<User>, AppError> {
        Ok(repo::users::find_by_id(&self.pool, id).await?.map(User))
    }
}

pub type AuthSession = axum_login::AuthSession<Backend>;

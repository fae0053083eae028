use leptos::prelude::*;

use crate::error::AppError;
use crate::model::DbStatus;

/// The database's view of itself, for the status line.
#[server(prefix = "/api", endpoint = "db_status")]
pub async fn get_db_status() -> Result<DbStatus, AppError> {
    use crate::server::{repo, respond::with_status, state::app_state};

    let result: Result<DbStatus, AppError> = async {
        let state = app_state()?;
        Ok(repo::status::db_status(&state.pool).await?)
    }
    .await;
    with_status(result)
}

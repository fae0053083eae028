use leptos::prelude::*;

use crate::error::AppError;
use crate::model::DbStatus;

/// The database's view of itself, for the status line.
#[server(prefix = "/api", endpoint = "db_status")]
pub async fn get_db_status() -> Result<DbStatus, AppError> {
    use crate::server::{repo, state::app_state};

    let state = app_state()?;
    Ok(repo::status::db_status(&state.pool).await?)
}

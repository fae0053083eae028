use leptos::prelude::*;

use crate::error::AppError;
use crate::model::TreeSummary;

/// The caller's trees, newest first.
#[server(prefix = "/api", endpoint = "list_trees")]
pub async fn list_my_trees() -> Result<Vec<TreeSummary>, AppError> {
    use crate::server::{guard, repo};
    let (caller, user) = guard::require_user().await?;
    Ok(repo::trees::list_for_user(&caller.state.pool, &user.0.id).await?)
}

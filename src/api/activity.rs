//! Activity feeds, newest first, paginated by id.

use leptos::prelude::*;

use crate::error::AppError;
use crate::model::ActivityPage;

/// A tree's activity: `limit` entries (default 50, at most 100) older than `before`.
#[server(prefix = "/api", endpoint = "tree_activity")]
pub async fn tree_activity(tree_id: i32, before: Option<i32>, limit: Option<i64>) -> Result<ActivityPage, AppError> {
    use crate::model::activity::ACTIVITY_PAGE_MAX;
    use crate::server::{guard, repo};
    let (caller, user) = guard::require_user().await?;
    // Ownership first, so another user's tree is NotFound rather than an empty feed.
    repo::trees::get_meta(&caller.state.pool, &user.0.id, tree_id).await?;
    let limit = limit.unwrap_or(50).clamp(1, ACTIVITY_PAGE_MAX);
    Ok(repo::activity::feed_for_tree(&caller.state.pool, &user.0.id, tree_id, before, limit).await?)
}

/// A tree's latest 20 entries as the editor's side panel shows them, rendered
/// (`ui::editor::panel::activity_markup`): the plain client puts the markup in the page as it
/// is. Another user's tree is NotFound, as for [`tree_activity`].
#[server(prefix = "/api", endpoint = "tree_activity_markup")]
pub async fn tree_activity_markup(tree_id: i32) -> Result<String, AppError> {
    let page = tree_activity(tree_id, None, Some(20)).await?;
    Ok(crate::ui::editor::panel::activity_markup(&page))
}

/// The caller's own recent activity across all trees.
#[server(prefix = "/api", endpoint = "my_activity")]
pub async fn my_activity(before: Option<i32>, limit: Option<i64>) -> Result<ActivityPage, AppError> {
    use crate::model::activity::ACTIVITY_PAGE_MAX;
    use crate::server::{guard, repo};
    let (caller, user) = guard::require_user().await?;
    let limit = limit.unwrap_or(50).clamp(1, ACTIVITY_PAGE_MAX);
    Ok(repo::activity::recent_for_user(&caller.state.pool, &user.0.id, before, limit).await?)
}

/// The dashboard's numbers: trees, nodes, node types, phases and activity over 30 days.
#[server(prefix = "/api", endpoint = "analytics")]
pub async fn my_analytics() -> Result<crate::model::analytics::Analytics, AppError> {
    use crate::server::{guard, repo};
    let (caller, user) = guard::require_user().await?;
    Ok(repo::analytics::for_user(&caller.state.pool, &user.0.id).await?)
}

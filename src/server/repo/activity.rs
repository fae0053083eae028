use sqlx::PgExecutor;

use super::trees::rfc3339;
use crate::model::{ActivityEntry, ActivityPage};

/// Who did something, from where: the context columns of `user_activities`.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user_id: String,
    pub session_id: Option<String>,
    pub user_agent: Option<String>,
    pub ip_address: Option<String>,
}

/// Writes one activity row. Call it inside the transaction of the change it describes.
pub async fn record(
    db: impl PgExecutor<'_>,
    actor: &Actor,
    tree_id: Option<i32>,
    activity_type: &str,
    description: &str,
    data: serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO user_activities (user_id, tree_id, activity_type, description, session_id, activity_data, user_agent, ip_address)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        actor.user_id,
        tree_id,
        activity_type,
        description,
        actor.session_id,
        data,
        actor.user_agent,
        actor.ip_address
    )
    .execute(db)
    .await?;
    Ok(())
}

/// An account event (sign-up, log-in, password change): no tree, no data of its own.
pub async fn record_account_event(
    db: impl PgExecutor<'_>,
    actor: &Actor,
    activity_type: &str,
    description: &str,
) -> Result<(), sqlx::Error> {
    record(db, actor, None, activity_type, description, serde_json::json!({})).await
}

struct EntryRow {
    id: i32,
    tree_id: Option<i32>,
    activity_type: String,
    description: Option<String>,
    activity_data: Option<serde_json::Value>,
    created_at: time::PrimitiveDateTime,
}

fn page(rows: Vec<EntryRow>, limit: i64) -> ActivityPage {
    let next_before = (rows.len() as i64 == limit)
        .then(|| rows.last().map(|r| r.id))
        .flatten();
    ActivityPage {
        entries: rows
            .into_iter()
            .map(|r| ActivityEntry {
                id: r.id,
                tree_id: r.tree_id,
                activity_type: r.activity_type,
                description: r.description,
                data: r.activity_data.unwrap_or_else(|| serde_json::json!({})),
                created_at: rfc3339(r.created_at),
            })
            .collect(),
        next_before,
    }
}

/// A tree's feed, newest first, `limit` entries older than `before` (keyset pagination).
/// Scoped to the owner: another user's tree reads as empty, and the caller checks ownership.
pub async fn feed_for_tree(
    db: impl PgExecutor<'_>,
    user_id: &str,
    tree_id: i32,
    before: Option<i32>,
    limit: i64,
) -> Result<ActivityPage, sqlx::Error> {
    let rows = sqlx::query_as!(
        EntryRow,
        "SELECT a.id, a.tree_id, a.activity_type, a.description, a.activity_data, a.created_at
         FROM user_activities a JOIN impact_trees t ON t.id = a.tree_id
         WHERE a.tree_id = $1 AND t.user_id = $2 AND ($3::int IS NULL OR a.id < $3)
         ORDER BY a.id DESC LIMIT $4",
        tree_id,
        user_id,
        before,
        limit
    )
    .fetch_all(db)
    .await?;
    Ok(page(rows, limit))
}

/// The user's own recent activity across trees, newest first.
pub async fn recent_for_user(
    db: impl PgExecutor<'_>,
    user_id: &str,
    before: Option<i32>,
    limit: i64,
) -> Result<ActivityPage, sqlx::Error> {
    let rows = sqlx::query_as!(
        EntryRow,
        "SELECT id, tree_id, activity_type, description, activity_data, created_at
         FROM user_activities
         WHERE user_id = $1 AND ($2::int IS NULL OR id < $2)
         ORDER BY id DESC LIMIT $3",
        user_id,
        before,
        limit
    )
    .fetch_all(db)
    .await?;
    Ok(page(rows, limit))
}

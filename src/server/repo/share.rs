//! Share links. Only the SHA-256 of a token is stored; a token is looked up by its hash.

use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgExecutor};

use super::activity::{self, Actor};
use crate::error::AppError;
use crate::model::share::{ShareLink, SharedView};
use crate::model::DiscoveryPhase;

pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

fn rfc3339(t: time::OffsetDateTime) -> String {
    t.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}

/// A new link for `tree_id` (ownership already proved by the caller's lock); stores the hash.
pub async fn create(conn: &mut PgConnection, actor: &Actor, tree_id: i32, token: &str) -> Result<ShareLink, AppError> {
    let row = sqlx::query!(
        r#"INSERT INTO share_links (tree_id, token_hash, created_by) VALUES ($1, $2, $3)
           RETURNING id::text AS "id!", created_at"#,
        tree_id,
        &token_hash(token),
        actor.user_id
    )
    .fetch_one(&mut *conn)
    .await?;
    activity::record(
        &mut *conn,
        actor,
        Some(tree_id),
        "share_link_created",
        "Created a share link",
        serde_json::json!({ "linkId": row.id }),
    )
    .await?;
    Ok(ShareLink {
        id: row.id,
        created_at: rfc3339(row.created_at),
        revoked_at: None,
    })
}

pub async fn list(db: impl PgExecutor<'_>, tree_id: i32) -> Result<Vec<ShareLink>, AppError> {
    let rows = sqlx::query!(
        r#"SELECT id::text AS "id!", created_at, revoked_at FROM share_links
           WHERE tree_id = $1 ORDER BY created_at DESC, id"#,
        tree_id
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| ShareLink {
            id: r.id,
            created_at: rfc3339(r.created_at),
            revoked_at: r.revoked_at.map(rfc3339),
        })
        .collect())
}

/// Revokes a link of `tree_id`; at once, since every page view looks the token up.
pub async fn revoke(conn: &mut PgConnection, actor: &Actor, tree_id: i32, link_id: uuid::Uuid) -> Result<(), AppError> {
    let done = sqlx::query!(
        "UPDATE share_links SET revoked_at = coalesce(revoked_at, now()) WHERE id = $1 AND tree_id = $2",
        link_id,
        tree_id
    )
    .execute(&mut *conn)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    activity::record(
        &mut *conn,
        actor,
        Some(tree_id),
        "share_link_revoked",
        "Revoked a share link",
        serde_json::json!({ "linkId": link_id.to_string() }),
    )
    .await?;
    Ok(())
}

/// The tree behind a live token, public fields only, read in one snapshot. Plain rows, not
/// JSON built by the database: `jsonb_agg` of the nodes took ~4x as long as the rows.
pub async fn shared_tree(pool: &sqlx::PgPool, token: &str) -> Result<SharedView, AppError> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    let row = sqlx::query!(
        r#"SELECT t.id, t.name, t.description, t.discovery_phase, t.canvas_state
           FROM share_links s JOIN impact_trees t ON t.id = s.tree_id
           WHERE s.token_hash = $1 AND s.revoked_at IS NULL"#,
        &token_hash(token)
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    let nodes = super::nodes::all_in_tree(&mut tx, row.id).await?;
    let connections = super::trees::connections_in_tree(&mut tx, row.id).await?;
    tx.commit().await?;
    let canvas_state = super::trees::read_canvas_state(row.canvas_state);
    Ok(SharedView {
        name: row.name,
        description: row.description,
        discovery_phase: DiscoveryPhase::from_db(row.discovery_phase.as_deref()),
        canvas_state,
        nodes,
        connections,
    })
}

/// What the page of a live link shows: its tree, the tree's version and last change, and the
/// saved view. None when the link is unknown or revoked.
pub struct LiveVersion {
    pub tree_id: i32,
    pub version: i64,
    pub updated_at: time::PrimitiveDateTime,
    pub canvas_state: String,
}

pub async fn live_version(db: impl PgExecutor<'_>, token_hash: &[u8]) -> Result<Option<LiveVersion>, sqlx::Error> {
    sqlx::query_as!(
        LiveVersion,
        r#"SELECT t.id AS tree_id, t.version, t.updated_at, t.canvas_state::text AS "canvas_state!"
           FROM share_links s JOIN impact_trees t ON t.id = s.tree_id
           WHERE s.token_hash = $1 AND s.revoked_at IS NULL"#,
        token_hash
    )
    .fetch_optional(db)
    .await
}

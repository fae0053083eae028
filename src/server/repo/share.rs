//! Share links. Only the SHA-256 of a token is stored; a token is looked up by its hash.

use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgExecutor};

use super::activity::{self, Actor};
use crate::error::AppError;
use crate::model::share::{ShareLink, SharedView};
use crate::model::{CanvasState, Connection, DiscoveryPhase, Position, TreeNode};

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

/// The tree behind a live token, public fields only, in one round trip.
pub async fn shared_tree(db: impl PgExecutor<'_>, token: &str) -> Result<SharedView, AppError> {
    let row = sqlx::query!(
        r#"SELECT t.name, t.description, t.discovery_phase, t.canvas_state,
             coalesce((SELECT jsonb_agg(jsonb_build_object(
                 'id', n.id, 'parent_id', n.parent_id, 'node_type', n.node_type, 'title', n.title,
                 'description', n.description, 'position', n.position, 'is_collapsed', coalesce(n.is_collapsed, false),
                 'template_data', coalesce(n.template_data, '{}'::jsonb), 'sort_order', n.sort_order, 'version', n.version)
                 ORDER BY n.parent_id NULLS FIRST, n.sort_order, n.id)
               FROM tree_nodes n WHERE n.tree_id = t.id), '[]'::jsonb) AS "nodes!",
             coalesce((SELECT jsonb_agg(jsonb_build_object('id', c.id::text, 'from_node_id', c.from_node_id, 'to_node_id', c.to_node_id) ORDER BY c.id)
               FROM node_connections c WHERE c.tree_id = t.id), '[]'::jsonb) AS "connections!"
           FROM share_links s JOIN impact_trees t ON t.id = s.tree_id
           WHERE s.token_hash = $1 AND s.revoked_at IS NULL"#,
        &token_hash(token)
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)?;
    #[derive(serde::Deserialize)]
    struct Node {
        id: String,
        parent_id: Option<String>,
        node_type: String,
        title: String,
        description: Option<String>,
        position: Option<serde_json::Value>,
        is_collapsed: bool,
        template_data: serde_json::Value,
        sort_order: i32,
        version: i64,
    }
    let nodes: Vec<Node> = serde_json::from_value(row.nodes).map_err(|err| {
        tracing::error!(error = %err, "shared tree nodes did not read");
        AppError::Internal
    })?;
    let nodes = nodes
        .into_iter()
        .map(|n| TreeNode {
            node_type: n.node_type.parse().unwrap_or(crate::model::NodeType::Opportunity),
            id: n.id,
            parent_id: n.parent_id,
            title: n.title,
            description: n.description,
            position: n
                .position
                .and_then(|p| serde_json::from_value::<Position>(p).ok())
                .unwrap_or_default(),
            is_collapsed: n.is_collapsed,
            template_data: n.template_data,
            sort_order: n.sort_order,
            version: n.version,
        })
        .collect();
    let connections: Vec<Connection> = serde_json::from_value(row.connections).unwrap_or_default();
    let canvas_state = serde_json::from_value::<CanvasState>(row.canvas_state)
        .ok()
        .and_then(|c| c.sanitized().ok())
        .unwrap_or_default();
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

//! Trees: list, load, create, edit, duplicate, delete. Every query is scoped to the owner.

use sqlx::{PgConnection, PgExecutor, PgPool};
use time::format_description::well_known::Rfc3339;
use time::PrimitiveDateTime;

use super::activity::{self, Actor};
use crate::error::AppError;
use crate::model::{CanvasState, Connection, DiscoveryPhase, TreeDetail, TreeMeta, TreeSummary};
use crate::server::tree_cache::TreeVersion;

pub(crate) fn rfc3339(at: PrimitiveDateTime) -> String {
    at.assume_utc().format(&Rfc3339).unwrap_or_default()
}

/// The user's trees, most recently updated first, filtered (idx_trees_user_updated; the
/// template filter matches idx_trees_templates). sqlx prepares the statement once per
/// connection and reuses it.
pub async fn list_for_user(
    db: impl PgExecutor<'_>,
    user_id: &str,
    filter: &crate::model::analytics::TreeFilter,
) -> Result<Vec<TreeSummary>, sqlx::Error> {
    // A literal search: % and _ typed by the user match themselves.
    let pattern = filter
        .name_contains
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| format!("%{}%", s.replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_")));
    let rows = sqlx::query!(
        r#"SELECT id, name, description, discovery_phase AS "discovery_phase!", is_template AS "is_template!",
                  node_count AS "node_count!", updated_at
           FROM (
             SELECT t.id, t.name, t.description, t.updated_at,
                    coalesce(t.discovery_phase, 'strategy') AS discovery_phase,
                    coalesce(t.is_template, false) AS is_template,
                    (SELECT count(*) FROM tree_nodes n WHERE n.tree_id = t.id) AS node_count
             FROM impact_trees t
             WHERE t.user_id = $1
               AND ($2::text IS NULL OR t.name ILIKE $2)
               AND ($3::text IS NULL OR coalesce(t.discovery_phase, 'strategy') = $3)
               AND (NOT $4::bool OR t.is_template = true)
           ) listed
           WHERE node_count >= $5
           ORDER BY updated_at DESC, id DESC"#,
        user_id,
        pattern,
        filter.phase.map(|p| p.as_str()),
        filter.templates_only,
        filter.min_nodes.unwrap_or(0)
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| TreeSummary {
            id: r.id,
            name: r.name,
            description: r.description,
            discovery_phase: r.discovery_phase,
            is_template: r.is_template,
            node_count: r.node_count,
            updated_at: rfc3339(r.updated_at),
        })
        .collect())
}

struct MetaRow {
    id: i32,
    name: String,
    description: Option<String>,
    discovery_phase: Option<String>,
    is_template: Option<bool>,
    version: i64,
    updated_at: PrimitiveDateTime,
}

impl From<MetaRow> for TreeMeta {
    fn from(r: MetaRow) -> Self {
        TreeMeta {
            id: r.id,
            name: r.name,
            description: r.description,
            discovery_phase: DiscoveryPhase::from_db(r.discovery_phase.as_deref()),
            is_template: r.is_template.unwrap_or(false),
            version: r.version,
            updated_at: rfc3339(r.updated_at),
        }
    }
}

pub async fn get_meta(db: impl PgExecutor<'_>, user_id: &str, tree_id: i32) -> Result<TreeMeta, AppError> {
    let row = sqlx::query_as!(
        MetaRow,
        "SELECT id, name, description, discovery_phase, is_template, version, updated_at
         FROM impact_trees WHERE id = $1 AND user_id = $2",
        tree_id,
        user_id
    )
    .fetch_optional(db)
    .await?;
    row.map(TreeMeta::from).ok_or(AppError::NotFound)
}

/// Locks the caller's tree for a structural change. Every change to a tree's shape takes this
/// lock first, so two moves in one tree run one after the other and can never build a cycle
/// together. Another user's tree is NotFound.
pub async fn lock_owned(conn: &mut PgConnection, user_id: &str, tree_id: i32) -> Result<(), AppError> {
    let found = sqlx::query_scalar!(
        "SELECT id FROM impact_trees WHERE id = $1 AND user_id = $2 FOR UPDATE",
        tree_id,
        user_id
    )
    .fetch_optional(&mut *conn)
    .await?;
    found.map(|_| ()).ok_or(AppError::NotFound)
}

/// Marks the tree as changed (its node structure or content), for "recently updated" and as
/// the key of the cached `get_tree` answers and share pages. The time is read when the row is
/// written, under its lock, not at the start of the transaction (`now()`): two writes that
/// began in the same microsecond would otherwise leave the same key after different trees.
pub async fn touch(conn: &mut PgConnection, tree_id: i32) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE impact_trees SET updated_at = clock_timestamp() WHERE id = $1",
        tree_id
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

/// The tree with all its nodes and connections, read in one snapshot (repeatable read), so the
/// nodes and the links between them agree.
pub(super) async fn connections_in_tree(conn: &mut PgConnection, tree_id: i32) -> Result<Vec<Connection>, sqlx::Error> {
    sqlx::query_as!(
        Connection,
        r#"SELECT id::text AS "id!", from_node_id, to_node_id FROM node_connections
           WHERE tree_id = $1 ORDER BY created_at, id"#,
        tree_id
    )
    .fetch_all(conn)
    .await
}

/// Old rows may lack fields of the viewport; anything unreadable is the default.
pub(crate) fn read_canvas_state(stored: serde_json::Value) -> CanvasState {
    serde_json::from_value::<CanvasState>(stored)
        .ok()
        .and_then(|s| s.sanitized().ok())
        .unwrap_or_default()
}

/// Which version of the caller's tree `get_detail` would read now (the key of its cached
/// answer, `server::tree_cache`); another user's tree is NotFound.
pub async fn detail_version(db: impl PgExecutor<'_>, user_id: &str, tree_id: i32) -> Result<TreeVersion, AppError> {
    let row = sqlx::query!(
        "SELECT version, updated_at, canvas_state FROM impact_trees WHERE id = $1 AND user_id = $2",
        tree_id,
        user_id
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(TreeVersion::new(tree_id, row.version, row.updated_at, row.canvas_state))
}

pub async fn get_detail(pool: &PgPool, user_id: &str, tree_id: i32) -> Result<TreeDetail, AppError> {
    let mut tx = pool.begin().await?;
    sqlx::query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .execute(&mut *tx)
        .await?;
    let row = sqlx::query!(
        r#"SELECT t.id, t.name, t.description, t.discovery_phase, t.is_template, t.version, t.updated_at,
                  t.canvas_state
           FROM impact_trees t
           WHERE t.id = $1 AND t.user_id = $2"#,
        tree_id,
        user_id
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)?;
    let nodes = super::nodes::all_in_tree(&mut tx, tree_id).await?;
    let connections = connections_in_tree(&mut tx, tree_id).await?;
    tx.commit().await?;
    let canvas_state = read_canvas_state(row.canvas_state);
    Ok(TreeDetail {
        id: row.id,
        name: row.name,
        description: row.description,
        discovery_phase: DiscoveryPhase::from_db(row.discovery_phase.as_deref()),
        is_template: row.is_template.unwrap_or(false),
        canvas_state,
        version: row.version,
        updated_at: rfc3339(row.updated_at),
        nodes,
        connections,
    })
}

pub struct NewTree<'a> {
    pub name: &'a str,
    pub description: Option<&'a str>,
    pub discovery_phase: DiscoveryPhase,
    pub is_template: bool,
}

pub async fn create(conn: &mut PgConnection, actor: &Actor, tree: NewTree<'_>) -> Result<TreeMeta, AppError> {
    let row = sqlx::query_as!(
        MetaRow,
        "INSERT INTO impact_trees (user_id, name, description, discovery_phase, is_template)
         VALUES ($1, $2, $3, $4, $5)
         RETURNING id, name, description, discovery_phase, is_template, version, updated_at",
        actor.user_id,
        tree.name,
        tree.description,
        tree.discovery_phase.as_str(),
        tree.is_template
    )
    .fetch_one(&mut *conn)
    .await?;
    let meta = TreeMeta::from(row);
    activity::record(
        &mut *conn,
        actor,
        Some(meta.id),
        "tree_created",
        &format!("Created tree: {}", meta.name),
        serde_json::json!({ "nodeCount": 0, "connectionCount": 0 }),
    )
    .await?;
    Ok(meta)
}

/// Replaces the tree's own fields if `expected_version` is still current.
pub async fn update_meta(
    conn: &mut PgConnection,
    actor: &Actor,
    tree_id: i32,
    expected_version: i64,
    tree: NewTree<'_>,
) -> Result<TreeMeta, AppError> {
    let row = sqlx::query_as!(
        MetaRow,
        "UPDATE impact_trees
         SET name = $4, description = $5, discovery_phase = $6, is_template = $7, version = version + 1
         WHERE id = $1 AND user_id = $2 AND version = $3
         RETURNING id, name, description, discovery_phase, is_template, version, updated_at",
        tree_id,
        actor.user_id,
        expected_version,
        tree.name,
        tree.description,
        tree.discovery_phase.as_str(),
        tree.is_template
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        let current = get_meta(&mut *conn, &actor.user_id, tree_id).await?;
        return Err(conflict(
            "this tree was changed elsewhere; here is its current state",
            &current,
        ));
    };
    let meta = TreeMeta::from(row);
    activity::record(
        &mut *conn,
        actor,
        Some(tree_id),
        "tree_updated",
        &format!("Updated tree: {}", meta.name),
        serde_json::json!({ "name": meta.name, "discoveryPhase": meta.discovery_phase, "isTemplate": meta.is_template }),
    )
    .await?;
    Ok(meta)
}

pub fn conflict(message: &str, current: &impl serde::Serialize) -> AppError {
    AppError::Conflict {
        message: message.to_string(),
        current: serde_json::to_value(current).ok(),
    }
}

/// Deletes the caller's tree; nodes, connections, share links and its activity go with it.
pub async fn delete(conn: &mut PgConnection, actor: &Actor, tree_id: i32) -> Result<(), AppError> {
    let name = sqlx::query_scalar!(
        "DELETE FROM impact_trees WHERE id = $1 AND user_id = $2 RETURNING name",
        tree_id,
        actor.user_id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(AppError::NotFound)?;
    // The tree's own activity rows went with it; the deletion stays in the user's history.
    activity::record(
        &mut *conn,
        actor,
        None,
        "tree_deleted",
        &format!("Deleted tree: {name}"),
        serde_json::json!({ "treeId": tree_id, "name": name }),
    )
    .await?;
    Ok(())
}

/// Copies the caller's tree (nodes with fresh ids, connections, viewport) under a new name.
pub async fn duplicate(conn: &mut PgConnection, actor: &Actor, tree_id: i32, name: &str) -> Result<TreeMeta, AppError> {
    let row = sqlx::query_as!(
        MetaRow,
        "INSERT INTO impact_trees (user_id, name, description, canvas_state, discovery_phase, is_template)
         SELECT user_id, $3, description, canvas_state, discovery_phase, false
         FROM impact_trees WHERE id = $1 AND user_id = $2
         RETURNING id, name, description, discovery_phase, is_template, version, updated_at",
        tree_id,
        actor.user_id,
        name
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(AppError::NotFound)?;
    let copy = TreeMeta::from(row);
    let copied = copy_nodes(&mut *conn, tree_id, copy.id).await?;
    activity::record(
        &mut *conn,
        actor,
        Some(copy.id),
        "tree_duplicated",
        &format!("Duplicated tree into: {}", copy.name),
        serde_json::json!({ "sourceTreeId": tree_id, "nodeCount": copied }),
    )
    .await?;
    Ok(copy)
}

/// Copies every node and connection of `from` into `to` with new ids, in one statement;
/// returns the node count. (Foreign keys are checked at the end of the statement, so the order
/// in which rows are copied does not matter.)
pub async fn copy_nodes(conn: &mut PgConnection, from: i32, to: i32) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"WITH map AS (
             SELECT id AS old_id, gen_random_uuid()::text AS new_id FROM tree_nodes WHERE tree_id = $1
           ),
           nodes AS (
             INSERT INTO tree_nodes (id, tree_id, parent_id, node_type, title, description, position, is_collapsed,
                                     template_data, metadata, sort_order)
             SELECT m.new_id, $2, pm.new_id, n.node_type, n.title, n.description, n.position, n.is_collapsed,
                    n.template_data, n.metadata, n.sort_order
             FROM tree_nodes n
             JOIN map m ON m.old_id = n.id
             LEFT JOIN map pm ON pm.old_id = n.parent_id
             WHERE n.tree_id = $1
             RETURNING 1
           ),
           links AS (
             INSERT INTO node_connections (tree_id, from_node_id, to_node_id)
             SELECT $2, f.new_id, t.new_id FROM node_connections c
             JOIN map f ON f.old_id = c.from_node_id
             JOIN map t ON t.old_id = c.to_node_id
             WHERE c.tree_id = $1
             RETURNING 1
           )
           SELECT (SELECT count(*) FROM nodes) + 0 * (SELECT count(*) FROM links) AS "count!""#,
        from,
        to
    )
    .fetch_one(&mut *conn)
    .await
}

/// Saves the viewport. Cheap enough for every settled pan or zoom: one row, no version, no
/// activity, and it does not count as an edit of the tree.
pub async fn save_canvas_state(
    db: impl PgExecutor<'_>,
    user_id: &str,
    tree_id: i32,
    state: &CanvasState,
) -> Result<(), AppError> {
    let value = serde_json::to_value(state).map_err(|_| AppError::Internal)?;
    let done = sqlx::query!(
        "UPDATE impact_trees SET canvas_state = $3 WHERE id = $1 AND user_id = $2",
        tree_id,
        user_id,
        value
    )
    .execute(db)
    .await?;
    if done.rows_affected() == 0 {
        return Err(AppError::NotFound);
    }
    Ok(())
}

/// Creates a tree from a checked document in one transaction: the tree, every node (one
/// statement), every connection (one statement) and the activity row.
pub async fn import(
    conn: &mut PgConnection,
    actor: &Actor,
    doc: &crate::model::document::CheckedDocument,
    source: &str,
) -> Result<TreeMeta, AppError> {
    let meta = create(
        &mut *conn,
        actor,
        NewTree {
            name: &doc.name,
            description: doc.description.as_deref(),
            discovery_phase: DiscoveryPhase::default(),
            is_template: false,
        },
    )
    .await?;
    insert_document(&mut *conn, meta.id, doc).await?;
    activity::record(
        &mut *conn,
        actor,
        Some(meta.id),
        "imported",
        &format!("Imported tree: {}", meta.name),
        serde_json::json!({ "source": source, "nodeCount": doc.nodes.len(), "connectionCount": doc.connections.len() }),
    )
    .await?;
    Ok(meta)
}

/// Inserts a checked document's nodes (one statement) and connections (one statement) into
/// `tree_id`, with fresh ids.
pub async fn insert_document(
    conn: &mut PgConnection,
    tree_id: i32,
    doc: &crate::model::document::CheckedDocument,
) -> Result<(), sqlx::Error> {
    let ids: Vec<String> = (0..doc.nodes.len()).map(|_| uuid::Uuid::new_v4().to_string()).collect();
    let parents: Vec<Option<String>> = doc.nodes.iter().map(|n| n.parent.map(|p| ids[p].clone())).collect();
    let types: Vec<String> = doc.nodes.iter().map(|n| n.node_type.as_str().to_string()).collect();
    let titles: Vec<String> = doc.nodes.iter().map(|n| n.title.clone()).collect();
    let descriptions: Vec<Option<String>> = doc.nodes.iter().map(|n| n.description.clone()).collect();
    let positions: Vec<serde_json::Value> = doc
        .nodes
        .iter()
        .map(|n| serde_json::json!({ "x": n.position.x, "y": n.position.y }))
        .collect();
    let data: Vec<serde_json::Value> = doc.nodes.iter().map(|n| n.template_data.clone()).collect();
    let orders: Vec<i32> = doc.nodes.iter().map(|n| n.sort_order).collect();
    sqlx::query!(
        "INSERT INTO tree_nodes (id, tree_id, parent_id, node_type, title, description, position, template_data, sort_order)
         SELECT id, $1, parent_id, node_type, title, description, position, template_data, sort_order
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::jsonb[], $8::jsonb[], $9::int[])
              AS n(id, parent_id, node_type, title, description, position, template_data, sort_order)",
        tree_id,
        &ids,
        &parents as &[Option<String>],
        &types,
        &titles,
        &descriptions as &[Option<String>],
        &positions,
        &data,
        &orders
    )
    .execute(&mut *conn)
    .await?;
    let from: Vec<String> = doc.connections.iter().map(|&(f, _)| ids[f].clone()).collect();
    let to: Vec<String> = doc.connections.iter().map(|&(_, t)| ids[t].clone()).collect();
    sqlx::query!(
        "INSERT INTO node_connections (tree_id, from_node_id, to_node_id)
         SELECT $1, f, t FROM unnest($2::text[], $3::text[]) AS c(f, t)",
        tree_id,
        &from,
        &to
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

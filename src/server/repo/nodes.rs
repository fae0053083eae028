//! Nodes: add, edit, move/reorder, delete. Each function runs inside the caller's transaction,
//! after `trees::lock_owned` has proved ownership and serialised structural changes of the tree,
//! and writes its activity row there too.

use sqlx::PgConnection;

use super::activity::{self, Actor};
use super::trees::{conflict, touch};
use crate::error::AppError;
use crate::model::tree::slot_among;
use crate::model::{type_rules, NodeType, Position, Subtree, TreeNode};

/// What a node holds besides its place in the tree (already validated).
pub struct NodeContent<'a> {
    pub node_type: NodeType,
    pub title: &'a str,
    pub description: Option<&'a str>,
    pub is_collapsed: bool,
    pub template_data: &'a serde_json::Value,
}

pub(super) struct NodeRow {
    id: String,
    parent_id: Option<String>,
    node_type: String,
    title: String,
    description: Option<String>,
    position: StoredPosition,
    is_collapsed: Option<bool>,
    template_data: Option<serde_json::Value>,
    sort_order: i32,
    version: i64,
}

impl From<NodeRow> for TreeNode {
    fn from(r: NodeRow) -> Self {
        TreeNode {
            node_type: r.node_type.parse().unwrap_or(NodeType::Opportunity),
            id: r.id,
            parent_id: r.parent_id,
            title: r.title,
            description: r.description,
            position: r.position.0,
            is_collapsed: r.is_collapsed.unwrap_or(false),
            template_data: r.template_data.unwrap_or_else(|| serde_json::json!({})),
            sort_order: r.sort_order,
            version: r.version,
        }
    }
}

/// A node's `position` read straight from its jsonb bytes. Read as a `serde_json::Value` and
/// converted, it was a map of two keys built and dropped per node: ~11 % of the server's CPU
/// for the editor page of a 100,000-node tree (~490 ms per page, ~440 without). As before, a
/// value that does not read as a `Position` (numbers `x` and `y`) is the origin: a stored value
/// is never a reason not to open a tree.
#[derive(Debug, Default)]
pub(super) struct StoredPosition(Position);

impl sqlx::Type<sqlx::Postgres> for StoredPosition {
    fn type_info() -> sqlx::postgres::PgTypeInfo {
        <serde_json::Value as sqlx::Type<sqlx::Postgres>>::type_info()
    }

    fn compatible(ty: &sqlx::postgres::PgTypeInfo) -> bool {
        <serde_json::Value as sqlx::Type<sqlx::Postgres>>::compatible(ty)
    }
}

impl<'r> sqlx::Decode<'r, sqlx::Postgres> for StoredPosition {
    fn decode(value: sqlx::postgres::PgValueRef<'r>) -> Result<Self, sqlx::error::BoxDynError> {
        let read = <sqlx::types::Json<Position> as sqlx::Decode<'r, sqlx::Postgres>>::decode(value);
        Ok(StoredPosition(read.map(|json| json.0).unwrap_or_default()))
    }
}

/// Every node of `tree_id`, ordered by parent, then sibling order. Plain rows: building JSON in
/// the database cost several times the query itself (27 ms against 7 ms for 5,000 nodes).
pub(super) async fn all_in_tree(conn: &mut PgConnection, tree_id: i32) -> Result<Vec<TreeNode>, sqlx::Error> {
    let rows = sqlx::query_as!(
        NodeRow,
        r#"SELECT id, parent_id, node_type, title, description, position AS "position: StoredPosition", is_collapsed, template_data, sort_order, version
         FROM tree_nodes WHERE tree_id = $1
         ORDER BY parent_id NULLS FIRST, sort_order, id"#,
        tree_id
    )
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(TreeNode::from).collect())
}

/// A node of `tree_id`, or NotFound.
pub async fn get(conn: &mut PgConnection, tree_id: i32, node_id: &str) -> Result<TreeNode, AppError> {
    sqlx::query_as!(
        NodeRow,
        r#"SELECT id, parent_id, node_type, title, description, position AS "position: StoredPosition", is_collapsed, template_data, sort_order, version
         FROM tree_nodes WHERE id = $1 AND tree_id = $2"#,
        node_id,
        tree_id
    )
    .fetch_optional(&mut *conn)
    .await?
    .map(TreeNode::from)
    .ok_or(AppError::NotFound)
}

async fn sibling_count(conn: &mut PgConnection, tree_id: i32, parent_id: Option<&str>) -> Result<i32, sqlx::Error> {
    let count = sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM tree_nodes
           WHERE tree_id = $1 AND (parent_id = $2 OR ($2::text IS NULL AND parent_id IS NULL))"#,
        tree_id,
        parent_id
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(count as i32)
}

/// Moves siblings at `from` and after by `delta` places (+1 opens a gap, -1 closes one),
/// leaving out `except` (a node being moved). Positions may collide until commit: the
/// uniqueness of sibling order is checked then.
async fn shift_siblings(
    conn: &mut PgConnection,
    tree_id: i32,
    parent_id: Option<&str>,
    from: i32,
    delta: i32,
    except: Option<&str>,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "UPDATE tree_nodes SET sort_order = sort_order + $4
         WHERE tree_id = $1 AND (parent_id = $2 OR ($2::text IS NULL AND parent_id IS NULL)) AND sort_order >= $3
           AND id IS DISTINCT FROM $5",
        tree_id,
        parent_id,
        from,
        delta,
        except
    )
    .execute(&mut *conn)
    .await?;
    Ok(())
}

async fn node_type_of(
    conn: &mut PgConnection,
    tree_id: i32,
    node_id: Option<&str>,
) -> Result<Option<NodeType>, AppError> {
    match node_id {
        None => Ok(None),
        Some(id) => Ok(Some(get(conn, tree_id, id).await?.node_type)),
    }
}

fn type_error(field: &str, parent: Option<NodeType>, child: NodeType) -> Result<(), AppError> {
    type_rules::check(parent, child).map_err(|message| AppError::validation(field, message))
}

/// Adds a node under `parent_id` (None: a root) at `position` among its siblings (None or
/// past the end: last). `id` is the one the editor picked (a canonical UUID, so it can draw
/// the node before the answer comes); None: the database picks one. An id already in use,
/// in any tree, is a Conflict.
#[allow(clippy::too_many_arguments)]
pub async fn add(
    conn: &mut PgConnection,
    actor: &Actor,
    tree_id: i32,
    id: Option<&str>,
    parent_id: Option<&str>,
    position: Option<i32>,
    content: NodeContent<'_>,
    max_nodes: usize,
) -> Result<TreeNode, AppError> {
    let parent_type = node_type_of(conn, tree_id, parent_id).await?;
    type_error("node_type", parent_type, content.node_type)?;
    let count = sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM tree_nodes WHERE tree_id = $1"#,
        tree_id
    )
    .fetch_one(&mut *conn)
    .await?;
    if count as usize >= max_nodes {
        return Err(AppError::validation(
            "tree",
            format!("a tree holds at most {max_nodes} nodes"),
        ));
    }
    let siblings = sibling_count(conn, tree_id, parent_id).await?;
    let at = slot_among(siblings, position);
    shift_siblings(conn, tree_id, parent_id, at, 1, None).await?;
    // ON CONFLICT leaves no row behind and no error for the log: a taken id is the client's
    // mistake (or a replayed request), not the server's.
    let node = sqlx::query_as!(
        NodeRow,
        r#"INSERT INTO tree_nodes (id, tree_id, parent_id, node_type, title, description, is_collapsed, template_data, sort_order)
         VALUES (COALESCE($9, gen_random_uuid()::text), $1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (id) DO NOTHING
         RETURNING id, parent_id, node_type, title, description, position AS "position: StoredPosition", is_collapsed, template_data, sort_order, version"#,
        tree_id,
        parent_id,
        content.node_type.as_str(),
        content.title,
        content.description,
        content.is_collapsed,
        content.template_data,
        at,
        id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or_else(|| AppError::Conflict {
        message: "a node with this id already exists".to_string(),
        current: None,
    })?;
    let node = TreeNode::from(node);
    touch(conn, tree_id).await?;
    activity::record(
        &mut *conn,
        actor,
        Some(tree_id),
        "node_added",
        &format!("Added {}: {}", node.node_type, node.title),
        serde_json::json!({ "nodeId": node.id, "parentId": node.parent_id, "nodeType": node.node_type, "position": at }),
    )
    .await?;
    Ok(node)
}

/// Replaces a node's content if `expected_version` is still current.
pub async fn update(
    conn: &mut PgConnection,
    actor: &Actor,
    tree_id: i32,
    node_id: &str,
    expected_version: i64,
    content: NodeContent<'_>,
) -> Result<TreeNode, AppError> {
    let current = get(conn, tree_id, node_id).await?;
    if current.version != expected_version {
        return Err(conflict(
            "this node was changed elsewhere; here is its current state",
            &current,
        ));
    }
    if current.node_type != content.node_type {
        let parent_type = node_type_of(conn, tree_id, current.parent_id.as_deref()).await?;
        type_error("node_type", parent_type, content.node_type)?;
        let child_types = sqlx::query_scalar!(
            "SELECT DISTINCT node_type FROM tree_nodes WHERE tree_id = $1 AND parent_id = $2",
            tree_id,
            node_id
        )
        .fetch_all(&mut *conn)
        .await?;
        for child in child_types.iter().filter_map(|t| t.parse::<NodeType>().ok()) {
            type_rules::check(Some(content.node_type), child)
                .map_err(|message| AppError::validation("node_type", format!("its children do not fit: {message}")))?;
        }
    }
    let row = sqlx::query_as!(
        NodeRow,
        r#"UPDATE tree_nodes
         SET node_type = $4, title = $5, description = $6, is_collapsed = $7, template_data = $8, version = version + 1
         WHERE id = $1 AND tree_id = $2 AND version = $3
         RETURNING id, parent_id, node_type, title, description, position AS "position: StoredPosition", is_collapsed, template_data, sort_order, version"#,
        node_id,
        tree_id,
        expected_version,
        content.node_type.as_str(),
        content.title,
        content.description,
        content.is_collapsed,
        content.template_data
    )
    .fetch_optional(&mut *conn)
    .await?;
    let Some(row) = row else {
        let current = get(conn, tree_id, node_id).await?;
        return Err(conflict(
            "this node was changed elsewhere; here is its current state",
            &current,
        ));
    };
    let node = TreeNode::from(row);
    touch(conn, tree_id).await?;
    let mut changed = Vec::new();
    if current.title != node.title {
        changed.push("title");
    }
    if current.description != node.description {
        changed.push("description");
    }
    if current.node_type != node.node_type {
        changed.push("node_type");
    }
    if current.is_collapsed != node.is_collapsed {
        changed.push("is_collapsed");
    }
    if current.template_data != node.template_data {
        changed.push("template_data");
    }
    activity::record(
        &mut *conn,
        actor,
        Some(tree_id),
        "node_updated",
        &format!("Updated {}: {}", node.node_type, node.title),
        serde_json::json!({ "nodeId": node.id, "changed": changed, "version": node.version }),
    )
    .await?;
    Ok(node)
}

/// The common edit (text, fields, collapsed; same type) as one statement, so one round trip
/// instead of a transaction of seven (begin, lock, read, update, touch, log, commit). A single
/// statement is atomic on its own. It takes the tree's row lock first, as every writer does,
/// so it cannot deadlock against a move; it then updates the node only if it is the caller's,
/// at `expected_version` and of the same type, touches the tree and writes the activity row
/// with the fields that changed. `None` when it changed nothing (not found, stale, or a type
/// change, which needs the type rules): the caller then runs [`update`] in a transaction,
/// which tells these cases apart.
pub async fn update_same_type(
    db: impl sqlx::PgExecutor<'_>,
    actor: &Actor,
    tree_id: i32,
    node_id: &str,
    expected_version: i64,
    content: NodeContent<'_>,
) -> Result<Option<TreeNode>, sqlx::Error> {
    let description = format!("Updated {}: {}", content.node_type, content.title);
    let row = sqlx::query_as!(
        NodeRow,
        r#"WITH tree AS (
             SELECT id FROM impact_trees WHERE id = $2 AND user_id = $9 FOR UPDATE
           ), old AS (
             SELECT n.title, n.description, coalesce(n.is_collapsed, false) AS is_collapsed,
                    coalesce(n.template_data, '{}') AS template_data
             FROM tree_nodes n JOIN tree ON n.tree_id = tree.id WHERE n.id = $1
           ), updated AS (
             UPDATE tree_nodes n
             SET title = $5, description = $6, is_collapsed = $7, template_data = $8, version = n.version + 1
             FROM tree
             WHERE n.id = $1 AND n.tree_id = tree.id AND n.version = $3 AND n.node_type = $4
             RETURNING n.id, n.parent_id, n.node_type, n.title, n.description, n.position, n.is_collapsed,
                       n.template_data, n.sort_order, n.version
           ), touched AS (
             UPDATE impact_trees SET updated_at = clock_timestamp() WHERE id IN (SELECT $2::int FROM updated)
           ), logged AS (
             INSERT INTO user_activities (user_id, tree_id, activity_type, description, session_id, activity_data, user_agent, ip_address)
             SELECT $9, $2, 'node_updated', $10, $11,
                    jsonb_build_object(
                      'nodeId', u.id,
                      'changed', to_jsonb(array_remove(ARRAY[
                        CASE WHEN o.title IS DISTINCT FROM u.title THEN 'title' END,
                        CASE WHEN o.description IS DISTINCT FROM u.description THEN 'description' END,
                        CASE WHEN o.is_collapsed IS DISTINCT FROM u.is_collapsed THEN 'is_collapsed' END,
                        CASE WHEN o.template_data IS DISTINCT FROM coalesce(u.template_data, '{}') THEN 'template_data' END
                      ], NULL)),
                      'version', u.version),
                    $12, $13
             FROM updated u, old o
           )
           SELECT id AS "id!", parent_id, node_type AS "node_type!", title AS "title!", description,
                  position AS "position!: StoredPosition", is_collapsed, template_data, sort_order AS "sort_order!", version AS "version!"
           FROM updated"#,
        node_id,
        tree_id,
        expected_version,
        content.node_type.as_str(),
        content.title,
        content.description,
        content.is_collapsed,
        content.template_data,
        actor.user_id,
        description,
        actor.session_id,
        actor.user_agent,
        actor.ip_address
    )
    .fetch_optional(db)
    .await?;
    Ok(row.map(TreeNode::from))
}

/// True when `candidate` is `node_id` itself or lies beneath it.
async fn is_self_or_descendant(
    conn: &mut PgConnection,
    tree_id: i32,
    node_id: &str,
    candidate: &str,
) -> Result<bool, sqlx::Error> {
    // Walks up from the candidate: depth steps, however big the tree.
    let found = sqlx::query_scalar!(
        r#"WITH RECURSIVE up AS (
             SELECT id, parent_id, 0 AS steps FROM tree_nodes WHERE id = $2 AND tree_id = $1
             UNION ALL
             SELECT n.id, n.parent_id, up.steps + 1 FROM tree_nodes n JOIN up ON n.id = up.parent_id
             WHERE n.tree_id = $1 AND up.steps < 100000
           )
           SELECT EXISTS (SELECT 1 FROM up WHERE id = $3) AS "found!""#,
        tree_id,
        candidate,
        node_id
    )
    .fetch_one(&mut *conn)
    .await?;
    Ok(found)
}

/// Re-parents a node and/or moves it among its siblings. Refuses to put a node under itself
/// or its descendants; the tree lock held by the caller makes that hold under concurrent moves.
pub async fn move_to(
    conn: &mut PgConnection,
    actor: &Actor,
    tree_id: i32,
    node_id: &str,
    expected_version: i64,
    new_parent_id: Option<&str>,
    position: Option<i32>,
) -> Result<TreeNode, AppError> {
    let node = get(conn, tree_id, node_id).await?;
    if node.version != expected_version {
        return Err(conflict(
            "this node was changed elsewhere; here is its current state",
            &node,
        ));
    }
    if let Some(parent) = new_parent_id {
        if is_self_or_descendant(conn, tree_id, node_id, parent).await? {
            return Err(AppError::validation(
                "parent_id",
                "a node cannot move under itself or its own descendants",
            ));
        }
    }
    let parent_type = node_type_of(conn, tree_id, new_parent_id).await?;
    type_error("parent_id", parent_type, node.node_type)?;

    let same_parent = node.parent_id.as_deref() == new_parent_id;
    // Take the node out of its old list, closing the gap, then open one in the new list.
    shift_siblings(
        conn,
        tree_id,
        node.parent_id.as_deref(),
        node.sort_order + 1,
        -1,
        Some(node_id),
    )
    .await?;
    let siblings = sibling_count(conn, tree_id, new_parent_id).await? - i32::from(same_parent);
    let at = slot_among(siblings, position);
    shift_siblings(conn, tree_id, new_parent_id, at, 1, Some(node_id)).await?;
    let row = sqlx::query_as!(
        NodeRow,
        r#"UPDATE tree_nodes SET parent_id = $3, sort_order = $4, version = version + 1
         WHERE id = $1 AND tree_id = $2
         RETURNING id, parent_id, node_type, title, description, position AS "position: StoredPosition", is_collapsed, template_data, sort_order, version"#,
        node_id,
        tree_id,
        new_parent_id,
        at
    )
    .fetch_one(&mut *conn)
    .await?;
    let moved = TreeNode::from(row);
    touch(conn, tree_id).await?;
    let (kind, verb) = if same_parent {
        ("node_reordered", "Reordered")
    } else {
        ("node_moved", "Moved")
    };
    activity::record(
        &mut *conn,
        actor,
        Some(tree_id),
        kind,
        &format!("{verb} node: {}", moved.title),
        serde_json::json!({
            "nodeId": moved.id,
            "fromParentId": node.parent_id,
            "toParentId": moved.parent_id,
            "fromPosition": node.sort_order,
            "position": moved.sort_order,
        }),
    )
    .await?;
    Ok(moved)
}

/// Deletes a node and everything beneath it; returns how many nodes went.
pub async fn delete(
    conn: &mut PgConnection,
    actor: &Actor,
    tree_id: i32,
    node_id: &str,
    expected_version: i64,
) -> Result<i64, AppError> {
    let node = get(conn, tree_id, node_id).await?;
    if node.version != expected_version {
        return Err(conflict(
            "this node was changed elsewhere; here is its current state",
            &node,
        ));
    }
    let removed = sqlx::query_scalar!(
        r#"WITH RECURSIVE doomed AS (
             SELECT id FROM tree_nodes WHERE id = $1 AND tree_id = $2
             UNION ALL
             SELECT n.id FROM tree_nodes n JOIN doomed d ON n.parent_id = d.id WHERE n.tree_id = $2
           )
           SELECT count(*) AS "count!" FROM doomed"#,
        node_id,
        tree_id
    )
    .fetch_one(&mut *conn)
    .await?;
    // Children and connections follow by ON DELETE CASCADE.
    sqlx::query!(
        "DELETE FROM tree_nodes WHERE id = $1 AND tree_id = $2",
        node_id,
        tree_id
    )
    .execute(&mut *conn)
    .await?;
    shift_siblings(conn, tree_id, node.parent_id.as_deref(), node.sort_order + 1, -1, None).await?;
    touch(conn, tree_id).await?;
    activity::record(
        &mut *conn,
        actor,
        Some(tree_id),
        "node_deleted",
        &format!("Deleted {}: {}", node.node_type, node.title),
        serde_json::json!({ "nodeId": node.id, "parentId": node.parent_id, "removedCount": removed, "title": node.title }),
    )
    .await?;
    Ok(removed)
}

/// The seed's recursive hierarchy: every node reachable from a root, with depth and a path of
/// sibling positions (zero-padded, so the path sorts as the outline reads).
pub async fn hierarchy(
    db: impl sqlx::PgExecutor<'_>,
    tree_id: i32,
) -> Result<Vec<crate::model::analytics::OutlineRow>, sqlx::Error> {
    sqlx::query_as!(
        crate::model::analytics::OutlineRow,
        r#"WITH RECURSIVE node_hierarchy AS (
             SELECT id, parent_id, title, node_type, 0 AS depth, lpad(sort_order::text, 6, '0') AS path
             FROM tree_nodes WHERE tree_id = $1 AND parent_id IS NULL
             UNION ALL
             SELECT n.id, n.parent_id, n.title, n.node_type, nh.depth + 1, nh.path || '/' || lpad(n.sort_order::text, 6, '0')
             FROM tree_nodes n JOIN node_hierarchy nh ON n.parent_id = nh.id
             WHERE n.tree_id = $1
           )
           SELECT id AS "id!", parent_id, node_type AS "node_type!", title AS "title!", depth AS "depth!", path AS "path!"
           FROM node_hierarchy ORDER BY path"#,
        tree_id
    )
    .fetch_all(db)
    .await
}

/// One node's share of a bulk update: what is given changes, the rest stays.
#[derive(Debug, Clone, serde::Deserialize, serde::Serialize)]
pub struct BulkChange {
    pub node_id: String,
    pub version: i64,
    pub position: Option<Position>,
    pub is_collapsed: Option<bool>,
    /// A new place among its siblings; a batch must leave every parent's children numbered
    /// 0..n-1.
    pub sort_order: Option<i32>,
}

/// The seed's `bulkUpdateNodes`, all or nothing: positions and collapsed flags of many nodes
/// in one transaction. One stale version refuses the whole batch with that node's current row.
pub async fn bulk_update(
    conn: &mut PgConnection,
    actor: &Actor,
    tree_id: i32,
    changes: &[BulkChange],
) -> Result<Vec<TreeNode>, AppError> {
    let mut updated = Vec::with_capacity(changes.len());
    for change in changes {
        let position = change.position.map(|p| serde_json::json!({ "x": p.x, "y": p.y }));
        let row = sqlx::query_as!(
            NodeRow,
            r#"UPDATE tree_nodes
             SET position = coalesce($4, position), is_collapsed = coalesce($5, is_collapsed),
                 sort_order = coalesce($6, sort_order), version = version + 1
             WHERE id = $1 AND tree_id = $2 AND version = $3
             RETURNING id, parent_id, node_type, title, description, position AS "position: StoredPosition", is_collapsed, template_data, sort_order, version"#,
            change.node_id,
            tree_id,
            change.version,
            position,
            change.is_collapsed,
            change.sort_order
        )
        .fetch_optional(&mut *conn)
        .await?;
        match row {
            Some(row) => updated.push(TreeNode::from(row)),
            None => {
                let current = get(conn, tree_id, &change.node_id).await?;
                return Err(conflict(
                    "a node of this batch was changed elsewhere; nothing was saved",
                    &current,
                ));
            }
        }
    }
    let reordered: Vec<&TreeNode> = updated
        .iter()
        .zip(changes)
        .filter(|(_, c)| c.sort_order.is_some())
        .map(|(n, _)| n)
        .collect();
    if !reordered.is_empty() {
        let parents: Vec<String> = reordered.iter().filter_map(|n| n.parent_id.clone()).collect();
        let roots = reordered.iter().any(|n| n.parent_id.is_none());
        let broken = sqlx::query_scalar!(
            r#"SELECT count(*) AS "count!" FROM (
                 SELECT count(*) AS n, count(DISTINCT sort_order) AS d, min(sort_order) AS lo, max(sort_order) AS hi
                 FROM tree_nodes
                 WHERE tree_id = $1 AND (parent_id = ANY($2) OR ($3 AND parent_id IS NULL))
                 GROUP BY parent_id
               ) siblings
               WHERE d <> n OR lo <> 0 OR hi <> n - 1"#,
            tree_id,
            &parents,
            roots
        )
        .fetch_one(&mut *conn)
        .await?;
        if broken > 0 {
            return Err(AppError::validation(
                "changes",
                "the new sibling orders must number each parent's children 0, 1, 2, … without gaps or repeats",
            ));
        }
    }
    touch(conn, tree_id).await?;
    activity::record(
        &mut *conn,
        actor,
        Some(tree_id),
        "nodes_bulk_updated",
        &format!("Updated {} nodes", updated.len()),
        serde_json::json!({ "nodeIds": updated.iter().map(|n| n.id.clone()).collect::<Vec<_>>() }),
    )
    .await?;
    Ok(updated)
}

/// One node of a subtree being put back, already validated; `parent` indexes an earlier node
/// of the same subtree (None for the subtree's root).
pub struct RestoredNode<'a> {
    pub id: &'a str,
    pub parent: Option<usize>,
    pub content: NodeContent<'a>,
    pub position: Position,
    /// The version it had when deleted: it comes back one higher, so a stale write from
    /// another tab (based on the old version) is still refused.
    pub version: i64,
}

/// Puts a subtree back with its own ids under `parent_id` at `position` (undo of a delete,
/// redo of an add). Children keep the order they are listed in; cross-links come back where
/// both ends exist. Ids still in use make it a Conflict: the subtree was already put back.
#[allow(clippy::too_many_arguments)]
pub async fn restore(
    conn: &mut PgConnection,
    actor: &Actor,
    tree_id: i32,
    parent_id: Option<&str>,
    position: Option<i32>,
    nodes: &[RestoredNode<'_>],
    connections: &[crate::model::Connection],
    max_nodes: usize,
) -> Result<Subtree, AppError> {
    let Some(root) = nodes.first() else {
        return Err(AppError::validation("nodes", "nothing to restore"));
    };
    let parent_type = node_type_of(conn, tree_id, parent_id).await?;
    type_error("node_type", parent_type, root.content.node_type)?;
    for (i, node) in nodes.iter().enumerate().skip(1) {
        let parent = node.parent.map(|p| nodes[p].content.node_type);
        type_rules::check(parent, node.content.node_type)
            .map_err(|message| AppError::validation(format!("nodes[{i}].node_type"), message))?;
    }
    let ids: Vec<String> = nodes.iter().map(|n| n.id.to_string()).collect();
    let in_use = sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM tree_nodes WHERE id = ANY($1)"#,
        &ids
    )
    .fetch_one(&mut *conn)
    .await?;
    if in_use > 0 {
        return Err(AppError::Conflict {
            message: "these nodes are already in the tree".to_string(),
            current: None,
        });
    }
    let count = sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM tree_nodes WHERE tree_id = $1"#,
        tree_id
    )
    .fetch_one(&mut *conn)
    .await?;
    if count as usize + nodes.len() > max_nodes {
        return Err(AppError::validation(
            "tree",
            format!("a tree holds at most {max_nodes} nodes"),
        ));
    }
    let siblings = sibling_count(conn, tree_id, parent_id).await?;
    let at = slot_among(siblings, position);
    shift_siblings(conn, tree_id, parent_id, at, 1, None).await?;

    // Sibling order within the subtree is the order of the list.
    let mut next_order = vec![0i32; nodes.len()];
    let mut orders = Vec::with_capacity(nodes.len());
    let mut parents: Vec<Option<String>> = Vec::with_capacity(nodes.len());
    for node in nodes {
        match node.parent {
            None => {
                orders.push(at);
                parents.push(parent_id.map(str::to_string));
            }
            Some(p) => {
                orders.push(next_order[p]);
                next_order[p] += 1;
                parents.push(Some(nodes[p].id.to_string()));
            }
        }
    }
    let types: Vec<String> = nodes.iter().map(|n| n.content.node_type.as_str().to_string()).collect();
    let titles: Vec<String> = nodes.iter().map(|n| n.content.title.to_string()).collect();
    let descriptions: Vec<Option<String>> = nodes
        .iter()
        .map(|n| n.content.description.map(str::to_string))
        .collect();
    let collapsed: Vec<bool> = nodes.iter().map(|n| n.content.is_collapsed).collect();
    let data: Vec<serde_json::Value> = nodes.iter().map(|n| n.content.template_data.clone()).collect();
    let positions: Vec<serde_json::Value> = nodes
        .iter()
        .map(|n| serde_json::json!({ "x": n.position.x, "y": n.position.y }))
        .collect();
    let versions: Vec<i64> = nodes.iter().map(|n| n.version.max(0) + 1).collect();
    let rows = sqlx::query_as!(
        NodeRow,
        r#"INSERT INTO tree_nodes (id, tree_id, parent_id, node_type, title, description, is_collapsed, template_data, position, sort_order, version)
         SELECT id, $1, parent_id, node_type, title, description, is_collapsed, template_data, position, sort_order, version
         FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bool[], $8::jsonb[], $9::jsonb[], $10::int[], $11::bigint[])
              AS n(id, parent_id, node_type, title, description, is_collapsed, template_data, position, sort_order, version)
         RETURNING id, parent_id, node_type, title, description, position AS "position: StoredPosition", is_collapsed, template_data, sort_order, version"#,
        tree_id,
        &ids,
        &parents as &[Option<String>],
        &types,
        &titles,
        &descriptions as &[Option<String>],
        &collapsed,
        &data,
        &positions,
        &orders,
        &versions
    )
    .fetch_all(&mut *conn)
    .await?;
    let link_ids: Vec<uuid::Uuid> = connections
        .iter()
        .map(|c| uuid::Uuid::parse_str(&c.id).unwrap_or_else(|_| uuid::Uuid::new_v4()))
        .collect();
    let from: Vec<String> = connections.iter().map(|c| c.from_node_id.clone()).collect();
    let to: Vec<String> = connections.iter().map(|c| c.to_node_id.clone()).collect();
    let links = sqlx::query!(
        r#"INSERT INTO node_connections (id, tree_id, from_node_id, to_node_id)
         SELECT c.id, $1, c.f, c.t FROM unnest($2::uuid[], $3::text[], $4::text[]) AS c(id, f, t)
         WHERE c.f <> c.t
           AND EXISTS (SELECT 1 FROM tree_nodes n WHERE n.id = c.f AND n.tree_id = $1)
           AND EXISTS (SELECT 1 FROM tree_nodes n WHERE n.id = c.t AND n.tree_id = $1)
         ON CONFLICT DO NOTHING
         RETURNING id::text AS "id!", from_node_id, to_node_id"#,
        tree_id,
        &link_ids,
        &from,
        &to
    )
    .fetch_all(&mut *conn)
    .await?
    .into_iter()
    .map(|r| crate::model::Connection {
        id: r.id,
        from_node_id: r.from_node_id,
        to_node_id: r.to_node_id,
    })
    .collect::<Vec<_>>();
    // In the order given (RETURNING promises none): the subtree's root first.
    let place: std::collections::HashMap<&str, usize> =
        ids.iter().enumerate().map(|(i, id)| (id.as_str(), i)).collect();
    let mut restored: Vec<TreeNode> = rows.into_iter().map(TreeNode::from).collect();
    restored.sort_by_key(|n| place.get(n.id.as_str()).copied().unwrap_or(usize::MAX));
    touch(conn, tree_id).await?;
    activity::record(
        &mut *conn,
        actor,
        Some(tree_id),
        "node_restored",
        &format!("Restored {}: {}", root.content.node_type, root.content.title),
        serde_json::json!({ "nodeId": root.id, "parentId": parent_id, "position": at, "restoredCount": nodes.len() }),
    )
    .await?;
    Ok(Subtree {
        nodes: restored,
        connections: links,
    })
}

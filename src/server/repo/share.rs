//! Share links. Only the SHA-256 of a token is stored; a token is looked up by its hash.

use std::borrow::Cow;
use std::ops::Range;

use futures::TryStreamExt;
use sha2::{Digest, Sha256};
use sqlx::postgres::PgRow;
use sqlx::{PgConnection, PgExecutor, Row};

use super::activity::{self, Actor};
use crate::error::AppError;
use crate::model::share::{OutlineNode, OutlineRow, ShareLink, SharedOutline, SharedView};
use crate::model::template_data::BadgeFields;
use crate::model::{DiscoveryPhase, NodeType};
use crate::server::tree_cache::TreeVersion;

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

/// The tree behind a live token, public fields only, read in one snapshot, and the version
/// it was read at (the key of its kept answer, `server::tree_cache`). Plain rows, not JSON
/// built by the database: `jsonb_agg` of the nodes took ~4x as long as the rows.
pub async fn shared_tree(pool: &sqlx::PgPool, token: &str) -> Result<(TreeVersion, SharedView), AppError> {
    let mut tx = pool.begin_with(READ_SNAPSHOT).await?;
    let tree = live_tree(&mut tx, token).await?;
    let nodes = super::nodes::all_in_tree(&mut tx, tree.id).await?;
    let connections = super::trees::connections_in_tree(&mut tx, tree.id).await?;
    tx.commit().await?;
    let version = TreeVersion::new(tree.id, tree.version, tree.updated_at, tree.canvas_state);
    let view = SharedView {
        name: tree.name,
        description: tree.description,
        discovery_phase: DiscoveryPhase::from_db(tree.discovery_phase.as_deref()),
        canvas_state: version.canvas_state,
        nodes,
        connections,
    };
    Ok((version, view))
}

/// Which version of its tree [`shared_tree`] would read now for a live token; NotFound when
/// the token is unknown or revoked.
pub async fn shared_tree_version(db: impl PgExecutor<'_>, token: &str) -> Result<TreeVersion, AppError> {
    let row = sqlx::query!(
        r#"SELECT t.id, t.version, t.updated_at, t.canvas_state
           FROM share_links s JOIN impact_trees t ON t.id = s.tree_id
           WHERE s.token_hash = $1 AND s.revoked_at IS NULL"#,
        &token_hash(token)
    )
    .fetch_optional(db)
    .await?
    .ok_or(AppError::NotFound)?;
    Ok(TreeVersion::new(row.id, row.version, row.updated_at, row.canvas_state))
}

/// What the share page draws: [`shared_tree`] read with only the columns the page uses and
/// the template data read as badge fields (no JSON maps built and dropped per node).
///
/// Two statements at once, on two connections, each finding the tree by the token (the nodes
/// do not wait for the tree's row: one round trip instead of two), and no transaction (it was
/// five round trips: BEGIN, tree, nodes, links, COMMIT). Each statement reads one snapshot; the
/// two may see different moments, which a read-only page can live with: a link whose node has
/// gone since is dropped by [`SharedOutline::new`], and the next request shows the newer tree.
/// (One statement with a column per array read in one round trip took PostgreSQL ~1 ms longer
/// per 1,000 nodes to aggregate than it saved.)
pub async fn shared_outline(pool: &sqlx::PgPool, token: &str) -> Result<SharedOutline, AppError> {
    let hash = token_hash(token);
    let tree = sqlx::query!(
        r#"SELECT t.id, t.name, t.description, t.discovery_phase, t.canvas_state,
                  coalesce(l.link_from, '{}') AS "link_from!: Vec<String>",
                  coalesce(l.link_to, '{}') AS "link_to!: Vec<String>"
           FROM share_links s JOIN impact_trees t ON t.id = s.tree_id
           CROSS JOIN LATERAL (
               SELECT array_agg(from_node_id ORDER BY created_at, id) AS link_from,
                      array_agg(to_node_id ORDER BY created_at, id) AS link_to
               FROM node_connections c WHERE c.tree_id = t.id
           ) l
           WHERE s.token_hash = $1 AND s.revoked_at IS NULL"#,
        &hash
    )
    .fetch_optional(pool);
    // Read in a task of its own, outside the request's span: sqlx polls a statement's rows in
    // the span that is current when it starts, entering and leaving it once per row, and at
    // 1,000 nodes that was ~6 % of the page's instructions (callgrind). Only sqlx's own
    // slow-statement warning loses the request id; the request's log line keeps its time. A
    // request given up leaves the read to finish (within the statement timeout). Each row is
    // taken in as it arrives, while PostgreSQL writes the next ones.
    let nodes = tokio::spawn({
        let (pool, hash) = (pool.clone(), hash.clone());
        async move {
            let mut rows = sqlx::query(OUTLINE_NODES).bind(hash).fetch(&pool);
            let mut read = NodeRows::default();
            while let Some(row) = rows.try_next().await? {
                if read.nodes.is_empty() {
                    check_outline_columns(&row)?;
                }
                read.push(&row)?;
            }
            Ok::<_, sqlx::Error>(read)
        }
    });
    let (tree, nodes) = tokio::join!(tree, nodes);
    let nodes = nodes.map_err(|err| {
        tracing::error!(error = %err, "reading a shared tree's nodes failed");
        AppError::Internal
    })??;
    let tree = tree?.ok_or(AppError::NotFound)?;
    let NodeRows { ids, keys, nodes } = nodes;
    let rows = keys
        .into_iter()
        .zip(nodes)
        .map(|((id, parent, sort_order), node)| OutlineRow {
            id: &ids[id],
            parent_id: parent.map(|p| &ids[p]),
            sort_order,
            node,
        })
        .collect();
    let links: Vec<(String, String)> = tree.link_from.into_iter().zip(tree.link_to).collect();
    Ok(SharedOutline::new(
        tree.name,
        tree.description,
        DiscoveryPhase::from_db(tree.discovery_phase.as_deref()),
        super::trees::read_canvas_state(tree.canvas_state),
        rows,
        &links,
    ))
}

/// The nodes of [`shared_outline`]: only the fields the node's type shows as badges
/// (`draw::badges`), from the columns they are kept in (migration 0005): read out of the
/// template data with `->>` on each request, they were ~a quarter of this statement. Writing
/// each node's whole template data out as text was slower still.
///
/// Decoded by hand ([`NodeRows::push`]), not by `query!`, whose records own every field: the
/// type and the badge texts are read borrowed from the row, the ids copied into one string.
/// Reading the rows is the server's biggest share of the page (~1.2 ms of its ~4 ms CPU at
/// 1,000 nodes, about as long as PostgreSQL takes to write them), and those were ~4 strings
/// made and dropped per node.
/// The columns' types are checked once per read ([`check_outline_columns`]), not for every
/// value as `try_get` does: that check was a fifth of reading the rows (callgrind).
const OUTLINE_NODES: &str = r#"SELECT n.id, n.parent_id, n.node_type, n.title, n.description, n.is_collapsed, n.sort_order,
                                     n.badge_unit, n.badge_current, n.badge_target, n.badge
                              FROM share_links s JOIN tree_nodes n ON n.tree_id = s.tree_id
                              WHERE s.token_hash = $1 AND s.revoked_at IS NULL"#;

/// Whether a row of [`OUTLINE_NODES`] has the columns [`NodeRows::push`] reads, in its order: text
/// but for `is_collapsed` and `sort_order`. An error (a column renamed or retyped by a
/// migration) rather than values read as the wrong type.
pub fn check_outline_columns(row: &PgRow) -> Result<(), sqlx::Error> {
    use sqlx::{Column, Postgres, Type, TypeInfo};
    let columns = row.columns();
    if columns.len() != 11 {
        return Err(sqlx::Error::ColumnIndexOutOfBounds {
            index: 10,
            len: columns.len(),
        });
    }
    let wrong = columns.iter().enumerate().find(|(i, column)| {
        let found = column.type_info();
        !match i {
            5 => <bool as Type<Postgres>>::compatible(found),
            6 => <i32 as Type<Postgres>>::compatible(found),
            _ => <&str as Type<Postgres>>::compatible(found),
        }
    });
    match wrong {
        Some((i, column)) => Err(sqlx::Error::ColumnDecode {
            index: format!("{i} ({})", column.name()),
            source: format!("unexpected type {}", column.type_info().name()).into(),
        }),
        None => Ok(()),
    }
}

/// The rows of [`OUTLINE_NODES`] as they are read: each node, with its id and its parent's
/// end to end in one string rather than a string each.
#[derive(Default)]
struct NodeRows {
    ids: String,
    /// Per node: where its id and its parent's id are in `ids`, and its sort order.
    keys: Vec<(Range<usize>, Option<Range<usize>>, i32)>,
    nodes: Vec<OutlineNode>,
}

impl NodeRows {
    /// Takes in one row, in the statement's column order, which [`check_outline_columns`] has
    /// checked for the first row (every row of a statement has the same columns).
    fn push(&mut self, r: &PgRow) -> Result<(), sqlx::Error> {
        let mut id_range = |id: &str| {
            let start = self.ids.len();
            self.ids.push_str(id);
            start..self.ids.len()
        };
        let id = id_range(r.try_get_unchecked(0)?);
        let parent = r.try_get_unchecked::<Option<&str>, _>(1)?.map(&mut id_range);
        self.keys.push((id, parent, r.try_get_unchecked(6)?));
        let node_type = r
            .try_get_unchecked::<&str, _>(2)?
            .parse()
            .unwrap_or(NodeType::Opportunity);
        // `badge` is the one field of the type's own.
        let own = match node_type {
            NodeType::Solution => "status",
            NodeType::Opportunity => "evidence_count",
            NodeType::Assumption => "risk",
            _ => "",
        };
        let (unit, current, target, badge): (Option<&str>, Option<&str>, Option<&str>, Option<&str>) = (
            r.try_get_unchecked(7)?,
            r.try_get_unchecked(8)?,
            r.try_get_unchecked(9)?,
            r.try_get_unchecked(10)?,
        );
        self.nodes.push(OutlineNode {
            parent: None,
            node_type,
            title: r.try_get_unchecked(3)?,
            description: r.try_get_unchecked(4)?,
            is_collapsed: r.try_get_unchecked::<Option<bool>, _>(5)?.unwrap_or(false),
            badges: BadgeFields::from_field_texts(|name| {
                match name {
                    "unit" => unit,
                    "current" => current,
                    "target" => target,
                    _ if name == own => badge,
                    _ => None,
                }
                .map(Cow::Borrowed)
            }),
        });
        Ok(())
    }
}

struct LiveTree {
    id: i32,
    version: i64,
    updated_at: time::PrimitiveDateTime,
    name: String,
    description: Option<String>,
    discovery_phase: Option<String>,
    canvas_state: serde_json::Value,
}

/// The tree, its nodes and its links read as of one moment, in the statement that begins the
/// transaction (not a `SET TRANSACTION` round trip after it).
const READ_SNAPSHOT: &str = "BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY";

/// The tree of a live token.
async fn live_tree(tx: &mut PgConnection, token: &str) -> Result<LiveTree, AppError> {
    sqlx::query_as!(
        LiveTree,
        r#"SELECT t.id, t.version, t.updated_at, t.name, t.description, t.discovery_phase, t.canvas_state
           FROM share_links s JOIN impact_trees t ON t.id = s.tree_id
           WHERE s.token_hash = $1 AND s.revoked_at IS NULL"#,
        &token_hash(token)
    )
    .fetch_optional(&mut *tx)
    .await?
    .ok_or(AppError::NotFound)
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

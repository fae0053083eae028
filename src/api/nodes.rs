//! Nodes and cross-links. Every write carries the version the client saw; the tree is locked
//! for the length of the change, so concurrent moves cannot make a cycle.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use crate::error::AppError;
use crate::model::{Connection, NodeType, Subtree, TreeNode};

/// A node's content as the editor sends it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NodeInput {
    pub node_type: NodeType,
    pub title: String,
    #[serde(default)]
    pub description: Option<String>,
    #[serde(default)]
    pub is_collapsed: bool,
    #[serde(default)]
    pub template_data: serde_json::Value,
}

/// Adds a node under `parent_id` (none: a new root) at `position` among its siblings (none:
/// last). Add a child by naming the parent; add a sibling by naming the sibling's parent and
/// the position after it. `node_id` is the new node's id when the client picks it (a UUID,
/// lowercase with hyphens), as the editor does to draw the node before the answer comes; an
/// id already in use is a Conflict. None: the server picks.
#[server(prefix = "/api", endpoint = "add_node", input = Json)]
pub async fn add_node(
    tree_id: i32,
    parent_id: Option<String>,
    position: Option<i32>,
    node: NodeInput,
    node_id: Option<String>,
) -> Result<TreeNode, AppError> {
    use crate::server::{guard, repo};
    let (caller, user) = guard::require_user().await?;
    let parent_id = parent_id.as_deref().map(server::node_id).transpose()?;
    let node_id = node_id.as_deref().map(server::new_node_id).transpose()?;
    let content = server::Content::check(&caller, node)?;
    let mut tx = caller.state.pool.begin().await?;
    repo::trees::lock_owned(&mut tx, &user.0.id, tree_id).await?;
    let max = caller.state.config.limits.nodes_per_tree_max;
    let added = repo::nodes::add(
        &mut tx,
        &caller.actor(&user.0.id),
        tree_id,
        node_id,
        parent_id,
        position,
        content.as_content(),
        max,
    )
    .await?;
    tx.commit().await?;
    Ok(added)
}

/// Replaces a node's title, description, type, collapsed flag and type fields.
#[server(prefix = "/api", endpoint = "update_node", input = Json)]
pub async fn update_node(tree_id: i32, node_id: String, version: i64, node: NodeInput) -> Result<TreeNode, AppError> {
    use crate::server::{guard, repo};
    let (caller, user) = guard::require_user().await?;
    let node_id = server::node_id(&node_id)?;
    let content = server::Content::check(&caller, node)?;
    let actor = caller.actor(&user.0.id);
    let fast = repo::nodes::update_same_type(
        &caller.state.pool,
        &actor,
        tree_id,
        node_id,
        version,
        content.as_content(),
    );
    if let Some(updated) = fast.await? {
        return Ok(updated);
    }
    let mut tx = caller.state.pool.begin().await?;
    repo::trees::lock_owned(&mut tx, &user.0.id, tree_id).await?;
    let updated = repo::nodes::update(&mut tx, &actor, tree_id, node_id, version, content.as_content()).await?;
    tx.commit().await?;
    Ok(updated)
}

/// Moves a node under `new_parent_id` (none: to the roots) at `position` (none: last).
/// Reordering among siblings is a move to the same parent.
#[server(prefix = "/api", endpoint = "move_node", input = Json)]
pub async fn move_node(
    tree_id: i32,
    node_id: String,
    version: i64,
    new_parent_id: Option<String>,
    position: Option<i32>,
) -> Result<TreeNode, AppError> {
    use crate::server::{guard, repo};
    let (caller, user) = guard::require_user().await?;
    let node_id = server::node_id(&node_id)?;
    let new_parent_id = new_parent_id.as_deref().map(server::node_id).transpose()?;
    let mut tx = caller.state.pool.begin().await?;
    repo::trees::lock_owned(&mut tx, &user.0.id, tree_id).await?;
    let moved = repo::nodes::move_to(
        &mut tx,
        &caller.actor(&user.0.id),
        tree_id,
        node_id,
        version,
        new_parent_id,
        position,
    )
    .await?;
    tx.commit().await?;
    Ok(moved)
}

/// Deletes a node with its whole subtree; returns how many nodes went.
#[server(prefix = "/api", endpoint = "delete_node", input = Json)]
pub async fn delete_node(tree_id: i32, node_id: String, version: i64) -> Result<i64, AppError> {
    use crate::server::{guard, repo};
    let (caller, user) = guard::require_user().await?;
    let node_id = server::node_id(&node_id)?;
    let mut tx = caller.state.pool.begin().await?;
    repo::trees::lock_owned(&mut tx, &user.0.id, tree_id).await?;
    let removed = repo::nodes::delete(&mut tx, &caller.actor(&user.0.id), tree_id, node_id, version).await?;
    tx.commit().await?;
    Ok(removed)
}

/// Puts back a subtree with its own ids under `parent_id` at `position` (none: last): the
/// editor's undo of a delete and redo of an add. `subtree.nodes` lists parents before their
/// children and siblings in order; the first is the subtree's root.
#[server(prefix = "/api", endpoint = "restore_nodes", input = Json)]
pub async fn restore_nodes(
    tree_id: i32,
    parent_id: Option<String>,
    position: Option<i32>,
    subtree: Subtree,
) -> Result<Subtree, AppError> {
    use crate::server::{guard, repo};
    let (caller, user) = guard::require_user().await?;
    let parent_id = parent_id.as_deref().map(server::node_id).transpose()?;
    let max = caller.state.config.limits.nodes_per_tree_max;
    if subtree.nodes.len() > max {
        return Err(AppError::validation(
            "nodes",
            format!("a tree holds at most {max} nodes"),
        ));
    }
    let checked = server::checked_subtree(&caller, &subtree)?;
    let nodes = checked.nodes(&subtree);
    let mut tx = caller.state.pool.begin().await?;
    repo::trees::lock_owned(&mut tx, &user.0.id, tree_id).await?;
    let restored = repo::nodes::restore(
        &mut tx,
        &caller.actor(&user.0.id),
        tree_id,
        parent_id,
        position,
        &nodes,
        &subtree.connections,
        max,
    )
    .await?;
    tx.commit().await?;
    Ok(restored)
}

#[server(prefix = "/api", endpoint = "add_connection", input = Json)]
pub async fn add_connection(tree_id: i32, from_node_id: String, to_node_id: String) -> Result<Connection, AppError> {
    use crate::server::{guard, repo};
    let (caller, user) = guard::require_user().await?;
    let from = server::node_id(&from_node_id)?;
    let to = server::node_id(&to_node_id)?;
    let mut tx = caller.state.pool.begin().await?;
    repo::trees::lock_owned(&mut tx, &user.0.id, tree_id).await?;
    let link = repo::connections::add(&mut tx, &caller.actor(&user.0.id), tree_id, from, to).await?;
    tx.commit().await?;
    Ok(link)
}

#[server(prefix = "/api", endpoint = "remove_connection", input = Json)]
pub async fn remove_connection(tree_id: i32, connection_id: String) -> Result<(), AppError> {
    use crate::server::{guard, repo};
    let (caller, user) = guard::require_user().await?;
    let id = uuid::Uuid::parse_str(&connection_id).map_err(|_| AppError::NotFound)?;
    let mut tx = caller.state.pool.begin().await?;
    repo::trees::lock_owned(&mut tx, &user.0.id, tree_id).await?;
    repo::connections::remove(&mut tx, &caller.actor(&user.0.id), tree_id, id).await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(feature = "ssr")]
mod server {
    use super::NodeInput;
    use crate::error::AppError;
    use crate::model::limits::{clean_description, clean_title};
    use crate::model::Subtree;
    use crate::model::{template_data, NodeType};
    use crate::server::guard::Caller;
    use crate::server::repo::nodes::{NodeContent, RestoredNode};

    /// Node ids are UUIDs made by the server: anything else cannot exist, so it is NotFound
    /// (no probing of other users' ids by shape).
    pub fn node_id(raw: &str) -> Result<&str, AppError> {
        uuid::Uuid::parse_str(raw).map(|_| raw).map_err(|_| AppError::NotFound)
    }

    /// An id a client picked for a new node: only the form the server itself writes, so one
    /// node cannot go by two spellings.
    pub fn new_node_id(raw: &str) -> Result<&str, AppError> {
        match uuid::Uuid::parse_str(raw) {
            Ok(id) if id.hyphenated().to_string() == raw => Ok(raw),
            _ => Err(AppError::validation(
                "node_id",
                "must be a UUID in lowercase with hyphens",
            )),
        }
    }

    pub struct Content {
        node_type: NodeType,
        title: String,
        description: Option<String>,
        is_collapsed: bool,
        template_data: serde_json::Value,
    }

    impl Content {
        pub fn check(caller: &Caller, input: NodeInput) -> Result<Self, AppError> {
            let limits = caller.state.config.limits;
            let title = clean_title(&input.title, limits.title_max).map_err(|m| AppError::validation("title", m))?;
            let description = clean_description(input.description.as_deref(), limits.description_max)
                .map_err(|m| AppError::validation("description", m))?;
            let template_data =
                template_data::validate(input.node_type, &input.template_data, limits.template_data_max_bytes)
                    .map_err(|(field, message)| AppError::validation(field, message))?;
            Ok(Content {
                node_type: input.node_type,
                title,
                description,
                is_collapsed: input.is_collapsed,
                template_data,
            })
        }

        pub fn as_content(&self) -> NodeContent<'_> {
            NodeContent {
                node_type: self.node_type,
                title: &self.title,
                description: self.description.as_deref(),
                is_collapsed: self.is_collapsed,
                template_data: &self.template_data,
            }
        }
    }

    /// A subtree to restore, each node's content checked and each parent found earlier in the
    /// list.
    pub struct CheckedSubtree {
        contents: Vec<Content>,
        parents: Vec<Option<usize>>,
    }

    impl CheckedSubtree {
        pub fn nodes<'a>(&'a self, subtree: &'a Subtree) -> Vec<RestoredNode<'a>> {
            subtree
                .nodes
                .iter()
                .zip(&self.contents)
                .zip(&self.parents)
                .map(|((node, content), parent)| RestoredNode {
                    id: &node.id,
                    parent: *parent,
                    content: content.as_content(),
                    position: node.position,
                    version: node.version,
                })
                .collect()
        }
    }

    pub fn checked_subtree(caller: &Caller, subtree: &Subtree) -> Result<CheckedSubtree, AppError> {
        let mut seen = std::collections::HashMap::new();
        let mut contents = Vec::with_capacity(subtree.nodes.len());
        let mut parents = Vec::with_capacity(subtree.nodes.len());
        for (i, node) in subtree.nodes.iter().enumerate() {
            let at = |field: &str| format!("nodes[{i}].{field}");
            // Only ids as the server makes them: lower-case, hyphenated. Other spellings of an
            // existing id must not slip past the "already in use" check.
            let canonical = uuid::Uuid::parse_str(&node.id).map(|u| u.hyphenated().to_string());
            if canonical.as_deref() != Ok(node.id.as_str()) {
                return Err(AppError::validation(at("id"), "must be a UUID as the server made it"));
            }
            if !node.position.x.is_finite() || !node.position.y.is_finite() {
                return Err(AppError::validation(at("position"), "must be finite numbers"));
            }
            let parent =
                if i == 0 {
                    None
                } else {
                    let found = node.parent_id.as_deref().and_then(|p| seen.get(p).copied());
                    Some(found.ok_or_else(|| {
                        AppError::validation(at("parent_id"), "must name an earlier node of the subtree")
                    })?)
                };
            if seen.insert(node.id.as_str(), i).is_some() {
                return Err(AppError::validation(at("id"), "appears twice"));
            }
            let input = NodeInput {
                node_type: node.node_type,
                title: node.title.clone(),
                description: node.description.clone(),
                is_collapsed: node.is_collapsed,
                template_data: node.template_data.clone(),
            };
            let content = Content::check(caller, input).map_err(|err| match err {
                AppError::Validation { field, message } => AppError::validation(at(&field), message),
                other => other,
            })?;
            contents.push(content);
            parents.push(parent);
        }
        // Only the links that went with the subtree: each touches it.
        if subtree.connections.len() > subtree.nodes.len() * 4 + 16 {
            return Err(AppError::validation(
                "connections",
                "more links than such a subtree can have",
            ));
        }
        for (i, link) in subtree.connections.iter().enumerate() {
            uuid::Uuid::parse_str(&link.id)
                .map_err(|_| AppError::validation(format!("connections[{i}].id"), "must be a UUID"))?;
            if !seen.contains_key(link.from_node_id.as_str()) && !seen.contains_key(link.to_node_id.as_str()) {
                return Err(AppError::validation(
                    format!("connections[{i}]"),
                    "must link a node of the subtree",
                ));
            }
        }
        Ok(CheckedSubtree { contents, parents })
    }
}

/// Positions, collapsed flags and sibling orders of many nodes at once, all or nothing.
#[server(prefix = "/api", endpoint = "bulk_update_nodes", input = Json)]
pub async fn bulk_update_nodes(tree_id: i32, changes: Vec<BulkNodeChange>) -> Result<Vec<TreeNode>, AppError> {
    use crate::server::{guard, repo};
    let (caller, user) = guard::require_user().await?;
    if changes.len() > caller.state.config.limits.nodes_per_tree_max {
        return Err(AppError::validation("changes", "more changes than a tree has nodes"));
    }
    let mut batch = Vec::with_capacity(changes.len());
    for (i, change) in changes.into_iter().enumerate() {
        server::node_id(&change.node_id)?;
        if let Some(p) = change.position {
            if !p.x.is_finite() || !p.y.is_finite() {
                return Err(AppError::validation(
                    format!("changes[{i}].position"),
                    "must be finite numbers",
                ));
            }
        }
        if change.sort_order.is_some_and(|o| o < 0) {
            return Err(AppError::validation(
                format!("changes[{i}].sort_order"),
                "must be 0 or more",
            ));
        }
        batch.push(repo::nodes::BulkChange {
            node_id: change.node_id,
            version: change.version,
            position: change.position,
            is_collapsed: change.is_collapsed,
            sort_order: change.sort_order,
        });
    }
    let mut tx = caller.state.pool.begin().await?;
    repo::trees::lock_owned(&mut tx, &user.0.id, tree_id).await?;
    let updated = repo::nodes::bulk_update(&mut tx, &caller.actor(&user.0.id), tree_id, &batch).await?;
    tx.commit().await?;
    Ok(updated)
}

/// One node's part of [`bulk_update_nodes`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BulkNodeChange {
    pub node_id: String,
    pub version: i64,
    #[serde(default)]
    pub position: Option<crate::model::Position>,
    #[serde(default)]
    pub is_collapsed: Option<bool>,
    #[serde(default)]
    pub sort_order: Option<i32>,
}

/// The tree as an outline: depth and path of every node reachable from a root.
#[server(prefix = "/api", endpoint = "tree_outline")]
pub async fn tree_outline(tree_id: i32) -> Result<Vec<crate::model::analytics::OutlineRow>, AppError> {
    use crate::server::{guard, repo};
    let (caller, user) = guard::require_user().await?;
    repo::trees::get_meta(&caller.state.pool, &user.0.id, tree_id).await?;
    Ok(repo::nodes::hierarchy(&caller.state.pool, tree_id).await?)
}

//! The seed's DataMigration utilities as admin commands of the server binary. Each prints what
//! it changed (or, with `--dry-run`, what it would change) and is safe to run again.

use sqlx::PgPool;

use super::repo;
use crate::model::document::TreeDocument;
use crate::model::{CanvasState, Limits};

/// What a command did, line by line, and how many things it changed.
#[derive(Debug, Default)]
pub struct Report {
    pub lines: Vec<String>,
    pub changed: usize,
}

impl Report {
    fn say(&mut self, line: impl Into<String>) {
        self.lines.push(line.into());
    }
}

/// Legacy `impact_trees.nodes` / `connections` JSONB of the original app into rows of
/// `tree_nodes` and `node_connections`, one transaction per tree. Trees that already have
/// node rows are skipped, so running it again changes nothing. Node ids get fresh UUIDs; type
/// rules are not enforced (the original app had none), every other check is.
pub async fn migrate_nodes(pool: &PgPool, limits: &Limits, dry_run: bool) -> Result<Report, sqlx::Error> {
    let mut report = Report::default();
    let candidates = sqlx::query!(
        r#"SELECT t.id, t.name, t.description, t.nodes, t.connections
           FROM impact_trees t
           WHERE jsonb_typeof(t.nodes) = 'array' AND jsonb_array_length(t.nodes) > 0
             AND NOT EXISTS (SELECT 1 FROM tree_nodes n WHERE n.tree_id = t.id)
           ORDER BY t.id"#
    )
    .fetch_all(pool)
    .await?;
    for tree in candidates {
        let document = serde_json::from_value::<TreeDocument>(serde_json::json!({
            "name": tree.name,
            "description": tree.description,
            "nodes": tree.nodes,
            "connections": tree.connections,
        }));
        let checked = match document.map_err(|e| e.to_string()).and_then(|d| {
            d.check_with(limits, false).map_err(|problems| {
                problems
                    .iter()
                    .map(|p| format!("{}: {}", p.path, p.message))
                    .collect::<Vec<_>>()
                    .join("; ")
            })
        }) {
            Ok(checked) => checked,
            Err(problems) => {
                report.say(format!(
                    "tree {} ({:?}): skipped, its legacy nodes do not read: {problems}",
                    tree.id, tree.name
                ));
                continue;
            }
        };
        let (nodes, links) = (checked.nodes.len(), checked.connections.len());
        if dry_run {
            report.say(format!(
                "tree {} ({:?}): would migrate {nodes} nodes and {links} connections",
                tree.id, tree.name
            ));
        } else {
            let mut tx = pool.begin().await?;
            repo::trees::insert_document(&mut tx, tree.id, &checked).await?;
            tx.commit().await?;
            report.say(format!(
                "tree {} ({:?}): migrated {nodes} nodes and {links} connections",
                tree.id, tree.name
            ));
        }
        report.changed += 1;
    }
    if report.changed == 0 {
        report.say("no tree has legacy nodes left to migrate");
    }
    Ok(report)
}

/// Nodes no root of their tree reaches (a parent in another tree, or a cycle, both possible
/// only in data of the original app) become roots of their tree again; nothing is deleted.
/// Activity rows whose user is gone are removed.
pub async fn cleanup_orphans(pool: &PgPool, dry_run: bool) -> Result<Report, sqlx::Error> {
    let mut report = Report::default();
    let mut tx = pool.begin().await?;
    // Each pass re-roots, per tree, one stranded node whose parent lives in another tree or
    // which sits on a cycle; its subtree comes back with it.
    for _ in 0..10_000 {
        let stranded = sqlx::query!(
            r#"WITH RECURSIVE reached AS (
                 SELECT id, tree_id FROM tree_nodes WHERE parent_id IS NULL
                 UNION ALL
                 SELECT n.id, n.tree_id FROM tree_nodes n JOIN reached r ON n.parent_id = r.id AND n.tree_id = r.tree_id
               ),
               stranded AS (
                 SELECT n.id, n.tree_id, n.parent_id, n.title FROM tree_nodes n
                 WHERE NOT EXISTS (SELECT 1 FROM reached r WHERE r.id = n.id)
               ),
               up AS (
                 SELECT s.id AS start, s.parent_id AS at, 1 AS steps FROM stranded s
                 UNION ALL
                 SELECT up.start, n.parent_id, up.steps + 1 FROM up JOIN tree_nodes n ON n.id = up.at
                 WHERE up.at <> up.start AND up.steps < 100000
               )
               SELECT DISTINCT ON (s.tree_id) s.id AS "id!", s.tree_id AS "tree_id!", s.title AS "title!"
               FROM stranded s
               WHERE NOT EXISTS (SELECT 1 FROM tree_nodes p WHERE p.id = s.parent_id AND p.tree_id = s.tree_id)
                  OR EXISTS (SELECT 1 FROM up WHERE up.start = s.id AND up.at = s.id)
               ORDER BY s.tree_id, s.id"#
        )
        .fetch_all(&mut *tx)
        .await?;
        if stranded.is_empty() {
            break;
        }
        for node in stranded {
            report.say(format!(
                "tree {}: node {} ({:?}) is unreachable{}",
                node.tree_id,
                node.id,
                node.title,
                if dry_run {
                    ", would become a root"
                } else {
                    ", now a root"
                }
            ));
            report.changed += 1;
            sqlx::query!(
                "UPDATE tree_nodes SET parent_id = NULL,
                   sort_order = (SELECT coalesce(max(sort_order) + 1, 0) FROM tree_nodes WHERE tree_id = $2 AND parent_id IS NULL)
                 WHERE id = $1",
                node.id,
                node.tree_id
            )
            .execute(&mut *tx)
            .await?;
        }
    }
    let gone =
        sqlx::query!("DELETE FROM user_activities a WHERE NOT EXISTS (SELECT 1 FROM users u WHERE u.id = a.user_id)")
            .execute(&mut *tx)
            .await?
            .rows_affected();
    if gone > 0 {
        report.say(format!(
            "{gone} activity rows of deleted users {}",
            if dry_run { "would go" } else { "removed" }
        ));
        report.changed += gone as usize;
    }
    if dry_run {
        tx.rollback().await?;
    } else {
        tx.commit().await?;
    }
    if report.changed == 0 {
        report.say("no orphans");
    }
    Ok(report)
}

/// Canvas states in the seed's old format (no orientation) or unreadable get the current
/// format, keeping what can be read.
pub async fn upgrade_canvas_state(pool: &PgPool, dry_run: bool) -> Result<Report, sqlx::Error> {
    let mut report = Report::default();
    let rows = sqlx::query!("SELECT id, canvas_state FROM impact_trees ORDER BY id")
        .fetch_all(pool)
        .await?;
    let mut tx = pool.begin().await?;
    for row in rows {
        let upgraded = upgrade_state(&row.canvas_state);
        if upgraded == row.canvas_state {
            continue;
        }
        report.say(format!(
            "tree {}: {} -> {}{}",
            row.id,
            row.canvas_state,
            upgraded,
            if dry_run { " (dry run)" } else { "" }
        ));
        report.changed += 1;
        if !dry_run {
            sqlx::query!(
                "UPDATE impact_trees SET canvas_state = $2 WHERE id = $1",
                row.id,
                upgraded
            )
            .execute(&mut *tx)
            .await?;
        }
    }
    tx.commit().await?;
    if report.changed == 0 {
        report.say("every canvas state is current");
    }
    Ok(report)
}

/// The current form of a stored canvas state: zoom and pan kept when they are numbers,
/// orientation added when missing.
fn upgrade_state(stored: &serde_json::Value) -> serde_json::Value {
    let defaults = CanvasState::default();
    let number = |v: Option<&serde_json::Value>, fallback: f64| v.and_then(|v| v.as_f64()).unwrap_or(fallback);
    let orientation = match stored.get("orientation").and_then(|o| o.as_str()) {
        Some("horizontal") => "horizontal",
        _ => "vertical",
    };
    let candidate = serde_json::json!({
        "zoom": number(stored.get("zoom"), defaults.zoom),
        "pan": {
            "x": number(stored.get("pan").and_then(|p| p.get("x")), 0.0),
            "y": number(stored.get("pan").and_then(|p| p.get("y")), 0.0),
        },
        "orientation": orientation,
    });
    let state = serde_json::from_value::<CanvasState>(candidate)
        .ok()
        .and_then(|s| s.sanitized().ok())
        .unwrap_or(defaults);
    let current = serde_json::to_value(state).unwrap_or_default();
    // Equal numbers written differently (1 and 1.0) are not a change.
    if serde_json::from_value::<CanvasState>(stored.clone()).ok() == Some(state) && stored.get("orientation").is_some()
    {
        return stored.clone();
    }
    current
}

#[cfg(test)]
mod tests {
    use super::upgrade_state;
    use serde_json::json;

    #[test]
    fn old_states_gain_an_orientation_and_keep_their_view() {
        assert_eq!(
            upgrade_state(&json!({ "zoom": 2, "pan": { "x": 5, "y": -1 } })),
            json!({ "zoom": 2.0, "pan": { "x": 5.0, "y": -1.0 }, "orientation": "vertical" })
        );
        let current = json!({ "zoom": 1, "pan": { "x": 0, "y": 0 }, "orientation": "horizontal" });
        assert_eq!(upgrade_state(&current), current);
        assert_eq!(upgrade_state(&json!("garbage"))["orientation"], "vertical");
    }
}

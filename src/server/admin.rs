//! The seed's DataMigration utilities as admin commands of the server binary. Each prints what
//! it changed (or, with `--dry-run`, what it would change) and is safe to run again.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use sqlx::PgPool;

use super::auth::password;
use super::repo;
use super::repo::activity::Actor;
use crate::error::AppError;
use crate::model::demo_data;
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
            // A running server's cached answers for this tree must not outlive the repair.
            repo::trees::touch(&mut tx, node.tree_id).await?;
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

/// The password of every account `seed-demo` creates.
pub const SEED_PASSWORD: &str = "bench-impact-tree";
pub const SEED_EMAIL_DOMAIN: &str = "impact-tree.test";

/// What `seed-demo` makes: `users` accounts `<email_prefix>-<i>@impact-tree.test`, each with
/// `trees` trees of `nodes` nodes, all drawn from `seed`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedOptions {
    pub users: usize,
    pub trees: usize,
    pub nodes: usize,
    pub seed: u64,
    pub email_prefix: String,
}

impl Default for SeedOptions {
    fn default() -> Self {
        SeedOptions {
            users: 1,
            trees: 1,
            nodes: 1000,
            seed: 1,
            email_prefix: "bench".into(),
        }
    }
}

impl SeedOptions {
    /// The address of user `user` (counted from 1).
    pub fn email(&self, user: usize) -> String {
        format!("{}-{user}@{SEED_EMAIL_DOMAIN}", self.email_prefix)
    }

    /// The name of tree `tree` (counted from 1) of user `user`: the generated objective, then
    /// the seed and the tree's number, which is how a second run finds it.
    pub fn tree_name(&self, user: usize, tree: usize) -> String {
        demo_data::tree_name(self.tree_seed(user, tree), &self.name_suffix(tree))
    }

    pub fn tree_seed(&self, user: usize, tree: usize) -> u64 {
        demo_data::tree_seed(self.seed, user as u64, tree as u64)
    }

    fn name_suffix(&self, tree: usize) -> String {
        format!(" · demo s{} #{tree}", self.seed)
    }

    /// `Err` naming the option that is out of range.
    pub fn check(&self, limits: &Limits) -> Result<(), String> {
        if !(1..=100_000).contains(&self.users) {
            return Err("--users must be between 1 and 100000".into());
        }
        if self.trees > 100_000 {
            return Err("--trees must be at most 100000".into());
        }
        if !(1..=limits.nodes_per_tree_max).contains(&self.nodes) {
            return Err(format!(
                "--nodes must be between 1 and {} (limits.nodes_per_tree_max)",
                limits.nodes_per_tree_max
            ));
        }
        let prefix_ok = !self.email_prefix.is_empty()
            && self.email_prefix.len() <= 64
            && self
                .email_prefix
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '_' | '-'));
        if !prefix_ok {
            return Err("--email-prefix must be 1 to 64 of a-z, 0-9, '.', '_' and '-'".into());
        }
        Ok(())
    }
}

#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("{0}")]
    Invalid(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    App(#[from] AppError),
}

/// Creates (or finds, by address) the demo users and gives each its trees, one transaction
/// per tree; a tree whose name is already among the user's trees is kept as it is, so running
/// the same command again adds nothing. Each line of the report is also passed to `progress`
/// as soon as it is known. `changed` counts the trees created.
pub async fn seed_demo(
    pool: &PgPool,
    limits: &Limits,
    options: &SeedOptions,
    mut progress: impl FnMut(&str),
) -> Result<Report, SeedError> {
    options.check(limits).map_err(SeedError::Invalid)?;
    let mut report = Report::default();
    let mut say = |report: &mut Report, line: String| {
        progress(&line);
        report.say(line);
    };
    let started = Instant::now();
    // One argon2 hash for every new account: hashing is slow on purpose.
    let mut hash: Option<String> = None;
    let (mut users_created, mut trees_kept, mut nodes_created) = (0usize, 0usize, 0usize);
    // Trees per report line: about 200,000 nodes' worth, so big trees report often.
    let batch = (200_000 / options.nodes).clamp(1, 100);

    for user in 1..=options.users {
        let email = options.email(user);
        let (user_id, created) = match repo::users::find_by_email(pool, &email).await? {
            Some(found) => (found.id, false),
            None => {
                if hash.is_none() {
                    hash = Some(password::hash(SEED_PASSWORD.to_string()).await?);
                }
                let display_name = format!("Bench user {user}");
                match repo::users::insert(pool, &email, &display_name, hash.as_deref().unwrap_or_default()).await {
                    Ok(inserted) => (inserted.id, true),
                    // Another run made it at the same moment.
                    Err(sqlx::Error::Database(db)) if db.constraint() == Some("users_email_key") => {
                        let found = repo::users::find_by_email(pool, &email).await?;
                        (found.ok_or(sqlx::Error::RowNotFound)?.id, false)
                    }
                    Err(err) => return Err(err.into()),
                }
            }
        };
        users_created += usize::from(created);
        say(
            &mut report,
            format!(
                "user {email} ({user_id}): {}, password {SEED_PASSWORD}",
                if created { "created" } else { "already there" }
            ),
        );
        let existing: HashSet<String> = sqlx::query_scalar("SELECT name FROM impact_trees WHERE user_id = $1")
            .bind(&user_id)
            .fetch_all(pool)
            .await?
            .into_iter()
            .collect();
        let actor = Actor {
            user_id: user_id.clone(),
            session_id: None,
            user_agent: Some("impact-tree seed-demo".into()),
            ip_address: None,
        };

        let mut first = 1;
        while first <= options.trees {
            let last = (first + batch - 1).min(options.trees);
            let (mut generating, mut inserting) = (Duration::ZERO, Duration::ZERO);
            let (mut ids, mut kept, mut nodes, mut links) = (Vec::new(), 0usize, 0usize, 0usize);
            let (mut shallowest, mut deepest) = (usize::MAX, 0usize);
            for tree in first..=last {
                if existing.contains(&options.tree_name(user, tree)) {
                    kept += 1;
                    continue;
                }
                let at = Instant::now();
                let generated =
                    demo_data::generate(options.tree_seed(user, tree), options.nodes, &options.name_suffix(tree));
                generating += at.elapsed();

                let at = Instant::now();
                let doc = &generated.document;
                let mut tx = pool.begin().await?;
                // A tree at the node limit may take longer than the server's statement timeout.
                sqlx::query("SET LOCAL statement_timeout = 0").execute(&mut *tx).await?;
                let meta = repo::trees::create(
                    &mut tx,
                    &actor,
                    repo::trees::NewTree {
                        name: &doc.name,
                        description: doc.description.as_deref(),
                        discovery_phase: generated.discovery_phase,
                        is_template: false,
                    },
                )
                .await?;
                repo::trees::insert_document(&mut tx, meta.id, doc).await?;
                tx.commit().await?;
                inserting += at.elapsed();

                ids.push(meta.id);
                nodes += doc.nodes.len();
                links += doc.connections.len();
                shallowest = shallowest.min(generated.depth);
                deepest = deepest.max(generated.depth);
            }
            let mut line = format!("{email}: trees {first}-{last} of {}: ", options.trees);
            if ids.is_empty() {
                line.push_str("none created");
            } else {
                let seconds = (generating + inserting).as_secs_f64();
                line.push_str(&format!(
                    "created {} (ids {}), {nodes} nodes, {links} links, depth {shallowest}-{deepest}; \
                     generate {:.2}s, insert {:.2}s, {:.0} nodes/s",
                    ids.len(),
                    id_ranges(&ids),
                    generating.as_secs_f64(),
                    inserting.as_secs_f64(),
                    nodes as f64 / seconds.max(1e-9)
                ));
            }
            if kept > 0 {
                line.push_str(&format!("; {kept} already there, kept"));
            }
            say(&mut report, line);
            report.changed += ids.len();
            trees_kept += kept;
            nodes_created += nodes;
            first = last + 1;
        }
    }
    let trees_created = report.changed;
    say(
        &mut report,
        format!(
            "seed-demo: {} users ({users_created} new), {trees_created} trees created ({trees_kept} already there), \
             {nodes_created} nodes, in {:.1}s",
            options.users,
            started.elapsed().as_secs_f64()
        ),
    );
    Ok(report)
}

/// `[3, 4, 5, 9]` as `3-5, 9`.
fn id_ranges(ids: &[i32]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < ids.len() {
        let mut j = i;
        while j + 1 < ids.len() && ids[j + 1] == ids[j] + 1 {
            j += 1;
        }
        parts.push(if i == j {
            ids[i].to_string()
        } else {
            format!("{}-{}", ids[i], ids[j])
        });
        i = j + 1;
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::{id_ranges, upgrade_state, SeedOptions};
    use crate::model::Limits;
    use serde_json::json;

    #[test]
    fn seed_options_name_users_and_trees_and_refuse_bad_values() {
        let options = SeedOptions::default();
        assert_eq!(options.email(3), "bench-3@impact-tree.test");
        assert!(options.tree_name(1, 7).ends_with(" · demo s1 #7"));
        assert_eq!(options.tree_name(1, 7), options.tree_name(1, 7));
        assert!(options.check(&Limits::default()).is_ok());
        for bad in [
            SeedOptions {
                nodes: 0,
                ..SeedOptions::default()
            },
            SeedOptions {
                nodes: 100_001,
                ..SeedOptions::default()
            },
            SeedOptions {
                users: 0,
                ..SeedOptions::default()
            },
            SeedOptions {
                email_prefix: "Bench@x".into(),
                ..SeedOptions::default()
            },
        ] {
            assert!(bad.check(&Limits::default()).is_err(), "{bad:?}");
        }
        assert_eq!(id_ranges(&[3, 4, 5, 9, 11, 12]), "3-5, 9, 11-12");
    }

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

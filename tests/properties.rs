//! Property test: random sequences of add, move, reorder and delete on one tree keep every
//! invariant after every step: no cycles, parents in the same tree, sibling order dense and
//! unique, and one activity row per successful change.
#![cfg(feature = "ssr")]

use impact_tree::error::AppError;
use impact_tree::model::{type_rules, NodeType};
use impact_tree::server::repo::{self, activity::Actor, nodes::NodeContent};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};
use sqlx::postgres::PgPoolOptions;
use sqlx::{Executor, PgPool};

#[derive(Debug, Clone)]
enum Op {
    /// Export the tree as a document and import it as a new tree.
    Import,
    Add {
        parent: Option<usize>,
        kind: usize,
        position: Option<i32>,
    },
    Move {
        node: usize,
        parent: Option<usize>,
        position: Option<i32>,
    },
    Delete {
        node: usize,
    },
}

fn op() -> impl Strategy<Value = Op> {
    let pick = || proptest::option::weighted(0.8, 0usize..64);
    let position = || proptest::option::of(0i32..6);
    prop_oneof![
        4 => (pick(), 0usize..8, position()).prop_map(|(parent, kind, position)| Op::Add { parent, kind, position }),
        3 => (0usize..64, pick(), position()).prop_map(|(node, parent, position)| Op::Move { node, parent, position }),
        1 => (0usize..64).prop_map(|node| Op::Delete { node }),
        1 => Just(Op::Import),
    ]
}

struct Node {
    id: String,
    node_type: NodeType,
    version: i64,
}

async fn nodes(pool: &PgPool, tree: i32) -> Vec<Node> {
    sqlx::query_as::<_, (String, String, i64)>(
        "SELECT id, node_type, version FROM tree_nodes WHERE tree_id = $1 ORDER BY id",
    )
    .bind(tree)
    .fetch_all(pool)
    .await
    .unwrap()
    .into_iter()
    .map(|(id, t, version)| Node {
        id,
        node_type: t.parse().unwrap(),
        version,
    })
    .collect()
}

async fn check_invariants(pool: &PgPool, tree: i32, changes: i64) -> Result<(), String> {
    let total: i64 = sqlx::query_scalar("SELECT count(*) FROM tree_nodes WHERE tree_id = $1")
        .bind(tree)
        .fetch_one(pool)
        .await
        .unwrap();
    let reachable: i64 = sqlx::query_scalar(
        "WITH RECURSIVE r AS (SELECT id FROM tree_nodes WHERE tree_id = $1 AND parent_id IS NULL
           UNION ALL SELECT n.id FROM tree_nodes n JOIN r ON n.parent_id = r.id)
         SELECT count(*) FROM r",
    )
    .bind(tree)
    .fetch_one(pool)
    .await
    .unwrap();
    if reachable != total {
        return Err(format!("{total} nodes but {reachable} reachable from a root: a cycle"));
    }
    let foreign: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM tree_nodes c JOIN tree_nodes p ON p.id = c.parent_id WHERE c.tree_id = $1 AND p.tree_id <> c.tree_id",
    )
    .bind(tree)
    .fetch_one(pool)
    .await
    .unwrap();
    if foreign != 0 {
        return Err("a parent in another tree".into());
    }
    let bad_order: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM (
           SELECT parent_id, count(*) AS n, count(DISTINCT sort_order) AS d, min(sort_order) AS lo, max(sort_order) AS hi
           FROM tree_nodes WHERE tree_id = $1 GROUP BY parent_id) g
         WHERE d <> n OR lo <> 0 OR hi <> n - 1",
    )
    .bind(tree)
    .fetch_one(pool)
    .await
    .unwrap();
    if bad_order != 0 {
        return Err("sibling order is not 0..n-1".into());
    }
    let activities: i64 = sqlx::query_scalar("SELECT count(*) FROM user_activities WHERE tree_id = $1")
        .bind(tree)
        .fetch_one(pool)
        .await
        .unwrap();
    if activities != changes + 1 {
        return Err(format!(
            "{activities} activity rows for {changes} changes (+1 for the creation)"
        ));
    }
    Ok(())
}

/// Applies one operation; Ok(true) when it changed the tree, Ok(false) when it was refused
/// as it should be (type rules, cycles), Err on anything unexpected.
async fn apply(pool: &PgPool, actor: &Actor, tree: i32, op: &Op) -> Result<bool, String> {
    let current = nodes(pool, tree).await;
    let pick = |i: usize| {
        if current.is_empty() {
            None
        } else {
            Some(&current[i % current.len()])
        }
    };
    let mut tx = pool.begin().await.unwrap();
    repo::trees::lock_owned(&mut tx, &actor.user_id, tree)
        .await
        .map_err(|e| e.to_string())?;
    let result = match op {
        Op::Add { parent, kind, position } => {
            let parent = parent.and_then(pick);
            let allowed = type_rules::allowed_under(parent.map(|p| p.node_type));
            if allowed.is_empty() {
                return Ok(false);
            }
            let content = NodeContent {
                node_type: allowed[kind % allowed.len()],
                title: "node",
                description: None,
                is_collapsed: false,
                template_data: &serde_json::json!({}),
            };
            repo::nodes::add(
                &mut tx,
                actor,
                tree,
                None,
                parent.map(|p| p.id.as_str()),
                *position,
                content,
                100_000,
            )
            .await
            .map(|_| ())
        }
        Op::Move { node, parent, position } => {
            let Some(node) = pick(*node) else { return Ok(false) };
            let parent = parent.and_then(pick);
            repo::nodes::move_to(
                &mut tx,
                actor,
                tree,
                &node.id,
                node.version,
                parent.map(|p| p.id.as_str()),
                *position,
            )
            .await
            .map(|_| ())
        }
        Op::Delete { node } => {
            let Some(node) = pick(*node) else { return Ok(false) };
            repo::nodes::delete(&mut tx, actor, tree, &node.id, node.version)
                .await
                .map(|_| ())
        }
        Op::Import => {
            drop(tx);
            import_copy(pool, actor, tree).await?;
            return Ok(false);
        }
    };
    match result {
        Ok(()) => {
            tx.commit().await.map_err(|e| format!("commit failed: {e}"))?;
            Ok(true)
        }
        Err(AppError::Validation { .. }) => Ok(false),
        Err(other) => Err(format!("{op:?} failed unexpectedly: {other:?}")),
    }
}

/// Exports `tree`, imports the document as a new tree, and checks the copy: same shape, sound,
/// and two activity rows (created, imported).
async fn import_copy(pool: &PgPool, actor: &Actor, tree: i32) -> Result<(), String> {
    use impact_tree::model::document::TreeDocument;
    let source = repo::trees::get_detail(pool, &actor.user_id, tree)
        .await
        .map_err(|e| e.to_string())?;
    let document = TreeDocument::from_detail(&source);
    let checked = document
        .check(&Default::default())
        .map_err(|p| format!("export does not re-import: {p:?}"))?;
    let mut tx = pool.begin().await.unwrap();
    let copy = repo::trees::import(&mut tx, actor, &checked, "json")
        .await
        .map_err(|e| e.to_string())?;
    tx.commit().await.unwrap();
    let again = repo::trees::get_detail(pool, &actor.user_id, copy.id)
        .await
        .map_err(|e| e.to_string())?;
    let shape = |d: &TreeDocument| {
        let ids: std::collections::HashMap<&str, usize> =
            d.nodes.iter().enumerate().map(|(i, n)| (n.id.as_str(), i)).collect();
        d.nodes
            .iter()
            .map(|n| {
                (
                    n.node_type.clone(),
                    n.title.clone(),
                    n.parent_id.as_deref().map(|p| ids[p]),
                )
            })
            .collect::<Vec<_>>()
    };
    if shape(&TreeDocument::from_detail(&again)) != shape(&document) {
        return Err("the imported copy differs from its source".into());
    }
    check_invariants(pool, copy.id, 1)
        .await
        .map_err(|e| format!("imported copy: {e}"))
}

#[test]
fn random_edit_sequences_keep_the_tree_sound() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let base = std::env::var("DATABASE_URL").expect("DATABASE_URL");
    let (server, _) = base.rsplit_once('/').unwrap();
    let name = format!("impact_tree_props_{}", std::process::id());
    let pool = runtime.block_on(async {
        let admin = PgPoolOptions::new()
            .max_connections(1)
            .connect(&format!("{server}/postgres"))
            .await
            .unwrap();
        admin
            .execute(format!("DROP DATABASE IF EXISTS {name}").as_str())
            .await
            .unwrap();
        admin.execute(format!("CREATE DATABASE {name}").as_str()).await.unwrap();
        let pool = PgPoolOptions::new()
            .max_connections(4)
            .connect(&format!("{server}/{name}"))
            .await
            .unwrap();
        impact_tree::server::db::MIGRATOR.run(&pool).await.unwrap();
        sqlx::query("INSERT INTO users (id, email, display_name) VALUES ('prop', 'prop@example.com', 'Prop')")
            .execute(&pool)
            .await
            .unwrap();
        pool
    });
    let actor = Actor {
        user_id: "prop".into(),
        ..Default::default()
    };

    let mut runner = TestRunner::new(Config {
        cases: 48,
        failure_persistence: None,
        ..Config::default()
    });
    let outcome = runner.run(&proptest::collection::vec(op(), 1..40), |ops| {
        runtime.block_on(async {
            let mut tx = pool.begin().await.unwrap();
            let tree = repo::trees::create(
                &mut tx,
                &actor,
                repo::trees::NewTree {
                    name: "P",
                    description: None,
                    discovery_phase: Default::default(),
                    is_template: false,
                },
            )
            .await
            .unwrap()
            .id;
            tx.commit().await.unwrap();
            let mut changes = 0;
            for (step, op) in ops.iter().enumerate() {
                if apply(&pool, &actor, tree, op).await.map_err(TestCaseError::fail)? {
                    changes += 1;
                }
                check_invariants(&pool, tree, changes)
                    .await
                    .map_err(|e| TestCaseError::fail(format!("after step {step} ({op:?}): {e}")))?;
            }
            Ok(())
        })
    });

    runtime.block_on(async {
        pool.close().await;
        let admin = PgPoolOptions::new()
            .max_connections(1)
            .connect(&format!("{server}/postgres"))
            .await
            .unwrap();
        admin
            .execute(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)").as_str())
            .await
            .unwrap();
    });
    outcome.unwrap();
}

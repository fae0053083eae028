//! The authorization matrix. It lists every server function; the test fails when one is
//! added without a decision here, and for every function that takes ids it calls it as
//! user B with user A's ids and expects NotFound with A's data unchanged.
#![cfg(feature = "ssr")]

mod common;

use std::collections::BTreeSet;

use axum::http::StatusCode;
use common::{app, signed_up, Client};
use serde_json::{json, Value};
use sqlx::PgPool;

#[derive(Debug, Clone, Copy, PartialEq)]
enum Access {
    /// Open to anyone; touches no stored user data, or only the caller's own session.
    Public,
    /// Needs a logged-in user and acts on that user's own data only; takes no ids.
    OwnData,
    /// Takes ids of trees, nodes or connections: has cross-user cases below.
    ById,
}

const MATRIX: &[(&str, Access)] = &[
    ("/api/db_status", Access::Public),
    ("/api/current_user", Access::Public),
    ("/api/take_flash", Access::Public),
    ("/api/sign_up", Access::Public),
    ("/api/log_in", Access::Public),
    ("/api/log_out", Access::Public),
    ("/api/change_password", Access::OwnData),
    ("/api/list_trees", Access::OwnData),
    ("/api/create_tree", Access::ById),
    ("/api/my_activity", Access::OwnData),
    ("/api/get_tree", Access::ById),
    ("/api/get_page_tree", Access::ById),
    ("/api/update_tree", Access::ById),
    ("/api/delete_tree", Access::ById),
    ("/api/duplicate_tree", Access::ById),
    ("/api/save_canvas_state", Access::ById),
    ("/api/tree_activity", Access::ById),
    ("/api/tree_activity_markup", Access::ById),
    ("/api/add_node", Access::ById),
    ("/api/update_node", Access::ById),
    ("/api/move_node", Access::ById),
    ("/api/delete_node", Access::ById),
    ("/api/restore_nodes", Access::ById),
    ("/api/add_connection", Access::ById),
    ("/api/remove_connection", Access::ById),
    ("/api/export_tree", Access::ById),
    ("/api/export_markdown", Access::ById),
    ("/api/import_tree", Access::OwnData),
    ("/api/import_markdown", Access::OwnData),
    ("/api/import_document", Access::OwnData),
    ("/api/analytics", Access::OwnData),
    ("/api/bulk_update_nodes", Access::ById),
    ("/api/tree_outline", Access::ById),
    ("/api/create_share_link", Access::ById),
    ("/api/list_share_links", Access::ById),
    ("/api/share_links_markup", Access::ById),
    ("/api/revoke_share_link", Access::ById),
    // Anyone with a live token; it reads one tree's public fields and writes nothing.
    ("/api/shared_tree", Access::Public),
];

/// Optional arguments that carry ids: the decoder never reports them missing, so discovery
/// cannot find them; they are listed here instead.
const OPTIONAL_ID_ARGS: &[(&str, &str)] = &[("/api/create_tree", "template_id")];

enum Call {
    Form(Vec<(&'static str, String)>),
    Json(Value),
}

/// A's ids in B's hands. `b_tree` is B's own tree, to try A's node ids through it.
struct Ids {
    a_share: String,
    a_tree: i32,
    a_node: String,
    a_child: String,
    a_link: String,
    b_tree: i32,
}

/// A well-formed call of each function that acts on the caller's own data.
fn own_data_calls() -> Vec<(&'static str, Call)> {
    vec![
        (
            "/api/change_password",
            Call::Form(vec![
                ("current_password", "whatever-it-was".into()),
                ("new_password", "tidy-new-tree-77".into()),
            ]),
        ),
        ("/api/list_trees", Call::Form(vec![])),
        ("/api/create_tree", Call::Form(vec![("name", "Mine".into())])),
        ("/api/my_activity", Call::Form(vec![])),
        (
            "/api/import_document",
            Call::Form(vec![("text", "# Mine\n- **Objective:** A".into())]),
        ),
        ("/api/analytics", Call::Form(vec![])),
        (
            "/api/import_tree",
            Call::Json(json!({ "document": { "name": "Mine", "nodes": [] } })),
        ),
        ("/api/import_markdown", Call::Form(vec![("text", "# Mine\n".into())])),
    ]
}

fn id_cases(ids: &Ids) -> Vec<(&'static str, Call)> {
    let t = ids.a_tree;
    let node = json!({ "node_type": "outcome", "title": "Taken over" });
    vec![
        (
            "/api/create_tree",
            Call::Form(vec![("name", "Copied".into()), ("template_id", t.to_string())]),
        ),
        ("/api/create_share_link", Call::Form(vec![("tree_id", t.to_string())])),
        ("/api/list_share_links", Call::Form(vec![("tree_id", t.to_string())])),
        ("/api/share_links_markup", Call::Form(vec![("tree_id", t.to_string())])),
        (
            "/api/revoke_share_link",
            Call::Form(vec![("tree_id", t.to_string()), ("link_id", ids.a_share.clone())]),
        ),
        (
            "/api/revoke_share_link",
            Call::Form(vec![
                ("tree_id", ids.b_tree.to_string()),
                ("link_id", ids.a_share.clone()),
            ]),
        ),
        ("/api/get_tree", Call::Form(vec![("tree_id", t.to_string())])),
        ("/api/get_page_tree", Call::Form(vec![("tree_id", t.to_string())])),
        (
            "/api/update_tree",
            Call::Form(vec![
                ("tree_id", t.to_string()),
                ("version", "1".into()),
                ("name", "Mine now".into()),
                ("discovery_phase", "strategy".into()),
                ("is_template", "false".into()),
            ]),
        ),
        ("/api/delete_tree", Call::Form(vec![("tree_id", t.to_string())])),
        ("/api/duplicate_tree", Call::Form(vec![("tree_id", t.to_string())])),
        ("/api/tree_activity", Call::Form(vec![("tree_id", t.to_string())])),
        (
            "/api/tree_activity_markup",
            Call::Form(vec![("tree_id", t.to_string())]),
        ),
        ("/api/export_tree", Call::Form(vec![("tree_id", t.to_string())])),
        ("/api/tree_outline", Call::Form(vec![("tree_id", t.to_string())])),
        (
            "/api/bulk_update_nodes",
            Call::Json(
                json!({ "tree_id": t, "changes": [{ "node_id": ids.a_node, "version": 1, "is_collapsed": true }] }),
            ),
        ),
        (
            "/api/bulk_update_nodes",
            Call::Json(
                json!({ "tree_id": ids.b_tree, "changes": [{ "node_id": ids.a_node, "version": 1, "is_collapsed": true }] }),
            ),
        ),
        ("/api/export_markdown", Call::Form(vec![("tree_id", t.to_string())])),
        (
            "/api/save_canvas_state",
            Call::Json(
                json!({ "tree_id": t, "state": { "zoom": 2, "pan": { "x": 1, "y": 1 }, "orientation": "horizontal" } }),
            ),
        ),
        (
            "/api/add_node",
            Call::Json(json!({ "tree_id": t, "parent_id": ids.a_node, "node": node })),
        ),
        (
            "/api/add_node",
            Call::Json(json!({ "tree_id": ids.b_tree, "parent_id": ids.a_node, "node": node })),
        ),
        (
            "/api/update_node",
            Call::Json(json!({ "tree_id": t, "node_id": ids.a_node, "version": 1, "node": node })),
        ),
        (
            "/api/update_node",
            Call::Json(json!({ "tree_id": ids.b_tree, "node_id": ids.a_node, "version": 1, "node": node })),
        ),
        (
            "/api/move_node",
            Call::Json(json!({ "tree_id": t, "node_id": ids.a_child, "version": 1, "new_parent_id": null })),
        ),
        (
            "/api/move_node",
            Call::Json(json!({ "tree_id": ids.b_tree, "node_id": ids.a_child, "version": 1, "new_parent_id": null })),
        ),
        (
            "/api/delete_node",
            Call::Json(json!({ "tree_id": t, "node_id": ids.a_child, "version": 1 })),
        ),
        (
            "/api/delete_node",
            Call::Json(json!({ "tree_id": ids.b_tree, "node_id": ids.a_child, "version": 1 })),
        ),
        (
            "/api/restore_nodes",
            Call::Json(json!({ "tree_id": t, "parent_id": ids.a_node, "subtree": restored(&ids.a_node) })),
        ),
        (
            "/api/restore_nodes",
            Call::Json(json!({ "tree_id": ids.b_tree, "parent_id": ids.a_node, "subtree": restored(&ids.a_node) })),
        ),
        (
            "/api/add_connection",
            Call::Json(json!({ "tree_id": t, "from_node_id": ids.a_child, "to_node_id": ids.a_node })),
        ),
        (
            "/api/add_connection",
            Call::Json(json!({ "tree_id": ids.b_tree, "from_node_id": ids.a_child, "to_node_id": ids.a_node })),
        ),
        (
            "/api/remove_connection",
            Call::Json(json!({ "tree_id": t, "connection_id": ids.a_link })),
        ),
        (
            "/api/remove_connection",
            Call::Json(json!({ "tree_id": ids.b_tree, "connection_id": ids.a_link })),
        ),
    ]
}

/// A one-node subtree to put back under another user's node.
fn restored(parent: &str) -> Value {
    json!({
        "nodes": [{
            "id": "7d1f3a52-0b7e-4c55-9a43-5a0d7e1c2b11", "parent_id": parent, "node_type": "opportunity",
            "title": "Sneaked in", "description": null, "position": { "x": 0, "y": 0 }, "is_collapsed": false,
            "template_data": {}, "sort_order": 0, "version": 1
        }],
        "connections": []
    })
}

async fn send_call(client: &mut Client, endpoint: &str, call: &Call) -> common::Answer {
    match call {
        Call::Form(fields) => {
            let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            client.call(endpoint, &pairs).await
        }
        Call::Json(body) => client.call_json(endpoint, body.clone()).await,
    }
}

fn registered_paths() -> BTreeSet<String> {
    leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _method)| path.to_string())
        .collect()
}

fn missing_field(body: &str) -> Option<String> {
    body.split("missing field `")
        .nth(1)
        .and_then(|s| s.split('`').next())
        .map(str::to_string)
}

/// Finds the argument names of a server function from what its decoder reports missing,
/// filling them in one by one, as a form and as JSON, so the check needs no list kept by hand.
async fn argument_names(client: &mut Client, path: &str) -> Vec<String> {
    let endpoint = path.trim_start_matches("/api/");
    let mut names: Vec<String> = Vec::new();
    let mut fields: Vec<(String, String)> = Vec::new();
    for _ in 0..12 {
        let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
        let answer = client.call(endpoint, &pairs).await;
        match missing_field(&answer.body) {
            Some(name) if !fields.iter().any(|(k, _)| *k == name) => fields.push((name, "1".to_string())),
            _ => break,
        }
    }
    names.extend(fields.into_iter().map(|(k, _)| k));
    // JSON bodies: try value shapes until the decoder moves on to the next missing field.
    let candidates = [
        json!(1),
        json!("00000000-0000-0000-0000-000000000001"),
        json!(true),
        json!({}),
        json!([]),
    ];
    let mut object = serde_json::Map::new();
    let mut pending: Option<(String, usize)> = None;
    for _ in 0..40 {
        if let Some((name, i)) = &pending {
            object.insert(name.clone(), candidates[*i].clone());
        }
        let answer = client.call_json(endpoint, Value::Object(object.clone())).await;
        match (missing_field(&answer.body), pending.clone()) {
            (Some(name), Some((current, i))) if name == current => {
                if i + 1 >= candidates.len() {
                    break;
                }
                pending = Some((current, i + 1));
            }
            (Some(name), _) if !object.contains_key(&name) => {
                if !names.contains(&name) {
                    names.push(name.clone());
                }
                pending = Some((name, 0));
            }
            (None, Some((current, i))) if answer.body.contains("invalid type") && i + 1 < candidates.len() => {
                pending = Some((current, i + 1));
            }
            _ => break,
        }
    }
    names
}

fn is_id(name: &str) -> bool {
    name == "id" || name.ends_with("_id") || name.ends_with("_ids") || name == "ids"
}

#[sqlx::test]
async fn every_server_function_has_a_decision(pool: PgPool) {
    let registered = registered_paths();
    let listed: BTreeSet<String> = MATRIX.iter().map(|(p, _)| p.to_string()).collect();
    let missing: Vec<_> = registered.difference(&listed).collect();
    assert!(
        missing.is_empty(),
        "server functions without an entry in the authorization matrix: {missing:?}"
    );
    let stale: Vec<_> = listed.difference(&registered).collect();
    assert!(
        stale.is_empty(),
        "matrix entries for server functions that no longer exist: {stale:?}"
    );

    // Every function that takes an id is marked so and has cases; no other is.
    let app = app(pool);
    let (mut client, _) = signed_up(&app, "probe@example.com").await;
    let ids = Ids {
        a_share: String::new(),
        a_tree: 0,
        a_node: String::new(),
        a_child: String::new(),
        a_link: String::new(),
        b_tree: 0,
    };
    let with_cases: BTreeSet<&str> = id_cases(&ids).iter().map(|(p, _)| *p).collect();
    for path in &registered {
        let mut args = argument_names(&mut client, path).await;
        args.extend(
            OPTIONAL_ID_ARGS
                .iter()
                .filter(|(p, _)| p == path)
                .map(|(_, name)| name.to_string()),
        );
        let access = MATRIX.iter().find(|(p, _)| p == path).map(|(_, a)| *a);
        if args.iter().any(|a| is_id(a)) {
            assert_eq!(access, Some(Access::ById), "{path} takes ids {args:?}: mark it ById");
            assert!(
                with_cases.contains(path.as_str()),
                "{path} takes ids {args:?} but has no cross-user case"
            );
        } else {
            assert_ne!(
                access,
                Some(Access::ById),
                "{path} takes no ids ({args:?}) but is marked ById"
            );
        }
    }
}

#[sqlx::test]
async fn functions_on_user_data_refuse_anonymous_callers(pool: PgPool) {
    let app = app(pool);
    let mut anonymous = Client::new(app);
    let node = "00000000-0000-4000-8000-000000000001".to_string();
    let ids = Ids {
        a_share: node.clone(),
        a_tree: 1,
        a_node: node.clone(),
        a_child: node.clone(),
        a_link: node,
        b_tree: 1,
    };
    for (path, call) in id_cases(&ids) {
        let endpoint = path.trim_start_matches("/api/");
        let answer = send_call(&mut anonymous, endpoint, &call).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{path}: {}", answer.body);
    }
    for (path, access) in MATRIX {
        if *access != Access::OwnData {
            continue;
        }
        let (_, call) = own_data_calls()
            .into_iter()
            .find(|(p, _)| p == path)
            .unwrap_or_else(|| panic!("{path}: add a call to own_data_calls()"));
        let endpoint = path.trim_start_matches("/api/");
        let answer = send_call(&mut anonymous, endpoint, &call).await;
        assert_eq!(answer.status, StatusCode::UNAUTHORIZED, "{path}: {}", answer.body);
        assert_eq!(answer.json()["kind"], "unauthorized");
    }
}

#[sqlx::test]
async fn user_b_cannot_reach_user_a_data(pool: PgPool) {
    let app = app(pool.clone());
    let (mut a, _) = signed_up(&app, "a@example.com").await;
    let (mut b, _) = signed_up(&app, "b@example.com").await;

    let a_tree = a.create_tree("A's secret plan").await;
    // A's tree is a template, so only ownership stands between B and a copy of it.
    let marked = a
        .call(
            "update_tree",
            &[
                ("tree_id", &a_tree.to_string()),
                ("version", "1"),
                ("name", "A's secret plan"),
                ("discovery_phase", "strategy"),
                ("is_template", "true"),
            ],
        )
        .await;
    assert_eq!(marked.status, StatusCode::OK, "{}", marked.body);
    let add = |parent: Option<String>, kind: &str| json!({ "tree_id": a_tree, "parent_id": parent, "node": { "node_type": kind, "title": "A's node" } });
    let root = a.add_node(add(None, "outcome")).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let child = a.add_node(add(Some(root.clone()), "opportunity")).await["id"]
        .as_str()
        .unwrap()
        .to_string();
    let link = a
        .call_json(
            "add_connection",
            json!({ "tree_id": a_tree, "from_node_id": child, "to_node_id": root }),
        )
        .await
        .json()["id"]
        .as_str()
        .unwrap()
        .to_string();
    let b_tree = b.create_tree("B's tree").await;
    b.add_node(json!({ "tree_id": b_tree, "node": { "node_type": "outcome", "title": "B's root" } }))
        .await;

    let share = a.create_share_link(a_tree).await["link"]["id"]
        .as_str()
        .unwrap()
        .to_string();

    let snapshot = || async {
        sqlx::query_scalar::<_, String>(
            "SELECT concat_ws('|',
               (SELECT string_agg(t::text, ',' ORDER BY t.id) FROM impact_trees t),
               (SELECT string_agg(n::text, ',' ORDER BY n.id) FROM tree_nodes n),
               (SELECT string_agg(c::text, ',' ORDER BY c.id) FROM node_connections c),
               (SELECT string_agg(s::text, ',' ORDER BY s.id) FROM share_links s),
               (SELECT count(*)::text FROM user_activities))",
        )
        .fetch_one(&pool)
        .await
        .unwrap()
    };
    let before = snapshot().await;

    let listed = b.call("list_trees", &[]).await;
    assert_eq!(listed.status, StatusCode::OK);
    assert!(!listed.body.contains("secret plan"), "{}", listed.body);
    let feed = b.call("my_activity", &[]).await;
    assert!(!feed.body.contains("secret plan"), "{}", feed.body);

    let ids = Ids {
        a_share: share,
        a_tree: a_tree as i32,
        a_node: root,
        a_child: child,
        a_link: link,
        b_tree: b_tree as i32,
    };
    for (path, call) in id_cases(&ids) {
        let endpoint = path.trim_start_matches("/api/");
        let answer = send_call(&mut b, endpoint, &call).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{path}: {}", answer.body);
        assert_eq!(answer.json()["kind"], "not_found", "{path}");
        assert!(!answer.body.contains("secret"), "{path} leaked: {}", answer.body);
    }
    assert_eq!(snapshot().await, before, "nothing changed");
}

//! Trees, nodes and connections through the server functions: validation, type rules,
//! versions, cycles, sibling order, cascades and activity.
#![cfg(feature = "ssr")]

mod common;

use axum::http::StatusCode;
use common::{app, signed_up, Answer, Client};

use serde_json::{json, Value};
use sqlx::PgPool;

async fn add(
    client: &mut Client,
    tree: i64,
    parent: Option<&str>,
    position: Option<i32>,
    kind: &str,
    title: &str,
) -> Answer {
    client
        .call_json(
            "add_node",
            json!({ "tree_id": tree, "parent_id": parent, "position": position,
                    "node": { "node_type": kind, "title": title } }),
        )
        .await
}

async fn add_ok(client: &mut Client, tree: i64, parent: Option<&str>, kind: &str, title: &str) -> Value {
    client
        .add_node(json!({ "tree_id": tree, "parent_id": parent, "node": { "node_type": kind, "title": title } }))
        .await
}

fn id(node: &Value) -> String {
    node["id"].as_str().unwrap().to_string()
}

async fn tree(client: &mut Client, tree: i64) -> Value {
    let answer = client.call("get_tree", &[("tree_id", &tree.to_string())]).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    answer.json()
}

/// Children titles of `parent` in sibling order, from a loaded tree.
fn children(detail: &Value, parent: Option<&str>) -> Vec<String> {
    let mut kids: Vec<&Value> = detail["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["parent_id"].as_str() == parent)
        .collect();
    kids.sort_by_key(|n| n["sort_order"].as_i64());
    let orders: Vec<i64> = kids.iter().map(|n| n["sort_order"].as_i64().unwrap()).collect();
    assert_eq!(
        orders,
        (0..kids.len() as i64).collect::<Vec<_>>(),
        "sibling order is dense"
    );
    kids.iter().map(|n| n["title"].as_str().unwrap().to_string()).collect()
}

async fn activity_types(pool: &PgPool, tree: i64) -> Vec<String> {
    sqlx::query_scalar("SELECT activity_type FROM user_activities WHERE tree_id = $1 ORDER BY id")
        .bind(tree as i32)
        .fetch_all(pool)
        .await
        .unwrap()
}

#[sqlx::test]
async fn build_a_tree_by_the_type_rules(pool: PgPool) {
    let app = app(pool.clone());
    let (mut pm, _) = signed_up(&app, "pm@example.com").await;
    let t = pm.create_tree("Grow retention").await;

    let objective = add_ok(&mut pm, t, None, "objective", "Grow retention").await;
    let outcome = add_ok(&mut pm, t, Some(&id(&objective)), "outcome", "Weekly actives +10%").await;
    let opportunity = add_ok(&mut pm, t, Some(&id(&outcome)), "opportunity", "Onboarding confuses").await;
    add_ok(&mut pm, t, Some(&id(&opportunity)), "solution", "Guided setup").await;

    let refused = add(&mut pm, t, Some(&id(&objective)), None, "solution", "Skip ahead").await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.json()["field"], "node_type");
    assert!(
        refused.json()["message"]
            .as_str()
            .unwrap()
            .contains("outcome, metric, research"),
        "{}",
        refused.body
    );

    // A sibling put first shifts the others.
    let first = add(&mut pm, t, Some(&id(&objective)), Some(0), "outcome", "Churn -2pts").await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let detail = tree(&mut pm, t).await;
    assert_eq!(
        children(&detail, Some(&id(&objective))),
        vec!["Churn -2pts", "Weekly actives +10%"]
    );
    assert_eq!(detail["nodes"].as_array().unwrap().len(), 5);

    let listed = pm.call("list_trees", &[]).await.json();
    assert_eq!(listed[0]["node_count"], 5);
    assert_eq!(
        activity_types(&pool, t).await,
        vec![
            "tree_created",
            "node_added",
            "node_added",
            "node_added",
            "node_added",
            "node_added"
        ]
    );
}

#[sqlx::test]
async fn bad_input_names_the_field_and_writes_nothing(pool: PgPool) {
    let app = app(pool.clone());
    let (mut pm, _) = signed_up(&app, "v@example.com").await;
    let t = pm.create_tree("T").await;
    let root = add_ok(&mut pm, t, None, "objective", "Root").await;
    let cases = [
        (json!({ "node_type": "outcome", "title": "   " }), "title"),
        (json!({ "node_type": "outcome", "title": "x".repeat(201) }), "title"),
        (
            json!({ "node_type": "outcome", "title": "ok", "description": "d".repeat(10_001) }),
            "description",
        ),
        (
            json!({ "node_type": "metric", "title": "ok", "template_data": { "target": "lots" } }),
            "template_data",
        ),
    ];
    for (node, field) in cases {
        let answer = pm
            .call_json(
                "add_node",
                json!({ "tree_id": t, "parent_id": id(&root), "node": node }),
            )
            .await;
        assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.body);
        assert_eq!(answer.json()["field"], field, "{}", answer.body);
    }
    let answer = pm
        .call_json(
            "add_node",
            json!({ "tree_id": t, "parent_id": id(&root),
                    "node": { "node_type": "metric", "title": "NPS", "template_data": { "unit": "pts", "target": 40 } } }),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.json()["template_data"], json!({ "unit": "pts", "target": 40.0 }));

    let answer = pm
        .call("create_tree", &[("name", "X"), ("discovery_phase", "someday")])
        .await;
    assert_eq!(answer.json()["field"], "discovery_phase");
    let nodes: i64 = sqlx::query_scalar("SELECT count(*) FROM tree_nodes")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(nodes, 2);
}

/// The editor picks a new node's id so it can draw the node before the answer comes: the id is
/// kept as given, an id already taken (in any tree, anyone's) is a conflict that writes
/// nothing, and only the canonical spelling is taken.
#[sqlx::test]
async fn a_new_node_keeps_the_id_its_client_picked(pool: PgPool) {
    let app = app(pool.clone());
    let (mut pm, _) = signed_up(&app, "ids@example.com").await;
    let (mut other, _) = signed_up(&app, "other-ids@example.com").await;
    let t = pm.create_tree("Ids").await;
    let theirs = other.create_tree("Theirs").await;
    let picked = "0b6f1c9e-3d2a-4f5b-8c7d-9e0f1a2b3c4d";
    let with_id = |tree: i64, node_id: &str, title: &str| json!({ "tree_id": tree, "node_id": node_id, "node": { "node_type": "objective", "title": title } });

    let added = pm.add_node(with_id(t, picked, "Picked")).await;
    assert_eq!(added["id"], picked);
    assert_eq!(tree(&mut pm, t).await["nodes"][0]["id"], picked);

    let nodes_before: i64 = sqlx::query_scalar("SELECT count(*) FROM tree_nodes")
        .fetch_one(&pool)
        .await
        .unwrap();
    let activities_before = activity_types(&pool, t).await;
    let again = pm.call_json("add_node", with_id(t, picked, "Again")).await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    let elsewhere = other.call_json("add_node", with_id(theirs, picked, "Theirs")).await;
    assert_eq!(elsewhere.status, StatusCode::CONFLICT, "{}", elsewhere.body);
    for spelling in [
        "0B6F1C9E-3D2A-4F5B-8C7D-9E0F1A2B3C4E",
        "{0b6f1c9e-3d2a-4f5b-8c7d-9e0f1a2b3c4e}",
        "0b6f1c9e3d2a4f5b8c7d9e0f1a2b3c4e",
        "not-a-uuid",
    ] {
        let refused = pm.call_json("add_node", with_id(t, spelling, "Odd")).await;
        assert_eq!(
            refused.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{spelling}: {}",
            refused.body
        );
        assert!(refused.body.contains("node_id"), "{}", refused.body);
    }
    let nodes_after: i64 = sqlx::query_scalar("SELECT count(*) FROM tree_nodes")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(nodes_after, nodes_before);
    assert_eq!(activity_types(&pool, t).await, activities_before);
    assert_eq!(tree(&mut pm, t).await["nodes"][0]["title"], "Picked");
    assert_eq!(tree(&mut other, theirs).await["nodes"], json!([]));

    // Without an id the server picks one, as before.
    let child = add_ok(&mut pm, t, Some(picked), "outcome", "Server's pick").await;
    assert_ne!(id(&child), picked);
    uuid::Uuid::parse_str(&id(&child)).unwrap();
}

#[sqlx::test]
async fn a_stale_version_is_a_conflict_with_the_current_row(pool: PgPool) {
    let app = app(pool.clone());
    let (mut tab1, _) = signed_up(&app, "c@example.com").await;
    let t = tab1.create_tree("T").await;
    let node = add_ok(&mut tab1, t, None, "objective", "Original").await;
    let mut tab2 = Client::new(app.clone());
    tab2.cookie = tab1.cookie.clone();

    let edit = |title: &str| {
        json!({ "tree_id": t, "node_id": id(&node), "version": node["version"],
                                      "node": { "node_type": "objective", "title": title } })
    };
    let first = tab1.call_json("update_node", edit("From tab 1")).await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(first.json()["version"], 2);
    let second = tab2.call_json("update_node", edit("From tab 2")).await;
    assert_eq!(second.status, StatusCode::CONFLICT, "{}", second.body);
    let conflict = second.json();
    assert_eq!(conflict["kind"], "conflict");
    assert_eq!(conflict["current"]["title"], "From tab 1");
    assert_eq!(conflict["current"]["version"], 2);
    let title: String = sqlx::query_scalar("SELECT title FROM tree_nodes")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(title, "From tab 1", "no silent overwrite");

    // Tree fields too.
    let meta =
        json!({ "tree_id": t, "version": 1, "name": "Renamed", "discovery_phase": "discovery", "is_template": false });
    let renamed = call_form(&mut tab1, "update_tree", &meta).await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    let stale = call_form(&mut tab2, "update_tree", &meta).await;
    assert_eq!(stale.status, StatusCode::CONFLICT);
    assert_eq!(stale.json()["current"]["name"], "Renamed");
}

/// An edit that keeps the node's type is one statement (`repo::nodes::update_same_type`); a
/// type change goes through the checked transaction. Both must write the same: the node, its
/// version, the tree's change time and one activity row naming exactly the fields changed.
#[sqlx::test]
async fn an_edit_logs_the_fields_it_changed(pool: PgPool) {
    let app = app(pool.clone());
    let (mut pm, _) = signed_up(&app, "fields@example.com").await;
    let t = pm.create_tree("Fields").await;
    let root = add_ok(&mut pm, t, None, "outcome", "Retention").await;
    let child = add_ok(&mut pm, t, Some(&id(&root)), "opportunity", "Slow onboarding").await;
    let updated_at = || async {
        sqlx::query_scalar::<_, time::PrimitiveDateTime>("SELECT updated_at FROM impact_trees WHERE id = $1")
            .bind(t as i32)
            .fetch_one(&pool)
            .await
            .unwrap()
    };
    let last_activity = || async {
        sqlx::query_as::<_, (String, String, Value)>(
            "SELECT activity_type, description, activity_data FROM user_activities WHERE tree_id = $1 ORDER BY id DESC LIMIT 1",
        )
        .bind(t as i32)
        .fetch_one(&pool)
        .await
        .unwrap()
    };
    let edit = |node: &Value, version: i64, content: Value| json!({ "tree_id": t, "node_id": id(node), "version": version, "node": content });

    let before = updated_at().await;
    let renamed = pm
        .call_json(
            "update_node",
            edit(
                &child,
                1,
                json!({ "node_type": "opportunity", "title": "Onboarding takes a week" }),
            ),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    assert_eq!(renamed.json()["version"], 2);
    assert_eq!(renamed.json()["title"], "Onboarding takes a week");
    assert_eq!(renamed.json()["parent_id"], root["id"]);
    assert!(updated_at().await > before, "the tree is marked changed");
    let (kind, description, data) = last_activity().await;
    assert_eq!(kind, "node_updated");
    assert_eq!(description, "Updated opportunity: Onboarding takes a week");
    assert_eq!(
        data,
        json!({ "nodeId": id(&child), "changed": ["title"], "version": 2 })
    );

    let fields = json!({ "node_type": "opportunity", "title": "Onboarding takes a week",
                         "description": "Seen in 12 interviews", "is_collapsed": true,
                         "template_data": { "evidence_notes": "interviews" } });
    let answer = pm.call_json("update_node", edit(&child, 2, fields.clone())).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let (_, _, data) = last_activity().await;
    assert_eq!(data["changed"], json!(["description", "is_collapsed", "template_data"]));

    // The same content again: a new version, nothing named as changed.
    let answer = pm.call_json("update_node", edit(&child, 3, fields)).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(last_activity().await.2["changed"], json!([]));

    // A stale version changes nothing and logs nothing.
    let logged = activity_types(&pool, t).await.len();
    let stale = pm
        .call_json(
            "update_node",
            edit(&child, 3, json!({ "node_type": "opportunity", "title": "Lost" })),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    assert_eq!(stale.json()["current"]["version"], 4);
    assert_eq!(activity_types(&pool, t).await.len(), logged);

    // A type change is checked against the parent: an objective cannot sit under an outcome.
    let wrong = pm
        .call_json(
            "update_node",
            edit(&child, 4, json!({ "node_type": "objective", "title": "X" })),
        )
        .await;
    assert_eq!(wrong.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", wrong.body);
    assert_eq!(activity_types(&pool, t).await.len(), logged);
    let retyped = pm
        .call_json(
            "update_node",
            edit(&child, 4, json!({ "node_type": "research", "title": "Guided setup" })),
        )
        .await;
    assert_eq!(retyped.status, StatusCode::OK, "{}", retyped.body);
    let (_, description, data) = last_activity().await;
    assert_eq!(description, "Updated research: Guided setup");
    assert_eq!(
        data["changed"],
        json!(["title", "description", "node_type", "is_collapsed", "template_data"])
    );
}

fn form_of(value: &Value) -> Vec<(&str, String)> {
    value
        .as_object()
        .unwrap()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str(),
                v.as_str().map(str::to_string).unwrap_or_else(|| v.to_string()),
            )
        })
        .collect()
}

/// A server function called with `args` (a JSON object) as a form, as the page's forms post.
async fn call_form(client: &mut Client, function: &str, args: &Value) -> Answer {
    let fields = form_of(args);
    let pairs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    client.call(function, &pairs).await
}

async fn move_node(client: &mut Client, t: i64, node: &Value, parent: Option<&str>, position: Option<i32>) -> Answer {
    client
        .call_json(
            "move_node",
            json!({ "tree_id": t, "node_id": id(node), "version": node["version"], "new_parent_id": parent, "position": position }),
        )
        .await
}

#[sqlx::test]
async fn moves_reorder_and_never_make_cycles(pool: PgPool) {
    let app = app(pool.clone());
    let (mut pm, _) = signed_up(&app, "m@example.com").await;
    let t = pm.create_tree("T").await;
    let root = add_ok(&mut pm, t, None, "outcome", "Root").await;
    let a = add_ok(&mut pm, t, Some(&id(&root)), "opportunity", "A").await;
    let b = add_ok(&mut pm, t, Some(&id(&root)), "opportunity", "B").await;
    let c = add_ok(&mut pm, t, Some(&id(&root)), "opportunity", "C").await;
    let a1 = add_ok(&mut pm, t, Some(&id(&a)), "opportunity", "A1").await;

    // Reorder: C to the front.
    let moved = move_node(&mut pm, t, &c, Some(&id(&root)), Some(0)).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    assert_eq!(children(&tree(&mut pm, t).await, Some(&id(&root))), vec!["C", "A", "B"]);

    // Re-parent: B under A, after A1.
    let moved = move_node(&mut pm, t, &b, Some(&id(&a)), None).await;
    assert_eq!(moved.status, StatusCode::OK, "{}", moved.body);
    let detail = tree(&mut pm, t).await;
    assert_eq!(children(&detail, Some(&id(&root))), vec!["C", "A"]);
    assert_eq!(children(&detail, Some(&id(&a))), vec!["A1", "B"]);

    // A under its own grandchild, or under itself: refused.
    let a_now = detail["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["title"] == "A")
        .unwrap()
        .clone();
    for target in [id(&a1), id(&a)] {
        let refused = move_node(&mut pm, t, &a_now, Some(&target), None).await;
        assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
        assert_eq!(refused.json()["field"], "parent_id");
    }
    // A type that may not sit there: refused, naming what may.
    let refused = move_node(&mut pm, t, &a_now, None, None).await;
    assert_eq!(
        refused.status,
        StatusCode::OK,
        "an opportunity may be a root: {}",
        refused.body
    );

    let types = activity_types(&pool, t).await;
    assert!(
        types.contains(&"node_reordered".to_string()) && types.contains(&"node_moved".to_string()),
        "{types:?}"
    );
}

#[sqlx::test]
async fn deleting_takes_the_subtree_and_its_links(pool: PgPool) {
    let app = app(pool.clone());
    let (mut pm, _) = signed_up(&app, "d@example.com").await;
    let t = pm.create_tree("T").await;
    let root = add_ok(&mut pm, t, None, "outcome", "Root").await;
    let a = add_ok(&mut pm, t, Some(&id(&root)), "opportunity", "A").await;
    let a1 = add_ok(&mut pm, t, Some(&id(&a)), "opportunity", "A1").await;
    add_ok(&mut pm, t, Some(&id(&a1)), "solution", "S").await;
    let b = add_ok(&mut pm, t, Some(&id(&root)), "opportunity", "B").await;

    let link = pm
        .call_json(
            "add_connection",
            json!({ "tree_id": t, "from_node_id": id(&b), "to_node_id": id(&a1) }),
        )
        .await;
    assert_eq!(link.status, StatusCode::OK, "{}", link.body);
    let dup = pm
        .call_json(
            "add_connection",
            json!({ "tree_id": t, "from_node_id": id(&b), "to_node_id": id(&a1) }),
        )
        .await;
    assert_eq!(dup.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", dup.body);
    let own = pm
        .call_json(
            "add_connection",
            json!({ "tree_id": t, "from_node_id": id(&b), "to_node_id": id(&b) }),
        )
        .await;
    assert_eq!(own.status, StatusCode::UNPROCESSABLE_ENTITY);

    let removed = pm
        .call_json(
            "delete_node",
            json!({ "tree_id": t, "node_id": id(&a), "version": a["version"] }),
        )
        .await;
    assert_eq!(removed.status, StatusCode::OK, "{}", removed.body);
    assert_eq!(removed.json(), 3);
    let detail = tree(&mut pm, t).await;
    assert_eq!(children(&detail, Some(&id(&root))), vec!["B"]);
    assert_eq!(detail["connections"], json!([]));
    assert_eq!(detail["nodes"].as_array().unwrap().len(), 2);
}

#[sqlx::test]
async fn the_viewport_is_saved_clamped_and_quiet(pool: PgPool) {
    let app = app(pool.clone());
    let (mut pm, _) = signed_up(&app, "z@example.com").await;
    let t = pm.create_tree("T").await;
    let before = activity_types(&pool, t).await.len();
    let state = json!({ "zoom": 9.0, "pan": { "x": -120.5, "y": 40.0 }, "orientation": "horizontal" });
    let saved = pm
        .call_json("save_canvas_state", json!({ "tree_id": t, "state": state }))
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(saved.json()["zoom"], 4.0);
    let detail = tree(&mut pm, t).await;
    assert_eq!(
        detail["canvas_state"],
        json!({ "zoom": 4.0, "pan": { "x": -120.5, "y": 40.0 }, "orientation": "horizontal" })
    );
    assert_eq!(
        activity_types(&pool, t).await.len(),
        before,
        "no activity row per viewport save"
    );

    let far = json!({ "zoom": 1.0, "pan": { "x": 1e300, "y": 0.0 }, "orientation": "vertical" });
    let refused = pm
        .call_json("save_canvas_state", json!({ "tree_id": t, "state": far }))
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(refused.json()["field"], "state.pan.x");
    let bad = json!({ "zoom": 1.0, "pan": { "x": 0, "y": 0 }, "orientation": "diagonal" });
    assert_eq!(
        pm.call_json("save_canvas_state", json!({ "tree_id": t, "state": bad }))
            .await
            .status,
        StatusCode::BAD_REQUEST
    );
}

#[sqlx::test]
async fn duplicate_and_delete_trees(pool: PgPool) {
    let app = app(pool.clone());
    let (mut pm, _) = signed_up(&app, "dup@example.com").await;
    let t = pm.create_tree("Original").await;
    let root = add_ok(&mut pm, t, None, "outcome", "Root").await;
    let a = add_ok(&mut pm, t, Some(&id(&root)), "opportunity", "A").await;
    add_ok(&mut pm, t, Some(&id(&root)), "opportunity", "B").await;
    pm.call_json(
        "add_connection",
        json!({ "tree_id": t, "from_node_id": id(&a), "to_node_id": id(&root) }),
    )
    .await;

    let copy = pm.call("duplicate_tree", &[("tree_id", &t.to_string())]).await;
    assert_eq!(copy.status, StatusCode::OK, "{}", copy.body);
    assert_eq!(copy.json()["name"], "Copy of Original");
    let copy_id = copy.json()["id"].as_i64().unwrap();
    let copied = tree(&mut pm, copy_id).await;
    assert_eq!(children(&copied, None), vec!["Root"]);
    let copied_root = copied["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["title"] == "Root")
        .unwrap();
    assert_ne!(copied_root["id"], root["id"], "fresh ids");
    assert_eq!(children(&copied, copied_root["id"].as_str()), vec!["A", "B"]);
    assert_eq!(copied["connections"].as_array().unwrap().len(), 1);

    let deleted = pm.call("delete_tree", &[("tree_id", &t.to_string())]).await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM tree_nodes WHERE tree_id = $1")
        .bind(t as i32)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(left, 0);
    assert_eq!(
        pm.call("get_tree", &[("tree_id", &t.to_string())]).await.status,
        StatusCode::NOT_FOUND
    );
    let feed = pm.call("my_activity", &[]).await.json();
    assert_eq!(feed["entries"][0]["activity_type"], "tree_deleted");
}

/// The dashboard is a server-rendered page whose create and delete forms are plain HTML forms:
/// a new tree opens in the editor, a deletion comes back to a fresh list, and an error comes
/// back once through the session, never through the URL.
#[sqlx::test]
async fn the_dashboard_forms_work_as_plain_html_forms(pool: PgPool) {
    let app = app(pool.clone());
    let (mut pm, _) = signed_up(&app, "plain@example.com").await;
    let (mut other, _) = signed_up(&app, "other-plain@example.com").await;
    let theirs = other.create_tree("Not yours").await;

    let made = pm
        .post_form("create_tree", &[("name", "Plain start"), ("template_id", "")], "/")
        .await;
    assert_eq!(made.status, StatusCode::FOUND, "{}", made.body);
    let location = made.location().unwrap().to_string();
    assert!(location.starts_with("/trees/"), "{location}");
    let made_id: i64 = location["/trees/".len()..].parse().unwrap();
    let page = pm.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.body.contains("Plain start"), "{}", page.body);
    assert!(page.body.contains(r#"action="/api/delete_tree""#), "{}", page.body);

    // A refused name: back to the dashboard, which says why once.
    let refused = pm.post_form("create_tree", &[("name", "   ")], "/").await;
    assert_eq!(refused.status, StatusCode::FOUND, "{}", refused.body);
    assert_eq!(refused.location(), Some("/"));
    let page = pm.get("/").await;
    assert!(page.body.contains(r#"data-testid="create-error""#), "{}", page.body);
    let again = pm.get("/").await;
    assert!(
        !again.body.contains(r#"data-testid="create-error""#),
        "the flash is shown once"
    );

    // Someone else's tree cannot be deleted: an error on the page, their tree unchanged.
    let refused = pm
        .post_form("delete_tree", &[("tree_id", &theirs.to_string())], "/")
        .await;
    assert_eq!(refused.status, StatusCode::FOUND, "{}", refused.body);
    assert_eq!(refused.location(), Some("/"));
    assert!(pm.get("/").await.body.contains(r#"data-testid="delete-error""#));
    assert_eq!(
        other.call("get_tree", &[("tree_id", &theirs.to_string())]).await.status,
        StatusCode::OK
    );

    // One's own: gone, and the list is fresh.
    let deleted = pm
        .post_form("delete_tree", &[("tree_id", &made_id.to_string())], "/")
        .await;
    assert_eq!(deleted.status, StatusCode::FOUND, "{}", deleted.body);
    assert_eq!(deleted.location(), Some("/"));
    let page = pm.get("/").await;
    assert!(
        !page.body.contains(&format!(r#"href="/trees/{made_id}""#)),
        "{}",
        page.body
    );
    assert!(page.body.contains(r#"data-testid="no-trees""#), "{}", page.body);
    assert!(!page.body.contains(r#"data-testid="delete-error""#));

    // The import form posted before the page hydrated: a bad outline's problems come back, and
    // so does the text, escaped, in the form's text area, to be mended (once: the flash goes).
    let broken = "# Broken </textarea><b>\n- **Objective:** A & B\n  - **Wish:** B\n";
    let refused = pm.post_form("import_document", &[("text", broken)], "/").await;
    assert_eq!(refused.status, StatusCode::FOUND, "{}", refused.body);
    assert_eq!(refused.location(), Some("/"));
    let page = pm.get("/").await;
    assert!(page.body.contains(r#"data-testid="import-problems""#), "{}", page.body);
    assert!(page.body.contains("nodes[1].type"), "{}", page.body);
    let kept = "# Broken &lt;/textarea&gt;&lt;b&gt;\n- **Objective:** A &amp; B\n  - **Wish:** B\n</textarea>";
    assert!(page.body.contains(kept), "{}", page.body);
    assert!(page.body.contains(r#"<details open class="import">"#), "{}", page.body);
    assert!(!page.body.contains("<b>"), "the text left its text area");
    let again = pm.get("/").await;
    assert!(!again.body.contains(r#"data-testid="import-problems""#));
    assert!(again.body.contains("required></textarea>"), "{}", again.body);
    assert!(again.body.contains(r#"<details class="import">"#), "{}", again.body);
    let imported = pm
        .post_form("import_document", &[("text", "# Fine\n- **Objective:** A\n")], "/")
        .await;
    assert_eq!(imported.status, StatusCode::FOUND, "{}", imported.body);
    assert!(
        imported.location().unwrap().starts_with("/trees/"),
        "{:?}",
        imported.location()
    );
}

#[sqlx::test]
async fn concurrent_opposite_moves_never_make_a_cycle(pool: PgPool) {
    let app = app(pool.clone());
    let (mut pm, _) = signed_up(&app, "race@example.com").await;
    let t = pm.create_tree("Race").await;
    let root = add_ok(&mut pm, t, None, "outcome", "Root").await;
    let a = add_ok(&mut pm, t, Some(&id(&root)), "opportunity", "A").await;
    let b = add_ok(&mut pm, t, Some(&id(&root)), "opportunity", "B").await;

    for round in 0..100 {
        // Both moves are based on the same fresh state, as two people would see it.
        let detail = tree(&mut pm, t).await;
        let find = |title: &str| {
            detail["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|n| n["title"] == title)
                .unwrap()
                .clone()
        };
        let (a_now, b_now) = (find("A"), find("B"));
        let mut one = Client::new(app.clone());
        one.cookie = pm.cookie.clone();
        let mut two = Client::new(app.clone());
        two.cookie = pm.cookie.clone();
        let (x, y) = (id(&a), id(&b));
        let first = tokio::spawn(async move { move_node(&mut one, t, &a_now, Some(&y), None).await.status });
        let second = tokio::spawn(async move { move_node(&mut two, t, &b_now, Some(&x), None).await.status });
        let (s1, s2) = (first.await.unwrap(), second.await.unwrap());
        for s in [s1, s2] {
            assert!(
                [StatusCode::OK, StatusCode::CONFLICT, StatusCode::UNPROCESSABLE_ENTITY].contains(&s),
                "round {round}: {s}"
            );
        }
        assert!(
            !(s1 == StatusCode::OK && s2 == StatusCode::OK),
            "round {round}: both moves succeeded"
        );

        // Every node still reaches the root.
        let reachable: i64 = sqlx::query_scalar(
            "WITH RECURSIVE down AS (SELECT id FROM tree_nodes WHERE tree_id = $1 AND parent_id IS NULL
               UNION ALL SELECT n.id FROM tree_nodes n JOIN down d ON n.parent_id = d.id)
             SELECT count(*) FROM down",
        )
        .bind(t as i32)
        .fetch_one(&pool)
        .await
        .unwrap();
        assert_eq!(reachable, 3, "round {round}: a cycle cut nodes off the tree");

        // Put both back under the root for the next round.
        let detail = tree(&mut pm, t).await;
        for title in ["A", "B"] {
            let node = detail["nodes"]
                .as_array()
                .unwrap()
                .iter()
                .find(|n| n["title"] == title)
                .unwrap()
                .clone();
            if node["parent_id"].as_str() != Some(&id(&root)) {
                let back = move_node(&mut pm, t, &node, Some(&id(&root)), None).await;
                assert_eq!(back.status, StatusCode::OK, "{}", back.body);
            }
        }
    }
}

#[sqlx::test]
async fn analytics_filters_outline_and_bulk_updates(pool: PgPool) {
    let app = app(pool.clone());
    let (mut pm, _) = signed_up(&app, "stats@example.com").await;

    // Zero trees: zeros, not errors.
    let empty = pm.call("analytics", &[]).await;
    assert_eq!(empty.status, StatusCode::OK, "{}", empty.body);
    let empty = empty.json();
    assert_eq!(
        (empty["total_trees"].as_i64(), empty["avg_nodes_per_tree"].as_f64()),
        (Some(0), Some(0.0))
    );
    assert_eq!(empty["node_types"], json!({}));
    assert_eq!(empty["activity_per_day"].as_array().unwrap().len(), 30);

    let big = pm.create_tree("Retention 50%_plan").await;
    let root = add_ok(&mut pm, big, None, "objective", "Root").await;
    let a = add_ok(&mut pm, big, Some(&id(&root)), "outcome", "A").await;
    let b = add_ok(&mut pm, big, Some(&id(&root)), "outcome", "B").await;
    add_ok(&mut pm, big, Some(&id(&a)), "opportunity", "A1").await;
    let small = pm.create_tree("Pricing").await;
    add_ok(&mut pm, small, None, "objective", "Price").await;
    let meta = json!({ "tree_id": small, "version": 1, "name": "Pricing", "discovery_phase": "delivery", "is_template": true });
    assert_eq!(call_form(&mut pm, "update_tree", &meta).await.status, StatusCode::OK);

    let stats = pm.call("analytics", &[]).await.json();
    assert_eq!(stats["total_trees"], 2);
    assert_eq!(stats["total_nodes"], 5);
    assert_eq!(stats["avg_nodes_per_tree"], 2.5);
    assert_eq!(
        stats["node_types"],
        json!({ "objective": 2, "outcome": 2, "opportunity": 1 })
    );
    assert_eq!(stats["phases"], json!({ "strategy": 1, "delivery": 1 }));
    let today = stats["activity_per_day"].as_array().unwrap().last().unwrap().clone();
    assert!(today[1].as_i64().unwrap() >= 8, "{today}");

    let names = |answer: common::Answer| -> Vec<String> {
        answer
            .json()
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        names(pm.call("list_trees", &[("name_contains", "50%_")]).await),
        vec!["Retention 50%_plan"]
    );
    assert_eq!(
        names(pm.call("list_trees", &[("name_contains", "%")]).await),
        vec!["Retention 50%_plan"]
    );
    assert_eq!(
        names(pm.call("list_trees", &[("min_nodes", "2")]).await),
        vec!["Retention 50%_plan"]
    );
    assert_eq!(
        names(pm.call("list_trees", &[("phase", "delivery")]).await),
        vec!["Pricing"]
    );
    assert_eq!(
        names(pm.call("list_trees", &[("templates_only", "true")]).await),
        vec!["Pricing"]
    );
    assert_eq!(
        pm.call("list_trees", &[("phase", "soon")]).await.status,
        StatusCode::UNPROCESSABLE_ENTITY
    );

    let outline = pm.call("tree_outline", &[("tree_id", &big.to_string())]).await.json();
    let rows: Vec<(String, i64)> = outline
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["title"].as_str().unwrap().to_string(), r["depth"].as_i64().unwrap()))
        .collect();
    assert_eq!(
        rows,
        vec![("Root".into(), 0), ("A".into(), 1), ("A1".into(), 2), ("B".into(), 1)]
    );

    // Bulk: all or nothing.
    let ok = pm
        .call_json(
            "bulk_update_nodes",
            json!({ "tree_id": big, "changes": [
                { "node_id": id(&a), "version": a["version"], "is_collapsed": true },
                { "node_id": id(&b), "version": b["version"], "position": { "x": 10.5, "y": -3 } } ] }),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    let stale = pm
        .call_json(
            "bulk_update_nodes",
            json!({ "tree_id": big, "changes": [
                { "node_id": id(&root), "version": root["version"], "is_collapsed": true },
                { "node_id": id(&a), "version": a["version"], "is_collapsed": false } ] }),
        )
        .await;
    assert_eq!(stale.status, StatusCode::CONFLICT, "{}", stale.body);
    let collapsed: Vec<(String, bool)> =
        sqlx::query_as("SELECT title, coalesce(is_collapsed, false) FROM tree_nodes WHERE tree_id = $1 ORDER BY title")
            .bind(big as i32)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(
        collapsed,
        vec![
            ("A".into(), true),
            ("A1".into(), false),
            ("B".into(), false),
            ("Root".into(), false)
        ],
        "the refused batch changed nothing"
    );
}

#[sqlx::test]
async fn stored_positions_of_any_shape_open(pool: PgPool) {
    let app = app(pool.clone());
    let (mut pm, _) = signed_up(&app, "pm@example.com").await;
    let t = pm.create_tree("Positions").await;
    let root = add_ok(&mut pm, t, None, "objective", "Root").await;
    // Rows written by older versions or by hand: whatever the column holds, the tree opens;
    // numbers x and y are the node's position, anything else the origin.
    let stored = [
        (r#"{"x": 10.5, "y": -3}"#, json!({ "x": 10.5, "y": -3.0 })),
        (r#"{"y": 2, "x": 7, "z": "ignored"}"#, json!({ "x": 7.0, "y": 2.0 })),
        (r#"{"x": 1}"#, json!({ "x": 0.0, "y": 0.0 })),
        (r#"{"x": "1", "y": 2}"#, json!({ "x": 0.0, "y": 0.0 })),
        // serde reads a struct from an array as well; so it was before.
        ("[1, 2]", json!({ "x": 1.0, "y": 2.0 })),
        ("[1]", json!({ "x": 0.0, "y": 0.0 })),
        ("null", json!({ "x": 0.0, "y": 0.0 })),
        (r#""far away""#, json!({ "x": 0.0, "y": 0.0 })),
    ];
    for (i, (position, _)) in stored.iter().enumerate() {
        let node = add_ok(&mut pm, t, Some(&id(&root)), "outcome", &format!("Outcome {i}")).await;
        sqlx::query("UPDATE tree_nodes SET position = $1::jsonb WHERE id = $2")
            .bind(position)
            .bind(id(&node))
            .execute(&pool)
            .await
            .unwrap();
    }
    let detail = tree(&mut pm, t).await;
    for (i, (position, read)) in stored.iter().enumerate() {
        let node = detail["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|n| n["title"] == format!("Outcome {i}"))
            .unwrap();
        let at = node.get("position").cloned().unwrap_or(json!({ "x": 0.0, "y": 0.0 }));
        assert_eq!(&at, read, "stored {position}");
    }
}

#[sqlx::test]
async fn activity_feeds_page_newest_first(pool: PgPool) {
    let app = app(pool);
    let (mut pm, _) = signed_up(&app, "feed@example.com").await;
    let t = pm.create_tree("Feed").await;
    let root = add_ok(&mut pm, t, None, "objective", "Root").await;
    for i in 0..4 {
        add_ok(&mut pm, t, Some(&id(&root)), "outcome", &format!("Outcome {i}")).await;
    }
    let first = pm
        .call("tree_activity", &[("tree_id", &t.to_string()), ("limit", "3")])
        .await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    let first = first.json();
    let kinds: Vec<&str> = first["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["activity_type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["node_added"; 3]);
    assert_eq!(first["entries"][0]["description"], "Added outcome: Outcome 3");
    let before = first["next_before"].as_i64().expect("more pages").to_string();
    let second = pm
        .call(
            "tree_activity",
            &[("tree_id", &t.to_string()), ("limit", "3"), ("before", &before)],
        )
        .await
        .json();
    let kinds: Vec<&str> = second["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["activity_type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, vec!["node_added", "node_added", "tree_created"]);
    // A full page may have been the last: the next one is empty and says so.
    let before = second["next_before"].as_i64().unwrap().to_string();
    let last = pm
        .call(
            "tree_activity",
            &[("tree_id", &t.to_string()), ("limit", "3"), ("before", &before)],
        )
        .await
        .json();
    assert_eq!(last["entries"], json!([]));
    assert_eq!(last["next_before"], Value::Null);
}

#[sqlx::test]
async fn the_tree_page_is_drawn_on_the_server(pool: PgPool) {
    let app = app(pool);
    let (mut pm, _) = signed_up(&app, "page@example.com").await;
    let t = pm.create_tree("Page <tree>").await;
    let root = add_ok(&mut pm, t, None, "objective", "Grow <script>alert(1)</script>").await;
    let metric = pm
        .call_json(
            "add_node",
            json!({ "tree_id": t, "parent_id": id(&root),
                    "node": { "node_type": "metric", "title": "WAU", "template_data": { "current": 900, "target": 1100 } } }),
        )
        .await;
    assert_eq!(metric.status, StatusCode::OK);
    let state = json!({ "zoom": 0.5, "pan": { "x": 40, "y": 12 }, "orientation": "horizontal" });
    pm.call_json("save_canvas_state", json!({ "tree_id": t, "state": state }))
        .await;

    let page = pm.get(&format!("/trees/{t}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.body.contains("Grow &lt;script&gt;alert(1)&lt;/script&gt;"),
        "titles are escaped"
    );
    assert!(!page.body.contains("<script>alert(1)"));
    assert!(page.body.contains("Page &lt;tree&gt;"));
    assert!(page.body.contains("900 → 1100"), "metric badge");
    assert!(
        page.body.contains("translate(40px,12px) scale(0.50000)"),
        "saved viewport"
    );
    assert_eq!(page.body.matches("role=\"treeitem\"").count(), 2);
    assert!(page.body.contains("class=\"edge\""));

    // The page's tree is kept per version: loaded again it is the same, and an edit, a new
    // node or a saved view is on the very next load.
    let again = pm.get(&format!("/trees/{t}")).await;
    assert_eq!(tree_block(&again.body), tree_block(&page.body));
    let renamed = pm
        .call_json(
            "update_node",
            json!({ "tree_id": t, "node_id": id(&root), "version": root["version"],
                    "node": { "node_type": "objective", "title": "Grow retention" } }),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    let page = pm.get(&format!("/trees/{t}")).await;
    assert!(page.body.contains(">Grow retention<"), "the edit is drawn");
    assert!(
        tree_block(&page.body).contains("\"Grow retention\""),
        "and in the page's tree"
    );
    assert!(!page.body.contains("alert(1)"));
    add_ok(&mut pm, t, Some(&id(&root)), "outcome", "Weekly actives").await;
    let page = pm.get(&format!("/trees/{t}")).await;
    assert_eq!(page.body.matches("role=\"treeitem\"").count(), 3);
    assert!(tree_block(&page.body).contains("Weekly actives"));
    let state = json!({ "zoom": 0.25, "pan": { "x": 8, "y": 4 }, "orientation": "horizontal" });
    pm.call_json("save_canvas_state", json!({ "tree_id": t, "state": state }))
        .await;
    let page = pm.get(&format!("/trees/{t}")).await;
    assert!(
        page.body.contains("translate(8px,4px) scale(0.25000)"),
        "the view saved since"
    );

    let (mut other, _) = signed_up(&app, "other-page@example.com").await;
    let page = other.get(&format!("/trees/{t}")).await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!page.body.contains("Grow"));
}

/// The editor's page is static markup that the browser's client takes over: the forms filled
/// from the tree, the parts shown on demand rendered hidden in their places, and the canvas
/// at the saved view (an empty tree offers its first node; far out, the overview's canvas).
#[sqlx::test]
async fn the_editor_page_is_static_markup_the_client_takes_over(pool: PgPool) {
    use scraper::{Html, Selector};
    let app = app(pool);
    let (mut pm, _) = signed_up(&app, "static@example.com").await;
    let t = pm.create_tree("Plan <B>").await;
    let meta = json!({
        "tree_id": t, "version": 1, "name": "Plan <B> & \"more\"",
        "description": "Why <i>this</i></textarea><b>\nand that", "discovery_phase": "delivery", "is_template": true,
    });
    assert_eq!(call_form(&mut pm, "update_tree", &meta).await.status, StatusCode::OK);

    let select = |html: &Html, css: &str| -> Vec<(String, Vec<(String, String)>)> {
        html.select(&Selector::parse(css).unwrap())
            .map(|e| {
                let attrs = e.value().attrs().map(|(k, v)| (k.to_string(), v.to_string())).collect();
                (e.text().collect::<String>(), attrs)
            })
            .collect()
    };
    let one = |html: &Html, css: &str| {
        let mut found = select(html, css);
        assert_eq!(found.len(), 1, "{css}");
        found.remove(0)
    };
    let attr = |found: &(String, Vec<(String, String)>), name: &str| {
        found.1.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
    };

    // Empty: the canvas offers the first node; nothing is selected, nothing to undo.
    let page = pm.get(&format!("/trees/{t}")).await;
    assert_eq!(page.status, StatusCode::OK);
    let html = Html::parse_document(&page.body);
    one(
        &html,
        ".tree-page #tree-canvas [data-testid=empty-tree] [data-action=add-first]",
    );
    assert_eq!(one(&html, ".tree-header h1").0, "Plan <B> & \"more\"");
    assert_eq!(one(&html, ".tree-header .muted").0, "delivery · 0 nodes · vertical");
    assert_eq!(one(&html, "[data-testid=zoom-level]").0, "100%");
    for action in ["add-sibling", "delete-node", "undo", "redo"] {
        let button = one(&html, &format!(".tree-header [data-action={action}]"));
        assert!(attr(&button, "disabled").is_some(), "{action}");
    }
    assert!(attr(&one(&html, "[data-action=add-child]"), "disabled").is_none());
    // The tree's form holds the tree as it is.
    let form = ".side-panel [data-part=tree-details] form[data-testid=tree-form]";
    assert_eq!(
        attr(&one(&html, &format!("{form} #tree-name")), "value").as_deref(),
        Some("Plan <B> & \"more\"")
    );
    assert_eq!(
        one(&html, &format!("{form} #tree-description")).0,
        "Why <i>this</i></textarea><b>\nand that"
    );
    assert!(select(&html, ".side-panel b").is_empty(), "the description is text");
    assert_eq!(
        attr(&one(&html, &format!("{form} #tree-phase option[selected]")), "value").as_deref(),
        Some("delivery")
    );
    assert!(attr(&one(&html, &format!("{form} #tree-template")), "checked").is_some());
    one(&html, ".side-panel .tree-activity");
    // What the client shows on demand is in the page, hidden, where it goes.
    for part in [
        ".tree-page > .tree-header + [data-part=search]",
        ".tree-page .side-panel > [data-part=node-form]",
        ".tree-page > [data-part=key-help]",
        ".tree-page > [data-part=share]",
    ] {
        assert!(attr(&one(&html, part), "hidden").is_some(), "{part}");
    }
    assert!(attr(&one(&html, "[data-part=tree-details]"), "hidden").is_none());
    // Every type's own fields are in the node form, for the client to show.
    one(&html, "[data-part=node-form] [data-fields-of=metric] #field-target");
    one(
        &html,
        "[data-part=node-form] [data-fields-of=assumption] select#field-risk",
    );

    // A node: no empty state. Zoomed out far, the overview's canvas instead of boxes.
    add_ok(&mut pm, t, None, "objective", "Grow").await;
    let page = pm.get(&format!("/trees/{t}")).await;
    let html = Html::parse_document(&page.body);
    assert!(select(&html, "[data-testid=empty-tree]").is_empty());
    assert_eq!(select(&html, ".nodes [data-node-id]").len(), 1);
    assert!(select(&html, "canvas.overview").is_empty());
    let state = json!({ "zoom": 0.2, "pan": { "x": 0, "y": 0 }, "orientation": "horizontal" });
    pm.call_json("save_canvas_state", json!({ "tree_id": t, "state": state }))
        .await;
    let page = pm.get(&format!("/trees/{t}")).await;
    let html = Html::parse_document(&page.body);
    one(&html, "#tree-canvas.far > canvas.overview");
    assert!(select(&html, ".nodes [data-node-id]").is_empty());
    assert_eq!(one(&html, ".tree-header .muted").0, "delivery · 1 nodes · horizontal");
    assert_eq!(one(&html, "[data-testid=toggle-orientation]").0.trim(), "Vertical");
    assert_eq!(one(&html, "[data-testid=zoom-level]").0, "20%");
}

/// The editor page's data block: the tree it carries for the browser.
fn tree_block(page: &str) -> &str {
    // The block is put in after rendering (server::page_blocks).
    assert!(!page.contains("page-part-"), "a part left out of the page");
    let start = page.find("id=\"editor-tree\"").expect("the page carries its tree");
    let start = start + page[start..].find('>').unwrap() + 1;
    &page[start..start + page[start..].find("</script>").unwrap()]
}

#[sqlx::test]
async fn bulk_reorders_keep_sibling_order_dense(pool: PgPool) {
    let app = app(pool.clone());
    let (mut pm, _) = signed_up(&app, "bulk@example.com").await;
    let t = pm.create_tree("Bulk").await;
    let root = add_ok(&mut pm, t, None, "objective", "Root").await;
    let a = add_ok(&mut pm, t, Some(&id(&root)), "outcome", "A").await;
    let b = add_ok(&mut pm, t, Some(&id(&root)), "outcome", "B").await;
    let c = add_ok(&mut pm, t, Some(&id(&root)), "outcome", "C").await;
    let change = |n: &Value, order: i32| json!({ "node_id": id(n), "version": n["version"], "sort_order": order });

    let gap = pm
        .call_json("bulk_update_nodes", json!({ "tree_id": t, "changes": [change(&a, 5)] }))
        .await;
    assert_eq!(gap.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", gap.body);
    assert_eq!(gap.json()["field"], "changes");
    let negative = pm
        .call_json(
            "bulk_update_nodes",
            json!({ "tree_id": t, "changes": [change(&a, -1)] }),
        )
        .await;
    assert_eq!(negative.json()["field"], "changes[0].sort_order");
    assert_eq!(
        children(&tree(&mut pm, t).await, Some(&id(&root))),
        vec!["A", "B", "C"],
        "refused batches changed nothing"
    );

    let ok = pm
        .call_json(
            "bulk_update_nodes",
            json!({ "tree_id": t, "changes": [change(&a, 2), change(&b, 0), change(&c, 1)] }),
        )
        .await;
    assert_eq!(ok.status, StatusCode::OK, "{}", ok.body);
    assert_eq!(children(&tree(&mut pm, t).await, Some(&id(&root))), vec!["B", "C", "A"]);
}

#[sqlx::test]
async fn a_deleted_subtree_comes_back_with_its_ids_order_and_links(pool: PgPool) {
    let app = app(pool.clone());
    let (mut pm, _) = signed_up(&app, "undo@example.com").await;
    let t = pm.create_tree("T").await;
    let root = add_ok(&mut pm, t, None, "outcome", "Root").await;
    let a = add_ok(&mut pm, t, Some(&id(&root)), "opportunity", "A").await;
    let a1 = add_ok(&mut pm, t, Some(&id(&a)), "opportunity", "A1").await;
    let a2 = add_ok(&mut pm, t, Some(&id(&a)), "solution", "A2").await;
    let b = add_ok(&mut pm, t, Some(&id(&root)), "opportunity", "B").await;
    let link = pm
        .call_json(
            "add_connection",
            json!({ "tree_id": t, "from_node_id": id(&b), "to_node_id": id(&a2) }),
        )
        .await
        .json();
    let before = tree(&mut pm, t).await;
    let node_of = |n: &Value| {
        before["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == n["id"])
            .unwrap()
            .clone()
    };
    let subtree = json!({
        "nodes": [node_of(&a), node_of(&a1), node_of(&a2)],
        "connections": [link],
    });

    let removed = pm
        .call_json(
            "delete_node",
            json!({ "tree_id": t, "node_id": id(&a), "version": a["version"] }),
        )
        .await;
    assert_eq!(removed.json(), 3);
    assert_eq!(children(&tree(&mut pm, t).await, Some(&id(&root))), vec!["B"]);

    // A parent listed after its child, or a type the parent does not take: refused, nothing written.
    let shuffled = json!({ "nodes": [node_of(&a1), node_of(&a)], "connections": [] });
    let bad = pm
        .call_json(
            "restore_nodes",
            json!({ "tree_id": t, "parent_id": id(&root), "position": 0, "subtree": shuffled }),
        )
        .await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", bad.body);
    let wrong_type = pm
        .call_json(
            "restore_nodes",
            json!({ "tree_id": t, "parent_id": null, "position": 0, "subtree": { "nodes": [node_of(&a2)], "connections": [] } }),
        )
        .await;
    assert_eq!(
        wrong_type.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        wrong_type.body
    );
    // An id spelled another way than the server makes them is refused.
    let mut shouted = node_of(&a);
    shouted["id"] = json!(id(&a).to_uppercase());
    let loud = pm
        .call_json(
            "restore_nodes",
            json!({ "tree_id": t, "parent_id": id(&root), "subtree": { "nodes": [shouted], "connections": [] } }),
        )
        .await;
    assert_eq!(loud.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", loud.body);
    assert_eq!(tree(&mut pm, t).await["nodes"].as_array().unwrap().len(), 2);

    let back = pm
        .call_json(
            "restore_nodes",
            json!({ "tree_id": t, "parent_id": id(&root), "position": 0, "subtree": subtree }),
        )
        .await;
    assert_eq!(back.status, StatusCode::OK, "{}", back.body);
    assert_eq!(back.json()["nodes"].as_array().unwrap().len(), 3);
    assert_eq!(back.json()["connections"].as_array().unwrap().len(), 1);
    let after = tree(&mut pm, t).await;
    assert_eq!(children(&after, Some(&id(&root))), vec!["A", "B"]);
    assert_eq!(children(&after, Some(&id(&a))), vec!["A1", "A2"]);
    let strip = |detail: &Value| {
        let mut nodes: Vec<Value> = detail["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|n| json!([n["id"], n["parent_id"], n["title"], n["node_type"], n["sort_order"]]))
            .collect();
        nodes.sort_by_key(|n| n.to_string());
        (nodes, detail["connections"].clone())
    };
    assert_eq!(
        strip(&after),
        strip(&before),
        "the same ids, places and links as before the delete"
    );
    let version_of = |detail: &Value, n: &Value| {
        detail["nodes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|x| x["id"] == n["id"])
            .unwrap()["version"]
            .as_i64()
            .unwrap()
    };
    assert_eq!(
        version_of(&after, &a),
        version_of(&before, &a) + 1,
        "a stale write based on the old version stays refused"
    );
    assert!(activity_types(&pool, t).await.contains(&"node_restored".to_string()));

    // Putting it back twice is a conflict, and changes nothing.
    let again = pm
        .call_json(
            "restore_nodes",
            json!({ "tree_id": t, "parent_id": id(&root), "position": 0, "subtree": subtree }),
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT, "{}", again.body);
    assert_eq!(strip(&tree(&mut pm, t).await), strip(&before));
}

#[sqlx::test]
async fn new_trees_start_blank_from_a_starter_or_from_a_template(pool: PgPool) {
    let app = app(pool.clone());
    let (mut pm, _) = signed_up(&app, "templates@example.com").await;
    let starter = pm
        .call(
            "create_tree",
            &[("name", "From the starter"), ("template_id", "builtin:impact-tree")],
        )
        .await;
    assert_eq!(starter.status, StatusCode::OK, "{}", starter.body);
    let starter_id = starter.json()["id"].as_i64().unwrap();
    let detail = tree(&mut pm, starter_id).await;
    assert_eq!(detail["name"], "From the starter");
    assert_eq!(detail["nodes"].as_array().unwrap().len(), 8);

    // Only trees marked as templates are offered and accepted.
    let plain = pm
        .call(
            "create_tree",
            &[("name", "Copy?"), ("template_id", &starter_id.to_string())],
        )
        .await;
    assert_eq!(plain.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", plain.body);
    let marked = pm
        .call(
            "update_tree",
            &[
                ("tree_id", &starter_id.to_string()),
                ("version", &detail["version"].to_string()),
                ("name", "Our template"),
                ("discovery_phase", "discovery"),
                ("is_template", "true"),
            ],
        )
        .await;
    assert_eq!(marked.status, StatusCode::OK, "{}", marked.body);
    let copy = pm
        .call(
            "create_tree",
            &[("name", "From our template"), ("template_id", &starter_id.to_string())],
        )
        .await;
    assert_eq!(copy.status, StatusCode::OK, "{}", copy.body);
    let copied = tree(&mut pm, copy.json()["id"].as_i64().unwrap()).await;
    assert_eq!(copied["is_template"], false);
    assert_eq!(copied["nodes"].as_array().unwrap().len(), 8);
    assert_eq!(children(&copied, None), children(&detail, None));

    for bad in ["builtin:nothing", "not-a-number", "999999"] {
        let answer = pm.call("create_tree", &[("name", "Nope"), ("template_id", bad)]).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{bad}: {}", answer.body);
    }
    let blank = pm.call("create_tree", &[("name", "Blank"), ("template_id", "")]).await;
    assert_eq!(blank.status, StatusCode::OK, "{}", blank.body);
    let listed = pm.call("list_trees", &[]).await.json();
    assert_eq!(listed.as_array().unwrap().len(), 3, "{listed}");
}

#[sqlx::test]
async fn each_page_carries_its_data_once(pool: PgPool) {
    let app = app(pool.clone());
    let (mut pm, _) = signed_up(&app, "once@example.com").await;
    let t = pm.create_tree("Once").await;
    let root = add_ok(&mut pm, t, None, "objective", "Grow retention").await;
    let marker = "a-description-only-the-serialized-tree-carries";
    let answer = pm
        .call_json(
            "update_node",
            json!({ "tree_id": t, "node_id": id(&root), "version": root["version"],
                    "node": { "node_type": "objective", "title": "Grow retention", "description": marker } }),
        )
        .await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);

    // The editor page holds the tree for hydration once (a resource made inside a
    // <Transition> was written three times).
    let page = pm.get(&format!("/trees/{t}")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body.matches(marker).count(), 1, "the tree's data in the page");

    // The dashboard is rendered on the server only: its lists are in the page as markup, not
    // also as resources for a hydration (the user, read on the server, is not in it either).
    let page = pm.get("/").await;
    assert_eq!(page.status, StatusCode::OK);
    assert_eq!(page.body.matches(r#"href="/trees/"#).count(), 1, "the list");
    assert_eq!(page.body.matches("__RESOLVED_RESOURCES[").count(), 0, "no resources");
}

/// get_tree keeps its answer per tree version (server::tree_cache): every kind of write must
/// show on the very next read, and a kept answer must never reach another user.
#[sqlx::test]
async fn a_read_tree_shows_every_write_at_once(pool: PgPool) {
    let app = app(pool.clone());
    let (mut pm, _) = signed_up(&app, "cache@example.com").await;
    let (mut other, _) = signed_up(&app, "cache-other@example.com").await;
    let t = pm.create_tree("Cached").await;
    let root = add_ok(&mut pm, t, None, "objective", "Root").await;
    let first = tree(&mut pm, t).await;
    assert_eq!(tree(&mut pm, t).await, first, "two reads of one version agree");
    assert_eq!(
        other.call("get_tree", &[("tree_id", &t.to_string())]).await.status,
        StatusCode::NOT_FOUND
    );

    let renamed = pm
        .call_json(
            "update_node",
            json!({ "tree_id": t, "node_id": id(&root), "version": root["version"],
                    "node": { "node_type": "objective", "title": "Renamed" } }),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    assert_eq!(tree(&mut pm, t).await["nodes"][0]["title"], "Renamed");

    let a = add_ok(&mut pm, t, Some(&id(&root)), "outcome", "A").await;
    let b = add_ok(&mut pm, t, Some(&id(&root)), "outcome", "B").await;
    assert_eq!(children(&tree(&mut pm, t).await, Some(&id(&root))), ["A", "B"]);

    let link = pm
        .call_json(
            "add_connection",
            json!({ "tree_id": t, "from_node_id": id(&a), "to_node_id": id(&b) }),
        )
        .await;
    assert_eq!(link.status, StatusCode::OK, "{}", link.body);
    assert_eq!(tree(&mut pm, t).await["connections"].as_array().unwrap().len(), 1);

    let state = json!({ "zoom": 0.5, "pan": { "x": 10.0, "y": 20.0 }, "orientation": "horizontal" });
    let saved = pm
        .call_json("save_canvas_state", json!({ "tree_id": t, "state": state }))
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.body);
    assert_eq!(tree(&mut pm, t).await["canvas_state"], state);

    let version = tree(&mut pm, t).await["version"].as_i64().unwrap();
    let meta = pm
        .call(
            "update_tree",
            &[
                ("tree_id", &t.to_string()),
                ("version", &version.to_string()),
                ("name", "Cached, renamed"),
                ("discovery_phase", "delivery"),
                ("is_template", "false"),
            ],
        )
        .await;
    assert_eq!(meta.status, StatusCode::OK, "{}", meta.body);
    assert_eq!(tree(&mut pm, t).await["name"], "Cached, renamed");

    let b_now = tree(&mut pm, t).await["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == b["id"])
        .cloned()
        .unwrap();
    let deleted = pm
        .call_json(
            "delete_node",
            json!({ "tree_id": t, "node_id": id(&b), "version": b_now["version"] }),
        )
        .await;
    assert_eq!(deleted.status, StatusCode::OK, "{}", deleted.body);
    let after = tree(&mut pm, t).await;
    assert_eq!(children(&after, Some(&id(&root))), ["A"]);
    assert!(after["connections"].as_array().unwrap().is_empty());
    assert_eq!(
        other.call("get_tree", &[("tree_id", &t.to_string())]).await.status,
        StatusCode::NOT_FOUND
    );
}

/// get_page_tree answers the editor's reload in its page's compact form: the same tree as
/// get_tree, read from the block kept for the page, with a write on the very next read and
/// never another user's tree.
#[sqlx::test]
async fn the_page_tree_answer_is_the_tree_and_shows_a_write_at_once(pool: PgPool) {
    use impact_tree::model::{page_tree, TreeDetail};
    let app = app(pool.clone());
    let (mut pm, _) = signed_up(&app, "page-tree@example.com").await;
    let (mut other, _) = signed_up(&app, "page-tree-other@example.com").await;
    let t = pm.create_tree("Compact").await;
    let root = add_ok(&mut pm, t, None, "objective", "Root").await;
    add_ok(&mut pm, t, Some(&id(&root)), "outcome", "A").await;
    async fn page_tree(client: &mut Client, t: i64) -> TreeDetail {
        let answer = client.call("get_page_tree", &[("tree_id", &t.to_string())]).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        page_tree::decode(&answer.body).expect("the page's form")
    }
    let read: TreeDetail = serde_json::from_value(tree(&mut pm, t).await).unwrap();
    assert_eq!(page_tree(&mut pm, t).await, read);
    assert_eq!(read.nodes.len(), 2);

    let renamed = pm
        .call_json(
            "update_node",
            json!({ "tree_id": t, "node_id": id(&root), "version": root["version"],
                    "node": { "node_type": "objective", "title": "Renamed" } }),
        )
        .await;
    assert_eq!(renamed.status, StatusCode::OK, "{}", renamed.body);
    let after = page_tree(&mut pm, t).await;
    assert_eq!(after.nodes.iter().find(|n| n.id == id(&root)).unwrap().title, "Renamed");
    assert_eq!(
        after,
        serde_json::from_value::<TreeDetail>(tree(&mut pm, t).await).unwrap()
    );

    let theirs = other.call("get_page_tree", &[("tree_id", &t.to_string())]).await;
    assert_eq!(theirs.status, StatusCode::NOT_FOUND, "{}", theirs.body);
    assert!(!theirs.body.contains("Renamed"));
}

/// get_tree's kept answer, as a browser asks for it: brotli or gzip, decoded.
async fn tree_encoded(client: &Client, t: i64, accept_encoding: &str) -> (StatusCode, String, Vec<u8>, String) {
    let request = client
        .request("POST", "/api/get_tree")
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept", "application/json")
        .header("accept-encoding", accept_encoding)
        .body(axum::body::Body::from(format!("tree_id={t}")))
        .unwrap();
    let response = common::send(&client.app, request).await;
    let status = response.status();
    let encoding = response
        .headers()
        .get("content-encoding")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default();
    // The layer that puts the kept bytes in place of the answer keeps the answer's headers
    // right: its type, one encoding, `Vary` once, and no stale length.
    let headers = response.headers().clone();
    let bytes = http_body_util::BodyExt::collect(response.into_body())
        .await
        .unwrap()
        .to_bytes()
        .to_vec();
    if status.is_success() {
        let content_type = headers
            .get("content-type")
            .map(|v| v.to_str().unwrap())
            .unwrap_or_default();
        assert!(content_type.starts_with("application/json"), "{content_type:?}");
        assert!(headers.get_all("content-encoding").iter().count() <= 1);
        let varies = headers
            .get_all("vary")
            .iter()
            .flat_map(|v| v.to_str().unwrap().split(',').map(|s| s.trim().to_ascii_lowercase()))
            .filter(|v| v == "accept-encoding")
            .count();
        assert!(varies == 1 || (varies == 0 && encoding.is_empty()), "vary: {headers:?}");
        if let Some(length) = headers.get("content-length") {
            assert_eq!(length.to_str().unwrap().parse::<usize>().unwrap(), bytes.len());
        }
    }
    let decoded = common::decoded(&encoding, &bytes);
    (status, encoding, bytes, String::from_utf8(decoded).unwrap())
}

/// A kept tree answer goes out as its compressed copy, made once per version
/// (server::kept_answer), not compressed again per request: the same JSON as uncompressed,
/// the next version after a write, and an error, not the copy, for another user.
#[sqlx::test]
async fn a_kept_tree_goes_out_as_its_compressed_copy(pool: PgPool) {
    use impact_tree::server::encoding::{compress, Encoding};
    let app = app(pool.clone());
    let (mut pm, _) = signed_up(&app, "kept@example.com").await;
    let (other, _) = signed_up(&app, "kept-other@example.com").await;
    let t = pm.create_tree("Kept").await;
    let root = add_ok(&mut pm, t, None, "objective", "Grow retention in the mid-market").await;
    for i in 0..30 {
        add_ok(&mut pm, t, Some(&id(&root)), "outcome", &format!("Outcome number {i}")).await;
    }
    let plain = pm.call("get_tree", &[("tree_id", &t.to_string())]).await;
    assert_eq!(plain.status, StatusCode::OK);
    // Without a kept copy for the request's encoding the answer goes out as the kept JSON,
    // compressed by the layers when the request takes it.
    for (accept, name) in [("identity", ""), ("zstd", "zstd")] {
        let (status, sent_as, _, json) = tree_encoded(&pm, t, accept).await;
        assert_eq!((status, sent_as.as_str()), (StatusCode::OK, name));
        assert_eq!(json, plain.body);
    }

    for (accept, encoding, name) in [
        ("gzip, deflate, br, zstd", Encoding::Brotli, "br"),
        ("gzip, deflate", Encoding::Gzip, "gzip"),
    ] {
        // The kept copy's level (brotli 5, gzip 6), not the per-request layers' (4): the first
        // asks are answered by the layers while the copy is made off the request path.
        let level = if encoding == Encoding::Brotli { 5 } else { 6 };
        let kept = compress(plain.body.as_bytes(), encoding, level).unwrap().to_vec();
        let mut tries = 0;
        loop {
            let (status, sent_as, bytes, json) = tree_encoded(&pm, t, accept).await;
            assert_eq!(status, StatusCode::OK);
            assert_eq!(json, plain.body);
            if sent_as == name && bytes == kept {
                break;
            }
            tries += 1;
            assert!(tries < 200, "no kept {name} copy");
            tokio::time::sleep(std::time::Duration::from_millis(10)).await;
        }
    }

    add_ok(&mut pm, t, Some(&id(&root)), "outcome", "Added after the copies").await;
    let (status, _, _, json) = tree_encoded(&pm, t, "br").await;
    assert_eq!(status, StatusCode::OK);
    assert!(json.contains("Added after the copies"));

    let (status, _, _, json) = tree_encoded(&other, t, "br").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(!json.contains("Grow retention"), "{json}");
}

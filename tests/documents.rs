//! Export and import: JSON documents and Markdown outlines round-trip to identical trees;
//! bad documents are refused whole, with every problem named.
#![cfg(feature = "ssr")]

mod common;

use axum::http::StatusCode;
use common::{app, signed_up, Client};
use serde_json::{json, Value};
use sqlx::PgPool;

async fn build_sample(pm: &mut Client) -> i64 {
    let t = pm
        .call("create_tree", &[("name", "Grow retention"), ("description", "Q3 bets")])
        .await
        .json()["id"]
        .as_i64()
        .unwrap();
    let add = |parent: Option<String>, kind: &'static str, title: &'static str, data: Value| {
        let body = json!({ "tree_id": t, "parent_id": parent,
                           "node": { "node_type": kind, "title": title, "template_data": data, "description": "why: <b>evidence</b>" } });
        (body, title)
    };
    let mut ids = std::collections::HashMap::new();
    let plan = [
        (None, "objective", "Grow retention", json!({})),
        (Some("Grow retention"), "outcome", "Weekly actives +10%", json!({})),
        (
            Some("Grow retention"),
            "metric",
            "WAU",
            json!({ "unit": "users", "baseline": 1000, "target": 1100 }),
        ),
        (
            Some("Weekly actives +10%"),
            "opportunity",
            "Onboarding confuses",
            json!({ "evidence_count": 7 }),
        ),
        (
            Some("Onboarding confuses"),
            "solution",
            "Guided setup",
            json!({ "status": "planned" }),
        ),
        (
            Some("Guided setup"),
            "assumption",
            "People finish the guide",
            json!({ "risk": "high" }),
        ),
    ];
    for (parent, kind, title, data) in plan {
        let parent_id = parent.map(|p: &str| ids.get(p).cloned().unwrap());
        let (body, title) = add(parent_id, kind, title, data);
        let answer = pm.call_json("add_node", body).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        ids.insert(title, answer.json()["id"].as_str().unwrap().to_string());
    }
    let link = json!({ "tree_id": t, "from_node_id": ids["Guided setup"], "to_node_id": ids["WAU"] });
    assert_eq!(pm.call_json("add_connection", link).await.status, StatusCode::OK);
    t
}

/// The document without ids: what must survive a round trip.
fn shape(doc: &Value) -> Value {
    let nodes = doc["nodes"].as_array().unwrap();
    let index = |id: &Value| nodes.iter().position(|n| &n["id"] == id);
    json!({
        "name": doc["name"],
        "description": doc["description"],
        "nodes": nodes.iter().map(|n| json!({
            "type": n["type"], "title": n["title"], "description": n["description"],
            "templateData": n["templateData"], "parent": n.get("parentId").and_then(&index),
        })).collect::<Vec<_>>(),
        "connections": doc["connections"].as_array().unwrap().iter()
            .map(|c| json!([index(&c["fromNodeId"]), index(&c["toNodeId"])])).collect::<Vec<_>>(),
    })
}

#[sqlx::test]
async fn json_documents_round_trip_to_an_identical_tree(pool: PgPool) {
    let app = app(pool.clone());
    let (mut pm, _) = signed_up(&app, "doc@example.com").await;
    let t = build_sample(&mut pm).await;
    let exported = pm.call("export_tree", &[("tree_id", &t.to_string())]).await;
    assert_eq!(exported.status, StatusCode::OK, "{}", exported.body);
    let doc = exported.json();
    assert_eq!(doc["nodes"].as_array().unwrap().len(), 6);
    assert_eq!(doc["nodes"][0]["type"], "objective");

    let imported = pm.call_json("import_tree", json!({ "document": doc })).await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.body);
    let copy = imported.json()["id"].as_i64().unwrap();
    let again = pm.call("export_tree", &[("tree_id", &copy.to_string())]).await.json();
    assert_eq!(shape(&again), shape(&doc));
    assert_ne!(
        again["nodes"][0]["id"], doc["nodes"][0]["id"],
        "imported nodes get fresh ids"
    );

    let kinds: Vec<String> =
        sqlx::query_scalar("SELECT activity_type FROM user_activities WHERE tree_id = $1 ORDER BY id")
            .bind(copy as i32)
            .fetch_all(&pool)
            .await
            .unwrap();
    assert_eq!(kinds, vec!["tree_created", "imported"]);
}

#[sqlx::test]
async fn the_seed_document_shape_imports(pool: PgPool) {
    let app = app(pool);
    let (mut pm, _) = signed_up(&app, "seed@example.com").await;
    let document = json!({
        "name": "From the original app",
        "nodes": [
            { "id": "n1", "type": "objective", "title": "Grow", "position": { "x": 0, "y": 0 } },
            { "id": "n2", "type": "outcome", "title": "Retain", "position": { "x": 10, "y": 80 }, "parentId": "n1" },
            { "id": "n3", "type": "metric", "title": "D30", "position": { "x": 90, "y": 80 }, "parentId": "n1",
              "templateData": { "unit": "%", "current": 21.5 } }
        ],
        "connections": [ { "id": "c1", "fromNodeId": "n3", "toNodeId": "n2" } ]
    });
    let answer = pm.call_json("import_tree", json!({ "document": document })).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    let tree = pm
        .call("get_tree", &[("tree_id", &answer.json()["id"].to_string())])
        .await
        .json();
    assert_eq!(tree["nodes"].as_array().unwrap().len(), 3);
    assert_eq!(tree["connections"].as_array().unwrap().len(), 1);
}

#[sqlx::test]
async fn a_bad_document_writes_nothing_and_names_every_problem(pool: PgPool) {
    let app = app(pool.clone());
    let (mut pm, _) = signed_up(&app, "bad@example.com").await;
    let document = json!({
        "name": "Broken",
        "nodes": [
            { "id": "a", "type": "objective", "title": "A", "position": { "x": 0, "y": 0 } },
            { "id": "b", "type": "wish", "title": "B", "position": { "x": 0, "y": 0 }, "parentId": "a" },
            { "id": "c", "type": "outcome", "title": "C", "position": { "x": 0, "y": 0 }, "parentId": "nope" },
            { "id": "d", "type": "opportunity", "title": "D", "position": { "x": 0, "y": 0 }, "parentId": "e" },
            { "id": "e", "type": "opportunity", "title": "E", "position": { "x": 0, "y": 0 }, "parentId": "d" }
        ]
    });
    let answer = pm.call_json("import_tree", json!({ "document": document })).await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", answer.body);
    let body = answer.json();
    assert_eq!(body["kind"], "invalid_document");
    let paths: Vec<&str> = body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["path"].as_str().unwrap())
        .collect();
    assert!(
        paths.contains(&"nodes[1].type") && paths.contains(&"nodes[2].parentId"),
        "{paths:?}"
    );
    assert!(body["problems"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["message"].as_str().unwrap().contains("cycle")));
    let trees: i64 = sqlx::query_scalar("SELECT count(*) FROM impact_trees")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(trees, 0, "nothing written");
}

#[sqlx::test]
async fn markdown_outlines_round_trip(pool: PgPool) {
    let app = app(pool);
    let (mut pm, _) = signed_up(&app, "md@example.com").await;
    let t = build_sample(&mut pm).await;
    let exported = pm.call("export_markdown", &[("tree_id", &t.to_string())]).await;
    assert_eq!(exported.status, StatusCode::OK, "{}", exported.body);
    let text: String = serde_json::from_str(&exported.body).unwrap();
    assert!(text.starts_with("# Grow retention\n"), "{text}");
    for title in [
        "Grow retention",
        "Weekly actives +10%",
        "WAU",
        "Onboarding confuses",
        "Guided setup",
        "People finish the guide",
    ] {
        assert!(text.contains(&format!(":** {title}\n")), "{title} missing from {text}");
    }
    let imported = pm.call("import_markdown", &[("text", &text)]).await;
    assert_eq!(imported.status, StatusCode::OK, "{}", imported.body);
    let copy = imported.json()["id"].as_i64().unwrap();
    let again: String =
        serde_json::from_str(&pm.call("export_markdown", &[("tree_id", &copy.to_string())]).await.body).unwrap();
    assert_eq!(again, text);

    let broken = pm
        .call(
            "import_markdown",
            &[("text", "# T\n- **Objective:** A\n  - **Wish:** B\n")],
        )
        .await;
    assert_eq!(broken.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(broken.json()["problems"][0]["path"], "nodes[1].type");
}

#[sqlx::test]
async fn the_dashboard_import_takes_json_or_markdown_and_names_each_problem(pool: PgPool) {
    let app = common::app(pool.clone());
    let (mut pm, _) = common::signed_up(&app, "import-either@example.com").await;
    let json_doc = serde_json::json!({
        "name": "From JSON",
        "nodes": [
            { "id": "r", "type": "objective", "title": "Root" },
            { "id": "c", "type": "outcome", "title": "Child", "parentId": "r" }
        ]
    })
    .to_string();
    let answer = pm.call("import_document", &[("text", &json_doc)]).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.json()["name"], "From JSON");
    let markdown = "# From Markdown\n- **Objective:** Root\n  - **Outcome:** Child\n";
    let answer = pm.call("import_document", &[("text", markdown)]).await;
    assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
    assert_eq!(answer.json()["name"], "From Markdown");

    // Broken JSON says where; a bad type says which node; nothing is written.
    let broken = pm
        .call("import_document", &[("text", "{\"name\": \"x\",\n \"nodes\": [}")])
        .await;
    assert_eq!(broken.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", broken.body);
    assert_eq!(broken.json()["problems"][0]["path"], "line 2");
    let bad_type =
        serde_json::json!({ "name": "x", "nodes": [{ "id": "r", "type": "wish", "title": "R" }] }).to_string();
    let refused = pm.call("import_document", &[("text", &bad_type)]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", refused.body);
    assert_eq!(refused.json()["problems"][0]["path"], "nodes[0].type");
    let trees: i64 = sqlx::query_scalar("SELECT count(*) FROM impact_trees")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(trees, 2);
}

//! Hostile text (markup, a closing `</textarea>`, quotes, an event handler, unicode) in every
//! field a person can type is stored exactly, comes back exactly from the API and exports, and
//! is rendered as text on every page, the share page included. Pages are checked with a real
//! HTML parser: no injected element or handler attribute, every script carries our CSP nonce,
//! and the text a person reads is the text they typed.
#![cfg(feature = "ssr")]

mod common;

use axum::http::StatusCode;
use common::{app, Answer, Client, PASSWORD};
use scraper::{ElementRef, Html};
use serde_json::{json, Value};
use sqlx::PgPool;

const EVIL: &str = "<script>alert(\"t\")</script></textarea><img src=x onerror=alert(1)> 'q' ü 🌳 &amp;";
const EVIL_NAME: &str = "Tree \"</title><script>alert(2)</script> ' & ☂";
const EVIL_DESCRIPTION: &str = "</textarea><svg onload=alert(3)>\n\"quoted\" & 'single' — 日本語";
const EVIL_PERSON: &str = "Mallory <b onmouseover=alert(4)>\"x\"</b> ñ";
const EVIL_LINK: &str = "https://example.test/\"><script>alert(5)</script>";

/// The nonce of the page's Content-Security-Policy.
fn csp_nonce(answer: &Answer) -> String {
    let csp = answer
        .headers
        .get("content-security-policy")
        .expect("pages carry a CSP")
        .to_str()
        .unwrap();
    let start = csp.find("'nonce-").expect("a script nonce") + "'nonce-".len();
    csp[start..].split('\'').next().unwrap().to_string()
}

/// Parses the page and checks nothing typed became markup; returns the page's visible text
/// nodes (not script or style contents).
fn parse_safe(answer: &Answer, page: &str) -> (Html, Vec<String>) {
    assert_eq!(answer.status, StatusCode::OK, "{page}: {}", answer.body);
    let nonce = csp_nonce(answer);
    let doc = Html::parse_document(&answer.body);
    let mut texts = Vec::new();
    for node in doc.root_element().descendants() {
        if let Some(element) = ElementRef::wrap(node) {
            let e = element.value();
            for (name, _) in e.attrs() {
                assert!(
                    !name.to_ascii_lowercase().starts_with("on"),
                    "{page}: an injected {name} attribute on <{}>",
                    e.name()
                );
            }
            match e.name() {
                // A data block is never run; what it holds must still be the whole JSON
                // the server wrote (text that ended the element early would not parse).
                "script" if e.attr("type") == Some("application/json") => {
                    let json: String = element.text().collect();
                    serde_json::from_str::<Value>(&json)
                        .unwrap_or_else(|err| panic!("{page}: a data block that is not JSON ({err}): {json}"));
                }
                "script" => assert_eq!(
                    e.attr("nonce"),
                    Some(nonce.as_str()),
                    "{page}: a script without our nonce: {}",
                    element.html()
                ),
                "img" | "svg" | "b" => {
                    assert!(e.attr("src") != Some("x"), "{page}: an injected <{}>", e.name())
                }
                _ => {}
            }
        } else if let Some(text) = node.value().as_text() {
            let parent = node
                .parent()
                .and_then(ElementRef::wrap)
                .map(|p| p.value().name().to_string());
            if !matches!(parent.as_deref(), Some("script") | Some("style")) {
                texts.push(text.to_string());
            }
        }
    }
    (doc, texts)
}

fn shows(texts: &[String], expected: &str, page: &str) {
    assert!(
        texts.iter().any(|t| t.contains(expected)),
        "{page}: {expected:?} is not shown as text; texts: {texts:?}"
    );
}

fn node_of<'a>(detail: &'a Value, kind: &str) -> &'a Value {
    detail["nodes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["node_type"] == kind)
        .unwrap()
}

#[sqlx::test]
async fn hostile_text_is_stored_exactly_and_rendered_as_text_everywhere(pool: PgPool) {
    let app = app(pool.clone());
    let mut pm = Client::new(app.clone());
    let signed = pm
        .call(
            "sign_up",
            &[
                ("email", "mallory@example.com"),
                ("display_name", EVIL_PERSON),
                ("password", PASSWORD),
            ],
        )
        .await;
    assert_eq!(signed.status, StatusCode::OK, "{}", signed.body);
    assert_eq!(pm.current_user().await["display_name"], EVIL_PERSON);

    let created = pm
        .call("create_tree", &[("name", EVIL_NAME), ("description", EVIL_DESCRIPTION)])
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.body);
    let tree = created.json()["id"].as_i64().unwrap();
    let add = |parent: Option<&str>, node: Value| json!({ "tree_id": tree, "parent_id": parent, "node": node });
    let mut add_ok = async |parent: Option<String>, node: Value| {
        let answer = pm.call_json("add_node", add(parent.as_deref(), node)).await;
        assert_eq!(answer.status, StatusCode::OK, "{}", answer.body);
        answer.json()["id"].as_str().unwrap().to_string()
    };
    let objective = add_ok(
        None,
        json!({ "node_type": "objective", "title": EVIL, "description": EVIL_DESCRIPTION }),
    )
    .await;
    let outcome = add_ok(Some(objective), json!({ "node_type": "outcome", "title": EVIL_NAME })).await;
    let opportunity = add_ok(
        Some(outcome),
        json!({ "node_type": "opportunity", "title": EVIL_PERSON,
                "template_data": { "evidence_count": 3, "evidence_notes": EVIL_DESCRIPTION } }),
    )
    .await;
    add_ok(
        Some(opportunity.clone()),
        json!({ "node_type": "research", "title": EVIL_LINK,
                "template_data": { "link": EVIL_LINK, "method": EVIL } }),
    )
    .await;
    add_ok(
        Some(opportunity),
        json!({ "node_type": "metric", "title": "Activation", "template_data": { "unit": "<%\">", "current": 1 } }),
    )
    .await;

    // Stored exactly, and the API gives it back exactly.
    let stored: String = sqlx::query_scalar("SELECT title FROM tree_nodes WHERE node_type = 'objective'")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(stored, EVIL);
    let detail = pm.call("get_tree", &[("tree_id", &tree.to_string())]).await.json();
    assert_eq!(detail["name"], EVIL_NAME);
    assert_eq!(detail["description"], EVIL_DESCRIPTION);
    assert_eq!(node_of(&detail, "objective")["title"], EVIL);
    assert_eq!(node_of(&detail, "objective")["description"], EVIL_DESCRIPTION);
    assert_eq!(
        node_of(&detail, "opportunity")["template_data"]["evidence_notes"],
        EVIL_DESCRIPTION
    );
    assert_eq!(node_of(&detail, "research")["template_data"]["link"], EVIL_LINK);
    assert_eq!(node_of(&detail, "research")["template_data"]["method"], EVIL);
    assert_eq!(node_of(&detail, "metric")["template_data"]["unit"], "<%\">");

    // The JSON export carries it exactly; importing that export gives the same text back.
    let exported = pm.call("export_tree", &[("tree_id", &tree.to_string())]).await;
    assert_eq!(exported.status, StatusCode::OK, "{}", exported.body);
    let document = exported.json();
    let text = document.to_string();
    for evil in [EVIL, EVIL_NAME, EVIL_DESCRIPTION, EVIL_LINK] {
        assert!(
            text.contains(&serde_json::to_string(evil).unwrap()),
            "export lost {evil:?}"
        );
    }
    let markdown = pm.call("export_markdown", &[("tree_id", &tree.to_string())]).await;
    assert_eq!(markdown.status, StatusCode::OK, "{}", markdown.body);
    let markdown: String = serde_json::from_str(&markdown.body).unwrap();
    assert!(markdown.contains(EVIL), "{markdown}");

    // Every page shows it as text.
    let t = tree.to_string();
    let dashboard = pm.get("/").await;
    let (_, texts) = parse_safe(&dashboard, "dashboard");
    shows(&texts, EVIL_NAME, "dashboard");

    let editor = pm.get(&format!("/trees/{t}")).await;
    let (_, texts) = parse_safe(&editor, "editor");
    shows(&texts, EVIL, "editor");
    shows(&texts, EVIL_NAME, "editor");
    shows(&texts, EVIL_PERSON, "editor");

    // The editor's activity, rendered on the server for the plain client to put in the page.
    let activity = pm.call("tree_activity_markup", &[("tree_id", &t)]).await;
    assert_eq!(activity.status, StatusCode::OK, "{}", activity.body);
    let markup: String = serde_json::from_str(&activity.body).unwrap();
    let fragment = Html::parse_fragment(&markup);
    let mut texts = Vec::new();
    for node in fragment.root_element().descendants() {
        if let Some(element) = ElementRef::wrap(node) {
            let e = element.value();
            assert!(
                matches!(e.name(), "html" | "h2" | "ul" | "li" | "span" | "time" | "p"),
                "activity: an injected <{}>",
                e.name()
            );
            assert!(
                e.attrs().all(|(name, _)| !name.starts_with("on")),
                "activity: {}",
                element.html()
            );
        } else if let Some(text) = node.value().as_text() {
            texts.push(text.to_string());
        }
    }
    shows(&texts, &format!("Added objective: {EVIL}"), "activity");

    let account = pm.get("/account").await;
    let (_, texts) = parse_safe(&account, "account");
    shows(&texts, EVIL_PERSON, "account");

    let link = pm.call("create_share_link", &[("tree_id", &t)]).await;
    assert_eq!(link.status, StatusCode::OK, "{}", link.body);
    let path = link.json()["path"].as_str().unwrap().to_string();
    let mut visitor = Client::new(app.clone());
    let share = visitor.get(&path).await;
    let (doc, texts) = parse_safe(&share, "share page");
    shows(&texts, EVIL, "share page");
    shows(&texts, EVIL_NAME, "share page");
    shows(&texts, EVIL_PERSON, "share page");
    shows(&texts, EVIL_LINK, "share page");
    // The outline the page hydrates from holds the text exactly, though it went into the
    // page inside a <script>; the titles the boxes show are not in it (read back from them).
    let outline: String = doc
        .select(&scraper::Selector::parse("script#shared-outline").unwrap())
        .next()
        .expect("the share page's outline")
        .text()
        .collect();
    let outline: Value = serde_json::from_str(&outline).unwrap();
    assert_eq!(outline["name"], EVIL_NAME);
    assert_eq!(outline["description"], EVIL_DESCRIPTION);
    let nodes = outline["nodes"].as_array().unwrap();
    let descriptions: Vec<&str> = nodes.iter().filter_map(|n| n["d"].as_str()).collect();
    assert!(descriptions.contains(&EVIL_DESCRIPTION), "{descriptions:?}");
    assert!(nodes.iter().all(|n| n.get("t").is_none()), "{nodes:?}");
    assert!(!share.body.contains(EVIL), "hostile text went into the page unescaped");
    let og_title = doc
        .select(&scraper::Selector::parse("meta[property='og:title']").unwrap())
        .next()
        .expect("an og:title")
        .value()
        .attr("content")
        .unwrap()
        .to_string();
    assert!(og_title.contains(EVIL_NAME), "og:title {og_title:?}");
    let title = doc
        .select(&scraper::Selector::parse("title").unwrap())
        .next()
        .expect("a <title>")
        .text()
        .collect::<String>();
    assert!(title.contains(EVIL_NAME), "<title> {title:?}");
}

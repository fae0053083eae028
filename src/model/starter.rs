//! Built-in trees to start from, for people who have no templates of their own yet. Each is
//! an ordinary tree document, checked like an import.

use serde_json::json;

use super::document::{DocumentNode, TreeDocument};
use super::Position;

/// (key, label) of each built-in starter; the key is what the create form sends.
pub const STARTERS: &[(&str, &str)] = &[
    ("builtin:impact-tree", "Starter: impact tree"),
    ("builtin:opportunity-solution", "Starter: opportunity solution tree"),
];

fn node(id: &str, parent: Option<&str>, node_type: &str, title: &str, data: serde_json::Value) -> DocumentNode {
    DocumentNode {
        id: id.to_string(),
        node_type: node_type.to_string(),
        title: title.to_string(),
        description: None,
        position: Position::default(),
        parent_id: parent.map(str::to_string),
        template_data: data,
    }
}

/// The document of the starter named `key`, under the tree name `name`.
pub fn document(key: &str, name: &str) -> Option<TreeDocument> {
    let e = json!({});
    let nodes = match key {
        "builtin:impact-tree" => vec![
            node("o", None, "objective", "The objective this tree serves", e.clone()),
            node(
                "m",
                Some("o"),
                "metric",
                "The metric that shows it",
                json!({ "unit": "%" }),
            ),
            node("a", Some("o"), "outcome", "A customer outcome that moves it", e.clone()),
            node(
                "a1",
                Some("a"),
                "opportunity",
                "A need, pain or desire behind it",
                json!({ "evidence_count": 0 }),
            ),
            node(
                "s1",
                Some("a1"),
                "solution",
                "An idea that addresses it",
                json!({ "status": "idea" }),
            ),
            node(
                "as1",
                Some("s1"),
                "assumption",
                "What must be true for the idea to work",
                json!({ "risk": "high", "test_status": "untested" }),
            ),
            node("b", Some("o"), "outcome", "Another outcome", e.clone()),
            node("b1", Some("b"), "opportunity", "Another opportunity", e.clone()),
        ],
        "builtin:opportunity-solution" => vec![
            node("o", None, "outcome", "The outcome the team owns", e.clone()),
            node("m", Some("o"), "metric", "How the outcome is measured", e.clone()),
            node(
                "p1",
                Some("o"),
                "opportunity",
                "Opportunity heard in interviews",
                json!({ "evidence_count": 0 }),
            ),
            node(
                "p11",
                Some("p1"),
                "opportunity",
                "A smaller, more specific opportunity",
                e.clone(),
            ),
            node(
                "s1",
                Some("p11"),
                "solution",
                "Solution idea one",
                json!({ "status": "idea" }),
            ),
            node(
                "s2",
                Some("p11"),
                "solution",
                "Solution idea two",
                json!({ "status": "idea" }),
            ),
            node(
                "s3",
                Some("p11"),
                "solution",
                "Solution idea three",
                json!({ "status": "idea" }),
            ),
            node(
                "a1",
                Some("s1"),
                "assumption",
                "Riskiest assumption of idea one",
                json!({ "risk": "high" }),
            ),
            node(
                "r1",
                Some("a1"),
                "research",
                "Test that checks it",
                json!({ "method": "prototype test" }),
            ),
            node("p2", Some("o"), "opportunity", "Another opportunity", e.clone()),
        ],
        _ => return None,
    };
    Some(TreeDocument {
        name: name.to_string(),
        description: None,
        nodes,
        connections: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Limits;

    #[test]
    fn every_starter_passes_the_import_checks() {
        for (key, _) in STARTERS {
            let doc = document(key, "Mine").unwrap();
            let checked = doc.check(&Limits::default()).unwrap_or_else(|p| panic!("{key}: {p:?}"));
            assert_eq!(checked.nodes.len(), doc.nodes.len());
        }
        assert!(document("builtin:nope", "x").is_none());
    }
}

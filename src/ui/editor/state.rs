//! The editor's vocabulary: what it is asked to do (`Command`), the undoable changes it makes
//! (`Change`), what it tells the person (`Notice`) and the tree's own fields (`Meta`). The
//! browser's client (`plain`) runs the commands; the comparisons here are plain functions, so
//! they are tested natively.

use crate::api::nodes::NodeInput;
use crate::error::AppError;
use crate::model::{Subtree, TreeDetail, TreeNode};

/// One undoable change, with what is needed to make it and to take it back.
#[derive(Debug, Clone)]
pub enum Change {
    Added(Subtree),
    Deleted(Subtree),
    Edited {
        id: String,
        before: NodeInput,
        after: NodeInput,
    },
    Moved {
        id: String,
        from: (Option<String>, i32),
        to: (Option<String>, i32),
    },
}

/// What the editor is asked to do.
#[derive(Debug, Clone)]
pub enum Command {
    /// A new node under `parent` (None: a root) at `position` (None: last), then selected for
    /// typing its title.
    Add {
        parent: Option<String>,
        position: Option<i32>,
        input: NodeInput,
    },
    /// A child of whatever is selected when the command runs (so Tab, Tab nests).
    AddChild,
    /// A sibling after whatever is selected when the command runs (so Enter, Enter keeps order).
    AddSibling,
    Save {
        id: String,
        input: NodeInput,
    },
    Delete {
        id: String,
    },
    Move {
        id: String,
        parent: Option<String>,
        position: i32,
    },
    ToggleCollapse {
        id: String,
    },
    /// Opens collapsed nodes (to show a search match); not an undoable change of its own.
    Expand {
        ids: Vec<String>,
    },
    Undo,
    Redo,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    Info(String),
    Error(String),
    /// A write refused as stale: the fresh tree is loaded, unsaved text stays in the panel.
    Conflict(String),
    /// The view (zoom, pan, orientation) was not saved; the next one saved takes it away.
    ViewNotSaved(String),
}

impl Notice {
    /// What to say when saving the view failed. Not an edit, so nothing is taken back: the
    /// view on screen stays, and only reopening the tree would show the last one saved.
    pub fn view_not_saved(err: &AppError) -> Self {
        let why = match err {
            AppError::NotFound => "this tree no longer exists".to_string(),
            other => other.to_string(),
        };
        Notice::ViewNotSaved(format!(
            "Your zoom and position were not saved ({why}). The next pan or zoom tries again."
        ))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Meta {
    pub name: String,
    pub description: Option<String>,
    pub discovery_phase: crate::model::DiscoveryPhase,
    pub is_template: bool,
    pub version: i64,
}

impl Meta {
    pub fn of(tree: &TreeDetail) -> Self {
        Meta {
            name: tree.name.clone(),
            description: tree.description.clone(),
            discovery_phase: tree.discovery_phase,
            is_template: tree.is_template,
            version: tree.version,
        }
    }
}

/// Equal as far as the server is concerned: numbers compare by value (5 and 5.0 are one).
pub fn same_content(a: &NodeInput, b: &NodeInput) -> bool {
    a.node_type == b.node_type
        && a.title.trim() == b.title.trim()
        && a.description == b.description
        && a.is_collapsed == b.is_collapsed
        && same_value(&a.template_data, &b.template_data)
}

/// Compared in place rather than normalised into new values: no copies, and less code in the
/// WebAssembly.
fn same_value(a: &serde_json::Value, b: &serde_json::Value) -> bool {
    use serde_json::Value;
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_f64(), y.as_f64()) {
            (Some(x), Some(y)) => x == y,
            _ => x == y,
        },
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| same_value(v, w)))
        }
        (Value::Array(x), Value::Array(y)) => x.len() == y.len() && x.iter().zip(y).all(|(v, w)| same_value(v, w)),
        _ => a == b,
    }
}

pub fn input_of(node: &TreeNode) -> NodeInput {
    NodeInput {
        node_type: node.node_type,
        title: node.title.clone(),
        description: node.description.clone(),
        is_collapsed: node.is_collapsed,
        template_data: node.template_data.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::NodeType;
    use serde_json::json;

    fn input(data: serde_json::Value) -> NodeInput {
        NodeInput {
            node_type: NodeType::Metric,
            title: "WAU".to_string(),
            description: None,
            is_collapsed: false,
            template_data: data,
        }
    }

    #[test]
    fn numbers_compare_by_value_and_everything_else_exactly() {
        let same = |a, b| same_content(&input(a), &input(b));
        assert!(same(
            json!({"target": 5, "unit": "%"}),
            json!({"unit": "%", "target": 5.0})
        ));
        assert!(same(json!({"l": [1, {"x": 2.0}]}), json!({"l": [1.0, {"x": 2}]})));
        assert!(!same(json!({"target": 5}), json!({"target": 6})));
        assert!(!same(json!({"target": 5}), json!({"target": "5"})));
        assert!(!same(json!({"target": 5}), json!({"target": 5, "unit": "%"})));
        assert!(!same(
            json!({"target": 5, "unit": "%"}),
            json!({"target": 5, "unit": "x"})
        ));
        assert!(!same(json!([1, 2]), json!([1, 2, 3])));
        let mut retitled = input(json!({}));
        retitled.title = "  WAU ".to_string();
        assert!(same_content(&input(json!({})), &retitled));
        retitled.title = "MAU".to_string();
        assert!(!same_content(&input(json!({})), &retitled));
    }
}

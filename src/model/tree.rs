use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::{CanvasState, NodeType};

/// Where a tree is in the product discovery cycle (`impact_trees.discovery_phase`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum DiscoveryPhase {
    #[default]
    Strategy,
    Discovery,
    Delivery,
    Learning,
}

impl DiscoveryPhase {
    pub const ALL: [DiscoveryPhase; 4] = [
        DiscoveryPhase::Strategy,
        DiscoveryPhase::Discovery,
        DiscoveryPhase::Delivery,
        DiscoveryPhase::Learning,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DiscoveryPhase::Strategy => "strategy",
            DiscoveryPhase::Discovery => "discovery",
            DiscoveryPhase::Delivery => "delivery",
            DiscoveryPhase::Learning => "learning",
        }
    }

    /// Rows of the original app may hold anything here; they read as the default.
    pub fn from_db(value: Option<&str>) -> Self {
        DiscoveryPhase::ALL
            .into_iter()
            .find(|p| Some(p.as_str()) == value)
            .unwrap_or_default()
    }
}

impl std::str::FromStr for DiscoveryPhase {
    type Err = String;
    fn from_str(value: &str) -> Result<Self, String> {
        DiscoveryPhase::ALL
            .into_iter()
            .find(|p| p.as_str() == value)
            .ok_or_else(|| "must be one of strategy, discovery, delivery, learning".to_string())
    }
}

/// One line of "my trees".
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeSummary {
    pub id: i32,
    pub name: String,
    pub description: Option<String>,
    pub discovery_phase: String,
    pub is_template: bool,
    pub node_count: i64,
    /// RFC 3339, UTC.
    pub updated_at: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Default, Serialize, Deserialize)]
pub struct Position {
    pub x: f64,
    pub y: f64,
}

impl Position {
    pub(crate) fn is_origin(&self) -> bool {
        *self == Position::default()
    }
}

/// A node as stored in `tree_nodes`. Fields at their defaults (no description, no position,
/// open, no template fields) are left out of its JSON and read back as those defaults: a big
/// tree's answer and the editor page that embeds it are sent as JSON, and these were a fifth
/// of every node's.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeNode {
    pub id: String,
    pub parent_id: Option<String>,
    pub node_type: NodeType,
    pub title: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Position::is_origin")]
    pub position: Position,
    #[serde(default, skip_serializing_if = "is_false")]
    pub is_collapsed: bool,
    #[serde(default = "empty_object", skip_serializing_if = "is_empty_object")]
    pub template_data: Value,
    pub sort_order: i32,
    pub version: i64,
}

/// The place in a list of `siblings` where a node asked for at `position` goes: the end when
/// no place was asked for, and the nearest end when the place lies outside the list. The server
/// places added, moved and restored nodes with it, and the editor draws a new node there before
/// the server answers, so both must agree.
pub fn slot_among(siblings: i32, position: Option<i32>) -> i32 {
    position.unwrap_or(siblings).clamp(0, siblings.max(0))
}

/// For `skip_serializing_if`.
pub(crate) fn is_false(b: &bool) -> bool {
    !*b
}

pub(crate) fn empty_object() -> Value {
    Value::Object(Default::default())
}

pub(crate) fn is_empty_object(v: &Value) -> bool {
    v.as_object().is_some_and(|m| m.is_empty())
}

/// A cross-link between two nodes of one tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Connection {
    pub id: String,
    pub from_node_id: String,
    pub to_node_id: String,
}

/// A node with everything beneath it, parents before children and siblings in order, plus
/// the cross-links touching it: what the editor keeps to undo a delete or redo an add.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Subtree {
    pub nodes: Vec<TreeNode>,
    pub connections: Vec<Connection>,
}

/// JSON text the server keeps and shares between requests. An `Arc` around the `Box` that
/// serde_json writes, not an `Arc<RawValue>`: making that one copies the text into the `Arc`'s
/// allocation, and for a 100,000-node tree that was a second 34.5 MB held at once with the
/// first while the answer was kept.
#[cfg(feature = "ssr")]
pub type KeptJson = std::sync::Arc<Box<serde_json::value::RawValue>>;

/// An answer of `T` that the server keeps as JSON text per tree version
/// (`server::tree_cache`) and writes out as is; the browser reads it straight into a `T` (one
/// parse, no intermediate text).
#[cfg(feature = "ssr")]
pub struct CachedJson<T>(pub KeptJson, std::marker::PhantomData<fn() -> T>);

#[cfg(feature = "ssr")]
impl<T> CachedJson<T> {
    pub fn new(json: KeptJson) -> Self {
        CachedJson(json, std::marker::PhantomData)
    }

    pub fn into_value(self) -> serde_json::Result<T>
    where
        T: serde::de::DeserializeOwned,
    {
        serde_json::from_str(self.0.get())
    }
}

#[cfg(feature = "ssr")]
impl<T> Serialize for CachedJson<T> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.serialize(s)
    }
}

#[cfg(feature = "ssr")]
impl<'de, T> Deserialize<'de> for CachedJson<T> {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Box::<serde_json::value::RawValue>::deserialize(d).map(|raw| CachedJson::new(KeptJson::new(raw)))
    }
}

#[cfg(not(feature = "ssr"))]
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(transparent)]
pub struct CachedJson<T>(pub T);

#[cfg(not(feature = "ssr"))]
impl<T> CachedJson<T> {
    pub fn into_value(self) -> serde_json::Result<T> {
        Ok(self.0)
    }
}

/// `get_tree`'s answer.
pub type TreeJson = CachedJson<TreeDetail>;

/// A whole tree: what the editor loads.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeDetail {
    pub id: i32,
    pub name: String,
    pub description: Option<String>,
    pub discovery_phase: DiscoveryPhase,
    pub is_template: bool,
    pub canvas_state: CanvasState,
    pub version: i64,
    pub updated_at: String,
    /// Ordered by parent, then sibling order.
    pub nodes: Vec<TreeNode>,
    pub connections: Vec<Connection>,
}

/// The tree's own fields, as a rename/describe/phase/template edit sends them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TreeMeta {
    pub id: i32,
    pub name: String,
    pub description: Option<String>,
    pub discovery_phase: DiscoveryPhase,
    pub is_template: bool,
    pub version: i64,
    pub updated_at: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_node_leaves_its_defaults_out_and_reads_them_back() {
        let plain = TreeNode {
            id: "n".into(),
            parent_id: None,
            node_type: NodeType::Outcome,
            title: "Retention".into(),
            description: None,
            position: Position::default(),
            is_collapsed: false,
            template_data: json!({}),
            sort_order: 2,
            version: 1,
        };
        let wire = serde_json::to_value(&plain).unwrap();
        assert_eq!(
            wire,
            json!({ "id": "n", "parent_id": null, "node_type": "outcome", "title": "Retention", "sort_order": 2, "version": 1 })
        );
        assert_eq!(serde_json::from_value::<TreeNode>(wire).unwrap(), plain);

        let full = TreeNode {
            description: Some("why".into()),
            position: Position { x: 1.0, y: 0.0 },
            is_collapsed: true,
            template_data: json!({ "unit": "%" }),
            ..plain
        };
        let wire = serde_json::to_value(&full).unwrap();
        for key in ["description", "position", "is_collapsed", "template_data"] {
            assert!(wire.get(key).is_some(), "{key} missing from {wire}");
        }
        assert_eq!(serde_json::from_value::<TreeNode>(wire).unwrap(), full);
    }

    #[test]
    fn a_place_outside_the_list_goes_to_its_nearest_end() {
        assert_eq!(slot_among(3, None), 3);
        assert_eq!(slot_among(3, Some(1)), 1);
        assert_eq!(slot_among(3, Some(9)), 3);
        assert_eq!(slot_among(3, Some(-2)), 0);
        assert_eq!(slot_among(0, Some(5)), 0);
    }
}

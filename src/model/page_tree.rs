//! The editor page's copy of its tree: `TreeDetail` in a compact JSON form.
//!
//! The server writes the tree it drew into the editor page (a `<script type="application/json">`
//! block), and the browser hydrates from it. As `get_tree`'s JSON that was 1.9 MB for 5,000
//! nodes, and a Chromium trace of the page's load put parsing it (HTML, then the JavaScript
//! string Leptos then wrapped it in, then serde in WebAssembly) at the top of the time to
//! interactive. Here every node is an array instead of an object (no field names), its parent
//! is the index of the parent in the same list (not a second UUID) and its type an index into
//! [`NodeType::ALL`]; the fields most nodes leave at their defaults go into a trailing object
//! only when set. 37 % fewer bytes, and arrays parse faster than objects. `get_tree` keeps the
//! readable form: it is the API.
//!
//! A node: `[id, parent, type, title, sort_order, version]` plus, when any is set,
//! `{"d": description, "p": [x, y], "c": true, "t": template_data}`. `parent` is `null` for a
//! root, the parent's index in `nodes`, or (for a parent not in the list, which the database
//! does not allow but the format does not assume) its id as a string.

use std::collections::HashMap;
use std::fmt;

use serde::de::{self, SeqAccess, Visitor};
use serde::ser::SerializeSeq;
use serde::{Deserialize, Deserializer, Serialize, Serializer};
use serde_json::Value;

use super::tree::{
    empty_object, is_empty_object, is_false, Connection, DiscoveryPhase, Position, TreeDetail, TreeNode,
};
use super::{CanvasState, NodeType};

pub fn encode(tree: &TreeDetail) -> serde_json::Result<String> {
    serde_json::to_string(&WireRef::of(tree))
}

/// A tree that serializes as [`encode`] writes it and deserializes as [`decode`] reads it:
/// what the server keeps per tree version for the editor's page (`server::tree_cache`), and
/// `get_page_tree`'s answer.
#[derive(Debug, Clone)]
pub struct PageTree(pub TreeDetail);

impl<'de> Deserialize<'de> for PageTree {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        Wire::deserialize(d).map(|w| PageTree(w.into()))
    }
}

/// `get_page_tree`'s answer: the kept page JSON, written out as is.
pub type PageTreeJson = super::tree::CachedJson<PageTree>;

impl Serialize for PageTree {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        WireRef::of(&self.0).serialize(serializer)
    }
}

/// Read as bytes, as server functions read their answers: the types both carry (the canvas
/// state, connections) then share one deserializer in the WebAssembly instead of two.
pub fn decode(text: &str) -> serde_json::Result<TreeDetail> {
    serde_json::from_slice::<Wire>(text.as_bytes()).map(TreeDetail::from)
}

/// The tree's own fields keep their names: there is one of each.
#[derive(Serialize)]
struct WireRef<'a> {
    id: i32,
    name: &'a str,
    description: &'a Option<String>,
    discovery_phase: DiscoveryPhase,
    is_template: bool,
    canvas_state: CanvasState,
    version: i64,
    updated_at: &'a str,
    nodes: NodesRef<'a>,
    connections: &'a [Connection],
}

#[derive(Deserialize)]
struct Wire {
    id: i32,
    name: String,
    description: Option<String>,
    discovery_phase: DiscoveryPhase,
    is_template: bool,
    canvas_state: CanvasState,
    version: i64,
    updated_at: String,
    nodes: Nodes,
    connections: Vec<Connection>,
}

impl<'a> WireRef<'a> {
    fn of(t: &'a TreeDetail) -> Self {
        WireRef {
            id: t.id,
            name: &t.name,
            description: &t.description,
            discovery_phase: t.discovery_phase,
            is_template: t.is_template,
            canvas_state: t.canvas_state,
            version: t.version,
            updated_at: &t.updated_at,
            nodes: NodesRef(&t.nodes),
            connections: &t.connections,
        }
    }
}

impl From<Wire> for TreeDetail {
    fn from(w: Wire) -> Self {
        TreeDetail {
            id: w.id,
            name: w.name,
            description: w.description,
            discovery_phase: w.discovery_phase,
            is_template: w.is_template,
            canvas_state: w.canvas_state,
            version: w.version,
            updated_at: w.updated_at,
            nodes: w.nodes.0,
            connections: w.connections,
        }
    }
}

/// The fields most nodes leave at their defaults.
#[derive(Serialize)]
struct ExtrasRef<'a> {
    #[serde(rename = "d", skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(rename = "p", skip_serializing_if = "Option::is_none")]
    position: Option<[f64; 2]>,
    #[serde(rename = "c", skip_serializing_if = "is_false")]
    is_collapsed: bool,
    #[serde(rename = "t", skip_serializing_if = "Option::is_none")]
    template_data: Option<&'a Value>,
}

#[derive(Deserialize, Default)]
struct Extras {
    #[serde(rename = "d", default)]
    description: Option<String>,
    #[serde(rename = "p", default)]
    position: Option<[f64; 2]>,
    #[serde(rename = "c", default)]
    is_collapsed: bool,
    #[serde(rename = "t", default)]
    template_data: Option<Value>,
}

impl<'a> ExtrasRef<'a> {
    fn of(n: &'a TreeNode) -> Option<Self> {
        let extras = ExtrasRef {
            description: n.description.as_deref(),
            position: (!n.position.is_origin()).then_some([n.position.x, n.position.y]),
            is_collapsed: n.is_collapsed,
            template_data: (!is_empty_object(&n.template_data)).then_some(&n.template_data),
        };
        let empty = extras.description.is_none()
            && extras.position.is_none()
            && !extras.is_collapsed
            && extras.template_data.is_none();
        (!empty).then_some(extras)
    }
}

/// A node's parent as written: its index in the list, or its id when it is not in the list.
#[derive(Serialize)]
#[serde(untagged)]
enum ParentRef<'a> {
    Index(u32),
    Id(&'a str),
}

enum Parent {
    Root,
    Index(usize),
    Id(String),
}

struct NodesRef<'a>(&'a [TreeNode]);

impl Serialize for NodesRef<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let index: HashMap<&str, u32> = self
            .0
            .iter()
            .enumerate()
            .map(|(i, n)| (n.id.as_str(), i as u32))
            .collect();
        let mut seq = s.serialize_seq(Some(self.0.len()))?;
        for n in self.0 {
            let parent = n
                .parent_id
                .as_deref()
                .map(|p| index.get(p).map_or(ParentRef::Id(p), |&i| ParentRef::Index(i)));
            let type_index = NodeType::ALL.iter().position(|t| *t == n.node_type).unwrap_or(0) as u8;
            match ExtrasRef::of(n) {
                None => seq.serialize_element(&(&n.id, parent, type_index, &n.title, n.sort_order, n.version))?,
                Some(extras) => {
                    seq.serialize_element(&(&n.id, parent, type_index, &n.title, n.sort_order, n.version, extras))?
                }
            }
        }
        seq.end()
    }
}

struct Nodes(Vec<TreeNode>);

impl<'de> Deserialize<'de> for Nodes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let read = Vec::<WithParent>::deserialize(d)?;
        let parent_ids = read
            .iter()
            .map(|WithParent(_, parent)| match parent {
                Parent::Root => Ok(None),
                Parent::Index(i) => read
                    .get(*i)
                    .map(|p| Some(p.0.id.clone()))
                    .ok_or_else(|| de::Error::custom(format!("parent index {i} is not a node"))),
                Parent::Id(id) => Ok(Some(id.clone())),
            })
            .collect::<Result<Vec<_>, D::Error>>()?;
        let nodes = read
            .into_iter()
            .zip(parent_ids)
            .map(|(WithParent(mut node, _), parent_id)| {
                node.parent_id = parent_id;
                node
            })
            .collect();
        Ok(Nodes(nodes))
    }
}

/// A node with its parent as written (`parent_id` is filled in once every id is read).
struct WithParent(TreeNode, Parent);

impl<'de> Deserialize<'de> for WithParent {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_seq(NodeVisitor)
    }
}

struct NodeVisitor;

impl<'de> Visitor<'de> for NodeVisitor {
    type Value = WithParent;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a node: [id, parent, type, title, sort_order, version, extras?]")
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<WithParent, A::Error> {
        let missing = |what: &str| de::Error::custom(format!("a node without its {what}"));
        let id: String = seq.next_element()?.ok_or_else(|| missing("id"))?;
        let parent: Option<ParentRead> = seq.next_element()?.ok_or_else(|| missing("parent"))?;
        let type_index: u8 = seq.next_element()?.ok_or_else(|| missing("type"))?;
        let node_type = *NodeType::ALL
            .get(type_index as usize)
            .ok_or_else(|| de::Error::custom(format!("node type {type_index} is not a type")))?;
        let title: String = seq.next_element()?.ok_or_else(|| missing("title"))?;
        let sort_order: i32 = seq.next_element()?.ok_or_else(|| missing("sort order"))?;
        let version: i64 = seq.next_element()?.ok_or_else(|| missing("version"))?;
        let extras: Extras = seq.next_element()?.unwrap_or_default();
        if seq.next_element::<de::IgnoredAny>()?.is_some() {
            return Err(de::Error::custom("a node with more than seven fields"));
        }
        let parent = parent.map_or(Parent::Root, |p| p.0);
        let node = TreeNode {
            id,
            parent_id: None,
            node_type,
            title,
            description: extras.description,
            position: extras
                .position
                .map_or_else(Position::default, |[x, y]| Position { x, y }),
            is_collapsed: extras.is_collapsed,
            template_data: extras.template_data.unwrap_or_else(empty_object),
            sort_order,
            version,
        };
        Ok(WithParent(node, parent))
    }
}

struct ParentRead(Parent);

impl<'de> Deserialize<'de> for ParentRead {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = ParentRead;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a node index or id")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<ParentRead, E> {
                Ok(ParentRead(Parent::Index(v as usize)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<ParentRead, E> {
                Ok(ParentRead(Parent::Id(v.to_string())))
            }
            fn visit_string<E: de::Error>(self, v: String) -> Result<ParentRead, E> {
                Ok(ParentRead(Parent::Id(v)))
            }
        }
        d.deserialize_any(V)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{demo_data, Orientation, Pan};
    use serde_json::json;

    fn tree(nodes: Vec<TreeNode>) -> TreeDetail {
        TreeDetail {
            id: 7,
            name: "Grow \"retention\" </script>".into(),
            description: Some("d".into()),
            discovery_phase: DiscoveryPhase::Discovery,
            is_template: true,
            canvas_state: CanvasState {
                zoom: 0.5,
                pan: Pan { x: -10.5, y: 3.0 },
                orientation: Orientation::Horizontal,
            },
            version: 12,
            updated_at: "2026-12-01T10:00:00.123456Z".into(),
            connections: vec![Connection {
                id: "c".into(),
                from_node_id: nodes[0].id.clone(),
                to_node_id: nodes[nodes.len() - 1].id.clone(),
            }],
            nodes,
        }
    }

    fn node(id: &str, parent: Option<&str>, node_type: NodeType) -> TreeNode {
        TreeNode {
            id: id.into(),
            parent_id: parent.map(Into::into),
            node_type,
            title: format!("title of {id}"),
            description: None,
            position: Position::default(),
            is_collapsed: false,
            template_data: json!({}),
            sort_order: 0,
            version: 1,
        }
    }

    fn round_trip(t: &TreeDetail) -> TreeDetail {
        decode(&encode(t).unwrap()).unwrap()
    }

    #[test]
    fn a_generated_tree_reads_back_as_it_was_and_in_much_less_text() {
        let t = tree(demo_data::generate(3, 2_000, "").tree_nodes());
        assert!(t.nodes.iter().any(|n| n.description.is_some()));
        assert!(t
            .nodes
            .iter()
            .any(|n| n.template_data.as_object().is_some_and(|m| !m.is_empty())));
        assert_eq!(round_trip(&t), t);
        let compact = encode(&t).unwrap().len();
        let api = serde_json::to_string(&t).unwrap().len();
        assert!(compact * 10 < api * 7, "compact {compact} bytes against {api}");
    }

    #[test]
    fn every_field_and_every_kind_of_parent_survives() {
        let mut nodes: Vec<TreeNode> = NodeType::ALL
            .iter()
            .enumerate()
            .map(|(i, t)| node(&format!("n{i}"), (i > 0).then_some("n0"), *t))
            .collect();
        // A child listed before its parent, and a parent that is not in the list.
        nodes.insert(0, node("early", Some("n3"), NodeType::Solution));
        nodes.push(node("orphan", Some("gone"), NodeType::Metric));
        nodes[1].description = Some("ünïcode \u{1F333} \"quoted\" <b>".into());
        nodes[2].position = Position { x: -1.5, y: 1e9 };
        nodes[3].is_collapsed = true;
        nodes[4].template_data = json!({"metric": "NPS", "nested": {"a": [1, null]}});
        nodes[5].sort_order = -3;
        nodes[5].version = i64::MAX;
        let t = tree(nodes);
        assert_eq!(round_trip(&t), t);
    }

    #[test]
    fn malformed_nodes_are_errors_not_panics() {
        let base = serde_json::to_value(WireRef::of(&tree(vec![node("a", None, NodeType::Objective)]))).unwrap();
        for bad in [
            json!([["a", 5, 0, "t", 0, 1]]),
            json!([["a", null, 9, "t", 0, 1]]),
            json!([["a", null, 0, "t", 0]]),
            json!([["a", null, 0, "t", 0, 1, {}, 1]]),
            json!([{"id": "a"}]),
        ] {
            let mut v = base.clone();
            v["nodes"] = bad.clone();
            assert!(decode(&v.to_string()).is_err(), "{bad} was accepted");
        }
    }
}

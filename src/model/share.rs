//! Share links: read-only views of a tree for anyone holding the link.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::editor::TreeIndex;
use super::template_data::BadgeFields;
use super::{CanvasState, Connection, DiscoveryPhase, NodeType, Position, TreeNode};

/// A share link as its owner sees it (the token is shown once, at creation).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ShareLink {
    pub id: String,
    /// RFC 3339, UTC.
    pub created_at: String,
    pub revoked_at: Option<String>,
}

/// A new link: the only time its token is seen.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CreatedShareLink {
    pub link: ShareLink,
    pub token: String,
    /// `/s/{token}`, relative to the site.
    pub path: String,
}

/// What a share page shows: the tree's public fields only (no owner, no activity).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedView {
    pub name: String,
    pub description: Option<String>,
    pub discovery_phase: DiscoveryPhase,
    pub canvas_state: CanvasState,
    pub nodes: Vec<TreeNode>,
    pub connections: Vec<Connection>,
}

/// What a share page hands the browser to fold, search and redraw the tree it was drawn with.
/// A page carries its data once for hydration, beside the markup that already shows it, so
/// this keeps only what those use: nodes in outline order with parents by position (no ids,
/// positions, versions or sort orders), the template fields badges show, and short keys.
/// Exports ask for the whole tree ([`SharedView`]) when a visitor wants one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SharedOutline {
    pub name: String,
    pub description: Option<String>,
    pub discovery_phase: DiscoveryPhase,
    pub canvas_state: CanvasState,
    pub nodes: Vec<OutlineNode>,
    /// Cross-links, as (from, to) positions in `nodes`.
    pub links: Vec<(u32, u32)>,
}

/// One node of a [`SharedOutline`]. A page's data block has these written by hand
/// ([`SharedOutline::page_json`], tested against serde's output): a field added here goes there
/// too.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OutlineNode {
    /// The parent's position in `SharedOutline::nodes` (always before this node).
    #[serde(rename = "p", default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<u32>,
    #[serde(rename = "k", with = "type_code")]
    pub node_type: NodeType,
    /// Empty in a page's data block for the nodes the page draws ([`SharedOutline::page_json`]).
    #[serde(rename = "t", default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    #[serde(rename = "d", default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(rename = "c", default, skip_serializing_if = "super::tree::is_false")]
    pub is_collapsed: bool,
    /// The template fields badges read, written as the template data holds them.
    #[serde(rename = "b", default, skip_serializing_if = "BadgeFields::is_empty")]
    pub badges: BadgeFields,
}

/// A node's type as its place in [`NodeType::ALL`]: a page writes one per node, and the name
/// was ~15 KB of a 1,000-node page's block.
mod type_code {
    use serde::{de::Error, Deserialize, Deserializer, Serializer};

    use crate::model::NodeType;

    pub fn serialize<S: Serializer>(t: &NodeType, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(of(*t))
    }

    pub fn of(t: NodeType) -> u8 {
        NodeType::ALL.iter().position(|&a| a == t).unwrap_or_default() as u8
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<NodeType, D::Error> {
        let code = u8::deserialize(d)?;
        NodeType::ALL
            .get(code as usize)
            .copied()
            .ok_or_else(|| D::Error::custom(format!("unknown node type {code}")))
    }
}

/// A node as a share page's query reads it: its ids put the outline together, then go. They
/// are borrowed from the rows read (no string made per node for them).
pub struct OutlineRow<'a> {
    pub id: &'a str,
    pub parent_id: Option<&'a str>,
    pub sort_order: i32,
    /// Its `parent` is filled in by [`SharedOutline::new`].
    pub node: OutlineNode,
}

impl SharedOutline {
    /// `links` are cross-links as (from, to) node ids.
    pub fn new(
        name: String,
        description: Option<String>,
        discovery_phase: DiscoveryPhase,
        canvas_state: CanvasState,
        rows: Vec<OutlineRow<'_>>,
        links: &[(String, String)],
    ) -> SharedOutline {
        let index = TreeIndex::from_parts(rows.iter().map(|r| (r.id, r.parent_id, r.sort_order)).collect());
        let outline = index.outline();
        // None for a node the outline does not reach (a loop of parents, which a tree carried
        // over from the original app holds until `cleanup-orphans` re-roots it: its moves had
        // no cycle check): a link to it is dropped with it, not drawn to the first node.
        let mut position = vec![None; rows.len()];
        for (at, &(i, _)) in outline.iter().enumerate() {
            position[i] = Some(at as u32);
        }
        let links = links
            .iter()
            .filter_map(|(from, to)| Some((position[index.get(from)?]?, position[index.get(to)?]?)))
            .collect();
        let mut slots: Vec<Option<OutlineRow<'_>>> = rows.into_iter().map(Some).collect();
        // Made at its size: collected from a filter it grew ~10 times, each a copy of the
        // nodes so far.
        let mut nodes = Vec::with_capacity(outline.len());
        nodes.extend(outline.iter().filter_map(|&(i, _)| {
            let mut node = slots[i].take()?.node;
            node.parent = index.parent[i].and_then(|p| position[p]);
            Some(node)
        }));
        SharedOutline {
            name,
            description,
            discovery_phase,
            canvas_state,
            nodes,
            links,
        }
    }

    /// The nodes as the drawing code takes them, moved out of the outline (a page is drawn
    /// from them once), and each one's badge fields beside it: its template data is left
    /// empty (`draw::badges_from` reads the fields, and no JSON map is made per node). A
    /// node's id is its position, which also keeps sibling order.
    pub fn take_tree_nodes(&mut self) -> (Vec<TreeNode>, Vec<BadgeFields>) {
        std::mem::take(&mut self.nodes)
            .into_iter()
            .enumerate()
            .map(|(i, n)| {
                // itoa, not `to_string`'s formatter: two per node on every share page.
                let id = |at: usize| itoa::Buffer::new().format(at).to_owned();
                let node = TreeNode {
                    id: id(i),
                    parent_id: n.parent.map(|p| id(p as usize)),
                    node_type: n.node_type,
                    title: n.title,
                    description: n.description,
                    position: Position::default(),
                    is_collapsed: n.is_collapsed,
                    template_data: Value::Object(Default::default()),
                    sort_order: i as i32,
                    version: 0,
                };
                (node, n.badges)
            })
            .unzip()
    }

    /// The JSON a share page carries for hydration. The titles of the nodes the page draws
    /// (all but those inside a collapsed node) are left out: the boxes show them, and the
    /// browser reads them back from there ([`SharedOutline::fill_titles`]). They were ~60 KB
    /// of a 1,000-node page's ~500 KB, written, compressed and sent twice.
    ///
    /// The same JSON as serde writes for the outline without those titles, but its nodes
    /// written here: through serde's derived code and its byte-by-byte string escaping they
    /// were ~1.2M instructions of a 1,000-node page (callgrind), the most of any step between
    /// reading the rows and drawing the boxes.
    pub fn page_json(&self) -> serde_json::Result<String> {
        let drawn = self.drawn();
        // ~64 bytes a node: made at about its size, not grown and copied ~10 times over.
        let mut out = Vec::with_capacity(256 + 64 * self.nodes.len());
        out.extend_from_slice(b"{\"name\":");
        serde_json::to_writer(&mut out, &self.name)?;
        out.extend_from_slice(b",\"description\":");
        serde_json::to_writer(&mut out, &self.description)?;
        out.extend_from_slice(b",\"discovery_phase\":");
        serde_json::to_writer(&mut out, &self.discovery_phase)?;
        out.extend_from_slice(b",\"canvas_state\":");
        serde_json::to_writer(&mut out, &self.canvas_state)?;
        out.extend_from_slice(b",\"nodes\":[");
        let mut number = itoa::Buffer::new();
        for (i, (node, &drawn)) in self.nodes.iter().zip(&drawn).enumerate() {
            out.extend_from_slice(if i == 0 { b"{" } else { b",{" });
            // As `OutlineNode`'s fields are declared, with what they skip.
            if let Some(parent) = node.parent {
                out.extend_from_slice(b"\"p\":");
                out.extend_from_slice(number.format(parent).as_bytes());
                out.push(b',');
            }
            out.extend_from_slice(b"\"k\":");
            out.extend_from_slice(number.format(type_code::of(node.node_type)).as_bytes());
            if !drawn && !node.title.is_empty() {
                out.extend_from_slice(b",\"t\":");
                json_string(&mut out, &node.title);
            }
            if let Some(description) = &node.description {
                out.extend_from_slice(b",\"d\":");
                json_string(&mut out, description);
            }
            if node.is_collapsed {
                out.extend_from_slice(b",\"c\":true");
            }
            if !node.badges.is_empty() {
                out.extend_from_slice(b",\"b\":");
                serde_json::to_writer(&mut out, &node.badges)?;
            }
            out.push(b'}');
        }
        out.extend_from_slice(b"],\"links\":");
        serde_json::to_writer(&mut out, &self.links)?;
        out.push(b'}');
        String::from_utf8(out).map_err(serde::ser::Error::custom)
    }

    /// Whether each node is drawn: not inside a collapsed node. Parents come first.
    fn drawn(&self) -> Vec<bool> {
        let mut drawn = vec![true; self.nodes.len()];
        for (i, node) in self.nodes.iter().enumerate() {
            if let Some(p) = node.parent.map(|p| p as usize).filter(|&p| p < i) {
                drawn[i] = drawn[p] && !self.nodes[p].is_collapsed;
            }
        }
        drawn
    }

    /// Puts back the titles [`SharedOutline::page_json`] left out: `titles` are the drawn
    /// nodes' titles in outline order, as the page's boxes show them. False (and nothing
    /// changed) when they are not one for each.
    pub fn fill_titles(&mut self, titles: Vec<String>) -> bool {
        let drawn = self.drawn();
        if drawn.iter().filter(|&&d| d).count() != titles.len() {
            return false;
        }
        let slots = self.nodes.iter_mut().zip(&drawn).filter(|(_, &drawn)| drawn);
        for ((node, _), title) in slots.zip(titles) {
            node.title = title;
        }
        true
    }

    pub fn connections(&self) -> Vec<Connection> {
        self.links
            .iter()
            .enumerate()
            .map(|(i, &(from, to))| Connection {
                id: i.to_string(),
                from_node_id: from.to_string(),
                to_node_id: to.to_string(),
            })
            .collect()
    }
}

/// `text` as a JSON string, escaped as serde_json escapes it: `"`, `\` and the control
/// characters, these by their short escapes where JSON has one.
fn json_string(out: &mut Vec<u8>, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = text.as_bytes();
    out.push(b'"');
    let mut from = 0;
    super::escape::each_special(
        bytes,
        |b| (b < 0x20) | (b == b'"') | (b == b'\\'),
        |at| {
            out.extend_from_slice(&bytes[from..at]);
            let byte = bytes[at];
            match byte {
                b'"' => out.extend_from_slice(b"\\\""),
                b'\\' => out.extend_from_slice(b"\\\\"),
                b'\n' => out.extend_from_slice(b"\\n"),
                b'\r' => out.extend_from_slice(b"\\r"),
                b'\t' => out.extend_from_slice(b"\\t"),
                0x08 => out.extend_from_slice(b"\\b"),
                0x0c => out.extend_from_slice(b"\\f"),
                _ => out.extend_from_slice(&[
                    b'\\',
                    b'u',
                    b'0',
                    b'0',
                    HEX[usize::from(byte >> 4)],
                    HEX[usize::from(byte & 15)],
                ]),
            }
            from = at + 1;
        },
    );
    out.extend_from_slice(&bytes[from..]);
    out.push(b'"');
}

/// Tokens are 32 random bytes as 64 hex digits; anything else cannot be one.
pub fn is_token_shaped(token: &str) -> bool {
    token.len() == 64 && token.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Orientation;
    use crate::ui::editor::draw::{badges_from, draw, visible_nodes_with, EVERYWHERE};

    fn node(id: &str, parent: Option<&str>, t: NodeType, order: i32, data: serde_json::Value) -> TreeNode {
        TreeNode {
            id: id.into(),
            parent_id: parent.map(str::to_string),
            node_type: t,
            title: format!("{id} <title>"),
            description: (id == "s1").then(|| "why it might work".to_string()),
            position: Position { x: 17.0, y: 4.0 },
            is_collapsed: id == "o2",
            template_data: data,
            sort_order: order,
            version: 3,
        }
    }

    /// The outline of a whole shared tree, its rows made as `repo::share::shared_outline` makes
    /// them from the database's.
    fn outline_of(view: SharedView) -> SharedOutline {
        let links: Vec<(String, String)> = view
            .connections
            .into_iter()
            .map(|c| (c.from_node_id, c.to_node_id))
            .collect();
        let rows = view
            .nodes
            .iter()
            .map(|n| OutlineRow {
                node: OutlineNode {
                    parent: None,
                    node_type: n.node_type,
                    title: n.title.clone(),
                    description: n.description.clone(),
                    is_collapsed: n.is_collapsed,
                    // As `template_data->>'field'` reads each.
                    badges: BadgeFields::from_field_texts(|name| match n.template_data.get(name)? {
                        Value::Null => None,
                        Value::String(text) => Some(text.into()),
                        other => Some(other.to_string().into()),
                    }),
                },
                id: &n.id,
                parent_id: n.parent_id.as_deref(),
                sort_order: n.sort_order,
            })
            .collect();
        SharedOutline::new(
            view.name,
            view.description,
            view.discovery_phase,
            view.canvas_state,
            rows,
            &links,
        )
    }

    /// Rows as the database may return them: children before parents, siblings out of order.
    fn view() -> SharedView {
        use serde_json::json;
        let nodes = vec![
            node(
                "s1",
                Some("o1"),
                NodeType::Solution,
                0,
                json!({ "status": "in_progress" }),
            ),
            node(
                "o2",
                Some("out"),
                NodeType::Opportunity,
                1,
                json!({ "evidence_count": 4, "evidence_notes": "long notes" }),
            ),
            node(
                "m",
                Some("out"),
                NodeType::Metric,
                2,
                json!({ "unit": "%", "baseline": 1.0, "current": 2.0, "target": 5.0 }),
            ),
            node("obj", None, NodeType::Objective, 0, json!({})),
            node("o1", Some("out"), NodeType::Opportunity, 0, json!({})),
            node("out", Some("obj"), NodeType::Outcome, 0, json!({})),
            node(
                "a",
                Some("o2"),
                NodeType::Assumption,
                0,
                json!({ "risk": "high", "test_status": "testing" }),
            ),
        ];
        SharedView {
            name: "Bets".into(),
            description: None,
            discovery_phase: DiscoveryPhase::Discovery,
            canvas_state: CanvasState {
                orientation: Orientation::Horizontal,
                ..CanvasState::default()
            },
            nodes,
            connections: vec![Connection {
                id: "c".into(),
                from_node_id: "m".into(),
                to_node_id: "s1".into(),
            }],
        }
    }

    #[test]
    fn a_page_keeps_the_outline_parents_by_position_and_only_badge_fields() {
        use serde_json::json;
        let page = outline_of(view());
        let titles: Vec<&str> = page.nodes.iter().map(|n| n.title.as_str()).collect();
        assert_eq!(
            titles,
            [
                "obj <title>",
                "out <title>",
                "o1 <title>",
                "s1 <title>",
                "o2 <title>",
                "a <title>",
                "m <title>"
            ]
        );
        let parents: Vec<Option<u32>> = page.nodes.iter().map(|n| n.parent).collect();
        assert_eq!(parents, [None, Some(0), Some(1), Some(2), Some(1), Some(4), Some(1)]);
        assert_eq!(page.links, [(6, 3)]);
        let badges = |i: usize| serde_json::to_value(&page.nodes[i].badges).unwrap();
        assert_eq!(badges(4), json!({ "evidence_count": 4 }));
        assert_eq!(badges(5), json!({ "risk": "high" }));
        assert!(page.nodes[2].badges.is_empty());
        let wire = serde_json::to_string(&page).unwrap();
        for gone in [
            "evidence_notes",
            "baseline",
            "test_status",
            "\"version\"",
            "\"position\"",
            "\"id\"",
        ] {
            assert!(!wire.contains(gone), "{gone} in {wire}");
        }
        assert!(wire.contains("\"k\":4") && !wire.contains("assumption"), "{wire}");
        let back: SharedOutline = serde_json::from_str(&wire).unwrap();
        assert_eq!(back, page);
        assert!(serde_json::from_str::<OutlineNode>(r#"{"k":7,"t":"x"}"#).is_err());
    }

    #[test]
    fn a_page_draws_what_the_whole_tree_draws() {
        let full = view();
        let mut page = outline_of(full.clone());
        // The page's nodes draw their badges from their fields, the whole tree's from their
        // template data.
        let drawn = |nodes: &[TreeNode], fields: Option<&[BadgeFields]>, links: &[Connection]| {
            let d = draw(nodes, links, full.canvas_state.orientation);
            let badges = |i: usize, hidden| match fields {
                Some(fields) => badges_from(nodes[i].node_type, &fields[i], hidden),
                None => badges_from(nodes[i].node_type, &nodes[i].template_data, hidden),
            };
            let items: Vec<_> = visible_nodes_with(nodes, &d, &EVERYWHERE, badges)
                .into_iter()
                .map(|n| {
                    (
                        n.title.to_string(),
                        n.badges,
                        n.rect,
                        n.level,
                        n.has_children,
                        n.collapsed,
                    )
                })
                .collect();
            // Edges come in node order, which the page changes to the outline's.
            let (mut paths, links) = crate::ui::editor::draw::visible_edges(&d, &EVERYWHERE);
            paths.sort();
            (items, paths, links)
        };
        let connections = page.connections();
        let (nodes, fields) = page.take_tree_nodes();
        let from_page = drawn(&nodes, Some(&fields), &connections);
        assert_eq!(from_page, drawn(&full.nodes, None, &full.connections));
        assert!(from_page.0.iter().any(|n| n.1.contains(&"2% → 5%".to_string())));
        assert!(from_page.0.iter().any(|n| n.1.contains(&"+1 hidden".to_string())));
        assert_eq!((from_page.0.len(), from_page.1.len(), from_page.2.len()), (6, 5, 1));
    }

    /// Rows that are not a tree still make an outline: a node whose parent is not among them
    /// is a root, and nodes in a loop of parents (the original app's moves had no cycle check)
    /// are left out with their links, not followed for ever or linked to the first node.
    #[test]
    fn rows_with_a_loop_or_a_missing_parent_still_make_an_outline() {
        let mut full = view();
        // "out" under "o1", which is under "out".
        full.nodes.iter_mut().find(|n| n.id == "out").unwrap().parent_id = Some("o1".into());
        full.nodes.iter_mut().find(|n| n.id == "a").unwrap().parent_id = Some("gone".into());
        let page = outline_of(full);
        let titles: Vec<&str> = page.nodes.iter().map(|n| n.title.as_str()).collect();
        // Roots in sibling order: sort order, then id.
        assert_eq!(titles, ["a <title>", "obj <title>"]);
        assert_eq!(page.nodes[0].parent, None);
        assert!(page.links.is_empty(), "the link's ends are in the loop");
    }

    fn outline_node() -> impl proptest::strategy::Strategy<Value = (Option<u32>, OutlineNode)> {
        use proptest::prelude::*;
        // Text with what JSON escapes (quotes, backslashes, control characters) among the
        // plain runs the escaping passes over whole.
        let text = "([a-z ]{0,20}|[\"\\\\\\x00-\\x1f\\x7f]|\\PC){0,6}";
        (
            any::<u32>(),
            0..NodeType::ALL.len(),
            text,
            proptest::option::of(text),
            any::<bool>(),
            (
                proptest::option::of("[a-z%\"]{0,4}"),
                proptest::option::of(-1e9f64..1e9),
                proptest::option::of(any::<i64>()),
                proptest::option::of("[a-z_]{0,12}"),
            ),
        )
            .prop_map(
                |(parent, kind, title, description, is_collapsed, (unit, current, evidence_count, status))| {
                    let node = OutlineNode {
                        parent: None,
                        node_type: NodeType::ALL[kind],
                        title,
                        description,
                        is_collapsed,
                        badges: BadgeFields {
                            unit,
                            current,
                            target: current.map(|c| c / 3.0),
                            status,
                            evidence_count,
                            risk: None,
                        },
                    };
                    (Some(parent), node)
                },
            )
    }

    proptest::proptest! {
        /// The page's JSON is serde's for the outline with the drawn nodes' titles left out.
        #[test]
        fn the_page_json_is_what_serde_writes_without_the_drawn_titles(
            nodes in proptest::collection::vec(outline_node(), 0..12),
            description in proptest::option::of("\\PC{0,10}"),
        ) {
            let nodes: Vec<OutlineNode> = nodes
                .into_iter()
                .enumerate()
                .map(|(i, (parent, mut node))| {
                    // A parent comes before its child; some nodes are roots.
                    node.parent = parent.filter(|p| i > 0 && p % 3 != 0).map(|p| p % i as u32);
                    node
                })
                .collect();
            let links = (1..nodes.len() as u32).map(|i| (i - 1, i)).collect();
            let page = SharedOutline {
                name: "Q3 \"growth\"\n".into(),
                description,
                discovery_phase: DiscoveryPhase::Discovery,
                canvas_state: CanvasState::default(),
                nodes,
                links,
            };
            let mut without = page.clone();
            for (node, drawn) in without.nodes.iter_mut().zip(page.drawn()) {
                if drawn {
                    node.title.clear();
                }
            }
            proptest::prop_assert_eq!(page.page_json().unwrap(), serde_json::to_string(&without).unwrap());
        }
    }

    #[test]
    fn a_page_block_leaves_out_the_titles_its_boxes_show_and_gets_them_back() {
        let page = outline_of(view());
        let whole = page.clone();
        let json = page.page_json().unwrap();
        assert_eq!(page, whole, "the outline itself is kept whole");
        // o2 is collapsed: its child a is not drawn, so its title stays in the block.
        assert!(json.contains("a <title>") && !json.contains("o2 <title>"), "{json}");
        let mut back: SharedOutline = serde_json::from_str(&json).unwrap();
        let drawn: Vec<String> = whole
            .nodes
            .iter()
            .filter(|n| n.title != "a <title>")
            .map(|n| n.title.clone())
            .collect();
        assert!(!back.fill_titles(drawn[1..].to_vec()));
        assert!(back.nodes.iter().filter(|n| n.title.is_empty()).count() == 6);
        assert!(back.fill_titles(drawn));
        assert_eq!(back, whole);
        // What a server function answers has every title.
        let full: SharedOutline = serde_json::from_str(&serde_json::to_string(&whole).unwrap()).unwrap();
        assert_eq!(full, whole);
    }
}

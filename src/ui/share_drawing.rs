//! What a shared page's folding and search run on: the tree's outline, laid out and written as
//! markup ([`share_markup`]). The server draws the page with it once; the browser builds its
//! own only when a visitor first folds a node or searches, through [`ShareModel`], a trait
//! object: the island calls it without naming the code behind it, so the layout, the search and
//! the markup are in the chunk of the lazy function that makes one, not in the WebAssembly a
//! share page loads to hydrate.

use std::collections::HashSet;

use crate::model::editor::{collapsed_ancestors, search, TreeIndex};
use crate::model::share::SharedOutline;
use crate::model::template_data::BadgeFields;
use crate::model::{Connection, Orientation, TreeNode};
// Drawn whole: a shared page is read start to end, also by crawlers of link previews and
// screen readers.
use crate::ui::editor::draw::{badges_from, draw, visible_edge_boxes, visible_links, visible_nodes_with, EVERYWHERE};
use crate::ui::share_markup;

/// One drawing of the page: the content of the boxes' container and of the edges' `<svg>`.
pub struct Redrawn {
    pub nodes: String,
    pub edges: String,
    /// The drawing's width and height.
    pub size: (f64, f64),
    /// How many nodes the search found; `None` without a search.
    pub found: Option<usize>,
}

/// What the page's island asks of its tree.
pub trait ShareModel {
    /// Folds or unfolds the node with this `data-node-id`.
    fn toggle(&mut self, node_id: &str) -> Redrawn;
    /// Marks the nodes that match `query` and unfolds what hides them.
    fn search(&mut self, query: &str) -> Redrawn;
    /// Whether each node is folded, in outline order (the order of the page's data block).
    fn folded(&self) -> Vec<bool>;
}

/// A shared tree as the page shows it. Its nodes' ids are their places in the outline.
pub struct SharedDrawing {
    nodes: Vec<TreeNode>,
    /// Each node's badge fields (its `template_data` is empty).
    badges: Vec<BadgeFields>,
    connections: Vec<Connection>,
    orientation: Orientation,
    /// Ids of the nodes the search found, if there is a search.
    found: Option<HashSet<String>>,
}

impl SharedDrawing {
    pub fn new(mut outline: SharedOutline) -> Self {
        let (nodes, badges) = outline.take_tree_nodes();
        SharedDrawing {
            connections: outline.connections(),
            nodes,
            badges,
            orientation: outline.canvas_state.orientation,
            found: None,
        }
    }

    pub fn redraw(&self) -> Redrawn {
        let d = draw(&self.nodes, &self.connections, self.orientation);
        let items = visible_nodes_with(&self.nodes, &d, &EVERYWHERE, |i, hidden| {
            badges_from(self.nodes[i].node_type, &self.badges[i], hidden)
        });
        let nodes = share_markup::nodes(&items, |id| self.found.as_ref().is_some_and(|f| f.contains(id)));
        let links = visible_links(&d, &EVERYWHERE);
        let edges = share_markup::edges(d.orientation, visible_edge_boxes(&d, &EVERYWHERE), &links, items.len());
        let b = d.layout.bounds;
        Redrawn {
            nodes,
            edges,
            size: (b.w.max(1.0), b.h.max(1.0)),
            found: self.found.as_ref().map(HashSet::len),
        }
    }
}

impl ShareModel for SharedDrawing {
    fn toggle(&mut self, node_id: &str) -> Redrawn {
        if let Some(node) = self.nodes.iter_mut().find(|n| n.id == node_id) {
            node.is_collapsed = !node.is_collapsed;
        }
        self.redraw()
    }

    fn search(&mut self, query: &str) -> Redrawn {
        if query.trim().is_empty() {
            self.found = None;
            return self.redraw();
        }
        let index = TreeIndex::new(&self.nodes);
        let hits = search(&index, &self.nodes, query);
        let hidden: Vec<usize> = hits
            .iter()
            .flat_map(|&i| collapsed_ancestors(&index, &self.nodes, i))
            .collect();
        for i in hidden {
            self.nodes[i].is_collapsed = false;
        }
        self.found = Some(hits.into_iter().map(|i| self.nodes[i].id.clone()).collect());
        self.redraw()
    }

    fn folded(&self) -> Vec<bool> {
        self.nodes.iter().map(|n| n.is_collapsed).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::share::OutlineNode;
    use crate::model::{CanvasState, DiscoveryPhase, NodeType};

    fn outline() -> SharedOutline {
        let node = |parent: Option<u32>, node_type, title: &str, is_collapsed| OutlineNode {
            parent,
            node_type,
            title: title.to_string(),
            description: None,
            is_collapsed,
            badges: Default::default(),
        };
        SharedOutline {
            name: "Q3".into(),
            description: None,
            discovery_phase: DiscoveryPhase::Discovery,
            canvas_state: CanvasState::default(),
            nodes: vec![
                node(None, NodeType::Objective, "Grow retention", false),
                node(Some(0), NodeType::Outcome, "Weekly actives", true),
                node(Some(1), NodeType::Opportunity, "Onboarding is slow", false),
                node(Some(0), NodeType::Outcome, "Fewer churned teams", false),
            ],
            links: vec![(2, 3)],
        }
    }

    fn titles(r: &Redrawn) -> usize {
        r.nodes.matches("class=\"node-title\"").count()
    }

    #[test]
    fn folding_hides_and_shows_a_subtree() {
        let mut page = SharedDrawing::new(outline());
        let first = page.redraw();
        assert_eq!(titles(&first), 3, "the folded outcome hides its child");
        assert!(!first.nodes.contains("Onboarding"));
        assert_eq!(first.found, None);
        let open = page.toggle("1");
        assert_eq!(titles(&open), 4);
        assert!(open.nodes.contains("Onboarding is slow"));
        assert!(
            open.size.1 > first.size.1 || open.size.0 != first.size.0,
            "the drawing grew"
        );
        assert_eq!(page.folded(), vec![false, false, false, false]);
        let closed = page.toggle("1");
        assert_eq!(closed.nodes, first.nodes);
        assert_eq!(page.folded(), vec![false, true, false, false]);
    }

    #[test]
    fn a_search_marks_its_hits_and_unfolds_what_hides_them() {
        let mut page = SharedDrawing::new(outline());
        let found = page.search("  onboarding ");
        assert_eq!(found.found, Some(1));
        assert!(found.nodes.contains("node opportunity match"), "{}", found.nodes);
        assert_eq!(page.folded(), vec![false, false, false, false]);
        // Folding keeps the search's marks.
        let folded = page.toggle("1");
        assert_eq!(folded.found, Some(1));
        let none = page.search("nothing like it");
        assert_eq!(none.found, Some(0));
        assert!(!none.nodes.contains(" match"));
        let cleared = page.search(" ");
        assert_eq!(cleared.found, None);
    }
}

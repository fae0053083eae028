//! Automatic layout of a tree, shared by the server (SSR, share pages) and the browser, so
//! both draw the same picture.
//!
//! A layered layout in linear time: each subtree gets a band as wide as its children's bands
//! side by side (or its own node, if wider); children keep the user's sibling order; a parent
//! sits centred over its children; levels are as deep as their deepest node. Collapsed nodes
//! hide their descendants. Iterative, so a deep tree cannot overflow the stack.

use serde::{Deserialize, Serialize};

use super::editor::TreeIndex;
use super::{Orientation, TreeNode};

/// Spacing between neighbouring subtrees and between levels, in canvas pixels.
pub const SIBLING_GAP: f64 = 24.0;
pub const LEVEL_GAP: f64 = 56.0;
pub const NODE_MIN_WIDTH: f64 = 150.0;
pub const NODE_MAX_WIDTH: f64 = 260.0;
pub const NODE_HEIGHT: f64 = 88.0;
/// Characters of a title that reach [`NODE_MAX_WIDTH`] in [`node_size`].
const WIDEST_TITLE_CHARS: usize = 28;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Rect {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
}

impl Rect {
    pub fn overlaps(&self, other: &Rect) -> bool {
        self.x < other.x + other.w
            && other.x < self.x + self.w
            && self.y < other.y + other.h
            && other.y < self.y + self.h
    }
}

/// Where each visible node goes, by index into the input slice (`None`: hidden under a
/// collapsed ancestor), and the box around them all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    pub rects: Vec<Option<Rect>>,
    pub bounds: Rect,
    /// Per node: how many descendants a collapse hides (0 when expanded or a leaf).
    pub hidden_descendants: Vec<usize>,
}

/// The size a node is drawn at: wider for longer titles, within bounds; the same on server and
/// browser, so no measuring is needed.
pub fn node_size(node: &TreeNode) -> (f64, f64) {
    // Titles wrap onto two lines past the maximum width, which 28 characters reach, so counting
    // further (a title can have 200) is wasted on every layout. A plain loop over the bytes (a
    // character is a byte that is not a UTF-8 continuation byte) because in the size-optimised
    // WebAssembly `chars().take(n).count()` stays a chain of calls, slower than counting all.
    let mut chars = 0usize;
    for &byte in node.title.as_bytes() {
        if (byte as i8) >= -0x40 {
            chars += 1;
            if chars == WIDEST_TITLE_CHARS {
                break;
            }
        }
    }
    let chars = chars as f64;
    let width = (chars * 8.0 + 36.0).clamp(NODE_MIN_WIDTH, NODE_MAX_WIDTH);
    (width, NODE_HEIGHT)
}

pub fn layout(nodes: &[TreeNode], orientation: Orientation) -> Layout {
    layout_indexed(nodes, &TreeIndex::new(nodes), orientation)
}

/// [`layout`] with the tree's index already built: drawing needs one anyway, and building a
/// second one here (ids hashed, children sorted) was a good part of every redraw. `index` must
/// be `TreeIndex::new(nodes)`.
pub fn layout_indexed(nodes: &[TreeNode], index: &TreeIndex, orientation: Orientation) -> Layout {
    let n = nodes.len();
    debug_assert_eq!(index.parent.len(), n, "an index of other nodes");
    let children = &index.children;
    let roots = &index.roots;

    // Breadth-first order from the roots: parents before children. A node in a cycle (bad
    // data) is never reached and stays hidden rather than looping.
    let mut order = Vec::with_capacity(n);
    let mut depth = vec![0usize; n];
    let mut visible = vec![false; n];
    let mut hidden_descendants = vec![0usize; n];
    order.extend(roots.iter().copied());
    for &r in roots {
        visible[r] = true;
    }
    let mut head = 0;
    while head < order.len() {
        let i = order[head];
        head += 1;
        if nodes[i].is_collapsed {
            continue;
        }
        for &c in &children[i] {
            if !visible[c] {
                visible[c] = true;
                depth[c] = depth[i] + 1;
                order.push(c);
            }
        }
    }
    // Descendants hidden by each collapsed node, counted without revisiting (post-order sums).
    let mut subtree = vec![1usize; n];
    {
        // Full-tree order including hidden parts, for the counts.
        let mut all = roots.to_vec();
        let mut seen = vec![false; n];
        for &r in roots {
            seen[r] = true;
        }
        let mut h = 0;
        while h < all.len() {
            let i = all[h];
            h += 1;
            for &c in &children[i] {
                if !seen[c] {
                    seen[c] = true;
                    all.push(c);
                }
            }
        }
        for &i in all.iter().rev() {
            for &c in &children[i] {
                subtree[i] += subtree[c];
            }
            if nodes[i].is_collapsed {
                hidden_descendants[i] = subtree[i] - 1;
            }
        }
    }

    let sizes: Vec<(f64, f64)> = nodes.iter().map(node_size).collect();
    // Along the sibling axis ("breadth") and the level axis ("depth").
    let (breadth, depth_size): (Vec<f64>, Vec<f64>) = match orientation {
        Orientation::Vertical => sizes.iter().map(|&(w, h)| (w, h)).unzip(),
        Orientation::Horizontal => sizes.iter().map(|&(w, h)| (h, w)).unzip(),
    };
    let shown_children = |i: usize| -> &[usize] {
        if nodes[i].is_collapsed {
            &[]
        } else {
            &children[i]
        }
    };

    // Post-order: the band each subtree needs.
    let mut band = vec![0.0f64; n];
    for &i in order.iter().rev() {
        let kids = shown_children(i);
        let kids_band: f64 =
            kids.iter().map(|&c| band[c]).sum::<f64>() + SIBLING_GAP * kids.len().saturating_sub(1) as f64;
        band[i] = breadth[i].max(kids_band);
    }

    // Level offsets: each level as deep as its deepest node.
    let levels = order.iter().map(|&i| depth[i]).max().map_or(0, |d| d + 1);
    let mut level_size = vec![0.0f64; levels];
    for &i in &order {
        level_size[depth[i]] = level_size[depth[i]].max(depth_size[i]);
    }
    let mut level_start = vec![0.0f64; levels];
    for d in 1..levels {
        level_start[d] = level_start[d - 1] + level_size[d - 1] + LEVEL_GAP;
    }

    // Pre-order: each band's start along the sibling axis; nodes centred in their band,
    // children's bands centred under their parent.
    let mut start = vec![0.0f64; n];
    let mut cursor = 0.0;
    for &r in roots {
        start[r] = cursor;
        cursor += band[r] + SIBLING_GAP;
    }
    let mut rects: Vec<Option<Rect>> = vec![None; n];
    for &i in &order {
        let kids = shown_children(i);
        let kids_band: f64 =
            kids.iter().map(|&c| band[c]).sum::<f64>() + SIBLING_GAP * kids.len().saturating_sub(1) as f64;
        let mut at = start[i] + (band[i] - kids_band) / 2.0;
        for &c in kids {
            start[c] = at;
            at += band[c] + SIBLING_GAP;
        }
        let across = start[i] + (band[i] - breadth[i]) / 2.0;
        let down = level_start[depth[i]] + (level_size[depth[i]] - depth_size[i]) / 2.0;
        let (w, h) = sizes[i];
        rects[i] = Some(match orientation {
            Orientation::Vertical => Rect {
                x: across,
                y: down,
                w,
                h,
            },
            Orientation::Horizontal => Rect {
                x: down,
                y: across,
                w,
                h,
            },
        });
    }

    let mut bounds = Rect {
        x: 0.0,
        y: 0.0,
        w: 0.0,
        h: 0.0,
    };
    let (mut max_x, mut max_y) = (0.0f64, 0.0f64);
    for r in rects.iter().flatten() {
        max_x = max_x.max(r.x + r.w);
        max_y = max_y.max(r.y + r.h);
    }
    bounds.w = max_x;
    bounds.h = max_y;
    Layout {
        rects,
        bounds,
        hidden_descendants,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{NodeType, Position};

    fn node(id: &str, parent: Option<&str>, order: i32, title: &str) -> TreeNode {
        TreeNode {
            id: id.into(),
            parent_id: parent.map(Into::into),
            node_type: NodeType::Opportunity,
            title: title.into(),
            description: None,
            position: Position::default(),
            is_collapsed: false,
            template_data: serde_json::json!({}),
            sort_order: order,
            version: 1,
        }
    }

    /// A deterministic pseudo-random tree of `n` nodes with mixed title lengths.
    fn random_tree(n: usize, seed: u64) -> Vec<TreeNode> {
        let mut state = seed;
        let mut next = || {
            state = state
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            (state >> 33) as usize
        };
        let mut nodes = vec![node("0", None, 0, "Root objective")];
        let mut counts = vec![0i32; n];
        for i in 1..n {
            let parent = next() % i.min(1 + i / 2).max(1);
            let parent = if next() % 3 == 0 { i - 1 } else { parent };
            let title = "t".repeat(3 + next() % 50);
            nodes.push(node(&i.to_string(), Some(&parent.to_string()), counts[parent], &title));
            counts[parent] += 1;
        }
        nodes
    }

    fn assert_no_overlaps(layout: &Layout) {
        let mut rects: Vec<Rect> = layout.rects.iter().flatten().copied().collect();
        rects.sort_by(|a, b| a.x.total_cmp(&b.x));
        for (i, a) in rects.iter().enumerate() {
            for b in rects[i + 1..].iter().take_while(|b| b.x < a.x + a.w) {
                assert!(!a.overlaps(b), "{a:?} overlaps {b:?}");
            }
        }
    }

    #[test]
    fn node_width_follows_the_title_up_to_the_widest_box() {
        for chars in 0..=200usize {
            for letter in ["t", "é", "🌳"] {
                let width = node_size(&node("n", None, 0, &letter.repeat(chars))).0;
                let wanted = (chars as f64 * 8.0 + 36.0).clamp(NODE_MIN_WIDTH, NODE_MAX_WIDTH);
                assert_eq!(width, wanted, "{chars} × {letter}");
            }
        }
        assert_eq!(node_size(&node("n", None, 0, &"t".repeat(27))).0, 252.0);
    }

    #[test]
    fn no_overlaps_in_either_orientation() {
        for seed in 0..5 {
            let nodes = random_tree(600, seed);
            for orientation in [Orientation::Vertical, Orientation::Horizontal] {
                let layout = layout(&nodes, orientation);
                assert_eq!(layout.rects.iter().flatten().count(), nodes.len());
                assert_no_overlaps(&layout);
            }
        }
    }

    #[test]
    fn siblings_keep_their_order_and_parents_sit_over_children() {
        let nodes = vec![
            node("r", None, 0, "Root"),
            node("c", Some("r"), 2, "Third"),
            node("a", Some("r"), 0, "First"),
            node("b", Some("r"), 1, "Second"),
        ];
        let l = layout(&nodes, Orientation::Vertical);
        let x = |i: usize| l.rects[i].unwrap().x;
        assert!(x(2) < x(3) && x(3) < x(1), "order kept");
        let centre = |i: usize| l.rects[i].unwrap().x + l.rects[i].unwrap().w / 2.0;
        let kids_centre = (l.rects[2].unwrap().x + l.rects[1].unwrap().x + l.rects[1].unwrap().w) / 2.0;
        assert!((centre(0) - kids_centre).abs() < 1e-9);
        assert!(l.rects[1].unwrap().y > l.rects[0].unwrap().y, "children below");

        let h = layout(&nodes, Orientation::Horizontal);
        assert!(h.rects[1].unwrap().x > h.rects[0].unwrap().x, "children to the right");
        assert!(
            h.rects[2].unwrap().y < h.rects[3].unwrap().y,
            "order kept top to bottom"
        );
    }

    #[test]
    fn collapse_hides_descendants_and_counts_them() {
        let mut nodes = vec![
            node("r", None, 0, "Root"),
            node("a", Some("r"), 0, "A"),
            node("a1", Some("a"), 0, "A1"),
            node("a2", Some("a1"), 0, "A2"),
            node("b", Some("r"), 1, "B"),
        ];
        nodes[1].is_collapsed = true;
        let l = layout(&nodes, Orientation::Vertical);
        assert!(l.rects[2].is_none() && l.rects[3].is_none());
        assert_eq!(l.hidden_descendants[1], 2);
        assert_eq!(l.hidden_descendants[0], 0);
        assert_no_overlaps(&l);
    }

    #[test]
    fn deterministic_and_safe_with_cycles_and_deep_chains() {
        let nodes = random_tree(300, 7);
        assert_eq!(
            layout(&nodes, Orientation::Vertical),
            layout(&nodes, Orientation::Vertical)
        );
        let cyclic = vec![
            node("r", None, 0, "R"),
            node("x", Some("y"), 0, "X"),
            node("y", Some("x"), 0, "Y"),
        ];
        let l = layout(&cyclic, Orientation::Vertical);
        assert!(l.rects[0].is_some() && l.rects[1].is_none());
        let chain: Vec<TreeNode> = (0..20_000)
            .map(|i| {
                node(
                    &i.to_string(),
                    (i > 0).then(|| (i - 1).to_string()).as_deref(),
                    0,
                    "deep",
                )
            })
            .collect();
        assert_eq!(
            layout(&chain, Orientation::Vertical).rects.iter().flatten().count(),
            20_000
        );
    }
}

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
    /// Per node: its level below a root (0: a root, or hidden), for `aria-level`.
    pub depth: Vec<u32>,
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
    let roots = &index.roots;
    let shown_children = |i: usize| -> &[usize] {
        if nodes[i].is_collapsed {
            &[]
        } else {
            index.children(i)
        }
    };

    // Breadth-first order from the roots: parents before children. A node in a cycle (bad
    // data) is never reached and stays hidden rather than looping.
    let mut order = Vec::with_capacity(n);
    let mut depth = vec![0u32; n];
    let mut visible = vec![false; n];
    order.extend(roots.iter().copied());
    for &r in roots {
        visible[r] = true;
    }
    let mut head = 0;
    while head < order.len() {
        let i = order[head];
        head += 1;
        for &c in shown_children(i) {
            if !visible[c] {
                visible[c] = true;
                depth[c] = depth[i] + 1;
                order.push(c);
            }
        }
    }
    let hidden_descendants = hidden_counts(nodes, index);

    // Along the sibling axis ("breadth") and the level axis ("depth").
    let sizes: Vec<(f64, f64)> = nodes
        .iter()
        .map(|node| {
            let (w, h) = node_size(node);
            match orientation {
                Orientation::Vertical => (w, h),
                Orientation::Horizontal => (h, w),
            }
        })
        .collect();

    // Post-order: the band each subtree needs, and the band its children take side by side
    // (kept for the pre-order pass below).
    let mut band = vec![0.0f64; n];
    let mut kids_band = vec![0.0f64; n];
    for &i in order.iter().rev() {
        let kids = shown_children(i);
        if kids.is_empty() {
            band[i] = sizes[i].0;
            continue;
        }
        let mut sum = 0.0;
        for &c in kids {
            sum += band[c];
        }
        sum += SIBLING_GAP * (kids.len() - 1) as f64;
        kids_band[i] = sum;
        band[i] = sizes[i].0.max(sum);
    }

    // Level offsets: each level as deep as its deepest node.
    let levels = order.iter().map(|&i| depth[i] as usize).max().map_or(0, |d| d + 1);
    let mut level_size = vec![0.0f64; levels];
    for &i in &order {
        let d = depth[i] as usize;
        level_size[d] = level_size[d].max(sizes[i].1);
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
    let (mut max_x, mut max_y) = (0.0f64, 0.0f64);
    for &i in &order {
        let mut at = start[i] + (band[i] - kids_band[i]) / 2.0;
        for &c in shown_children(i) {
            start[c] = at;
            at += band[c] + SIBLING_GAP;
        }
        let (breadth, deep) = sizes[i];
        let d = depth[i] as usize;
        let across = start[i] + (band[i] - breadth) / 2.0;
        let down = level_start[d] + (level_size[d] - deep) / 2.0;
        let r = match orientation {
            Orientation::Vertical => Rect {
                x: across,
                y: down,
                w: breadth,
                h: deep,
            },
            Orientation::Horizontal => Rect {
                x: down,
                y: across,
                w: deep,
                h: breadth,
            },
        };
        max_x = max_x.max(r.x + r.w);
        max_y = max_y.max(r.y + r.h);
        rects[i] = Some(r);
    }

    Layout {
        rects,
        bounds: Rect {
            x: 0.0,
            y: 0.0,
            w: max_x,
            h: max_y,
        },
        hidden_descendants,
        depth,
    }
}

/// Per node, the descendants a collapse hides (0 when expanded or a leaf): post-order sums
/// over the whole tree, hidden parts included. Most trees have nothing collapsed, and then
/// there is nothing to count.
fn hidden_counts(nodes: &[TreeNode], index: &TreeIndex) -> Vec<usize> {
    let n = nodes.len();
    let mut hidden = vec![0usize; n];
    if !nodes.iter().any(|node| node.is_collapsed) {
        return hidden;
    }
    let mut all = index.roots.clone();
    let mut seen = vec![false; n];
    for &r in &index.roots {
        seen[r] = true;
    }
    let mut h = 0;
    while h < all.len() {
        let i = all[h];
        h += 1;
        for &c in index.children(i) {
            if !seen[c] {
                seen[c] = true;
                all.push(c);
            }
        }
    }
    let mut subtree = vec![1usize; n];
    for &i in all.iter().rev() {
        for &c in index.children(i) {
            subtree[i] += subtree[c];
        }
        if nodes[i].is_collapsed {
            hidden[i] = subtree[i] - 1;
        }
    }
    hidden
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
        assert_eq!(l.depth, [0, 1, 0, 0, 1], "levels of the shown nodes; hidden ones 0");
        assert_no_overlaps(&l);
        nodes[1].is_collapsed = false;
        let open = layout(&nodes, Orientation::Vertical);
        assert_eq!(open.hidden_descendants, [0; 5]);
        assert_eq!(open.depth, [0, 1, 2, 3, 1]);
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

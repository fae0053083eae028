//! What the canvas draws: node boxes, parent edges and cross-links from the shared layout,
//! and which of them fall inside the region around the viewport (only those are rendered).

use crate::model::editor::TreeIndex;
use crate::model::layout::{layout_indexed, Layout, Rect};
use crate::model::template_data::BadgeSource;
use crate::model::{CanvasState, Connection, NodeType, Orientation, TreeNode};

pub fn type_class(t: NodeType) -> &'static str {
    match t {
        NodeType::Objective => "node objective",
        NodeType::Outcome => "node outcome",
        NodeType::Opportunity => "node opportunity",
        NodeType::Solution => "node solution",
        NodeType::Assumption => "node assumption",
        NodeType::Metric => "node metric",
        NodeType::Research => "node research",
    }
}

/// A type's colour, as the `.node.<type>` CSS rules give it: for drawings made outside the
/// DOM (the far-zoom overview, SVG export).
pub fn type_colour(t: NodeType) -> &'static str {
    match t {
        NodeType::Objective => "#5b3cc4",
        NodeType::Outcome => "#1a63bd",
        NodeType::Opportunity => "#0b7268",
        NodeType::Solution => "#9c5000",
        NodeType::Assumption => "#b42318",
        NodeType::Metric => "#2a6e2d",
        NodeType::Research => "#60646f",
    }
}

/// The small facts a node shows under its title.
pub fn badges(node: &TreeNode, hidden: usize) -> Vec<String> {
    badges_from(node.node_type, &node.template_data, hidden)
}

/// [`badges`] of a node of type `node_type` whose badge fields are in `data`.
pub fn badges_from(node_type: NodeType, data: &impl BadgeSource, hidden: usize) -> Vec<String> {
    let mut out = Vec::new();
    match node_type {
        NodeType::Metric => {
            let unit = data.text("unit").unwrap_or("");
            match (data.number("current"), data.number("target")) {
                (Some(c), Some(t)) => out.push(format!("{c}{unit} → {t}{unit}")),
                (None, Some(t)) => out.push(format!("target {t}{unit}")),
                (Some(c), None) => out.push(format!("now {c}{unit}")),
                (None, None) => {}
            }
        }
        NodeType::Solution => {
            if let Some(status) = data.text("status") {
                out.push(status.replace('_', " "));
            }
        }
        NodeType::Opportunity => {
            if let Some(n) = data.integer("evidence_count") {
                out.push(joined(&[itoa::Buffer::new().format(n), " evidence"]));
            }
        }
        NodeType::Assumption => {
            if let Some(risk) = data.text("risk") {
                out.push(joined(&[risk, " risk"]));
            }
        }
        _ => {}
    }
    if hidden > 0 {
        out.push(joined(&["+", itoa::Buffer::new().format(hidden), " hidden"]));
    }
    out
}

/// `parts` end to end, in a string made to their size: `format!` went through the formatter's
/// machinery for each badge (a share page makes ~1,000), at several times the instructions.
fn joined(parts: &[&str]) -> String {
    let mut text = String::with_capacity(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        text.push_str(part);
    }
    text
}

/// A coordinate written with one decimal, as `{:.1}` would (ties may round the other way; a
/// whole number has none),
/// without std's exact float formatting: layout coordinates are mostly whole or half pixels,
/// on which that falls back to its slow bignum path (~20 % of rendering a share page).
#[derive(Debug, Clone, Copy)]
pub struct Px(pub f64);

impl Px {
    /// Appends the number to `out` without `fmt`: the share page writes ~10 per node, and
    /// integer `Display` through a formatter pads and writes piecewise (~5 % of its render).
    pub fn push_to(self, out: &mut String) {
        let v = self.0;
        // Nothing drawn is this far out (or not a number): 0 rather than a formatter's "inf".
        if !v.is_finite() || v.abs() >= 1e15 {
            out.push('0');
            return;
        }
        let scaled = v * 10.0;
        // Half away from zero, as `f64::round` does; that is a libm call on baseline x86-64
        // (no rounding instruction before SSE4.1), and with a digit loop and a UTF-8 check of
        // its buffer it made this ~280 instructions a number (callgrind), 12 % of a share page.
        let tenths = (scaled + 0.5f64.copysign(scaled)) as i64;
        if tenths < 0 {
            out.push('-');
        }
        let t = tenths.unsigned_abs();
        out.push_str(itoa::Buffer::new().format(t / 10));
        // Whole pixels (most of a layout) without ".0".
        let tenth = (t % 10) as u8;
        if tenth != 0 {
            out.push('.');
            out.push(char::from(b'0' + tenth));
        }
    }
}

impl std::fmt::Display for Px {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut out = String::with_capacity(24);
        self.push_to(&mut out);
        f.write_str(&out)
    }
}

/// A number with exactly `D` decimals, as `{:.D}` writes it (ties may round the other way),
/// for the numbers written that are not coordinates (a transform's scale, the zoom label, the
/// SVG export): integer arithmetic, like [`Px`], rather than std's exact float formatting and
/// its slow path; the transform is written on every frame of a pan.
#[derive(Debug, Clone, Copy)]
pub struct Fixed<const D: u32>(pub f64);

impl<const D: u32> std::fmt::Display for Fixed<D> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let scale = 10u64.pow(D);
        let scaled = (self.0 * scale as f64).round();
        // Beyond i64 (or not a number) nothing sensible can be shown; `Px` writes 0 too.
        let scaled = if scaled.is_finite() && scaled.abs() < 9.0e18 {
            scaled as i64
        } else {
            0
        };
        let sign = if scaled < 0 { "-" } else { "" };
        let t = scaled.unsigned_abs();
        if D == 0 {
            write!(f, "{sign}{t}")
        } else {
            write!(f, "{sign}{}.{:0width$}", t / scale, t % scale, width = D as usize)
        }
    }
}

/// `left`, `top`, `width` and `height` of a node's box, without a width or height equal to
/// `implied`'s: the size a stylesheet already gives the box (the share page writes all its
/// boxes this way).
pub fn write_box_style(out: &mut String, r: &Rect, implied: Option<(f64, f64)>) {
    out.push_str("left:");
    Px(r.x).push_to(out);
    out.push_str("px;top:");
    Px(r.y).push_to(out);
    out.push_str("px");
    if implied.is_none_or(|(w, _)| r.w != w) {
        out.push_str(";width:");
        Px(r.w).push_to(out);
        out.push_str("px");
    }
    if implied.is_none_or(|(_, h)| r.h != h) {
        out.push_str(";height:");
        Px(r.h).push_to(out);
        out.push_str("px");
    }
}

/// An edge from the parent's far side to the child's near side, as a smooth curve.
fn edge_path(parent: &Rect, child: &Rect, orientation: Orientation) -> String {
    let mut out = String::with_capacity(48);
    write_edge_path(&mut out, parent, child, orientation);
    out
}

/// [`edge_path`] written into a buffer (the share page writes all its edges into one string).
pub fn write_edge_path(out: &mut String, parent: &Rect, child: &Rect, orientation: Orientation) {
    let mut point = |command: char, x: f64, y: f64| {
        out.push(command);
        Px(x).push_to(out);
        out.push(' ');
        Px(y).push_to(out);
    };
    match orientation {
        Orientation::Vertical => {
            let (x1, y1) = (parent.x + parent.w / 2.0, parent.y + parent.h);
            let (x2, y2) = (child.x + child.w / 2.0, child.y);
            let mid = (y1 + y2) / 2.0;
            point('M', x1, y1);
            point('C', x1, mid);
            point(' ', x2, mid);
            point(' ', x2, y2);
        }
        Orientation::Horizontal => {
            let (x1, y1) = (parent.x + parent.w, parent.y + parent.h / 2.0);
            let (x2, y2) = (child.x, child.y + child.h / 2.0);
            let mid = (x1 + x2) / 2.0;
            point('M', x1, y1);
            point('C', mid, y1);
            point(' ', mid, y2);
            point(' ', x2, y2);
        }
    }
}

fn centre(r: &Rect) -> (f64, f64) {
    (r.x + r.w / 2.0, r.y + r.h / 2.0)
}

/// The layout of one state of the tree, with what the nodes need to draw.
#[derive(Debug)]
pub struct Drawing {
    pub orientation: Orientation,
    pub layout: Layout,
    pub index: TreeIndex,
    /// Cross-links by node index.
    pub links: Vec<(usize, usize)>,
}

pub fn draw(nodes: &[TreeNode], connections: &[Connection], orientation: Orientation) -> Drawing {
    let (index, placed) = timed_layout(nodes, orientation);
    let links = connections
        .iter()
        .filter_map(|c| Some((index.get(&c.from_node_id)?, index.get(&c.to_node_id)?)))
        .collect();
    Drawing {
        orientation,
        layout: placed,
        index,
        links,
    }
}

/// The tree's index and the shared layout, which uses it. In the browser each run is also
/// recorded as a User Timing measure named `layout` (`performance.getEntriesByName("layout")`),
/// which the canvas benchmark reads (`end2end/bench/`); it covers the index too, as the layout
/// did when it built its own. The server just calls it.
#[cfg(feature = "hydrate")]
fn timed_layout(nodes: &[TreeNode], orientation: Orientation) -> (TreeIndex, Layout) {
    const START: &str = "layout-start";
    let performance = web_sys::window().and_then(|w| w.performance());
    if let Some(p) = &performance {
        let _ = p.mark(START);
    }
    let index = TreeIndex::new(nodes);
    let placed = layout_indexed(nodes, &index, orientation);
    if let Some(p) = &performance {
        let _ = p.measure_with_start_mark("layout", START);
        p.clear_marks_with_mark_name(START);
    }
    (index, placed)
}

#[cfg(not(feature = "hydrate"))]
fn timed_layout(nodes: &[TreeNode], orientation: Orientation) -> (TreeIndex, Layout) {
    let index = TreeIndex::new(nodes);
    let placed = layout_indexed(nodes, &index, orientation);
    (index, placed)
}

/// Layout coordinates shown by a viewport of `view` pixels at this pan and zoom.
pub fn viewport_rect(state: &CanvasState, view: (f64, f64)) -> Rect {
    Rect {
        x: -state.pan.x / state.zoom,
        y: -state.pan.y / state.zoom,
        w: view.0 / state.zoom,
        h: view.1 / state.zoom,
    }
}

/// The canvas content's `style`: the view's pan and zoom as one transform.
pub fn transform_style(view: &CanvasState) -> String {
    format!(
        "transform:translate({}px,{}px) scale({})",
        Px(view.pan.x),
        Px(view.pan.y),
        Fixed::<5>(view.zoom)
    )
}

/// The attributes of the edges' `<svg>` for a region: only as large as the region within the
/// tree (`bounds`), since one the size of a whole big layout (900,000 px wide at 5,000 nodes)
/// costs seconds of raster when zooming.
pub struct EdgesFrame {
    pub style: String,
    pub width: String,
    pub height: String,
    pub view_box: String,
}

impl EdgesFrame {
    pub fn of(region: &Rect, bounds: &Rect) -> Self {
        let (x0, y0) = (region.x.max(bounds.x), region.y.max(bounds.y));
        let w = ((region.x + region.w).min(bounds.x + bounds.w) - x0).max(1.0);
        let h = ((region.y + region.h).min(bounds.y + bounds.h) - y0).max(1.0);
        let (x0, y0, w, h) = (Fixed::<0>(x0), Fixed::<0>(y0), Fixed::<0>(w), Fixed::<0>(h));
        EdgesFrame {
            style: format!("left:{x0}px;top:{y0}px"),
            width: w.to_string(),
            height: h.to_string(),
            view_box: format!("{x0} {y0} {w} {h}"),
        }
    }
}

/// The region rendered around a viewport: one viewport more on every side, so panning moves
/// only the canvas transform until the view leaves it.
pub fn region_around(view: Rect) -> Rect {
    Rect {
        x: view.x - view.w,
        y: view.y - view.h,
        w: view.w * 3.0,
        h: view.h * 3.0,
    }
}

// Used by the browser's client (and the tests) only.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
fn contains(outer: &Rect, inner: &Rect) -> bool {
    inner.x >= outer.x
        && inner.y >= outer.y
        && inner.x + inner.w <= outer.x + outer.w
        && inner.y + inner.h <= outer.y + outer.h
}

/// Whether the rendered region still serves this viewport: it must cover it, and not be so
/// much larger (after zooming in) that far too many nodes stay rendered.
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub fn region_serves(region: &Rect, view: &Rect) -> bool {
    contains(region, view) && region.w * region.h <= view.w * view.h * 16.0
}

pub fn intersects(a: &Rect, b: &Rect) -> bool {
    a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h
}

/// One drawn node: everything that decides its markup. Its text is the node's own, borrowed:
/// a drawing is written out as soon as it is made, and copying every id and title was two
/// allocations a node on each redraw (a share page draws 1,000 at once).
#[derive(Debug, Clone, PartialEq)]
pub struct NodeItem<'a> {
    pub index: usize,
    pub id: &'a str,
    pub node_type: NodeType,
    pub title: &'a str,
    pub badges: Vec<String>,
    pub rect: Rect,
    pub level: usize,
    pub has_children: bool,
    pub collapsed: bool,
}

/// A region that holds every drawing: the whole tree, for the pages and files that show all of
/// it (the share page, exports).
pub const EVERYWHERE: Rect = Rect {
    x: f64::MIN / 4.0,
    y: f64::MIN / 4.0,
    w: f64::MAX / 2.0,
    h: f64::MAX / 2.0,
};

/// The nodes inside `region`, in outline order (so keyboard and screen-reader order follows
/// the tree).
pub fn visible_nodes<'a>(nodes: &'a [TreeNode], d: &Drawing, region: &Rect) -> Vec<NodeItem<'a>> {
    visible_nodes_with(nodes, d, region, |i, hidden| badges(&nodes[i], hidden))
}

/// [`visible_nodes`], each node's badges made by `badges` (node index, hidden descendants).
pub fn visible_nodes_with<'a>(
    nodes: &'a [TreeNode],
    d: &Drawing,
    region: &Rect,
    badges: impl Fn(usize, usize) -> Vec<String>,
) -> Vec<NodeItem<'a>> {
    let outline = d.index.outline();
    // With the whole drawing in the region (a shared page, an export), about every node is an
    // item: the list is made that big at once, not grown and copied ~10 times over.
    let expected = if contains(region, &d.layout.bounds) {
        outline.len()
    } else {
        0
    };
    let mut items = Vec::with_capacity(expected);
    items.extend(outline.into_iter().filter_map(|(i, _)| {
        let rect = d.layout.rects.get(i).copied().flatten()?;
        if !intersects(&rect, region) {
            return None;
        }
        let node = &nodes[i];
        let hidden = d.layout.hidden_descendants[i];
        Some(NodeItem {
            index: i,
            id: &node.id,
            node_type: node.node_type,
            title: &node.title,
            badges: badges(i, hidden),
            rect,
            level: d.layout.depth[i] as usize + 1,
            has_children: !d.index.children(i).is_empty(),
            collapsed: node.is_collapsed,
        })
    }));
    items
}

/// A straight line: x1, y1, x2, y2.
pub type Line = (f64, f64, f64, f64);

/// Parent edges and cross-links with at least one end inside `region`.
pub fn visible_edges(d: &Drawing, region: &Rect) -> (Vec<String>, Vec<Line>) {
    let edges = visible_edge_boxes(d, region)
        .map(|(p, c)| edge_path(&p, &c, d.orientation))
        .collect();
    (edges, visible_links(d, region))
}

/// The (parent, child) boxes of the parent edges with at least one end inside `region`.
pub fn visible_edge_boxes<'a>(d: &'a Drawing, region: &'a Rect) -> impl Iterator<Item = (Rect, Rect)> + 'a {
    let rect = |i: usize| d.layout.rects.get(i).copied().flatten();
    d.index.parent.iter().enumerate().filter_map(move |(child, parent)| {
        let (p, c) = (parent.and_then(rect)?, rect(child)?);
        (intersects(&p, region) || intersects(&c, region)).then_some((p, c))
    })
}

/// Cross-links (centre to centre) with at least one end inside `region`.
pub fn visible_links(d: &Drawing, region: &Rect) -> Vec<Line> {
    let rect = |i: usize| d.layout.rects.get(i).copied().flatten();
    let near = |r: &Rect| intersects(r, region);
    d.links
        .iter()
        .filter_map(|&(a, b)| {
            let (ra, rb) = (rect(a)?, rect(b)?);
            (near(&ra) || near(&rb)).then(|| {
                let ((x1, y1), (x2, y2)) = (centre(&ra), centre(&rb));
                (x1, y1, x2, y2)
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::{region_around, region_serves, transform_style, write_box_style, EdgesFrame, Fixed, Px, Rect};
    use crate::model::CanvasState;

    #[test]
    fn the_edges_frame_is_the_region_within_the_tree() {
        let tree = Rect {
            x: 0.0,
            y: 0.0,
            w: 900_000.0,
            h: 2_000.0,
        };
        let region = Rect {
            x: -1_600.0,
            y: -1_000.0,
            w: 4_800.0,
            h: 3_000.0,
        };
        let frame = EdgesFrame::of(&region, &tree);
        assert_eq!(frame.style, "left:0px;top:0px");
        assert_eq!((frame.width.as_str(), frame.height.as_str()), ("3200", "2000"));
        assert_eq!(frame.view_box, "0 0 3200 2000");
        // A region beside the tree: a 1 px frame, never a negative size.
        let beside = Rect { x: -9_000.0, ..region };
        assert_eq!(EdgesFrame::of(&beside, &tree).width, "1");
        let mut view = CanvasState::default();
        view.pan.x = -12.5;
        view.zoom = 0.5;
        assert_eq!(
            transform_style(&view),
            "transform:translate(-12.5px,0px) scale(0.50000)"
        );
    }

    #[test]
    fn the_region_serves_a_view_inside_it_until_zooming_in_makes_it_too_big() {
        let view = Rect {
            x: 100.0,
            y: 50.0,
            w: 1600.0,
            h: 1000.0,
        };
        let region = region_around(view);
        assert!(region_serves(&region, &view));
        // Panned by less than a viewport either way: still inside.
        let panned = Rect {
            x: view.x - 1500.0,
            y: view.y + 900.0,
            ..view
        };
        assert!(region_serves(&region, &panned));
        // One pixel out.
        let out = Rect {
            x: region.x - 1.0,
            ..view
        };
        assert!(!region_serves(&region, &out));
        // Zoomed in 2x around the centre: a quarter of the area, 36 times in the region.
        let zoomed = Rect {
            x: view.x + 400.0,
            y: view.y + 250.0,
            w: 800.0,
            h: 500.0,
        };
        assert!(!region_serves(&region, &zoomed));
        // Zoomed in 1.25x: 14 times, still served.
        let nearer = Rect {
            x: view.x + 160.0,
            y: view.y + 100.0,
            w: 1280.0,
            h: 800.0,
        };
        assert!(region_serves(&region, &nearer));
    }

    #[test]
    fn badges_say_each_types_facts_and_what_a_fold_hides() {
        use super::badges_from;
        use crate::model::NodeType;
        use serde_json::json;
        let of = |t, data: serde_json::Value, hidden| badges_from(t, &data, hidden);
        assert_eq!(
            of(NodeType::Opportunity, json!({ "evidence_count": 4 }), 12),
            ["4 evidence", "+12 hidden"]
        );
        assert_eq!(of(NodeType::Assumption, json!({ "risk": "high" }), 0), ["high risk"]);
        assert_eq!(
            of(NodeType::Solution, json!({ "status": "in_progress" }), 0),
            ["in progress"]
        );
        assert_eq!(
            of(NodeType::Metric, json!({ "unit": "%", "current": 2.5, "target": 5 }), 1),
            ["2.5% → 5%", "+1 hidden"]
        );
        assert_eq!(of(NodeType::Metric, json!({ "target": 7 }), 0), ["target 7"]);
        assert!(of(NodeType::Outcome, json!({ "risk": "high" }), 0).is_empty());
    }

    #[test]
    fn a_box_style_has_its_place_and_size() {
        let r = Rect {
            x: 10.0,
            y: -2.5,
            w: 260.0,
            h: 88.0,
        };
        let mut style = String::new();
        write_box_style(&mut style, &r, None);
        assert_eq!(style, "left:10px;top:-2.5px;width:260px;height:88px");
        style.clear();
        write_box_style(&mut style, &r, Some((260.0, 88.0)));
        assert_eq!(style, "left:10px;top:-2.5px");
    }

    #[test]
    fn fixed_writes_like_std_with_that_many_decimals() {
        for v in [
            0.0,
            1.0,
            -1.0,
            0.04,
            0.26,
            12.345,
            -3.5,
            99.96,
            1234567.891,
            -0.4,
            0.00001,
        ] {
            assert_eq!(Fixed::<0>(v).to_string(), format!("{v:.0}").replace("-0", "0"), "{v}");
            assert_eq!(
                Fixed::<1>(v).to_string(),
                format!("{v:.1}").replace("-0.0", "0.0"),
                "{v}"
            );
            assert_eq!(
                Fixed::<5>(v).to_string(),
                format!("{v:.5}").replace("-0.00000", "0.00000"),
                "{v}"
            );
        }
        assert_eq!(Fixed::<1>(f64::NAN).to_string(), "0.0");
    }

    proptest::proptest! {
        #[test]
        fn px_writes_the_value_rounded_to_tenths(v in -1.0e7f64..1.0e7) {
            let tenths = (v * 10.0).round() as i64;
            let sign = if tenths < 0 { "-" } else { "" };
            let (whole, tenth) = (tenths.unsigned_abs() / 10, tenths.unsigned_abs() % 10);
            let expected = if tenth == 0 { format!("{sign}{whole}") } else { format!("{sign}{whole}.{tenth}") };
            proptest::prop_assert_eq!(Px(v).to_string(), expected);
        }

        /// A path writes its ends and middle, each rounded as `Px` rounds.
        #[test]
        fn an_edge_path_writes_each_of_its_numbers(
            a in (-500i32..500, -500i32..500, 1i32..400, 1i32..200),
            b in (-500i32..500, -500i32..500, 1i32..400, 1i32..200),
            halves in proptest::prelude::any::<bool>(),
        ) {
            use crate::model::Orientation;
            let step = if halves { 0.5 } else { 1.0 };
            let rect = |(x, y, w, h): (i32, i32, i32, i32)| Rect {
                x: f64::from(x) * step,
                y: f64::from(y) * step,
                w: f64::from(w),
                h: f64::from(h),
            };
            let (p, c) = (rect(a), rect(b));
            let written = |o| {
                let mut out = String::new();
                super::write_edge_path(&mut out, &p, &c, o);
                out
            };
            let (x1, y1, x2, y2) = (p.x + p.w / 2.0, p.y + p.h, c.x + c.w / 2.0, c.y);
            let mid = (y1 + y2) / 2.0;
            proptest::prop_assert_eq!(
                written(Orientation::Vertical),
                format!("M{} {}C{} {} {} {} {} {}", Px(x1), Px(y1), Px(x1), Px(mid), Px(x2), Px(mid), Px(x2), Px(y2))
            );
            let (x1, y1, x2, y2) = (p.x + p.w, p.y + p.h / 2.0, c.x, c.y + c.h / 2.0);
            let mid = (x1 + x2) / 2.0;
            proptest::prop_assert_eq!(
                written(Orientation::Horizontal),
                format!("M{} {}C{} {} {} {} {} {}", Px(x1), Px(y1), Px(mid), Px(y1), Px(mid), Px(y2), Px(x2), Px(y2))
            );
        }
    }

    #[test]
    fn px_writes_one_decimal_like_std_and_none_for_whole_numbers() {
        for v in [
            0.0,
            1.0,
            -1.0,
            12.5,
            -12.5,
            176.04,
            913804.0,
            -0.04,
            0.96,
            1e14 + 0.5,
            1234.56789,
            -2.75e3,
        ] {
            let std = format!("{v:.1}").replace("-0.0", "0.0");
            assert_eq!(Px(v).to_string(), std.strip_suffix(".0").unwrap_or(&std), "{v}");
        }
        assert_eq!(Px(f64::INFINITY).to_string(), "0");
        assert_eq!(
            (Px(913804.0).to_string(), Px(-0.04).to_string(), Px(0.96).to_string()),
            ("913804".into(), "0".into(), "1".into())
        );
    }
}

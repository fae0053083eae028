//! The far-zoom overview: below [`OVERVIEW_ZOOM`] nodes are too small to read and can be too
//! many for the DOM (a 5,000-node tree is ~900,000 px wide), so the editor paints the part of
//! the tree in view on one `<canvas>` as coloured boxes and elbow edges, every frame it moves.
//!
//! The scene (what to paint, in canvas pixels) is plain Rust, tested natively; only
//! [`paint`] touches the browser.

// Painting happens only in the browser; the server build keeps the scene for its tests.
#![cfg_attr(not(feature = "hydrate"), allow(dead_code))]

use super::draw::{intersects, Drawing};
use crate::model::layout::Rect;
use crate::model::{CanvasState, NodeType, Orientation};

/// Below this zoom the editor draws the overview instead of node elements.
pub const OVERVIEW_ZOOM: f64 = 0.3;
/// A node is painted at least this big (CSS px), so a tree zoomed out to a few pixels per
/// node still shows every node, and a click can still hit one.
const MIN_PX: f64 = 2.0;
/// Cross-links are dashed: this long a dash, then this long a gap (CSS px).
const LINK_DASH: [f64; 2] = [4.0, 3.0];

fn type_slot(t: NodeType) -> usize {
    NodeType::ALL.iter().position(|ty| *ty == t).unwrap_or(0)
}

/// What one frame paints, in CSS pixels of the canvas element.
#[derive(Debug, Default, PartialEq)]
pub struct Scene {
    /// Node boxes (x, y, w, h) per entry of `NodeType::ALL`.
    pub boxes: [Vec<[f64; 4]>; 7],
    /// Parent edges as polylines of four points (an elbow).
    pub edges: Vec<[f64; 8]>,
    /// Cross-links as straight lines, cut to the canvas (see [`clip_to_canvas`]).
    pub links: Vec<[f64; 4]>,
    /// Boxes to ring: the selection, then search matches.
    pub selected: Option<[f64; 4]>,
    pub matches: Vec<[f64; 4]>,
    /// How many nodes are in view (all of them painted).
    pub drawn: usize,
}

/// Layout rectangle → canvas box, grown to `MIN_PX` around its centre.
fn to_screen(r: &Rect, view: &CanvasState) -> [f64; 4] {
    let (w, h) = (r.w * view.zoom, r.h * view.zoom);
    let (pw, ph) = (w.max(MIN_PX), h.max(MIN_PX));
    let x = r.x * view.zoom + view.pan.x - (pw - w) / 2.0;
    let y = r.y * view.zoom + view.pan.y - (ph - h) / 2.0;
    [x, y, pw, ph]
}

/// The layout area a `size` canvas shows, widened by the minimum box size so a node whose
/// grown box reaches into view is painted.
fn visible_area(view: &CanvasState, size: (f64, f64)) -> Rect {
    let margin = MIN_PX / view.zoom;
    Rect {
        x: -view.pan.x / view.zoom - margin,
        y: -view.pan.y / view.zoom - margin,
        w: size.0 / view.zoom + 2.0 * margin,
        h: size.1 / view.zoom + 2.0 * margin,
    }
}

pub fn scene(
    d: &Drawing,
    types: impl Fn(usize) -> NodeType,
    view: &CanvasState,
    size: (f64, f64),
    selected: Option<usize>,
    matches: &[usize],
) -> Scene {
    let area = visible_area(view, size);
    let rect = |i: usize| d.layout.rects.get(i).copied().flatten();
    let mut out = Scene::default();
    for (i, r) in d.layout.rects.iter().enumerate() {
        let Some(r) = r else { continue };
        if intersects(r, &area) {
            out.boxes[type_slot(types(i))].push(to_screen(r, view));
            out.drawn += 1;
        }
    }
    for (child, parent) in d.index.parent.iter().enumerate() {
        let (Some(p), Some(c)) = (parent.and_then(rect), rect(child)) else {
            continue;
        };
        // An edge can cross the view with both ends outside it: test the box around both.
        if intersects(&around(&p, &c), &area) {
            out.edges.push(elbow(&p, &c, d.orientation, view));
        }
    }
    for &(a, b) in &d.links {
        let (Some(ra), Some(rb)) = (rect(a), rect(b)) else {
            continue;
        };
        if intersects(&around(&ra, &rb), &area) {
            let [ax, ay] = centre_on_screen(&ra, view);
            let [bx, by] = centre_on_screen(&rb, view);
            out.links.extend(clip_to_canvas([ax, ay, bx, by], size));
        }
    }
    out.selected = selected.and_then(rect).map(|r| to_screen(&r, view));
    out.matches = matches
        .iter()
        .filter_map(|&i| rect(i))
        .filter(|r| intersects(r, &area))
        .map(|r| to_screen(&r, view))
        .collect();
    out
}

/// The part of line `l` on a `size` canvas (with a dash period to spare), or None when it
/// misses the canvas. Skia dashes a path along its whole length, off the canvas too: zoomed out
/// between 30 % and 9 % a 10,000-node tree's cross-links run for hundreds of thousands of
/// pixels, and dashing them took ~50 ms a frame. The cut start is moved back to a whole number
/// of dash periods from the line's own start, so the dashes stay put as the view pans.
fn clip_to_canvas(l: [f64; 4], size: (f64, f64)) -> Option<[f64; 4]> {
    let period = LINK_DASH[0] + LINK_DASH[1];
    let (x0, y0, dx, dy) = (l[0], l[1], l[2] - l[0], l[3] - l[1]);
    let (min, max) = ([-period, -period], [size.0 + period, size.1 + period]);
    // Liang-Barsky: the range of t in [0, 1] where (x0 + t dx, y0 + t dy) is inside.
    let (mut t0, mut t1) = (0.0_f64, 1.0_f64);
    for (p, q) in [
        (-dx, x0 - min[0]),
        (dx, max[0] - x0),
        (-dy, y0 - min[1]),
        (dy, max[1] - y0),
    ] {
        if p == 0.0 {
            if q < 0.0 {
                return None;
            }
        } else {
            let t = q / p;
            if p < 0.0 {
                t0 = t0.max(t);
            } else {
                t1 = t1.min(t);
            }
        }
    }
    if t0 > t1 {
        return None;
    }
    let len = dx.hypot(dy);
    if len > 0.0 {
        t0 = ((t0 * len / period).floor() * period / len).max(0.0);
    }
    Some([x0 + t0 * dx, y0 + t0 * dy, x0 + t1 * dx, y0 + t1 * dy])
}

/// The smallest rectangle holding both.
fn around(a: &Rect, b: &Rect) -> Rect {
    let (x, y) = (a.x.min(b.x), a.y.min(b.y));
    Rect {
        x,
        y,
        w: (a.x + a.w).max(b.x + b.w) - x,
        h: (a.y + a.h).max(b.y + b.h) - y,
    }
}

fn centre_on_screen(r: &Rect, view: &CanvasState) -> [f64; 2] {
    [
        (r.x + r.w / 2.0) * view.zoom + view.pan.x,
        (r.y + r.h / 2.0) * view.zoom + view.pan.y,
    ]
}

/// From the parent's far side to the child's near side, bending halfway, as the DOM view's
/// curves do.
fn elbow(p: &Rect, c: &Rect, orientation: Orientation, view: &CanvasState) -> [f64; 8] {
    let s = |x: f64, y: f64| (x * view.zoom + view.pan.x, y * view.zoom + view.pan.y);
    let (a, b, m1, m2) = match orientation {
        Orientation::Vertical => {
            let (x1, y1) = (p.x + p.w / 2.0, p.y + p.h);
            let (x2, y2) = (c.x + c.w / 2.0, c.y);
            let mid = (y1 + y2) / 2.0;
            (s(x1, y1), s(x2, y2), s(x1, mid), s(x2, mid))
        }
        Orientation::Horizontal => {
            let (x1, y1) = (p.x + p.w, p.y + p.h / 2.0);
            let (x2, y2) = (c.x, c.y + c.h / 2.0);
            let mid = (x1 + x2) / 2.0;
            (s(x1, y1), s(x2, y2), s(mid, y1), s(mid, y2))
        }
    };
    [a.0, a.1, m1.0, m1.1, m2.0, m2.1, b.0, b.1]
}

/// The node painted under canvas point (`px`, `py`), if any: the last painted wins, as on
/// screen.
pub fn node_at(d: &Drawing, view: &CanvasState, px: f64, py: f64) -> Option<usize> {
    d.layout.rects.iter().enumerate().rev().find_map(|(i, r)| {
        let [x, y, w, h] = to_screen(r.as_ref()?, view);
        (px >= x && px <= x + w && py >= y && py <= y + h).then_some(i)
    })
}

/// Paints `scene` on `canvas`, resizing its backing store to its CSS size × device pixels.
#[cfg(feature = "hydrate")]
pub fn paint(canvas: &web_sys::HtmlCanvasElement, scene: &Scene) {
    use wasm_bindgen::JsCast;
    let dpr = web_sys::window()
        .map(|w| w.device_pixel_ratio())
        .unwrap_or(1.0)
        .max(1.0);
    let (cw, ch) = (canvas.client_width() as f64, canvas.client_height() as f64);
    let (bw, bh) = ((cw * dpr).round() as u32, (ch * dpr).round() as u32);
    if canvas.width() != bw || canvas.height() != bh {
        canvas.set_width(bw);
        canvas.set_height(bh);
    }
    let Some(ctx) = canvas
        .get_context("2d")
        .ok()
        .flatten()
        .and_then(|c| c.dyn_into::<web_sys::CanvasRenderingContext2d>().ok())
    else {
        return;
    };
    let _ = ctx.set_transform(1.0, 0.0, 0.0, 1.0, 0.0, 0.0);
    ctx.clear_rect(0.0, 0.0, bw as f64, bh as f64);
    let _ = ctx.set_transform(dpr, 0.0, 0.0, dpr, 0.0, 0.0);

    ctx.set_line_width(1.0);
    ctx.set_stroke_style_str("#9aa5b5");
    ctx.begin_path();
    for e in &scene.edges {
        ctx.move_to(e[0], e[1]);
        ctx.line_to(e[2], e[3]);
        ctx.line_to(e[4], e[5]);
        ctx.line_to(e[6], e[7]);
    }
    ctx.stroke();

    for (boxes, t) in scene.boxes.iter().zip(NodeType::ALL) {
        if boxes.is_empty() {
            continue;
        }
        ctx.set_fill_style_str(super::draw::type_colour(t));
        ctx.begin_path();
        for b in boxes {
            ctx.rect(b[0], b[1], b[2], b[3]);
        }
        ctx.fill();
    }

    if !scene.links.is_empty() {
        ctx.set_stroke_style_str("#c0567a");
        let dash = js_sys::Array::of2(&LINK_DASH[0].into(), &LINK_DASH[1].into());
        let _ = ctx.set_line_dash(&dash);
        ctx.begin_path();
        for l in &scene.links {
            ctx.move_to(l[0], l[1]);
            ctx.line_to(l[2], l[3]);
        }
        ctx.stroke();
        let _ = ctx.set_line_dash(&js_sys::Array::new());
    }

    let ring = |b: &[f64; 4], colour: &str, width: f64| {
        ctx.set_stroke_style_str(colour);
        ctx.set_line_width(width);
        let pad = width / 2.0 + 1.0;
        ctx.stroke_rect(b[0] - pad, b[1] - pad, b[2] + 2.0 * pad, b[3] + 2.0 * pad);
    };
    for m in &scene.matches {
        ring(m, "#e0a800", 2.0);
    }
    if let Some(s) = &scene.selected {
        ring(s, "#1f6fd1", 3.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{CanvasState, Pan, Position, TreeNode};
    use crate::ui::editor::draw::draw;

    fn node(id: &str, parent: Option<&str>, t: NodeType, order: i32) -> TreeNode {
        TreeNode {
            id: id.to_string(),
            parent_id: parent.map(str::to_string),
            node_type: t,
            title: format!("Title {id}"),
            description: None,
            position: Position::default(),
            is_collapsed: false,
            template_data: serde_json::json!({}),
            sort_order: order,
            version: 1,
        }
    }

    fn tree(children: usize) -> Vec<TreeNode> {
        let mut nodes = vec![node("root", None, NodeType::Objective, 0)];
        for i in 0..children {
            nodes.push(node(&format!("c{i}"), Some("root"), NodeType::Outcome, i as i32));
        }
        nodes
    }

    fn view(zoom: f64, x: f64, y: f64) -> CanvasState {
        CanvasState {
            zoom,
            pan: Pan { x, y },
            orientation: Orientation::Vertical,
        }
    }

    #[test]
    fn paints_every_node_in_view_once_by_type_and_its_edges() {
        let nodes = tree(50);
        let d = draw(&nodes, &[], Orientation::Vertical);
        let b = d.layout.bounds;
        let v = CanvasState::default().fit((b.w, b.h), (1200.0, 800.0), 0.0);
        let s = scene(&d, |i| nodes[i].node_type, &v, (1200.0, 800.0), None, &[]);
        assert_eq!(s.drawn, 51);
        assert_eq!(s.boxes[type_slot(NodeType::Objective)].len(), 1);
        assert_eq!(s.boxes[type_slot(NodeType::Outcome)].len(), 50);
        assert_eq!(s.edges.len(), 50);
        for bx in s.boxes.iter().flatten() {
            assert!(bx[2] >= MIN_PX && bx[3] >= MIN_PX);
        }
    }

    #[test]
    fn leaves_out_what_is_outside_the_canvas() {
        let nodes = tree(50);
        let d = draw(&nodes, &[], Orientation::Vertical);
        // Pan the whole tree off to the right of the canvas.
        let s = scene(
            &d,
            |i| nodes[i].node_type,
            &view(0.1, 5000.0, 0.0),
            (1200.0, 800.0),
            None,
            &[],
        );
        assert_eq!(s.drawn, 0);
        assert!(s.edges.is_empty());
        // Only the left part in view: fewer than all, more than none.
        let b = d.layout.bounds;
        let zoom = 0.2;
        let s = scene(
            &d,
            |i| nodes[i].node_type,
            &view(zoom, -(b.w * zoom) / 2.0, 0.0),
            (b.w * zoom / 4.0, 800.0),
            None,
            &[],
        );
        assert!(s.drawn > 0 && s.drawn < 51, "{}", s.drawn);
    }

    #[test]
    fn cross_links_are_cut_to_the_canvas_keeping_their_dashes_in_place() {
        let size = (1000.0, 500.0);
        let period = LINK_DASH[0] + LINK_DASH[1];
        // Inside: unchanged.
        assert_eq!(
            clip_to_canvas([10.0, 20.0, 900.0, 400.0], size),
            Some([10.0, 20.0, 900.0, 400.0])
        );
        // Missing the canvas, though the box around it overlaps it: dropped.
        assert_eq!(clip_to_canvas([-500.0, 100.0, 100.0, -500.0], size), None);
        assert_eq!(clip_to_canvas([0.0, 900.0, 1000.0, 900.0], size), None);
        // Hundreds of thousands of pixels long, across the canvas: only about the canvas's
        // width is left, starting a whole number of dash periods from the line's start.
        let long = [-300_000.0, 250.0, 200_000.0, 250.0];
        let [ax, ay, bx, by] = clip_to_canvas(long, size).unwrap();
        assert!(ax <= -period && ax > -2.0 * period, "{ax}");
        assert!((bx - (1000.0 + period)).abs() < 1e-6, "{bx}");
        assert_eq!((ay, by), (250.0, 250.0));
        let from_start = ax - long[0];
        assert!((from_start / period - (from_start / period).round()).abs() < 1e-6);
        // The same line panned by a pixel keeps its dashes where they were on the line.
        let panned = clip_to_canvas([long[0] + 1.0, 250.0, long[2] + 1.0, 250.0], size).unwrap();
        assert!(((panned[0] - (long[0] + 1.0)) / period).fract().abs() < 1e-6);
        // Diagonal, both ends far outside.
        let [ax, ay, bx, by] = clip_to_canvas([-10_000.0, -10_000.0, 10_000.0, 10_000.0], size).unwrap();
        for (x, y) in [(ax, ay), (bx, by)] {
            assert!(x >= -2.0 * period && x <= 1000.0 + period, "{x}");
            assert!(y >= -2.0 * period && y <= 500.0 + period, "{y}");
        }
    }

    #[test]
    fn a_click_finds_the_node_painted_there() {
        let nodes = tree(5);
        let d = draw(&nodes, &[], Orientation::Vertical);
        let v = view(0.1, 10.0, 20.0);
        for (i, r) in d.layout.rects.iter().enumerate() {
            let r = r.unwrap();
            let [x, y] = centre_on_screen(&r, &v);
            assert_eq!(node_at(&d, &v, x, y), Some(i));
        }
        assert_eq!(node_at(&d, &v, -50.0, -50.0), None);
        let s = scene(&d, |i| nodes[i].node_type, &v, (1200.0, 800.0), Some(2), &[1, 3]);
        assert_eq!(s.selected, d.layout.rects[2].map(|r| to_screen(&r, &v)));
        assert_eq!(s.matches.len(), 2);
    }
}

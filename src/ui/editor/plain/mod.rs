//! The editor's browser code, without Leptos's views or reactive graph: the way to the page's
//! 200 KB WebAssembly target (BENCHMARKS.md, thirty-eighth and thirty-ninth sessions). The
//! server renders the editor (`editor_page`, static markup); this code takes over that markup,
//! holds the editor's state in one struct and changes the elements itself.
//!
//! It does all the editor does: the canvas (pan, zoom, fit, orientation, the rendered region
//! and the far-zoom overview, saving the view), selection, every change to the tree with undo
//! and redo (`commands`), search and the key list (`search`), the node form (`panel`), the
//! tree's form and activity (`tree_form`), share links and exports (`sharing`).

mod commands;
mod dom;
mod panel;
mod search;
mod sharing;
mod tree_form;

use std::cell::RefCell;
use std::collections::VecDeque;
use std::rc::Rc;

use wasm_bindgen::JsCast;

use super::draw::{
    self, region_around, region_serves, viewport_rect, visible_edge_boxes, visible_links, visible_nodes, Drawing, Px,
};
use super::state::{Change, Command, Meta, Notice};
use super::{overview, zoom_label, ASSUMED_VIEW, FAR_ZOOM};
use crate::api::nodes::NodeInput;
use crate::api::trees::SaveCanvasState;
use crate::model::editor::{self as tree_ops, DropPlan, DropZone};
use crate::model::layout::Rect;
use crate::model::{CanvasState, Connection, NodeType, Orientation, TreeDetail, TreeNode};
use crate::ui::share_markup;
use dom::{after, cancel, closest, document, find, listen, listen_active, next_frame, set_text, target_element};

const ZOOM_STEP: f64 = 1.25;
/// Deleting more nodes than this at once asks first.
const CONFIRM_DELETE_OVER: usize = 5;

/// The server's elements the editor changes.
struct Dom {
    canvas: web_sys::HtmlElement,
    content: web_sys::Element,
    nodes: web_sys::Element,
    edges: web_sys::Element,
    zoom_level: web_sys::Element,
    summary: web_sys::Element,
    orientation_button: web_sys::Element,
    page: web_sys::Element,
    /// The far-zoom overview's `<canvas>`, while zoomed out that far.
    overview: Option<web_sys::HtmlCanvasElement>,
    search: Option<web_sys::Element>,
    search_input: Option<web_sys::HtmlInputElement>,
    search_count: Option<web_sys::Element>,
    key_help: Option<web_sys::Element>,
}

/// A press on the canvas: panning the background, or a node (maybe dragging it).
#[derive(Clone)]
enum Press {
    Pan {
        x0: f64,
        y0: f64,
        start: CanvasState,
        moved: bool,
    },
    Node {
        id: String,
        x0: f64,
        y0: f64,
        dragging: bool,
    },
}

/// A node being dragged: what a drop where the pointer is would do.
struct Drag {
    id: String,
    target: Option<(String, DropZone)>,
    plan: Option<Result<Option<DropPlan>, String>>,
}

#[derive(Default)]
struct History {
    undo: Vec<Change>,
    redo: Vec<Change>,
}

struct Editor {
    tree_id: i32,
    meta: Meta,
    nodes: Vec<TreeNode>,
    links: Vec<Connection>,
    drawing: Drawing,
    view: CanvasState,
    /// The canvas's size in CSS pixels.
    size: (f64, f64),
    /// The layout area whose nodes and edges are in the page.
    region: Rect,
    selected: Option<String>,
    press: Option<Press>,
    drag: Option<Drag>,
    moving: bool,
    gesture_timer: Option<i32>,
    save_timer: Option<i32>,
    /// Saves may answer out of order: only the latest one's answer says whether the view on
    /// screen is saved.
    saves_sent: u64,
    paint_pending: bool,
    notice: Option<Notice>,
    queue: VecDeque<Command>,
    busy: bool,
    history: History,
    /// A node to bring into view once it is drawn (an add, a restore).
    reveal_when_drawn: Option<String>,
    /// A node whose title the panel should focus.
    edit_request: Option<String>,
    /// A save refused: the text typed, for the panel to put back.
    unsaved: Option<(String, NodeInput)>,
    /// The node a delete waits on the person's yes for.
    confirm_delete: Option<String>,
    query: String,
    /// The search's matches, in outline order, and the one last gone to.
    matches: Vec<String>,
    current_match: Option<usize>,
    /// A match to centre once its collapsed ancestors are open.
    centre_when_drawn: Option<String>,
    /// The last refused node save and whose it was, for the panel to show beside its field.
    field_error: Option<(String, crate::error::AppError)>,
    panel: Option<panel::Panel>,
    tree_form: Option<tree_form::TreeForm>,
    dom: Dom,
}

type Shared = Rc<RefCell<Editor>>;

/// The tree the server wrote into the page, if it is this one's; the block is emptied so its
/// megabyte is not kept twice.
fn tree_in_page(id: i32) -> Option<TreeDetail> {
    let script = document().get_element_by_id(super::TREE_SCRIPT_ID)?;
    if script.get_attribute("data-tree-id")? != id.to_string() {
        return None;
    }
    let json = script.text_content()?;
    let _ = script.remove_attribute("data-tree-id");
    script.set_text_content(None);
    crate::model::page_tree::decode(&json).ok()
}

fn server_dom() -> Option<Dom> {
    let page = document().query_selector(".tree-page").ok()??;
    let canvas = document().get_element_by_id("tree-canvas")?.dyn_into().ok()?;
    let (search, key_help) = search::adopt_parts(&page);
    Some(Dom {
        search_input: search::input_of(&search),
        search_count: search.as_ref().and_then(|bar| find(bar, "[data-testid=search-count]")),
        search,
        key_help,
        content: find(&page, ".canvas-content")?,
        nodes: find(&page, ".canvas-content .nodes")?,
        edges: find(&page, ".canvas-content .edges")?,
        zoom_level: find(&page, "[data-testid=zoom-level]")?,
        summary: find(&page, ".tree-header .muted")?,
        orientation_button: find(&page, "[data-testid=toggle-orientation]")?,
        overview: find(&page, "canvas.overview").and_then(|el| el.dyn_into().ok()),
        canvas,
        page,
    })
}

/// Starts the editor on the page the server rendered for tree `tree_id`. Lazy: a
/// WebAssembly chunk of its own, which only the editor's page loads.
#[leptos::lazy]
pub fn start_plain_editor(tree_id: i32) {
    let (Some(tree), Some(dom)) = (tree_in_page(tree_id), server_dom()) else {
        if let Some(page) = document().query_selector(".tree-page").ok().flatten() {
            page.set_inner_html(
                "<p class=\"page form-error\" role=\"alert\">The tree could not be opened. Reload the page to try again.</p>",
            );
        }
        crate::ui::islands::island_hydrated();
        return;
    };
    let view = tree.canvas_state;
    let drawing = draw::draw(&tree.nodes, &tree.connections, view.orientation);
    let editor = Rc::new(RefCell::new(Editor {
        tree_id,
        meta: Meta::of(&tree),
        nodes: tree.nodes,
        links: tree.connections,
        drawing,
        view,
        size: ASSUMED_VIEW,
        // What the server drew: the region around its assumed viewport.
        region: region_around(viewport_rect(&view, ASSUMED_VIEW)),
        selected: None,
        press: None,
        drag: None,
        moving: false,
        gesture_timer: None,
        save_timer: None,
        saves_sent: 0,
        paint_pending: false,
        notice: None,
        queue: VecDeque::new(),
        busy: false,
        history: History::default(),
        reveal_when_drawn: None,
        edit_request: None,
        unsaved: None,
        confirm_delete: None,
        query: String::new(),
        matches: Vec::new(),
        current_match: None,
        centre_when_drawn: None,
        field_error: None,
        panel: panel::Panel::adopt(&dom.page),
        tree_form: tree_form::TreeForm::adopt(&dom.page),
        dom,
    }));
    {
        let mut ed = editor.borrow_mut();
        ed.measure();
        ed.show_view(&editor);
        ed.fill_tree_form();
        ed.show_activity(&editor);
    }
    wire(&editor);
    panel::wire(&editor);
    tree_form::wire(&editor);
    crate::ui::islands::island_hydrated();
}

impl Editor {
    /// Reads the canvas's size; true when it changed.
    fn measure(&mut self) -> bool {
        let el = &self.dom.canvas;
        let size = (el.client_width() as f64, el.client_height() as f64);
        let changed = size.0 > 0.0 && size != self.size;
        if changed {
            self.size = size;
        }
        changed
    }

    fn overview_on(&self) -> bool {
        self.view.zoom < overview::OVERVIEW_ZOOM
    }

    /// Puts the view on screen: the transform, the zoom's label and classes, the overview,
    /// and the boxes once the view leaves the region they were drawn for.
    fn show_view(&mut self, me: &Shared) {
        let s = self.view;
        let _ = self.dom.content.set_attribute("style", &draw::transform_style(&s));
        set_text(&self.dom.zoom_level, &zoom_label(s.zoom));
        let _ = self.dom.canvas.class_list().toggle_with_force("far", s.zoom < FAR_ZOOM);
        let overview_on = self.overview_on();
        let overview_changed = overview_on != self.dom.overview.is_some();
        if overview_changed {
            self.set_overview(overview_on);
        }
        let view = viewport_rect(&s, self.size);
        let stale = !region_serves(&self.region, &view);
        if stale {
            self.region = region_around(view);
        }
        if stale || overview_changed {
            self.redraw();
        }
        self.paint_soon(me);
    }

    fn set_overview(&mut self, on: bool) {
        if let Some(old) = self.dom.overview.take() {
            old.remove();
        }
        if on {
            let Ok(el) = document().create_element("canvas") else {
                return;
            };
            let _ = el.set_attribute("class", "overview");
            let _ = el.set_attribute("data-testid", "overview");
            let _ = el.set_attribute("aria-hidden", "true");
            let _ = self.dom.canvas.insert_before(&el, Some(&self.dom.content));
            self.dom.overview = el.dyn_into().ok();
        }
    }

    /// Writes the boxes and edges of the region (none while the overview paints the tree).
    fn redraw(&mut self) {
        let d = &self.drawing;
        let r = self.region;
        if self.dom.overview.is_some() {
            self.dom.nodes.set_inner_html("");
            self.dom.edges.set_inner_html("");
            return;
        }
        let items = visible_nodes(&self.nodes, d, &r);
        self.dom.nodes.set_inner_html(&share_markup::editor_nodes(&items));
        self.dom.edges.set_inner_html(&share_markup::edges(
            d.orientation,
            visible_edge_boxes(d, &r),
            &visible_links(d, &r),
            items.len(),
        ));
        let frame = draw::EdgesFrame::of(&r, &d.layout.bounds);
        let e = &self.dom.edges;
        let _ = e.set_attribute("style", &frame.style);
        let _ = e.set_attribute("width", &frame.width);
        let _ = e.set_attribute("height", &frame.height);
        let _ = e.set_attribute("viewBox", &frame.view_box);
        // The new boxes carry no state yet.
        if let Some(id) = self.selected.clone() {
            mark_selected(&id, true);
        }
        self.show_matches(true);
    }

    /// Paints the overview before the next frame, once however often it is asked for.
    fn paint_soon(&mut self, me: &Shared) {
        if self.dom.overview.is_none() || self.paint_pending {
            return;
        }
        self.paint_pending = true;
        let me = me.clone();
        next_frame(move || me.borrow_mut().paint());
    }

    fn paint(&mut self) {
        self.paint_pending = false;
        let Some(el) = self.dom.overview.clone() else { return };
        let size = (el.client_width() as f64, el.client_height() as f64);
        let d = &self.drawing;
        let selected = self.selected.as_deref().and_then(|id| d.index.get(id));
        let nodes = &self.nodes;
        let type_of = |i: usize| nodes.get(i).map_or(crate::model::NodeType::Objective, |n| n.node_type);
        let found: Vec<usize> = self.matches.iter().filter_map(|id| d.index.get(id)).collect();
        let scene = overview::scene(d, type_of, &self.view, size, selected, &found);
        overview::paint(&el, &scene);
        // What the canvas benchmark counts as nodes in view.
        let _ = el.set_attribute("data-drawn-nodes", &scene.drawn.to_string());
    }

    fn select(&mut self, me: &Shared, id: Option<String>) {
        if self.selected == id {
            return;
        }
        if let Some(old) = self.selected.take() {
            mark_selected(&old, false);
        }
        match &id {
            Some(id) => {
                mark_selected(id, true);
                let _ = self
                    .dom
                    .canvas
                    .set_attribute("aria-activedescendant", &share_markup::box_id(id));
            }
            None => {
                let _ = self.dom.canvas.remove_attribute("aria-activedescendant");
            }
        }
        for action in ["add-sibling", "delete-node"] {
            set_disabled(&self.dom.page, action, id.is_none());
        }
        self.selected = id;
        self.paint_soon(me);
        self.show_panel(me);
    }

    /// Puts the selected node's title under the cursor.
    fn edit_selected(&mut self, me: &Shared) {
        if self.selected.is_some() {
            self.edit_request = self.selected.clone();
            self.show_panel(me);
        }
    }

    fn rect_of(&self, id: &str) -> Option<Rect> {
        let d = &self.drawing;
        d.index.get(id).and_then(|i| d.layout.rects[i])
    }

    /// Brings a node into view (centred) unless it is already wholly visible.
    fn reveal(&mut self, me: &Shared, id: &str, always_centre: bool) {
        let Some(r) = self.rect_of(id) else { return };
        let (w, h) = self.size;
        let view = viewport_rect(&self.view, (w, h));
        let inside = r.x >= view.x && r.y >= view.y && r.x + r.w <= view.x + view.w && r.y + r.h <= view.y + view.h;
        if inside && !always_centre {
            return;
        }
        self.view.pan.x = w / 2.0 - (r.x + r.w / 2.0) * self.view.zoom;
        self.view.pan.y = h / 2.0 - (r.y + r.h / 2.0) * self.view.zoom;
        self.view_changed(me);
    }

    /// A new view from the person: shown now, saved once they pause.
    fn view_changed(&mut self, me: &Shared) {
        self.show_view(me);
        self.save_view_soon(me);
    }

    fn zoom_by(&mut self, me: &Shared, factor: f64) {
        let (w, h) = self.size;
        self.view = self.view.zoom_at(factor, w / 2.0, h / 2.0);
        self.view_changed(me);
    }

    fn fit(&mut self, me: &Shared) {
        let b = self.drawing.layout.bounds;
        self.view = self.view.fit((b.w, b.h), self.size, 24.0);
        self.view_changed(me);
    }

    fn toggle_orientation(&mut self, me: &Shared) {
        let o = match self.view.orientation {
            Orientation::Vertical => Orientation::Horizontal,
            Orientation::Horizontal => Orientation::Vertical,
        };
        self.view.orientation = o;
        self.drawing = draw::draw(&self.nodes, &self.links, o);
        let name = orientation_name(o);
        let _ = self.dom.canvas.set_attribute("data-orientation", name);
        set_text(
            &self.dom.orientation_button,
            if o == Orientation::Vertical {
                "Horizontal"
            } else {
                "Vertical"
            },
        );
        self.show_summary();
        // The fit below may leave the region standing: the boxes moved all the same.
        self.redraw();
        self.fit(me);
    }

    fn save_view_soon(&mut self, me: &Shared) {
        if let Some(handle) = self.save_timer.take() {
            cancel(handle);
        }
        let me_later = me.clone();
        self.save_timer = Some(after(400, move || {
            let (args, sent) = {
                let mut ed = me_later.borrow_mut();
                ed.save_timer = None;
                ed.saves_sent += 1;
                (
                    SaveCanvasState {
                        tree_id: ed.tree_id,
                        state: ed.view,
                    },
                    ed.saves_sent,
                )
            };
            wasm_bindgen_futures::spawn_local(async move {
                let saved = crate::ui::fetch::call_for_outcome(&args).await;
                let mut ed = me_later.borrow_mut();
                if ed.saves_sent != sent {
                    return;
                }
                match saved {
                    Ok(_) => {
                        if matches!(ed.notice, Some(Notice::ViewNotSaved(_))) {
                            ed.set_notice(None);
                        }
                    }
                    // A notice about an edit matters more than one about the view.
                    Err(err) => {
                        if !matches!(ed.notice, Some(Notice::Error(_) | Notice::Conflict(_))) {
                            ed.set_notice(Some(Notice::view_not_saved(&err)));
                        }
                    }
                }
            });
        }));
    }

    /// The notice under the header, or none.
    fn set_notice(&mut self, notice: Option<Notice>) {
        if let Some(old) = find(&self.dom.page, "[data-testid=notice]") {
            old.remove();
        }
        if let Some(n) = &notice {
            let (class, text) = match n {
                Notice::Info(t) => ("notice info", t),
                Notice::Error(t) | Notice::ViewNotSaved(t) => ("notice error", t),
                Notice::Conflict(t) => ("notice conflict", t),
            };
            let mut html = format!("<div class=\"{class}\" role=\"alert\" data-testid=\"notice\"><span>");
            share_markup::escape_into(&mut html, text);
            html.push_str(
                "</span><button type=\"button\" class=\"secondary\" aria-label=\"Dismiss\" data-action=\"dismiss-notice\">×</button></div>",
            );
            if let Some(body) = find(&self.dom.page, ".editor-body") {
                let _ = body.insert_adjacent_html("beforebegin", &html);
            }
        }
        self.notice = notice;
    }

    /// The canvas layer is promoted (`will-change: transform`) only while it moves: a promoted
    /// layer keeps its raster scale, so zooming far out under it rasterises at the old scale.
    fn gesture_started(&mut self) {
        if !self.moving {
            self.moving = true;
            let _ = self.dom.canvas.class_list().add_1("moving");
        }
    }

    fn gesture_done_soon(&mut self, me: &Shared) {
        if let Some(handle) = self.gesture_timer.take() {
            cancel(handle);
        }
        let me = me.clone();
        self.gesture_timer = Some(after(250, move || {
            let mut ed = me.borrow_mut();
            ed.gesture_timer = None;
            if ed.press.is_none() && ed.moving {
                ed.moving = false;
                let _ = ed.dom.canvas.class_list().remove_1("moving");
            }
        }));
    }

    /// The node painted in the overview under a pointer (client coordinates).
    fn overview_hit(&self, client_x: i32, client_y: i32) -> Option<String> {
        if !self.overview_on() {
            return None;
        }
        let el = &self.dom.canvas;
        let rect = el.get_bounding_client_rect();
        let px = client_x as f64 - rect.left() - el.client_left() as f64;
        let py = client_y as f64 - rect.top() - el.client_top() as f64;
        let i = overview::node_at(&self.drawing, &self.view, px, py)?;
        self.nodes.get(i).map(|n| n.id.clone())
    }

    /// Arrow keys: the selection steps through the tree as it is drawn.
    fn select_step(&mut self, me: &Shared, key: &str) -> bool {
        let Some(step) = tree_ops::step_for_arrow(key, self.view.orientation) else {
            return false;
        };
        let d = &self.drawing;
        let from = self.selected.as_deref().and_then(|id| d.index.get(id));
        if let Some(id) = tree_ops::step(&d.index, &self.nodes, from, step).map(|i| self.nodes[i].id.clone()) {
            self.select(me, Some(id.clone()));
            self.reveal(me, &id, false);
        }
        true
    }

    fn on_canvas_key(&mut self, me: &Shared, ev: &web_sys::KeyboardEvent) -> bool {
        let key = ev.key();
        // Held keys would add or delete a node per repeat.
        if ev.repeat() && matches!(key.as_str(), "Tab" | "Enter" | "Delete" | "Backspace" | " ") {
            return true;
        }
        if ev.ctrl_key() || ev.meta_key() {
            return self.on_command_key(me, ev);
        }
        if ev.alt_key() {
            return self.move_step(me, &key);
        }
        match key.as_str() {
            "ArrowUp" | "ArrowDown" | "ArrowLeft" | "ArrowRight" => return self.select_step(me, &key),
            // With nothing selected Tab leaves the canvas, as it should.
            "Tab" if !ev.shift_key() && self.selected.is_some() => self.run(me, Command::AddChild),
            "Enter" => self.run(me, Command::AddSibling),
            "Delete" | "Backspace" => self.request_delete(me),
            "F2" => self.edit_selected(me),
            " " => self.toggle_selected(me),
            "Escape" => self.select(me, None),
            "+" | "=" => self.zoom_by(me, ZOOM_STEP),
            "-" => self.zoom_by(me, 1.0 / ZOOM_STEP),
            "0" => self.fit(me),
            "?" => self.open_key_help(),
            _ => return false,
        }
        true
    }

    /// Ctrl or ⌘ with a key, on the canvas or anywhere but a text field.
    fn on_command_key(&mut self, me: &Shared, ev: &web_sys::KeyboardEvent) -> bool {
        match ev.key().to_ascii_lowercase().as_str() {
            "z" if ev.shift_key() => self.run(me, Command::Redo),
            "z" => self.run(me, Command::Undo),
            "y" => self.run(me, Command::Redo),
            "f" => self.open_search(),
            _ => return false,
        }
        true
    }

    /// Alt+arrow: the keyboard's drag and drop.
    fn move_step(&mut self, me: &Shared, key: &str) -> bool {
        let Some(step) = tree_ops::step_for_arrow(key, self.view.orientation) else {
            return false;
        };
        let Some(id) = self.selected.clone() else {
            return true;
        };
        let d = &self.drawing;
        let plan = d
            .index
            .get(&id)
            .map(|i| tree_ops::keyboard_move(&d.index, &self.nodes, i, step));
        match plan {
            Some(Ok(Some(plan))) => {
                self.reveal_when_drawn = Some(id.clone());
                self.run(
                    me,
                    Command::Move {
                        id,
                        parent: plan.parent_id,
                        position: plan.position,
                    },
                );
            }
            Some(Err(why)) => self.set_notice(Some(Notice::Info(format!("Cannot move it there: {why}.")))),
            _ => {}
        }
        true
    }

    fn toggle_selected(&mut self, me: &Shared) {
        let Some(id) = self.selected.clone() else { return };
        let d = &self.drawing;
        let Some(i) = d.index.get(&id) else { return };
        if !d.index.children(i).is_empty() || self.nodes[i].is_collapsed {
            self.run(me, Command::ToggleCollapse { id });
        }
    }

    /// Deletes the selection; a subtree of more than a few nodes asks first.
    fn request_delete(&mut self, me: &Shared) {
        let Some(id) = self.selected.clone() else { return };
        let d = &self.drawing;
        let Some(i) = d.index.get(&id) else { return };
        let size = d.index.subtree(i).len();
        if size <= CONFIRM_DELETE_OVER {
            self.run(me, Command::Delete { id });
            return;
        }
        let mut html = String::from(
            "<div class=\"overlay\" data-dialog=\"confirm-delete\"><div class=\"dialog\" role=\"alertdialog\" \
             aria-modal=\"true\" aria-labelledby=\"confirm-delete-title\"><h2 id=\"confirm-delete-title\">Delete “",
        );
        share_markup::escape_into(&mut html, &self.nodes[i].title);
        html.push_str(&format!(
            "”?</h2><p>This deletes {size} nodes: the node and everything beneath it. You can undo it.</p>\
             <div class=\"form-actions\"><button type=\"button\" class=\"danger\" data-testid=\"confirm-delete-node\" \
             data-action=\"confirm-delete\">Delete</button><button type=\"button\" class=\"secondary\" \
             data-action=\"cancel-delete\">Cancel</button></div></div></div>"
        ));
        let _ = self.dom.page.insert_adjacent_html("beforeend", &html);
        if let Some(button) = find(&self.dom.page, "[data-action=confirm-delete]") {
            focus(&button);
        }
        self.confirm_delete = Some(id);
    }

    /// The answer to the delete question: `yes` deletes.
    fn close_confirm_delete(&mut self, me: &Shared, yes: bool) {
        if let Some(dialog) = find(&self.dom.page, "[data-dialog=confirm-delete]") {
            dialog.remove();
        }
        if let (Some(id), true) = (self.confirm_delete.take(), yes) {
            self.run(me, Command::Delete { id });
        }
        focus(&self.dom.canvas);
    }

    /// After the tree changed: its layout, boxes, header and empty state again.
    fn tree_changed(&mut self, me: &Shared) {
        self.drawing = draw::draw(&self.nodes, &self.links, self.view.orientation);
        if let Some(id) = &self.selected {
            if self.drawing.index.get(id).is_none() {
                self.select(me, None);
            }
        }
        self.redraw();
        self.find_matches(me);
        self.show_summary();
        self.show_empty();
        self.show_panel(me);
        if let Some(id) = self.reveal_when_drawn.clone() {
            if self.rect_of(&id).is_some() {
                self.reveal_when_drawn = None;
                self.reveal(me, &id, false);
            }
        }
        if let Some(id) = self.centre_when_drawn.clone() {
            if self.rect_of(&id).is_some() {
                self.centre_when_drawn = None;
                self.reveal(me, &id, true);
            }
        }
    }

    fn show_summary(&self) {
        set_text(
            &self.dom.summary,
            &format!(
                "{} · {} nodes · {}",
                self.meta.discovery_phase.as_str(),
                self.nodes.len(),
                orientation_name(self.view.orientation)
            ),
        );
    }

    /// An empty tree shows one button, for its first node.
    fn show_empty(&self) {
        let shown = find(&self.dom.canvas, "[data-testid=empty-tree]");
        match (self.nodes.is_empty(), shown) {
            (false, Some(el)) => el.remove(),
            (true, None) => {
                let _ = self.dom.canvas.insert_adjacent_html(
                    "afterbegin",
                    "<div class=\"empty-canvas\" data-testid=\"empty-tree\"><p>This tree has no nodes yet.</p>\
                     <button type=\"button\" data-action=\"add-first\">Add the objective</button></div>",
                );
            }
            _ => {}
        }
    }

    fn set_busy(&mut self, busy: bool) {
        self.busy = busy;
        let _ = self
            .dom
            .canvas
            .set_attribute("aria-busy", if busy { "true" } else { "false" });
    }

    fn sync_history(&self) {
        set_disabled(&self.dom.page, "undo", self.history.undo.is_empty());
        set_disabled(&self.dom.page, "redo", self.history.redo.is_empty());
    }

    fn add_first(&mut self, me: &Shared) {
        self.run(
            me,
            Command::Add {
                parent: None,
                position: None,
                input: NodeInput {
                    node_type: NodeType::Objective,
                    title: "New objective".to_string(),
                    description: None,
                    is_collapsed: false,
                    template_data: serde_json::json!({}),
                },
            },
        );
    }

    /// Layout coordinates of a pointer (client coordinates).
    fn to_layout(&self, client_x: f64, client_y: f64) -> (f64, f64) {
        let rect = self.dom.canvas.get_bounding_client_rect();
        let s = self.view;
        (
            (client_x - rect.left() - s.pan.x) / s.zoom,
            (client_y - rect.top() - s.pan.y) / s.zoom,
        )
    }

    /// A node dragged to layout point (`x`, `y`): the box under it, where on it, and what a
    /// drop would do, shown on the boxes and the ghost.
    fn drag_to(&mut self, id: &str, x: f64, y: f64) {
        let o = self.view.orientation;
        // Hit in the layout, which holds every box drawn (also those the server drew before
        // the client's first redraw).
        let d = &self.drawing;
        let Some(dragged) = d.index.get(id) else { return };
        let hit = d.layout.rects.iter().enumerate().find_map(|(i, r)| {
            let r = r.as_ref()?;
            let inside = x >= r.x && x <= r.x + r.w && y >= r.y && y <= r.y + r.h;
            if !inside || i == dragged {
                return None;
            }
            let along = match o {
                Orientation::Vertical => (x - r.x) / r.w,
                Orientation::Horizontal => (y - r.y) / r.h,
            };
            let zone = if along < 0.25 {
                DropZone::Before
            } else if along > 0.75 {
                DropZone::After
            } else {
                DropZone::Onto
            };
            Some((i, zone))
        });
        let plan = hit.map(|(target, zone)| tree_ops::plan_drop(&d.index, &self.nodes, dragged, target, zone));
        let hit = hit.map(|(target, zone)| (self.nodes[target].id.clone(), zone));
        if self.drag.is_none() {
            let _ = self.dom.canvas.class_list().add_1("dragging-node");
            mark(id, "dragging", true);
        }
        if let Some((old, _)) = self.drag.as_ref().and_then(|d| d.target.clone()) {
            for class in DROP_CLASSES {
                mark(&old, class, false);
            }
        }
        if let Some((target, zone)) = &hit {
            let class = match (&plan, zone) {
                (Some(Ok(_)), DropZone::Before) => "drop-before",
                (Some(Ok(_)), DropZone::After) => "drop-after",
                (Some(Ok(_)), DropZone::Onto) => "drop-onto",
                _ => "drop-refused",
            };
            mark(target, class, true);
        }
        let state = match &plan {
            Some(Ok(_)) => "drag-ghost ok",
            Some(Err(_)) => "drag-ghost refused",
            None => "drag-ghost",
        };
        let ghost = find(&self.dom.content, ".drag-ghost").or_else(|| {
            let el = document().create_element("div").ok()?;
            let _ = el.set_attribute("aria-hidden", "true");
            el.set_text_content(self.nodes.iter().find(|n| n.id == id).map(|n| n.title.as_str()));
            let _ = self.dom.content.append_child(&el);
            Some(el)
        });
        if let Some(ghost) = ghost {
            let _ = ghost.set_attribute("class", state);
            let _ = ghost.set_attribute("style", &format!("left:{}px;top:{}px", Px(x + 8.0), Px(y + 8.0)));
        }
        self.drag = Some(Drag {
            id: id.to_string(),
            target: hit,
            plan,
        });
    }

    /// The drag is over: its marks go; dropped, the move is made or refused with why.
    fn drag_done(&mut self, me: &Shared, dropped: bool) {
        let Some(drag) = self.drag.take() else { return };
        let _ = self.dom.canvas.class_list().remove_1("dragging-node");
        mark(&drag.id, "dragging", false);
        if let Some((target, _)) = &drag.target {
            for class in DROP_CLASSES {
                mark(target, class, false);
            }
        }
        if let Some(ghost) = find(&self.dom.content, ".drag-ghost") {
            ghost.remove();
        }
        if !dropped {
            return;
        }
        match drag.plan {
            Some(Ok(Some(plan))) => self.run(
                me,
                Command::Move {
                    id: drag.id,
                    parent: plan.parent_id,
                    position: plan.position,
                },
            ),
            Some(Err(why)) => self.set_notice(Some(Notice::Info(format!("Cannot drop there: {why}.")))),
            _ => {}
        }
    }
}

/// The classes a drop target may carry.
const DROP_CLASSES: [&str; 4] = ["drop-refused", "drop-before", "drop-after", "drop-onto"];

fn mark(id: &str, class: &str, on: bool) {
    if let Some(el) = document().get_element_by_id(&share_markup::box_id(id)) {
        let _ = el.class_list().toggle_with_force(class, on);
    }
}

fn focus(el: &web_sys::Element) {
    if let Some(el) = el.dyn_ref::<web_sys::HtmlElement>() {
        let _ = el.focus();
    }
}

/// Sets `disabled` on the page's button for `action`.
fn set_disabled(page: &web_sys::Element, action: &str, disabled: bool) {
    if let Some(button) = find(page, &format!("[data-action={action}]")) {
        let _ = button.toggle_attribute_with_force("disabled", disabled);
    }
}

fn orientation_name(o: Orientation) -> &'static str {
    match o {
        Orientation::Vertical => "vertical",
        Orientation::Horizontal => "horizontal",
    }
}

fn mark_selected(id: &str, on: bool) {
    if let Some(el) = document().get_element_by_id(&share_markup::box_id(id)) {
        let _ = el.class_list().toggle_with_force("selected", on);
        let _ = el.set_attribute("aria-selected", if on { "true" } else { "false" });
    }
}

/// The editor's listeners: one per kind of event, on the canvas, the header and the window.
fn wire(me: &Shared) {
    let canvas: web_sys::EventTarget = me.borrow().dom.canvas.clone().into();
    let page: web_sys::EventTarget = me.borrow().dom.page.clone().into();

    let m = me.clone();
    listen(&dom::window(), "resize", move |_: web_sys::Event| {
        let mut ed = m.borrow_mut();
        if ed.measure() {
            ed.show_view(&m);
        }
    });

    // Buttons anywhere on the editor's page, by what they do.
    let m = me.clone();
    listen(&page, "click", move |ev: web_sys::MouseEvent| {
        let Some(target) = target_element(&ev) else { return };
        let mut ed = m.borrow_mut();
        // A box's collapse toggle.
        if let Some(toggle) = closest(&target, ".node-toggle") {
            if let Some(id) = closest(&toggle, "[data-node-id]").and_then(|el| el.get_attribute("data-node-id")) {
                ed.run(&m, Command::ToggleCollapse { id });
            }
            return;
        }
        // A click beside the share dialog (on its overlay) closes it.
        if target.get_attribute("data-part").as_deref() == Some("share") {
            ed.close_share();
            return;
        }
        let Some(button) = closest(&target, "[data-action]") else {
            return;
        };
        match button.get_attribute("data-action").as_deref() {
            Some("zoom-in") => ed.zoom_by(&m, ZOOM_STEP),
            Some("zoom-out") => ed.zoom_by(&m, 1.0 / ZOOM_STEP),
            Some("fit") => ed.fit(&m),
            Some("toggle-orientation") => ed.toggle_orientation(&m),
            Some("dismiss-notice") => ed.set_notice(None),
            Some("add-child") => ed.run(&m, Command::AddChild),
            Some("add-sibling") => ed.run(&m, Command::AddSibling),
            Some("delete-node") => ed.request_delete(&m),
            Some("undo") => ed.run(&m, Command::Undo),
            Some("redo") => ed.run(&m, Command::Redo),
            Some("add-first") => ed.add_first(&m),
            Some("confirm-delete") => ed.close_confirm_delete(&m, true),
            Some("cancel-delete") => ed.close_confirm_delete(&m, false),
            Some("open-search") => ed.open_search(),
            Some("search-next") => ed.go_to_match(&m, true),
            Some("search-close") => ed.close_search(&m),
            Some("open-key-help") => ed.open_key_help(),
            Some("close-key-help") => ed.close_key_help(),
            Some("open-share") => ed.open_share(),
            Some("create-share-link") => ed.create_share_link(&m),
            Some("revoke-share-link") => {
                if let Some(id) = button.get_attribute("data-link-id") {
                    ed.revoke_share_link(&m, &id);
                }
            }
            Some("export") => {
                if let Some(kind) = button.get_attribute("data-kind") {
                    ed.export(&kind);
                }
            }
            _ => {}
        }
    });
    // A click beside the key list (on its overlay) closes it.
    let m = me.clone();
    if let Some(help) = me.borrow().dom.key_help.clone() {
        listen(&help, "click", move |ev: web_sys::MouseEvent| {
            if target_element(&ev).is_some_and(|t| t.class_list().contains("overlay")) {
                m.borrow().close_key_help();
            }
        });
    }

    let m = me.clone();
    if let Some(input) = me.borrow().dom.search_input.clone() {
        let typed = input.clone();
        listen(&input, "input", move |_: web_sys::Event| {
            m.borrow_mut().set_query(&m, typed.value());
        });
        let m = me.clone();
        listen(&input, "keydown", move |ev: web_sys::KeyboardEvent| {
            match ev.key().as_str() {
                "Enter" => {
                    ev.prevent_default();
                    m.borrow_mut().go_to_match(&m, !ev.shift_key());
                }
                "Escape" => {
                    ev.prevent_default();
                    m.borrow_mut().close_search(&m);
                }
                _ => {}
            }
        });
    }

    // Escape answers a dialog with no.
    let m = me.clone();
    listen(&page, "keydown", move |ev: web_sys::KeyboardEvent| {
        if ev.key() == "Escape"
            && target_element(&ev)
                .and_then(|t| closest(&t, "[data-dialog=confirm-delete]"))
                .is_some()
        {
            m.borrow_mut().close_confirm_delete(&m, false);
        }
    });

    // Outside the canvas: search from anywhere; undo, redo and the key list when not typing.
    let m = me.clone();
    listen(&dom::window(), "keydown", move |ev: web_sys::KeyboardEvent| {
        let typing =
            target_element(&ev).is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
        let command = ev.ctrl_key() || ev.meta_key();
        let mut ed = m.borrow_mut();
        if command && ev.key().eq_ignore_ascii_case("f") {
            ev.prevent_default();
            ed.open_search();
        } else if typing {
        } else if command {
            if ed.on_command_key(&m, &ev) {
                ev.prevent_default();
            }
        } else if ev.key() == "?" {
            ed.open_key_help();
        } else if ev.key() == "Escape" {
            // Wherever the focus is: a revoked link's button, gone, leaves it on the body.
            ed.close_key_help();
            ed.close_share();
        }
    });

    let m = me.clone();
    listen(&canvas, "keydown", move |ev: web_sys::KeyboardEvent| {
        // Keys meant for a control inside the canvas (the empty tree's button) stay there.
        if target_element(&ev).is_none_or(|el| el.id() != "tree-canvas") {
            return;
        }
        if m.borrow_mut().on_canvas_key(&m, &ev) {
            ev.prevent_default();
            ev.stop_propagation();
        }
    });

    let m = me.clone();
    listen_active(&canvas, "wheel", move |ev: web_sys::WheelEvent| {
        ev.prevent_default();
        let mut ed = m.borrow_mut();
        let rect = ed.dom.canvas.get_bounding_client_rect();
        let (px, py) = (ev.client_x() as f64 - rect.left(), ev.client_y() as f64 - rect.top());
        let factor = (-ev.delta_y() * 0.0015).exp();
        ed.gesture_started();
        ed.view = ed.view.zoom_at(factor, px, py);
        ed.view_changed(&m);
        ed.gesture_done_soon(&m);
    });

    let m = me.clone();
    listen(&canvas, "pointerdown", move |ev: web_sys::PointerEvent| {
        if ev.button() != 0 {
            return;
        }
        let target = target_element(&ev);
        if target.as_ref().and_then(|t| closest(t, "button")).is_some() {
            return;
        }
        let node_id = target
            .and_then(|t| closest(&t, "[data-node-id]"))
            .and_then(|el| el.get_attribute("data-node-id"));
        let mut ed = m.borrow_mut();
        let _ = ed.dom.canvas.set_pointer_capture(ev.pointer_id());
        let (x0, y0) = (ev.client_x() as f64, ev.client_y() as f64);
        ed.press = Some(match node_id {
            Some(id) => {
                ed.select(&m, Some(id.clone()));
                Press::Node {
                    id,
                    x0,
                    y0,
                    dragging: false,
                }
            }
            None => {
                ed.gesture_started();
                Press::Pan {
                    x0,
                    y0,
                    start: ed.view,
                    moved: false,
                }
            }
        });
    });

    let m = me.clone();
    listen(&canvas, "pointermove", move |ev: web_sys::PointerEvent| {
        let mut ed = m.borrow_mut();
        let (cx, cy) = (ev.client_x() as f64, ev.client_y() as f64);
        match ed.press.clone() {
            Some(Press::Pan { x0, y0, start, moved }) => {
                let (dx, dy) = (cx - x0, cy - y0);
                ed.view.pan.x = start.pan.x + dx;
                ed.view.pan.y = start.pan.y + dy;
                ed.press = Some(Press::Pan {
                    x0,
                    y0,
                    start,
                    moved: moved || dx.abs() + dy.abs() > 3.0,
                });
                ed.show_view(&m);
            }
            Some(Press::Node { id, x0, y0, dragging }) => {
                if !dragging && (cx - x0).abs() + (cy - y0).abs() < 6.0 {
                    return;
                }
                let (x, y) = ed.to_layout(cx, cy);
                ed.drag_to(&id, x, y);
                ed.press = Some(Press::Node {
                    id,
                    x0,
                    y0,
                    dragging: true,
                });
            }
            None => {}
        }
    });

    let m = me.clone();
    listen(&canvas, "pointerup", move |ev: web_sys::PointerEvent| {
        let mut ed = m.borrow_mut();
        ed.gesture_done_soon(&m);
        match ed.press.take() {
            Some(Press::Pan { moved: true, .. }) => ed.save_view_soon(&m),
            // In the overview a click selects the node painted under it.
            Some(Press::Pan { moved: false, .. }) => {
                let hit = ed.overview_hit(ev.client_x(), ev.client_y());
                ed.select(&m, hit);
            }
            Some(Press::Node { dragging: true, .. }) => ed.drag_done(&m, true),
            Some(Press::Node { .. }) | None => {}
        }
    });

    // A cancelled gesture (the browser took it over) does nothing.
    let m = me.clone();
    listen(&canvas, "pointercancel", move |_: web_sys::PointerEvent| {
        let mut ed = m.borrow_mut();
        ed.press = None;
        ed.gesture_done_soon(&m);
        ed.drag_done(&m, false);
    });

    // In the overview a double click zooms to 100 % on the node under it.
    let m = me.clone();
    listen(&canvas, "dblclick", move |ev: web_sys::MouseEvent| {
        let mut ed = m.borrow_mut();
        // A double click on a box edits it. The target is the canvas (its pointer capture),
        // so the box is found by where the pointer is.
        let on_box = document()
            .element_from_point(ev.client_x() as f32, ev.client_y() as f32)
            .and_then(|el| closest(&el, "[data-node-id]"))
            .and_then(|el| el.get_attribute("data-node-id"));
        if let Some(id) = on_box {
            ed.select(&m, Some(id));
            ed.edit_selected(&m);
            return;
        }
        let Some(id) = ed.overview_hit(ev.client_x(), ev.client_y()) else {
            return;
        };
        ed.select(&m, Some(id.clone()));
        ed.view.zoom = 1.0;
        ed.reveal(&m, &id, true);
    });
}

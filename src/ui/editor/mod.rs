//! `/trees/:id`: the tree editor. The server draws the tree with the shared layout at its saved
//! zoom, pan and orientation, so it reads before (and without) the WebAssembly app; once
//! hydrated every edit goes through the node server functions and can be undone.
//!
//! Only nodes near the viewport are in the DOM; panning and zooming change one transform and
//! re-render only when the view leaves the rendered region. Zoomed out below
//! `overview::OVERVIEW_ZOOM` the tree is painted on a `<canvas>` instead (see `overview`).

pub(crate) mod draw;
mod overview;
pub mod panel;
#[cfg(feature = "hydrate")]
pub mod plain;
mod state;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::error::AppError;
use crate::model::editor::{self as tree_ops, DropPlan, DropZone};
use crate::model::layout::Rect;
use crate::model::{CanvasState, NodeType, Orientation, TreeDetail};
use crate::ui::auth::RequireUser;
use crate::ui::share_markup;
use draw::{region_around, region_serves, viewport_rect, visible_edge_boxes, visible_links, visible_nodes, Fixed, Px};
use panel::SidePanel;
pub use state::{Command, Editor, Notice};

/// The id of the `<script type="application/json">` the server puts the tree in.
///
/// Not a prop of the island nor a `Resource`: Leptos writes those into the page as JSON in an
/// attribute or a JavaScript string, which the browser parses as a script (~25 ms of a
/// 5,000-node page's load) before the WebAssembly copies it out. The server writes the tree as
/// a data block instead ([`model::page_tree`](crate::model::page_tree)'s compact form), and
/// the island reads it back from the page.
const TREE_SCRIPT_ID: &str = "editor-tree";

/// `/trees/:id`, a route of the server's: the page is rendered here, and the browser's plain
/// client (`plain`), a WebAssembly chunk of its own, takes it over.
#[component]
pub fn TreeRoute() -> impl IntoView {
    let params = use_params_map();
    let id = params.read_untracked().get("id").and_then(|id| id.parse::<i32>().ok());
    // Asked for beside the session's user, which RequireUser waits for, not after it.
    let tree = AsyncDerived::new(move || async move {
        match id {
            Some(id) => load_page(id).await,
            None => Err(AppError::NotFound),
        }
    });
    view! {
        <RequireUser>
            <TreeLoader tree />
        </RequireUser>
    }
}

/// The tree the page is drawn from, and its JSON as the page carries it.
type PageResult = Result<PageHandoff, AppError>;

/// The loaded tree, handed from the loader to the one view that draws it. An `AsyncDerived`
/// keeps its value for the page's life and gives a clone to whoever awaits it: with the tree
/// itself as the value, a page was made with two copies of its tree (100,000 nodes: ~90 MB
/// more, heaptrack). Cloning this shares the one; the view takes it.
#[derive(Clone)]
struct PageHandoff(std::sync::Arc<std::sync::Mutex<Option<(TreeDetail, String)>>>);

impl PageHandoff {
    #[cfg(feature = "ssr")]
    fn new(loaded: (TreeDetail, String)) -> Self {
        PageHandoff(std::sync::Arc::new(std::sync::Mutex::new(Some(loaded))))
    }

    /// The tree and its JSON; `None` once taken.
    fn take(&self) -> Option<(TreeDetail, String)> {
        self.0.lock().map_or(None, |mut loaded| loaded.take())
    }
}

async fn load_page(id: i32) -> PageResult {
    #[cfg(feature = "ssr")]
    return crate::api::trees::load_page_tree(id).await.map(PageHandoff::new);
    // The route is rendered on the server only.
    #[cfg(not(feature = "ssr"))]
    {
        let _ = id;
        Err(AppError::Internal)
    }
}

#[component]
fn TreeLoader(tree: AsyncDerived<PageResult>) -> impl IntoView {
    view! {
        <Suspense fallback=|| view! { <p class="page muted">"Loading the tree…"</p> }>
            // A Suspend, not a `move ||` closure: server rendering calls a closure twice once
            // its data are there (a dry run to find resources, then the HTML), and built the
            // whole editor twice. This runs on the server only; a reload after a conflict goes
            // through the editor's own state.
            {Suspend::new(async move {
                // Taken once: a Suspend's future is polled to its end once, its view kept.
                match tree.await.and_then(|loaded| loaded.take().ok_or(AppError::Internal)) {
                    Ok((tree, json)) => {
                        // After the editor: the browser paints the drawn tree before it
                        // has parsed the megabyte of data after it.
                        let id = tree.id;
                        let name = tree.name.clone();
                        // Static markup that the browser's plain client takes over.
                        view! {
                            <Title text=name />
                            {editor(tree)}
                            <PlainEditorParts />
                            <script type="application/json" id=TREE_SCRIPT_ID data-tree-id=id inner_html=json></script>
                        }
                        .into_any()
                    }
                    Err(AppError::NotFound) => view! { <crate::ui::layout::NotFound /> }.into_any(),
                    Err(err) => view! { <p class="page form-error" role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

const ZOOM_STEP: f64 = 1.25;
/// The viewport the server assumes when it picks which nodes to draw; the browser corrects it.
const ASSUMED_VIEW: (f64, f64) = (1600.0, 1000.0);
/// Below this zoom titles are unreadable: nodes are drawn as plain coloured boxes.
const FAR_ZOOM: f64 = 0.45;
/// Deleting more nodes than this at once asks first.
const CONFIRM_DELETE_OVER: usize = 5;

/// A press on the canvas: panning the background or pressing (maybe dragging) a node.
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

/// A node being dragged: where the pointer is (layout coordinates) and what a drop would do.
#[derive(Clone, PartialEq)]
struct DragView {
    id: String,
    title: String,
    x: f64,
    y: f64,
    target: Option<(String, DropZone)>,
    plan: Option<Result<Option<DropPlan>, String>>,
}

fn editor(tree: TreeDetail) -> AnyView {
    let ed = Editor::new(tree);
    let name = Memo::new(move |_| ed.meta.with(|m| m.name.clone()));
    let orientation = Memo::new(move |_| ed.view.with(|v| v.orientation));
    let canvas_ref = NodeRef::<leptos::html::Div>::new();

    // --- Viewport, the rendered region, and saving the view ---------------------------------
    let viewport_size = RwSignal::new(ASSUMED_VIEW);
    let region = RwSignal::new(region_around(viewport_rect(&ed.view.get_untracked(), ASSUMED_VIEW)));
    let measure = move || {
        if let Some(el) = canvas_ref.get_untracked() {
            let size = (el.client_width() as f64, el.client_height() as f64);
            if size.0 > 0.0 && size != viewport_size.get_untracked() {
                viewport_size.set(size);
            }
        }
    };
    Effect::new(move |_| {
        canvas_ref.track();
        measure();
    });
    #[cfg(feature = "hydrate")]
    {
        let resize = window_event_listener(leptos::ev::resize, move |_| measure());
        on_cleanup(move || resize.remove());
    }
    Effect::new(move |_| {
        let view = viewport_rect(&ed.view.get(), viewport_size.get());
        if !region_serves(&region.get_untracked(), &view) {
            region.set(region_around(view));
        }
    });

    let pending_save = StoredValue::new(None::<leptos::prelude::TimeoutHandle>);
    // Saves may answer out of order (a slow one after a later one): only the latest one's
    // answer says whether the view on screen is saved.
    let saves_sent = StoredValue::new(0u64);
    let save_view_soon = move || {
        if let Some(handle) = pending_save.get_value() {
            handle.clear();
        }
        let handle = set_timeout_with_handle(
            move || {
                // The page may have moved on within the delay.
                let Some(state) = ed.view.try_get_untracked() else {
                    return;
                };
                let Some(sent) = saves_sent.try_update_value(|n| {
                    *n += 1;
                    *n
                }) else {
                    return;
                };
                leptos::task::spawn_local(async move {
                    let saved = crate::api::trees::save_canvas_state(ed.tree_id, state).await;
                    if !ed.alive() || saves_sent.try_get_value() != Some(sent) {
                        return;
                    }
                    let shown = ed.notice.get_untracked();
                    match saved {
                        Ok(_) => {
                            if matches!(shown, Some(Notice::ViewNotSaved(_))) {
                                ed.notice.set(None);
                            }
                        }
                        // A notice about an edit matters more than one about the view.
                        Err(err) => {
                            if !matches!(shown, Some(Notice::Error(_) | Notice::Conflict(_))) {
                                ed.notice.set(Some(Notice::view_not_saved(&err)));
                            }
                        }
                    }
                });
            },
            std::time::Duration::from_millis(400),
        )
        .ok();
        pending_save.set_value(handle);
    };
    on_cleanup(move || {
        if let Some(Some(handle)) = pending_save.try_get_value() {
            handle.clear();
        }
    });
    // The canvas layer is promoted (`will-change: transform`) only while it moves: a promoted
    // layer keeps the raster scale it had, so zooming far out under it rasterises at the old
    // scale (seconds per frame on big trees); after the gesture the browser re-rasters once.
    let moving = RwSignal::new(false);
    let press = StoredValue::new(None::<Press>);
    let gesture_timer = StoredValue::new(None::<leptos::prelude::TimeoutHandle>);
    let gesture_done_soon = move || {
        if let Some(handle) = gesture_timer.get_value() {
            handle.clear();
        }
        let handle = set_timeout_with_handle(
            move || {
                if press.try_get_value().flatten().is_none() {
                    let _ = moving.try_set(false);
                }
            },
            std::time::Duration::from_millis(250),
        )
        .ok();
        gesture_timer.set_value(handle);
    };
    let gesture_started = move || {
        if !moving.get_untracked() {
            moving.set(true);
        }
    };
    on_cleanup(move || {
        if let Some(Some(handle)) = gesture_timer.try_get_value() {
            handle.clear();
        }
    });
    let zoom_by = move |factor: f64| {
        let (w, h) = viewport_size.get_untracked();
        ed.view.update(|s| *s = s.zoom_at(factor, w / 2.0, h / 2.0));
        save_view_soon();
    };
    let fit = move || {
        let bounds = ed.drawing.with_untracked(|d| d.layout.bounds);
        ed.view
            .update(|s| *s = s.fit((bounds.w, bounds.h), viewport_size.get_untracked(), 24.0));
        save_view_soon();
    };
    let toggle_orientation = move || {
        ed.view.update(|s| {
            s.orientation = match s.orientation {
                Orientation::Vertical => Orientation::Horizontal,
                Orientation::Horizontal => Orientation::Vertical,
            }
        });
        fit();
    };
    let rect_of = move |id: &str| -> Option<Rect> {
        ed.drawing
            .with_untracked(|d| d.index.get(id).and_then(|i| d.layout.rects[i]))
    };
    // Brings a node into view (centred) unless it is already fully visible.
    let reveal = move |id: &str, always_centre: bool| {
        let Some(r) = rect_of(id) else { return };
        let (w, h) = viewport_size.get_untracked();
        let view = viewport_rect(&ed.view.get_untracked(), (w, h));
        let inside = r.x >= view.x && r.y >= view.y && r.x + r.w <= view.x + view.w && r.y + r.h <= view.y + view.h;
        if inside && !always_centre {
            return;
        }
        ed.view.update(|s| {
            s.pan.x = w / 2.0 - (r.x + r.w / 2.0) * s.zoom;
            s.pan.y = h / 2.0 - (r.y + r.h / 2.0) * s.zoom;
        });
        save_view_soon();
    };
    // A node to centre once it has a place (after its collapsed ancestors open).
    let centre_on = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        ed.drawing.track();
        if let Some(id) = centre_on.get() {
            if rect_of(&id).is_some() {
                reveal(&id, true);
                centre_on.set(None);
            }
        }
    });
    // A node the editor was asked to bring into view (keyboard steps, adds, undo), once drawn.
    // Not every selection: a click must not move the canvas under the pointer.
    Effect::new(move |_| {
        ed.drawing.track();
        if let Some(id) = ed.reveal.get() {
            if rect_of(&id).is_some() {
                reveal(&id, false);
                ed.reveal.set(None);
            }
        }
    });

    // --- What is drawn -------------------------------------------------------------------
    let overview_on = Memo::new(move |_| ed.view.with(|v| v.zoom < overview::OVERVIEW_ZOOM));
    let items = Memo::new(move |_| {
        if overview_on.get() {
            return Vec::new();
        }
        let d = ed.drawing.get();
        let r = region.get();
        ed.nodes.with(|nodes| visible_nodes(nodes, &d, &r))
    });
    // The boxes and edges are markup strings (`share_markup`), not a view per node: one
    // innerHTML per redraw, and none of a keyed list's per-node owners and effects in the
    // WebAssembly or in hydration. What changes without a redraw (selection, search hits,
    // drag and drop) is set on the elements below.
    let nodes_html = Memo::new(move |_| items.with(|items| share_markup::editor_nodes(items)));
    let edges_html = Memo::new(move |_| {
        if overview_on.get() {
            return String::new();
        }
        let d = ed.drawing.get();
        let r = region.get();
        share_markup::edges(d.orientation, visible_edge_boxes(&d, &r), &visible_links(&d, &r))
    });
    let far = Memo::new(move |_| ed.view.with(|v| v.zoom < FAR_ZOOM));
    let overview_ref = NodeRef::<leptos::html::Canvas>::new();
    let bounds = Memo::new(move |_| ed.drawing.with(|d| d.layout.bounds));

    // --- Search ----------------------------------------------------------------------------
    let search_open = RwSignal::new(false);
    let query = RwSignal::new(String::new());
    let search_ref = NodeRef::<leptos::html::Input>::new();
    let matches = Memo::new(move |_| {
        let q = query.get();
        let d = ed.drawing.get();
        ed.nodes.with(|nodes| {
            tree_ops::search(&d.index, nodes, &q)
                .into_iter()
                .map(|i| nodes[i].id.clone())
                .collect::<Vec<_>>()
        })
    });

    // The overview is painted at most once a frame, from the state at that frame.
    #[cfg(feature = "hydrate")]
    {
        let paint_pending = StoredValue::new(false);
        Effect::new(move |_| {
            overview_ref.track();
            ed.view.track();
            ed.drawing.track();
            ed.selected.track();
            matches.track();
            viewport_size.track();
            if !overview_on.get() || paint_pending.get_value() {
                return;
            }
            paint_pending.set_value(true);
            request_animation_frame(move || {
                if paint_pending.try_update_value(|p| *p = false).is_none() {
                    return;
                }
                let (Some(Some(el)), Some(view)) = (overview_ref.try_get_untracked(), ed.view.try_get_untracked())
                else {
                    return;
                };
                if view.zoom >= overview::OVERVIEW_ZOOM {
                    return;
                }
                let size = (el.client_width() as f64, el.client_height() as f64);
                let selected = ed.selected.get_untracked();
                let scene = ed.drawing.with_untracked(|d| {
                    ed.nodes.with_untracked(|nodes| {
                        let selected = selected.and_then(|id| d.index.get(&id));
                        let found: Vec<usize> =
                            matches.with_untracked(|m| m.iter().filter_map(|id| d.index.get(id)).collect());
                        let type_of = |i: usize| nodes.get(i).map_or(NodeType::Objective, |n| n.node_type);
                        overview::scene(d, type_of, &view, size, selected, &found)
                    })
                });
                overview::paint(&el, &scene);
                // What the canvas benchmark counts as nodes in view.
                let _ = el.set_attribute("data-drawn-nodes", &scene.drawn.to_string());
            });
        });
    }
    let current_match = RwSignal::new(None::<usize>);
    Effect::new(move |_| {
        query.track();
        current_match.set(None);
    });
    let go_to_match = move |forward: bool| {
        let found = matches.get_untracked();
        if found.is_empty() {
            return;
        }
        let next = match current_match.get_untracked() {
            None => 0,
            Some(i) if forward => (i + 1) % found.len(),
            Some(i) => (i + found.len() - 1) % found.len(),
        };
        current_match.set(Some(next));
        let id = found[next].clone();
        let closed: Vec<String> = ed.drawing.with_untracked(|d| {
            ed.nodes.with_untracked(|nodes| {
                d.index
                    .get(&id)
                    .map(|i| {
                        tree_ops::collapsed_ancestors(&d.index, nodes, i)
                            .into_iter()
                            .map(|a| nodes[a].id.clone())
                            .collect()
                    })
                    .unwrap_or_default()
            })
        });
        if !closed.is_empty() {
            ed.run(Command::Expand { ids: closed });
        }
        ed.selected.set(Some(id.clone()));
        centre_on.set(Some(id));
    };
    let open_search = move || {
        search_open.set(true);
        request_animation_frame(move || {
            if let Some(el) = search_ref.get_untracked() {
                let _ = el.focus();
                el.select();
            }
        });
    };

    // --- Deleting, with a question for big subtrees --------------------------------------------
    let confirm_delete = RwSignal::new(None::<(String, String, usize)>);
    let request_delete = move || {
        let Some(node) = ed.selected_node() else { return };
        let size = ed.subtree_size(&node.id);
        if size > CONFIRM_DELETE_OVER {
            confirm_delete.set(Some((node.id, node.title, size)));
        } else {
            ed.run(Command::Delete { id: node.id });
        }
    };
    let help_open = RwSignal::new(false);
    let share_open = RwSignal::new(false);
    let export = Callback::new(move |(kind, png_scale): (&'static str, f64)| {
        let meta = ed.meta.get_untracked();
        let source = crate::ui::export::ExportSource {
            name: meta.name,
            description: meta.description,
            phase: meta.discovery_phase,
            orientation: ed.view.get_untracked().orientation,
            nodes: ed.nodes.get_untracked(),
            connections: ed.links.get_untracked(),
        };
        Box::pin(crate::ui::export::download(kind, source, png_scale)) as crate::ui::export::ExportFuture
    });

    // --- Keys ------------------------------------------------------------------------------
    let select_step = move |key: &str| -> bool {
        let Some(step) = tree_ops::step_for_arrow(key, orientation.get_untracked()) else {
            return false;
        };
        let target = ed.drawing.with_untracked(|d| {
            ed.nodes.with_untracked(|nodes| {
                let from = ed.selected.get_untracked().and_then(|id| d.index.get(&id));
                tree_ops::step(&d.index, nodes, from, step).map(|i| nodes[i].id.clone())
            })
        });
        if let Some(id) = target {
            ed.selected.set(Some(id.clone()));
            ed.reveal.set(Some(id));
        }
        true
    };
    // Alt+arrow: the keyboard's drag and drop.
    let move_step = move |key: &str| -> bool {
        let Some(step) = tree_ops::step_for_arrow(key, orientation.get_untracked()) else {
            return false;
        };
        let Some(id) = ed.selected.get_untracked() else {
            return true;
        };
        let plan = ed.drawing.with_untracked(|d| {
            ed.nodes.with_untracked(|nodes| {
                d.index
                    .get(&id)
                    .map(|i| tree_ops::keyboard_move(&d.index, nodes, i, step))
            })
        });
        match plan {
            Some(Ok(Some(plan))) => {
                ed.run(Command::Move {
                    id: id.clone(),
                    parent: plan.parent_id,
                    position: plan.position,
                });
                ed.reveal.set(Some(id));
            }
            Some(Err(why)) => ed
                .notice
                .set(Some(Notice::Info(format!("Cannot move it there: {why}.")))),
            _ => {}
        }
        true
    };
    let on_canvas_key = move |ev: leptos::ev::KeyboardEvent| {
        // Keys meant for a control inside the canvas (the empty tree's button) stay there.
        let on_canvas = ev
            .target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
            .is_some_and(|el| el.id() == "tree-canvas");
        if !on_canvas {
            return;
        }
        let key = ev.key();
        // Held keys would add or delete a node per repeat.
        if ev.repeat() && matches!(key.as_str(), "Tab" | "Enter" | "Delete" | "Backspace" | " ") {
            ev.prevent_default();
            return;
        }
        let command = ev.ctrl_key() || ev.meta_key();
        let handled = if command {
            match key.to_ascii_lowercase().as_str() {
                "z" if ev.shift_key() => {
                    ed.redo_later();
                    true
                }
                "z" => {
                    ed.undo_later();
                    true
                }
                "y" => {
                    ed.redo_later();
                    true
                }
                "f" => {
                    open_search();
                    true
                }
                _ => false,
            }
        } else if ev.alt_key() {
            move_step(&key)
        } else {
            match key.as_str() {
                "ArrowUp" | "ArrowDown" | "ArrowLeft" | "ArrowRight" => select_step(&key),
                // With nothing selected Tab leaves the canvas, as it should.
                "Tab" if !ev.shift_key() && ed.selected.get_untracked().is_some() => {
                    ed.add_child();
                    true
                }
                "Enter" => {
                    ed.add_sibling();
                    true
                }
                "F2" => {
                    ed.edit_selected();
                    true
                }
                "Delete" | "Backspace" => {
                    request_delete();
                    true
                }
                " " => {
                    ed.toggle_selected();
                    true
                }
                "Escape" => {
                    ed.selected.set(None);
                    true
                }
                "+" | "=" => {
                    zoom_by(ZOOM_STEP);
                    true
                }
                "-" => {
                    zoom_by(1.0 / ZOOM_STEP);
                    true
                }
                "0" => {
                    fit();
                    true
                }
                "?" => {
                    help_open.set(true);
                    true
                }
                _ => false,
            }
        };
        if handled {
            ev.prevent_default();
            ev.stop_propagation();
        }
    };
    // Outside the canvas (not while typing): undo/redo, search and help still answer.
    #[cfg(feature = "hydrate")]
    {
        let keys = window_event_listener(leptos::ev::keydown, move |ev| {
            let typing = ev
                .target()
                .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
                .is_some_and(|el| matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
            let command = ev.ctrl_key() || ev.meta_key();
            let key = ev.key().to_ascii_lowercase();
            if command && key == "f" {
                ev.prevent_default();
                open_search();
            } else if typing {
            } else if command && key == "z" {
                ev.prevent_default();
                if ev.shift_key() {
                    ed.redo_later()
                } else {
                    ed.undo_later()
                }
            } else if command && key == "y" {
                ev.prevent_default();
                ed.redo_later();
            } else if key == "?" {
                help_open.set(true);
            } else if key == "escape" {
                help_open.set(false);
            }
        });
        on_cleanup(move || keys.remove());
    }

    // --- Pointer: pan the background, select and drag nodes -----------------------------------
    let drag = RwSignal::new(None::<DragView>);
    let to_layout = move |client_x: f64, client_y: f64| -> (f64, f64) {
        let Some(el) = canvas_ref.get_untracked() else {
            return (0.0, 0.0);
        };
        let rect = el.get_bounding_client_rect();
        let s = ed.view.get_untracked();
        (
            (client_x - rect.left() - s.pan.x) / s.zoom,
            (client_y - rect.top() - s.pan.y) / s.zoom,
        )
    };
    let on_wheel = move |ev: leptos::ev::WheelEvent| {
        ev.prevent_default();
        let Some(el) = canvas_ref.get_untracked() else { return };
        let rect = el.get_bounding_client_rect();
        let (px, py) = (ev.client_x() as f64 - rect.left(), ev.client_y() as f64 - rect.top());
        let factor = (-ev.delta_y() * 0.0015).exp();
        gesture_started();
        ed.view.update(|s| *s = s.zoom_at(factor, px, py));
        save_view_soon();
        gesture_done_soon();
    };
    let on_pointer_down = move |ev: leptos::ev::PointerEvent| {
        if ev.button() != 0 {
            return;
        }
        let target = ev
            .target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok());
        if target
            .as_ref()
            .and_then(|t| t.closest("button").ok().flatten())
            .is_some()
        {
            return;
        }
        let node_id = target
            .and_then(|t| t.closest("[data-node-id]").ok().flatten())
            .and_then(|el| el.get_attribute("data-node-id"));
        if let Some(el) = canvas_ref.get_untracked() {
            let _ = el.set_pointer_capture(ev.pointer_id());
        }
        let (x0, y0) = (ev.client_x() as f64, ev.client_y() as f64);
        press.set_value(Some(match node_id {
            Some(id) => {
                ed.selected.set(Some(id.clone()));
                Press::Node {
                    id,
                    x0,
                    y0,
                    dragging: false,
                }
            }
            None => {
                gesture_started();
                Press::Pan {
                    x0,
                    y0,
                    start: ed.view.get_untracked(),
                    moved: false,
                }
            }
        }));
    };
    let on_pointer_move = move |ev: leptos::ev::PointerEvent| {
        let Some(current) = press.get_value() else { return };
        let (cx, cy) = (ev.client_x() as f64, ev.client_y() as f64);
        match current {
            Press::Pan { x0, y0, start, .. } => {
                let (dx, dy) = (cx - x0, cy - y0);
                ed.view.update(|s| {
                    s.pan.x = start.pan.x + dx;
                    s.pan.y = start.pan.y + dy;
                });
                if dx.abs() + dy.abs() > 3.0 {
                    press.set_value(Some(Press::Pan {
                        x0,
                        y0,
                        start,
                        moved: true,
                    }));
                }
            }
            Press::Node { id, x0, y0, dragging } => {
                if !dragging && (cx - x0).abs() + (cy - y0).abs() < 6.0 {
                    return;
                }
                if !dragging {
                    press.set_value(Some(Press::Node {
                        id: id.clone(),
                        x0,
                        y0,
                        dragging: true,
                    }));
                }
                let (x, y) = to_layout(cx, cy);
                let o = orientation.get_untracked();
                let hit = items.with_untracked(|items| {
                    items
                        .iter()
                        .find(|it| {
                            it.id != id
                                && x >= it.rect.x
                                && x <= it.rect.x + it.rect.w
                                && y >= it.rect.y
                                && y <= it.rect.y + it.rect.h
                        })
                        .map(|it| {
                            let along = match o {
                                Orientation::Vertical => (x - it.rect.x) / it.rect.w,
                                Orientation::Horizontal => (y - it.rect.y) / it.rect.h,
                            };
                            let zone = if along < 0.25 {
                                DropZone::Before
                            } else if along > 0.75 {
                                DropZone::After
                            } else {
                                DropZone::Onto
                            };
                            (it.id.clone(), zone)
                        })
                });
                let plan = hit.as_ref().and_then(|(target, zone)| {
                    ed.drawing.with_untracked(|d| {
                        ed.nodes.with_untracked(|nodes| {
                            let (a, b) = (d.index.get(&id)?, d.index.get(target)?);
                            Some(tree_ops::plan_drop(&d.index, nodes, a, b, *zone))
                        })
                    })
                });
                let title = ed.node(&id).map(|n| n.title).unwrap_or_default();
                drag.set(Some(DragView {
                    id,
                    title,
                    x,
                    y,
                    target: hit,
                    plan,
                }));
            }
        }
    };
    // A cancelled gesture (the browser took it over) does nothing.
    let on_pointer_cancel = move |_ev: leptos::ev::PointerEvent| {
        press.set_value(None);
        gesture_done_soon();
        drag.set(None);
    };
    // The node painted in the overview under a pointer (client coordinates).
    let overview_hit = move |client_x: i32, client_y: i32| -> Option<String> {
        if !overview_on.get_untracked() {
            return None;
        }
        let el = canvas_ref.get_untracked()?;
        let rect = el.get_bounding_client_rect();
        let px = client_x as f64 - rect.left() - el.client_left() as f64;
        let py = client_y as f64 - rect.top() - el.client_top() as f64;
        let view = ed.view.get_untracked();
        ed.drawing.with_untracked(|d| {
            let i = overview::node_at(d, &view, px, py)?;
            ed.nodes.with_untracked(|nodes| nodes.get(i).map(|n| n.id.clone()))
        })
    };
    // A double click on a box edits it; in the overview it zooms to 100 % on that node.
    // (Heard on the canvas: its pointer capture makes it the target of the clicks.)
    let on_canvas_dblclick = move |ev: leptos::ev::MouseEvent| {
        // The event's target is the canvas (the capture), so the box is found by where the
        // pointer is.
        let on_box = document()
            .element_from_point(ev.client_x() as f32, ev.client_y() as f32)
            .and_then(|el| el.closest("[data-node-id]").ok().flatten())
            .and_then(|el| el.get_attribute("data-node-id"));
        if let Some(id) = on_box {
            ed.selected.set(Some(id));
            ed.edit_selected();
            return;
        }
        let Some(id) = overview_hit(ev.client_x(), ev.client_y()) else {
            return;
        };
        ed.selected.set(Some(id.clone()));
        ed.view.update(|s| s.zoom = 1.0);
        reveal(&id, true);
    };
    let on_pointer_up = move |ev: leptos::ev::PointerEvent| {
        gesture_done_soon();
        let Some(done) = press.get_value() else { return };
        press.set_value(None);
        match done {
            Press::Pan { moved: true, .. } => save_view_soon(),
            // In the overview a click selects the node painted under it.
            Press::Pan { moved: false, .. } => ed.selected.set(overview_hit(ev.client_x(), ev.client_y())),
            Press::Node { dragging: true, id, .. } => {
                if let Some(view) = drag.get_untracked() {
                    match view.plan {
                        Some(Ok(Some(plan))) => ed.run(Command::Move {
                            id,
                            parent: plan.parent_id,
                            position: plan.position,
                        }),
                        Some(Err(why)) => ed.notice.set(Some(Notice::Info(format!("Cannot drop there: {why}.")))),
                        _ => {}
                    }
                }
                drag.set(None);
            }
            Press::Node { .. } => {}
        }
    };

    // --- Markup ----------------------------------------------------------------------------
    let transform = move || {
        let s = ed.view.get();
        format!(
            "transform:translate({}px,{}px) scale({})",
            Px(s.pan.x),
            Px(s.pan.y),
            Fixed::<5>(s.zoom)
        )
    };
    let orientation_name = move || match orientation.get() {
        Orientation::Vertical => "vertical",
        Orientation::Horizontal => "horizontal",
    };
    // The edges' `<svg>` is only as large as the rendered region (within the tree): one the
    // size of a whole big layout (900,000 px wide at 5,000 nodes) costs seconds of raster
    // when zooming.
    let edges_frame = Memo::new(move |_| {
        let b = bounds.get();
        let r = region.get();
        let (x0, y0) = (r.x.max(b.x), r.y.max(b.y));
        let w = ((r.x + r.w).min(b.x + b.w) - x0).max(1.0);
        let h = ((r.y + r.h).min(b.y + b.h) - y0).max(1.0);
        (x0, y0, w, h)
    });
    let nodes_ref = NodeRef::<leptos::html::Div>::new();
    let edges_ref = NodeRef::<leptos::svg::Svg>::new();
    // The server writes the first drawing into the page; the browser keeps it and redraws
    // only when what it would draw changes.
    #[cfg(not(feature = "hydrate"))]
    let (first_nodes, first_edges) = (nodes_html.get_untracked(), edges_html.get_untracked());
    #[cfg(feature = "hydrate")]
    let (first_nodes, first_edges) = (String::new(), String::new());
    #[cfg(feature = "hydrate")]
    {
        // Bumped after each redraw of the boxes: their states are set again on the new
        // elements.
        let redrawn = Trigger::new();
        let dragged_id = Memo::new(move |_| drag.with(|d| d.as_ref().map(|d| d.id.clone())));
        let drop_state = Memo::new(move |_| {
            drag.with(|d| {
                d.as_ref().and_then(|d| {
                    let (target, zone) = d.target.clone()?;
                    let ok = matches!(d.plan, Some(Ok(_)));
                    Some((target, zone, ok))
                })
            })
        });
        let first_region = region.get_untracked();
        // `boxes`: the states are set again on the new boxes.
        let redraw = move |html: Memo<String>,
                           boxes: bool,
                           container: Box<dyn Fn() -> Option<web_sys::Element> + Send + Sync>| {
            Effect::new(move |drawn: Option<()>| {
                let html = html.get();
                // On the first run the page holds the server's drawing of this same region.
                if drawn.is_none() && region.get_untracked() == first_region {
                    return;
                }
                if let Some(el) = container() {
                    el.set_inner_html(&html);
                    if boxes {
                        redrawn.notify();
                    }
                }
            });
        };
        redraw(
            nodes_html,
            true,
            Box::new(move || nodes_ref.get_untracked().map(Into::into)),
        );
        redraw(
            edges_html,
            false,
            Box::new(move || edges_ref.get_untracked().map(Into::into)),
        );
        // One effect per state, each undoing only what it set last time.
        let mark = move |class: &'static str, ids: Box<dyn Fn() -> Vec<String> + Send + Sync>| {
            Effect::new(move |last: Option<Vec<String>>| {
                redrawn.track();
                let now = ids();
                for (ids, on) in [(last.unwrap_or_default(), false), (now.clone(), true)] {
                    for id in ids {
                        let Some(el) = document().get_element_by_id(&share_markup::box_id(&id)) else {
                            continue;
                        };
                        let _ = el.class_list().toggle_with_force(class, on);
                        if class == "selected" {
                            let _ = el.set_attribute("aria-selected", if on { "true" } else { "false" });
                        }
                    }
                }
                now
            });
        };
        mark("selected", Box::new(move || ed.selected.get().into_iter().collect()));
        mark("match", Box::new(move || matches.get()));
        mark(
            "current-match",
            Box::new(move || {
                let cur = current_match.get();
                matches.with(|m| cur.and_then(|i| m.get(i).cloned()).into_iter().collect())
            }),
        );
        mark("dragging", Box::new(move || dragged_id.get().into_iter().collect()));
        for (zone, ok, class) in [
            (None, false, "drop-refused"),
            (Some(DropZone::Before), true, "drop-before"),
            (Some(DropZone::After), true, "drop-after"),
            (Some(DropZone::Onto), true, "drop-onto"),
        ] {
            mark(
                class,
                Box::new(move || {
                    drop_state.with(|d| {
                        d.iter()
                            .filter(|(_, z, o)| *o == ok && (zone.is_none() || zone == Some(*z)))
                            .map(|(id, _, _)| id.clone())
                            .collect()
                    })
                }),
            );
        }
    }
    // Clicks inside the boxes: one listener for all of them.
    let on_nodes_click = move |ev: leptos::ev::MouseEvent| {
        let Some(toggle) = ev
            .target()
            .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
            .and_then(|t| t.closest(".node-toggle").ok().flatten())
        else {
            return;
        };
        ev.stop_propagation();
        if let Some(id) = toggle
            .closest("[data-node-id]")
            .ok()
            .flatten()
            .and_then(|el| el.get_attribute("data-node-id"))
        {
            ed.run(Command::ToggleCollapse { id });
        }
    };
    let count = move || ed.nodes.with(|n| n.len());
    let phase = move || ed.meta.with(|m| m.discovery_phase.as_str());
    let active_descendant = move || ed.selected.get().map(|id| share_markup::box_id(&id));
    let has_selection = move || ed.selected.with(|s| s.is_some());
    let add_first = move |_| {
        ed.run(Command::Add {
            parent: None,
            position: None,
            input: crate::api::nodes::NodeInput {
                node_type: NodeType::Objective,
                title: "New objective".to_string(),
                description: None,
                is_collapsed: false,
                template_data: serde_json::json!({}),
            },
        })
    };

    // Parts are type-erased: one nested view type this large overflows the stack when
    // rendered on the server in unoptimised builds.
    let header = view! {
        <header class="tree-header">
            <h1 data-testid="tree-name">{move || name.get()}</h1>
            <span class="muted">{move || format!("{} · {} nodes · {}", phase(), count(), orientation_name())}</span>
            <div class="canvas-tools" role="toolbar" aria-label="Edit">
                <button type="button" class="secondary" data-testid="add-child" data-action="add-child" title="Add a child (Tab)" on:click=move |_| ed.add_child()>"+ Child"</button>
                <button type="button" class="secondary" data-testid="add-sibling" data-action="add-sibling" title="Add a sibling (Enter)" disabled=move || !has_selection()
                    on:click=move |_| ed.add_sibling()>"+ Sibling"</button>
                <button type="button" class="secondary" data-testid="delete-node" data-action="delete-node" title="Delete (Delete)" disabled=move || !has_selection()
                    on:click=move |_| request_delete()>"Delete"</button>
                <button type="button" class="secondary" data-testid="undo" data-action="undo" title="Undo (Ctrl+Z)" aria-label="Undo"
                    disabled=move || !ed.can_undo.get() on:click=move |_| ed.undo_later()>"↶"</button>
                <button type="button" class="secondary" data-testid="redo" data-action="redo" title="Redo (Shift+Ctrl+Z)" aria-label="Redo"
                    disabled=move || !ed.can_redo.get() on:click=move |_| ed.redo_later()>"↷"</button>
                <button type="button" class="secondary" data-testid="open-search" data-action="open-search" title="Search (Ctrl+F)" aria-label="Search"
                    on:click=move |_| open_search()>"Search"</button>
                <button type="button" class="secondary" data-testid="open-share" data-action="open-share" on:click=move |_| share_open.set(true)>"Share"</button>
                <crate::ui::export::ExportMenu export />
            </div>
            <div class="canvas-tools" role="toolbar" aria-label="View">
                <button type="button" class="secondary" title="Zoom out (-)" aria-label="Zoom out" data-action="zoom-out" on:click=move |_| zoom_by(1.0 / ZOOM_STEP)>"−"</button>
                <span class="zoom-level" data-testid="zoom-level">{move || zoom_label(ed.view.get().zoom)}</span>
                <button type="button" class="secondary" title="Zoom in (+)" aria-label="Zoom in" data-action="zoom-in" on:click=move |_| zoom_by(ZOOM_STEP)>"+"</button>
                <button type="button" class="secondary" title="Fit to screen (0)" data-action="fit" on:click=move |_| fit()>"Fit"</button>
                <button type="button" class="secondary" data-testid="toggle-orientation" data-action="toggle-orientation" on:click=move |_| toggle_orientation()>
                    {move || if orientation.get() == Orientation::Vertical { "Horizontal" } else { "Vertical" }}
                </button>
                <button type="button" class="secondary" aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)" data-action="open-key-help" on:click=move |_| help_open.set(true)>"?"</button>
            </div>
        </header>
    }
    .into_any();
    let search_bar = view! {
        <Show when=move || search_open.get()>
            <div class="search-bar" role="search">
                <input node_ref=search_ref type="search" aria-label="Search nodes" placeholder="Search titles and descriptions"
                    data-testid="search-input" prop:value=query
                    on:input=move |ev| query.set(event_target_value(&ev))
                    on:keydown=move |ev: leptos::ev::KeyboardEvent| match ev.key().as_str() {
                        "Enter" => { ev.prevent_default(); go_to_match(!ev.shift_key()); }
                        "Escape" => { ev.prevent_default(); search_open.set(false); query.set(String::new()); panel::focus_canvas(); }
                        _ => {}
                    } />
                <span class="muted" data-testid="search-count" aria-live="polite">{move || {
                    let n = matches.with(|m| m.len());
                    match (query.with(|q| q.trim().is_empty()), current_match.get()) {
                        (true, _) => String::new(),
                        (false, Some(i)) => format!("{} of {n}", i + 1),
                        (false, None) => format!("{n} found"),
                    }
                }}</span>
                <button type="button" class="secondary" on:click=move |_| go_to_match(true)>"Next"</button>
                <button type="button" class="secondary" on:click=move |_| { search_open.set(false); query.set(String::new()); }>"Close"</button>
            </div>
        </Show>
    }
    .into_any();
    let notice = move || {
        ed.notice.get().map(|notice| {
            let (class, text) = match notice {
                Notice::Info(t) => ("notice info", t),
                Notice::Error(t) | Notice::ViewNotSaved(t) => ("notice error", t),
                Notice::Conflict(t) => ("notice conflict", t),
            };
            view! {
                <div class=class role="alert" data-testid="notice">
                    <span>{text}</span>
                    <button type="button" class="secondary" aria-label="Dismiss" data-action="dismiss-notice" on:click=move |_| ed.notice.set(None)>"×"</button>
                </div>
            }
        })
    };
    let drag_ghost = move || {
        drag.get().map(|d| {
            let state = match &d.plan {
                Some(Ok(_)) => "drag-ghost ok",
                Some(Err(_)) => "drag-ghost refused",
                None => "drag-ghost",
            };
            view! {
                <div class=state style=format!("left:{}px;top:{}px", Px(d.x + 8.0), Px(d.y + 8.0)) aria-hidden="true">
                    {d.title}
                </div>
            }
        })
    };
    let canvas = view! {
        <div class="canvas" id="tree-canvas" node_ref=canvas_ref tabindex="0" role="tree" aria-label=move || name.get()
            aria-activedescendant=active_descendant aria-busy=move || if ed.busy.get() { "true" } else { "false" }
            data-orientation=orientation_name data-testid="canvas"
            class:far=move || far.get() class:moving=move || moving.get() class:dragging-node=move || drag.with(|d| d.is_some())
            on:keydown=on_canvas_key on:dblclick=on_canvas_dblclick
            on:wheel=on_wheel on:pointerdown=on_pointer_down on:pointermove=on_pointer_move
            on:pointerup=on_pointer_up on:pointercancel=on_pointer_cancel>
            <Show when=move || count() == 0>
                <div class="empty-canvas" data-testid="empty-tree">
                    <p>"This tree has no nodes yet."</p>
                    <button type="button" data-action="add-first" on:click=add_first>"Add the objective"</button>
                </div>
            </Show>
            <Show when=move || overview_on.get()>
                <canvas class="overview" node_ref=overview_ref data-testid="overview" aria-hidden="true"></canvas>
            </Show>
            <div class="canvas-content" style=transform data-testid="canvas-content">
                <svg class="edges" node_ref=edges_ref aria-hidden="true"
                    style=move || { let (x0, y0, _, _) = edges_frame.get(); format!("left:{}px;top:{}px", Fixed::<0>(x0), Fixed::<0>(y0)) }
                    width={move || Fixed::<0>(edges_frame.get().2).to_string()}
                    height={move || Fixed::<0>(edges_frame.get().3).to_string()}
                    viewBox=move || { let (x0, y0, w, h) = edges_frame.get(); format!("{} {} {} {}", Fixed::<0>(x0), Fixed::<0>(y0), Fixed::<0>(w), Fixed::<0>(h)) }
                    inner_html=first_edges></svg>
                <div class="nodes" node_ref=nodes_ref on:click=on_nodes_click inner_html=first_nodes></div>
                {drag_ghost}
            </div>
        </div>
    }
    .into_any();
    let dialogs = view! {
        <Show when=move || help_open.get()>
            <KeyHelp on_close=move || help_open.set(false) />
        </Show>
        <Show when=move || share_open.get()>
            <crate::ui::share::SharePanel tree_id=ed.tree_id on_close=move || share_open.set(false) />
        </Show>
        {move || confirm_delete.get().map(|(id, title, size)| view! {
            <ConfirmDelete title size
                on_confirm=move || { confirm_delete.set(None); ed.run(Command::Delete { id: id.clone() }); panel::focus_canvas(); }
                on_cancel=move || { confirm_delete.set(None); panel::focus_canvas(); } />
        })}
    }
    .into_any();

    // The page's <title> is the loader's; a rename changes it here, in the browser.
    #[cfg(feature = "hydrate")]
    Effect::new(move |first: Option<()>| {
        let name = name.get();
        if first.is_some() {
            document().set_title(&crate::app::page_title(&name));
        }
    });
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| crate::ui::islands::island_hydrated());

    view! {
        <section class="tree-page">
            {header}
            {search_bar}
            {notice}
            <div class="editor-body">
                {canvas}
                <SidePanel ed />
            </div>
            {dialogs}
        </section>
    }
    .into_any()
}

/// What the plain client shows when asked, rendered ahead and hidden: the search bar, the
/// key list, the node form and the share dialog. Their markup and text then need no code in the browser; the client moves them
/// into the editor's page as it starts.
#[component]
fn PlainEditorParts() -> impl IntoView {
    view! {
        <div class="search-bar" role="search" data-part="search" hidden>
            <input type="search" aria-label="Search nodes" placeholder="Search titles and descriptions" data-testid="search-input" />
            <span class="muted" data-testid="search-count" aria-live="polite"></span>
            <button type="button" class="secondary" data-action="search-next">"Next"</button>
            <button type="button" class="secondary" data-action="search-close">"Close"</button>
        </div>
        <div data-part="key-help" hidden>
            <KeyHelp on_close=|| {} />
        </div>
        <panel::PlainNodeForm />
        <div class="overlay" data-part="share" hidden>
            <div class="dialog share-dialog" role="dialog" aria-modal="true" aria-labelledby="share-title" data-testid="share-dialog">
                <h2 id="share-title">"Share a read-only view"</h2>
                <p class="muted">"Anyone with a link sees the tree, not who made it or its history. Revoking a link stops it at once."</p>
                <button type="button" data-testid="create-share-link" data-action="create-share-link">"Create a link"</button>
                <div data-part="share-created"></div>
                <h3>"Links"</h3>
                <div data-part="share-links"><p class="muted">"Loading…"</p></div>
            </div>
        </div>
    }
}

/// "100%", "35%", "0.4%": whole percent unless that would read 0%.
fn zoom_label(zoom: f64) -> String {
    let percent = zoom * 100.0;
    if percent < 0.95 {
        format!("{}%", Fixed::<1>(percent))
    } else {
        format!("{}%", Fixed::<0>(percent))
    }
}

#[component]
fn KeyHelp(on_close: impl Fn() + Clone + Send + Sync + 'static) -> impl IntoView {
    let close_ref = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(el) = close_ref.get() {
            let _ = el.focus();
        }
    });
    let keys: &[(&str, &str)] = &[
        (
            "Arrow keys",
            "Move the selection: to the parent, first child, or a sibling (following the drawing)",
        ),
        ("Tab", "Add a child to the selected node (with nothing selected, Tab leaves the canvas)"),
        ("Enter", "Add a sibling after the selected node"),
        ("F2 or double click", "Edit the selected node's title"),
        ("Double click, zoomed far out", "Zoom to 100 % on that node"),
        ("Ctrl/⌘ + Enter", "Save the panel"),
        ("Alt + arrow keys", "Move the selected node: earlier or later among its siblings, in under the sibling before it, out after its parent"),
        ("Delete / Backspace", "Delete the selected node and its subtree"),
        ("Space", "Collapse or expand the selected node"),
        ("Ctrl/⌘ + Z", "Undo"),
        ("Shift + Ctrl/⌘ + Z, Ctrl + Y", "Redo"),
        ("Ctrl/⌘ + F", "Search; Enter and Shift + Enter go through the matches"),
        ("+ / − / 0", "Zoom in, zoom out, fit to screen"),
        ("Escape", "Clear the selection; from the panel, back to the canvas"),
        ("?", "This list"),
    ];
    let close = on_close.clone();
    let close_button = on_close.clone();
    view! {
        <div class="overlay" on:click=move |_| close()>
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="key-help-title" data-testid="key-help"
                on:click=|ev| ev.stop_propagation()
                on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Escape" { on_close(); panel::focus_canvas(); }>
                <h2 id="key-help-title">"Keyboard shortcuts"</h2>
                <dl class="keys">
                    {keys.iter().map(|(k, what)| view! { <dt><kbd>{*k}</kbd></dt><dd>{*what}</dd> }).collect_view()}
                </dl>
                <button type="button" node_ref=close_ref data-action="close-key-help" on:click=move |_| { close_button(); panel::focus_canvas(); }>"Close"</button>
            </div>
        </div>
    }
}

#[component]
fn ConfirmDelete(
    title: String,
    size: usize,
    on_confirm: impl Fn() + Send + Sync + 'static,
    on_cancel: impl Fn() + Clone + Send + Sync + 'static,
) -> impl IntoView {
    let confirm_ref = NodeRef::<leptos::html::Button>::new();
    Effect::new(move |_| {
        if let Some(el) = confirm_ref.get() {
            let _ = el.focus();
        }
    });
    let cancel = on_cancel.clone();
    view! {
        <div class="overlay">
            <div class="dialog" role="alertdialog" aria-modal="true" aria-labelledby="confirm-delete-title"
                on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Escape" { cancel() }>
                <h2 id="confirm-delete-title">"Delete “"{title}"”?"</h2>
                <p>{format!("This deletes {size} nodes: the node and everything beneath it. You can undo it.")}</p>
                <div class="form-actions">
                    <button type="button" class="danger" node_ref=confirm_ref data-testid="confirm-delete-node" on:click=move |_| on_confirm()>"Delete"</button>
                    <button type="button" class="secondary" on:click=move |_| on_cancel()>"Cancel"</button>
                </div>
            </div>
        </div>
    }
}

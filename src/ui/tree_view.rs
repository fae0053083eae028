//! `/trees/:id`: a tree drawn with the shared layout at its saved zoom, pan and orientation,
//! rendered on the server so it reads before (and without) the WebAssembly app.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::trees::get_tree;
use crate::model::layout::{layout, Rect};
use crate::model::{NodeType, Orientation, TreeDetail, TreeNode};
use crate::ui::auth::RequireUser;

#[component]
pub fn TreePage() -> impl IntoView {
    view! {
        <RequireUser>
            <TreeLoader />
        </RequireUser>
    }
}

#[component]
fn TreeLoader() -> impl IntoView {
    let params = use_params_map();
    let tree_id = move || params.read().get("id").and_then(|id| id.parse::<i32>().ok());
    let tree = Resource::new(tree_id, |id| async move {
        match id {
            Some(id) => get_tree(id).await,
            None => Err(crate::error::AppError::NotFound),
        }
    });
    view! {
        <Transition fallback=|| view! { <p class="page muted">"Loading the tree…"</p> }>
            {move || tree.get().map(|result| match result {
                Ok(tree) => view! { <TreeCanvas tree /> }.into_any(),
                Err(crate::error::AppError::NotFound) => view! { <crate::ui::layout::NotFound /> }.into_any(),
                Err(err) => view! { <p class="page form-error" role="alert">{err.to_string()}</p> }.into_any(),
            })}
        </Transition>
    }
}

fn type_class(t: NodeType) -> &'static str {
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

/// The small facts a node shows under its title.
fn badges(node: &TreeNode, hidden: usize) -> Vec<String> {
    let data = &node.template_data;
    let mut out = Vec::new();
    let number = |key: &str| data.get(key).and_then(|v| v.as_f64());
    match node.node_type {
        NodeType::Metric => {
            let unit = data.get("unit").and_then(|u| u.as_str()).unwrap_or("");
            match (number("current"), number("target")) {
                (Some(c), Some(t)) => out.push(format!("{c}{unit} → {t}{unit}")),
                (None, Some(t)) => out.push(format!("target {t}{unit}")),
                (Some(c), None) => out.push(format!("now {c}{unit}")),
                (None, None) => {}
            }
        }
        NodeType::Solution => {
            if let Some(status) = data.get("status").and_then(|s| s.as_str()) {
                out.push(status.replace('_', " "));
            }
        }
        NodeType::Opportunity => {
            if let Some(n) = data.get("evidence_count").and_then(|v| v.as_i64()) {
                out.push(format!("{n} evidence"));
            }
        }
        NodeType::Assumption => {
            if let Some(risk) = data.get("risk").and_then(|s| s.as_str()) {
                out.push(format!("{risk} risk"));
            }
        }
        _ => {}
    }
    if hidden > 0 {
        out.push(format!("+{hidden} hidden"));
    }
    out
}

/// An edge from the parent's far side to the child's near side, as a smooth curve.
fn edge_path(parent: &Rect, child: &Rect, orientation: Orientation) -> String {
    match orientation {
        Orientation::Vertical => {
            let (x1, y1) = (parent.x + parent.w / 2.0, parent.y + parent.h);
            let (x2, y2) = (child.x + child.w / 2.0, child.y);
            let mid = (y1 + y2) / 2.0;
            format!("M{x1:.1} {y1:.1} C{x1:.1} {mid:.1} {x2:.1} {mid:.1} {x2:.1} {y2:.1}")
        }
        Orientation::Horizontal => {
            let (x1, y1) = (parent.x + parent.w, parent.y + parent.h / 2.0);
            let (x2, y2) = (child.x, child.y + child.h / 2.0);
            let mid = (x1 + x2) / 2.0;
            format!("M{x1:.1} {y1:.1} C{mid:.1} {y1:.1} {mid:.1} {y2:.1} {x2:.1} {y2:.1}")
        }
    }
}

fn centre(r: &Rect) -> (f64, f64) {
    (r.x + r.w / 2.0, r.y + r.h / 2.0)
}

/// What the canvas draws for one orientation: node boxes, parent edges and cross-links.
#[derive(Clone, PartialEq)]
struct Drawing {
    layout: crate::model::layout::Layout,
    edges: Vec<String>,
    links: Vec<(f64, f64, f64, f64)>,
    levels: Vec<usize>,
}

fn draw(tree: &TreeDetail, orientation: Orientation) -> Drawing {
    let placed = layout(&tree.nodes, orientation);
    let index: std::collections::HashMap<&str, usize> =
        tree.nodes.iter().enumerate().map(|(i, n)| (n.id.as_str(), i)).collect();
    let parent_of = |i: usize| tree.nodes[i].parent_id.as_deref().and_then(|p| index.get(p)).copied();
    let mut edges = Vec::new();
    for i in 0..tree.nodes.len() {
        if let (Some(child), Some(parent)) = (placed.rects[i], parent_of(i).and_then(|p| placed.rects[p])) {
            edges.push(edge_path(&parent, &child, orientation));
        }
    }
    let links = tree
        .connections
        .iter()
        .filter_map(|c| {
            let from = placed.rects[*index.get(c.from_node_id.as_str())?]?;
            let to = placed.rects[*index.get(c.to_node_id.as_str())?]?;
            let ((x1, y1), (x2, y2)) = (centre(&from), centre(&to));
            Some((x1, y1, x2, y2))
        })
        .collect();
    // Depth of each node for aria-level, parents first so one pass suffices.
    let mut levels = vec![0usize; tree.nodes.len()];
    for i in crate::model::document::outline_order(tree)
        .into_iter()
        .map(|(i, depth)| (i, depth + 1))
    {
        levels[i.0] = i.1;
    }
    Drawing {
        layout: placed,
        edges,
        links,
        levels,
    }
}

const ZOOM_STEP: f64 = 1.25;

#[component]
fn TreeCanvas(tree: TreeDetail) -> impl IntoView {
    use crate::model::CanvasState;

    let tree_id = tree.id;
    let view_state = RwSignal::new(tree.canvas_state);
    let orientation = Memo::new(move |_| view_state.get().orientation);
    let tree = StoredValue::new(tree);
    let drawing = Memo::new(move |_| tree.with_value(|t| draw(t, orientation.get())));
    let canvas_ref = NodeRef::<leptos::html::Div>::new();

    // Every settled change of the viewport is saved, at most every 400 ms.
    let pending_save = StoredValue::new(None::<leptos::prelude::TimeoutHandle>);
    let save_soon = move || {
        if let Some(handle) = pending_save.get_value() {
            handle.clear();
        }
        let handle = set_timeout_with_handle(
            move || {
                let state = view_state.get_untracked();
                leptos::task::spawn_local(async move {
                    if let Err(err) = crate::api::trees::save_canvas_state(tree_id, state).await {
                        leptos::logging::warn!("could not save the view: {err}");
                    }
                });
            },
            std::time::Duration::from_millis(400),
        )
        .ok();
        pending_save.set_value(handle);
    };
    let viewport = move || {
        canvas_ref
            .get_untracked()
            .map(|el| (el.client_width() as f64, el.client_height() as f64))
            .unwrap_or((800.0, 600.0))
    };
    let zoom_by = move |factor: f64| {
        let (w, h) = viewport();
        view_state.update(|s| *s = s.zoom_at(factor, w / 2.0, h / 2.0));
        save_soon();
    };
    let fit = move || {
        let bounds = drawing.with_untracked(|d| d.layout.bounds);
        view_state.update(|s| *s = s.fit((bounds.w, bounds.h), viewport(), 24.0));
        save_soon();
    };
    let toggle_orientation = move || {
        view_state.update(|s| {
            s.orientation = match s.orientation {
                Orientation::Vertical => Orientation::Horizontal,
                Orientation::Horizontal => Orientation::Vertical,
            }
        });
        fit();
    };

    // Dragging the background pans.
    let drag = StoredValue::new(None::<(f64, f64, CanvasState)>);
    let on_wheel = move |ev: leptos::ev::WheelEvent| {
        ev.prevent_default();
        let Some(el) = canvas_ref.get_untracked() else { return };
        let rect = el.get_bounding_client_rect();
        let (px, py) = (ev.client_x() as f64 - rect.left(), ev.client_y() as f64 - rect.top());
        let factor = (-ev.delta_y() * 0.0015).exp();
        view_state.update(|s| *s = s.zoom_at(factor, px, py));
        save_soon();
    };
    let on_pointer_down = move |ev: leptos::ev::PointerEvent| {
        if ev.button() != 0 {
            return;
        }
        if let Some(el) = canvas_ref.get_untracked() {
            let _ = el.set_pointer_capture(ev.pointer_id());
        }
        drag.set_value(Some((
            ev.client_x() as f64,
            ev.client_y() as f64,
            view_state.get_untracked(),
        )));
    };
    let on_pointer_move = move |ev: leptos::ev::PointerEvent| {
        if let Some((x0, y0, start)) = drag.get_value() {
            let (dx, dy) = (ev.client_x() as f64 - x0, ev.client_y() as f64 - y0);
            view_state.update(|s| {
                s.pan.x = start.pan.x + dx;
                s.pan.y = start.pan.y + dy;
            });
        }
    };
    let on_pointer_up = move |_ev: leptos::ev::PointerEvent| {
        if drag.get_value().is_some() {
            drag.set_value(None);
            save_soon();
        }
    };

    let transform = move || {
        let s = view_state.get();
        format!(
            "transform:translate({:.1}px,{:.1}px) scale({:.3})",
            s.pan.x, s.pan.y, s.zoom
        )
    };
    let orientation_name = move || match orientation.get() {
        Orientation::Vertical => "vertical",
        Orientation::Horizontal => "horizontal",
    };
    let (name, phase, count, empty) = tree.with_value(|t| {
        (
            t.name.clone(),
            t.discovery_phase.as_str(),
            t.nodes.len(),
            t.nodes.is_empty(),
        )
    });

    let nodes_view = move || {
        let d = drawing.get();
        tree.with_value(|t| {
            t.nodes
                .iter()
                .enumerate()
                .filter_map(|(i, node)| d.layout.rects[i].map(|r| (i, node, r)))
                .map(|(i, node, r)| {
                    let hidden = d.layout.hidden_descendants[i];
                    let badges = badges(node, hidden);
                    let style = format!("left:{:.1}px;top:{:.1}px;width:{:.1}px;height:{:.1}px", r.x, r.y, r.w, r.h);
                    view! {
                        <div class=type_class(node.node_type) style=style role="treeitem" attr:aria-level=d.levels[i]
                            aria-expanded=(hidden > 0).then_some("false")
                            data-node-id=node.id.clone() data-testid="tree-node">
                            <span class="node-type">{node.node_type.label()}</span>
                            <span class="node-title">{node.title.clone()}</span>
                            {(!badges.is_empty()).then(|| view! {
                                <span class="node-badges">
                                    {badges.into_iter().map(|b| view! { <span class="badge">{b}</span> }).collect_view()}
                                </span>
                            })}
                        </div>
                    }
                })
                .collect_view()
        })
    };
    let edges_view = move || {
        let d = drawing.get();
        let (w, h) = (d.layout.bounds.w.max(1.0), d.layout.bounds.h.max(1.0));
        view! {
            <svg class="edges" width=format!("{w:.0}") height=format!("{h:.0}") viewBox=format!("0 0 {w:.0} {h:.0}") aria-hidden="true">
                {d.edges.into_iter().map(|path| view! { <path class="edge" d=path /> }).collect_view()}
                {d.links.into_iter().map(|(x1, y1, x2, y2)| view! {
                    <line class="cross-link" x1=format!("{x1:.1}") y1=format!("{y1:.1}") x2=format!("{x2:.1}") y2=format!("{y2:.1}") />
                }).collect_view()}
            </svg>
        }
    };

    view! {
        <Title text=name.clone() />
        <section class="tree-page">
            <header class="tree-header">
                <h1 data-testid="tree-name">{name.clone()}</h1>
                <span class="muted">{move || format!("{phase} · {count} nodes · {}", orientation_name())}</span>
                <div class="canvas-tools" role="toolbar" aria-label="View">
                    <button type="button" class="secondary" title="Zoom out" aria-label="Zoom out" on:click=move |_| zoom_by(1.0 / ZOOM_STEP)>"−"</button>
                    <span class="zoom-level" data-testid="zoom-level">{move || format!("{:.0}%", view_state.get().zoom * 100.0)}</span>
                    <button type="button" class="secondary" title="Zoom in" aria-label="Zoom in" on:click=move |_| zoom_by(ZOOM_STEP)>"+"</button>
                    <button type="button" class="secondary" on:click=move |_| fit()>"Fit"</button>
                    <button type="button" class="secondary" data-testid="toggle-orientation" on:click=move |_| toggle_orientation()>
                        {move || if orientation.get() == Orientation::Vertical { "Horizontal" } else { "Vertical" }}
                    </button>
                </div>
            </header>
            {empty.then(|| view! {
                <p class="empty" data-testid="empty-tree">"This tree has no nodes yet."</p>
            })}
            <div class="canvas" node_ref=canvas_ref data-orientation=orientation_name data-testid="canvas"
                on:wheel=on_wheel on:pointerdown=on_pointer_down on:pointermove=on_pointer_move
                on:pointerup=on_pointer_up on:pointercancel=on_pointer_up>
                <div class="canvas-content" style=transform data-testid="canvas-content">
                    {edges_view}
                    <div class="nodes" role="tree" aria-label=name>
                        {nodes_view}
                    </div>
                </div>
            </div>
        </section>
    }
}

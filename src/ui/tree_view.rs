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

#[component]
fn TreeCanvas(tree: TreeDetail) -> impl IntoView {
    let state = tree.canvas_state;
    let placed = layout(&tree.nodes, state.orientation);
    let index: std::collections::HashMap<&str, usize> =
        tree.nodes.iter().enumerate().map(|(i, n)| (n.id.as_str(), i)).collect();
    let depth_of = |mut i: usize| {
        let mut depth = 1;
        while let Some(p) = tree.nodes[i].parent_id.as_deref().and_then(|p| index.get(p)) {
            depth += 1;
            i = *p;
            if depth > 10_000 {
                break;
            }
        }
        depth
    };

    let mut edges = Vec::new();
    for (i, node) in tree.nodes.iter().enumerate() {
        if let (Some(child), Some(parent)) = (
            placed.rects[i],
            node.parent_id
                .as_deref()
                .and_then(|p| index.get(p))
                .and_then(|&p| placed.rects[p]),
        ) {
            edges.push(edge_path(&parent, &child, state.orientation));
        }
    }
    let links: Vec<(f64, f64, f64, f64)> = tree
        .connections
        .iter()
        .filter_map(|c| {
            let from = placed.rects[*index.get(c.from_node_id.as_str())?]?;
            let to = placed.rects[*index.get(c.to_node_id.as_str())?]?;
            let ((x1, y1), (x2, y2)) = (centre(&from), centre(&to));
            Some((x1, y1, x2, y2))
        })
        .collect();

    let nodes: Vec<_> = tree
        .nodes
        .iter()
        .enumerate()
        .filter_map(|(i, node)| placed.rects[i].map(|r| (i, node.clone(), r)))
        .map(|(i, node, r)| {
            let hidden = placed.hidden_descendants[i];
            let badges = badges(&node, hidden);
            let level = depth_of(i);
            let style = format!(
                "left:{:.1}px;top:{:.1}px;width:{:.1}px;height:{:.1}px",
                r.x, r.y, r.w, r.h
            );
            view! {
                <div class=type_class(node.node_type) style=style role="treeitem" attr:aria-level=level
                    aria-expanded=(hidden > 0 || node.is_collapsed).then_some("false")
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
        .collect();

    let transform = format!(
        "transform:translate({:.1}px,{:.1}px) scale({:.3})",
        state.pan.x, state.pan.y, state.zoom
    );
    let (w, h) = (placed.bounds.w.max(1.0), placed.bounds.h.max(1.0));
    let orientation = match state.orientation {
        Orientation::Vertical => "vertical",
        Orientation::Horizontal => "horizontal",
    };
    let empty = tree.nodes.is_empty();

    view! {
        <Title text=tree.name.clone() />
        <section class="tree-page">
            <header class="tree-header">
                <h1 data-testid="tree-name">{tree.name.clone()}</h1>
                <span class="muted">
                    {format!("{} · {} nodes · {}", tree.discovery_phase.as_str(), tree.nodes.len(), orientation)}
                </span>
            </header>
            {empty.then(|| view! {
                <p class="empty" data-testid="empty-tree">"This tree has no nodes yet."</p>
            })}
            <div class="canvas" data-orientation=orientation>
                <div class="canvas-content" style=transform data-testid="canvas-content">
                    <svg class="edges" width=format!("{w:.0}") height=format!("{h:.0}") viewBox=format!("0 0 {w:.0} {h:.0}") aria-hidden="true">
                        {edges.into_iter().map(|d| view! { <path class="edge" d=d /> }).collect_view()}
                        {links.into_iter().map(|(x1, y1, x2, y2)| view! {
                            <line class="cross-link" x1=format!("{x1:.1}") y1=format!("{y1:.1}") x2=format!("{x2:.1}") y2=format!("{y2:.1}") />
                        }).collect_view()}
                    </svg>
                    <div class="nodes" role="tree" aria-label=tree.name.clone()>
                        {nodes}
                    </div>
                </div>
            </div>
        </section>
    }
}

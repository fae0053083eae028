//! `/trees/:id`: the tree editor. The server renders the page as static markup, the tree
//! drawn with the shared layout at its saved zoom, pan and orientation, so it reads before (and
//! without) the WebAssembly; the browser's client (`plain`) then takes it over, and every edit
//! goes through the node server functions and can be undone.
//!
//! Only nodes near the viewport are in the DOM; panning and zooming change one transform and
//! re-render only when the view leaves the rendered region. Zoomed out below
//! `overview::OVERVIEW_ZOOM` the tree is painted on a `<canvas>` instead (see `overview`).

pub(crate) mod draw;
mod overview;
pub mod panel;
#[cfg(feature = "hydrate")]
pub mod plain;
pub mod state;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::error::AppError;
use crate::model::{Orientation, TreeDetail};
use crate::ui::auth::RequireUser;
use crate::ui::share_markup;
use draw::{
    region_around, transform_style, viewport_rect, visible_edge_boxes, visible_links, visible_nodes, EdgesFrame, Fixed,
};

/// The id of the `<script type="application/json">` the server puts the tree in.
///
/// Not an island's prop nor a `Resource`: Leptos writes those into the page as JSON in an
/// attribute or a JavaScript string, which the browser parses as a script (~25 ms of a
/// 5,000-node page's load) before the WebAssembly copies it out. The server writes the tree as
/// a data block instead ([`model::page_tree`](crate::model::page_tree)'s compact form), and
/// the client reads it back from the page.
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
            // whole editor twice. This runs on the server only; a reload after a conflict is
            // the client's (`get_page_tree`).
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
                            {editor_page(&tree)}
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

/// The viewport the server assumes when it picks which nodes to draw; the browser corrects it.
const ASSUMED_VIEW: (f64, f64) = (1600.0, 1000.0);
/// Below this zoom titles are unreadable: nodes are drawn as plain coloured boxes.
const FAR_ZOOM: f64 = 0.45;

/// The editor's page as the server sends it: static markup drawn at the tree's saved zoom, pan
/// and orientation, with the nodes and edges of the region around an assumed viewport, so it
/// reads before (and without) the WebAssembly. The browser's client (`plain`) takes it over:
/// nothing here is reactive, and every part it shows on demand (search, the key list, the node
/// form, the share dialog) is rendered ahead and hidden, so their markup and text are no code
/// in the browser.
fn editor_page(tree: &TreeDetail) -> AnyView {
    let view = tree.canvas_state;
    let name = tree.name.clone();
    let orientation = orientation_name(view.orientation);
    let summary = format!(
        "{} · {} nodes · {orientation}",
        tree.discovery_phase.as_str(),
        tree.nodes.len()
    );
    let header = view! {
        <header class="tree-header">
            <h1 data-testid="tree-name">{name.clone()}</h1>
            <span class="muted">{summary}</span>
            <div class="canvas-tools" role="toolbar" aria-label="Edit">
                <button type="button" class="secondary" data-testid="add-child" data-action="add-child" title="Add a child (Tab)">"+ Child"</button>
                <button type="button" class="secondary" data-testid="add-sibling" data-action="add-sibling" title="Add a sibling (Enter)" disabled>"+ Sibling"</button>
                <button type="button" class="secondary" data-testid="delete-node" data-action="delete-node" title="Delete (Delete)" disabled>"Delete"</button>
                <button type="button" class="secondary" data-testid="undo" data-action="undo" title="Undo (Ctrl+Z)" aria-label="Undo" disabled>"↶"</button>
                <button type="button" class="secondary" data-testid="redo" data-action="redo" title="Redo (Shift+Ctrl+Z)" aria-label="Redo" disabled>"↷"</button>
                <button type="button" class="secondary" data-testid="open-search" data-action="open-search" title="Search (Ctrl+F)" aria-label="Search">"Search"</button>
                <button type="button" class="secondary" data-testid="open-share" data-action="open-share">"Share"</button>
                <crate::ui::export::ExportMenuMarkup />
            </div>
            <div class="canvas-tools" role="toolbar" aria-label="View">
                <button type="button" class="secondary" title="Zoom out (-)" aria-label="Zoom out" data-action="zoom-out">"−"</button>
                <span class="zoom-level" data-testid="zoom-level">{zoom_label(view.zoom)}</span>
                <button type="button" class="secondary" title="Zoom in (+)" aria-label="Zoom in" data-action="zoom-in">"+"</button>
                <button type="button" class="secondary" title="Fit to screen (0)" data-action="fit">"Fit"</button>
                <button type="button" class="secondary" data-testid="toggle-orientation" data-action="toggle-orientation">
                    {if view.orientation == Orientation::Vertical { "Horizontal" } else { "Vertical" }}
                </button>
                <button type="button" class="secondary" aria-label="Keyboard shortcuts" title="Keyboard shortcuts (?)" data-action="open-key-help">"?"</button>
            </div>
        </header>
    }
    .into_any();
    let search_bar = view! {
        <div class="search-bar" role="search" data-part="search" hidden>
            <input type="search" aria-label="Search nodes" placeholder="Search titles and descriptions" data-testid="search-input" />
            <span class="muted" data-testid="search-count" aria-live="polite"></span>
            <button type="button" class="secondary" data-action="search-next">"Next"</button>
            <button type="button" class="secondary" data-action="search-close">"Close"</button>
        </div>
    }
    .into_any();
    let body = view! {
        <div class="editor-body">
            {canvas(tree)}
            {panel::side_panel(tree)}
        </div>
    }
    .into_any();
    let dialogs = view! {
        <div data-part="key-help" hidden>{key_help()}</div>
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
    .into_any();
    view! {
        <section class="tree-page">
            {header}
            {search_bar}
            {body}
            {dialogs}
        </section>
    }
    .into_any()
}

fn orientation_name(o: Orientation) -> &'static str {
    match o {
        Orientation::Vertical => "vertical",
        Orientation::Horizontal => "horizontal",
    }
}

/// The canvas at the saved view: the boxes and edges of the region around [`ASSUMED_VIEW`]
/// (the client keeps them while its real viewport stays inside that region), or, zoomed out
/// below `overview::OVERVIEW_ZOOM`, the overview's empty `<canvas>` for the client to paint.
fn canvas(tree: &TreeDetail) -> AnyView {
    let view = tree.canvas_state;
    let drawing = draw::draw(&tree.nodes, &tree.connections, view.orientation);
    let region = region_around(viewport_rect(&view, ASSUMED_VIEW));
    let overview_on = view.zoom < overview::OVERVIEW_ZOOM;
    let (nodes_html, edges_html) = if overview_on {
        (String::new(), String::new())
    } else {
        let items = visible_nodes(&tree.nodes, &drawing, &region);
        (
            share_markup::editor_nodes(&items),
            share_markup::edges(
                drawing.orientation,
                visible_edge_boxes(&drawing, &region),
                &visible_links(&drawing, &region),
                items.len(),
            ),
        )
    };
    let EdgesFrame {
        style,
        width,
        height,
        view_box,
    } = EdgesFrame::of(&region, &drawing.layout.bounds);
    let class = if view.zoom < FAR_ZOOM { "canvas far" } else { "canvas" };
    let label = tree.name.clone();
    let orientation = orientation_name(view.orientation);
    view! {
        <div class=class id="tree-canvas" tabindex="0" role="tree"
            aria-label=label aria-busy="false" data-orientation=orientation data-testid="canvas">
            {tree.nodes.is_empty().then(|| view! {
                <div class="empty-canvas" data-testid="empty-tree">
                    <p>"This tree has no nodes yet."</p>
                    <button type="button" data-action="add-first">"Add the objective"</button>
                </div>
            })}
            {overview_on.then(|| view! {
                <canvas class="overview" data-testid="overview" aria-hidden="true"></canvas>
            })}
            <div class="canvas-content" style=transform_style(&view) data-testid="canvas-content">
                <svg class="edges" aria-hidden="true" style=style width=width height=height viewBox=view_box
                    inner_html=edges_html></svg>
                <div class="nodes" inner_html=nodes_html></div>
            </div>
        </div>
    }
    .into_any()
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

/// The key list, shown by the client on `?` or the header's button.
fn key_help() -> impl IntoView {
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
    view! {
        <div class="overlay">
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="key-help-title" data-testid="key-help">
                <h2 id="key-help-title">"Keyboard shortcuts"</h2>
                <dl class="keys">
                    {keys.iter().map(|(k, what)| view! { <dt><kbd>{*k}</kbd></dt><dd>{*what}</dd> }).collect_view()}
                </dl>
                <button type="button" data-action="close-key-help">"Close"</button>
            </div>
        </div>
    }
}

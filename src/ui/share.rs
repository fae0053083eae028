//! `/s/:token`: a shared tree, read-only. The whole tree is drawn on the server (readable
//! without JavaScript); once hydrated it pans and zooms locally and writes nothing. The owner
//! manages links from the editor's share dialog (`share_links_markup` renders its list).

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_params_map;
use serde::{Deserialize, Serialize};

use crate::api::share::shared_tree;
use crate::error::AppError;
use crate::model::share::SharedOutline;
use crate::model::{CanvasState, Orientation};
use crate::ui::editor::draw::Fixed;
use crate::ui::share_drawing::{Redrawn, ShareModel};

/// The id of the `<script type="application/json">` the server puts the outline in.
///
/// Not a prop of the island nor a `Resource`: Leptos writes those into the page as JSON in an
/// attribute or a JavaScript string (`{:?}` of the text, every quote escaped), which at 1,000
/// nodes was ~12 % of rendering the page and ~25 KB more of it. The server writes the JSON as
/// a data block instead, and the browser reads it back from the page when a visitor first
/// folds a node or searches.
const OUTLINE_SCRIPT_ID: &str = "shared-outline";

/// The outline the page draws, and what the page renders for its JSON: a marker the JSON
/// replaces once the page is rendered (`server::page_blocks`, as for the boxes and edges).
#[cfg(feature = "ssr")]
async fn load_outline(token: String) -> Result<(SharedOutline, String), AppError> {
    let outline = crate::api::share::shared_page(token).await?;
    let json = outline.page_json().map_err(|_| AppError::Internal)?;
    Ok((
        outline,
        crate::server::page_blocks::place(crate::ui::json_for_script(json).into()),
    ))
}

/// The outline the server wrote into the page being hydrated, if it is this token's, with the
/// titles its block leaves out read back from the boxes (in outline order, as drawn). Read
/// before the boxes are first drawn again.
#[cfg(feature = "hydrate")]
fn outline_in_page(token: &str) -> Option<SharedOutline> {
    let script = document().get_element_by_id(OUTLINE_SCRIPT_ID)?;
    if script.get_attribute("data-token").as_deref() != Some(token) {
        return None;
    }
    let mut outline: SharedOutline = serde_json::from_str(&script.text_content()?).ok()?;
    let boxes = document().query_selector(".shared .nodes").ok()??;
    let shown = boxes.get_elements_by_class_name("node-title");
    let titles = (0..shown.length())
        .map(|i| shown.item(i).and_then(|el| el.text_content()))
        .collect::<Option<Vec<String>>>()?;
    outline.fill_titles(titles).then_some(outline)
}

/// The page's tree for folding and search, made from its data block. Lazy: its code (reading
/// the block, the layout, the search, the markup) is a WebAssembly chunk of its own, loaded
/// when a visitor first folds or searches; hydrating the page needs none of it.
#[cfg(feature = "hydrate")]
#[lazy]
fn model_in_page(token: String) -> Option<Box<dyn ShareModel + Send + Sync>> {
    let outline = outline_in_page(&token)?;
    Some(Box::new(crate::ui::share_drawing::SharedDrawing::new(outline)))
}

/// `/s/:token`, a route of the server's: the browser gets only the canvas island, a
/// WebAssembly chunk of its own.
#[component]
pub fn ShareRoute() -> impl IntoView {
    let params = use_params_map();
    let token = params.read_untracked().get("token").unwrap_or_default();
    view! {
        <Suspense fallback=|| view! { <p class="page muted">"Loading…"</p> }>
            // A Suspend, not a `move ||` closure: server rendering calls a closure twice (a
            // dry run to find resources, then the HTML), which built the whole canvas twice.
            {Suspend::new(async move {
                #[cfg(feature = "ssr")]
                let loaded = load_outline(token.clone()).await;
                // The route is rendered on the server only.
                #[cfg(not(feature = "ssr"))]
                let loaded: Result<(SharedOutline, String), AppError> = Err(AppError::Internal);
                match loaded {
                    Ok((outline, json)) => {
                        let meta = page_meta(&outline);
                        let head = ShareHead {
                            name: outline.name.clone(),
                            summary: format!(
                                "{} · {} nodes · read-only",
                                outline.discovery_phase.as_str(),
                                outline.nodes.len()
                            ),
                            description: outline.description.clone(),
                            view: outline.canvas_state,
                        };
                        let drawn = drawn_on_server(outline);
                        let size = drawn.as_ref().map_or((1.0, 1.0), |d| d.size);
                        provide_context(LoadedDrawing(StoredValue::new(drawn)));
                        view! {
                            {meta}
                            <script type="application/json" id=OUTLINE_SCRIPT_ID data-token=token.clone() inner_html=json></script>
                            <SharedCanvas token head size />
                        }.into_any()
                    }
                    Err(AppError::NotFound) => view! { <crate::ui::layout::NotFound /> }.into_any(),
                    Err(err) => view! { <p class="page form-error" role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[cfg(feature = "ssr")]
fn drawn_on_server(outline: SharedOutline) -> Option<Redrawn> {
    use crate::server::page_blocks::place;
    // The boxes and edges are most of the page: written into it after rendering, uncopied.
    let drawn = crate::ui::share_drawing::SharedDrawing::new(outline).redraw();
    Some(Redrawn {
        nodes: place(drawn.nodes.into()),
        edges: place(drawn.edges.into()),
        ..drawn
    })
}

#[cfg(not(feature = "ssr"))]
fn drawn_on_server(_: SharedOutline) -> Option<Redrawn> {
    None
}

/// The page's title and link-preview tags.
fn page_meta(outline: &SharedOutline) -> AnyView {
    let summary = outline
        .description
        .clone()
        .unwrap_or_else(|| format!("An impact tree of {} nodes", outline.nodes.len()));
    view! {
        <Title text=outline.name.clone() />
        <Meta name="description" content=summary.clone() />
        <Meta property="og:title" content=outline.name.clone() />
        <Meta property="og:description" content=summary />
        <Meta property="og:type" content="website" />
        <Meta name="robots" content="noindex, nofollow" />
    }
    .into_any()
}

/// The page's heading and saved view: the island's props, a few hundred bytes.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct ShareHead {
    name: String,
    summary: String,
    description: Option<String>,
    view: CanvasState,
}

/// The boxes and edges the server drew, handed to the island on the server: a context, not a
/// prop, since an island's props are written into the page (a second copy of the drawing).
/// Taken once.
#[derive(Clone)]
struct LoadedDrawing(StoredValue<Option<Redrawn>>);

/// The fold button (drawn in `share_markup`) an event happened on, if any.
fn fold_button(ev: &web_sys::Event) -> Option<web_sys::Element> {
    ev.target()
        .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
        .and_then(|t| t.closest(".node-toggle").ok().flatten())
}

/// The page's tree in the browser, made on the first fold or search; what visitors do while it
/// loads waits in `queued` and is done in order once it is there.
#[derive(Default)]
struct ModelSlot {
    model: Option<Box<dyn ShareModel + Send + Sync>>,
    loading: bool,
    failed: bool,
    queued: Vec<ModelTask>,
}

type ModelTask = Box<dyn FnOnce(&mut dyn ShareModel) + Send + Sync>;

// Thread-safe storage though only the browser ever fills it: on the server an island's owner
// may be dropped on another worker thread than made it, which a local value may not be.
type Slot = StoredValue<ModelSlot>;

/// Runs `f` on the page's tree, now or once it has loaded.
fn with_model(
    slot: Slot,
    token: &str,
    failed: RwSignal<bool>,
    f: impl FnOnce(&mut dyn ShareModel) + Send + Sync + 'static,
) {
    // Out of the slot while `f` runs, which may ask for the slot again.
    if let Some(mut model) = slot.try_update_value(|s| s.model.take()).flatten() {
        f(model.as_mut());
        slot.update_value(|s| s.model = Some(model));
        return;
    }
    let start = slot
        .try_update_value(|s| {
            if s.failed {
                return false;
            }
            s.queued.push(Box::new(f));
            !std::mem::replace(&mut s.loading, true)
        })
        .unwrap_or(false);
    #[cfg(feature = "hydrate")]
    if start {
        let token = token.to_string();
        leptos::task::spawn_local(async move {
            let Some(mut model) = model_in_page(token).await else {
                slot.update_value(|s| {
                    s.loading = false;
                    s.failed = true;
                    s.queued.clear();
                });
                failed.set(true);
                return;
            };
            for f in slot
                .try_update_value(|s| std::mem::take(&mut s.queued))
                .unwrap_or_default()
            {
                f(model.as_mut());
            }
            slot.update_value(|s| {
                s.loading = false;
                s.model = Some(model);
            });
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (start, token, failed);
}

/// The read-only canvas, an island: all of the page's code that runs in the browser to hydrate
/// it. Panning and zooming work from the start; folding and search load the tree on first use
/// ([`model_in_page`]).
#[island(lazy)]
fn SharedCanvas(token: String, head: ShareHead, size: (f64, f64)) -> impl IntoView {
    let drawn = use_context::<LoadedDrawing>().and_then(|LoadedDrawing(d)| d.try_update_value(Option::take).flatten());
    // In the browser the boxes and edges are the server's until the first fold or search.
    let (nodes_html, edges_html) = drawn.map(|d| (d.nodes, d.edges)).unwrap_or_default();
    let ShareHead {
        name,
        summary,
        description,
        view,
    } = head;
    let orientation_now = view.orientation;
    let slot: Slot = StoredValue::new(ModelSlot::default());
    let failed = RwSignal::new(false);
    let size = RwSignal::new(size);
    let found = RwSignal::new(None::<usize>);
    let nodes_ref = NodeRef::<leptos::html::Div>::new();
    let edges_ref = NodeRef::<leptos::svg::Svg>::new();
    let paint = move |r: Redrawn| {
        if let Some(el) = nodes_ref.get_untracked() {
            el.set_inner_html(&r.nodes);
        }
        if let Some(el) = edges_ref.get_untracked() {
            el.set_inner_html(&r.edges);
        }
        size.set(r.size);
        found.set(r.found);
    };

    // The page holds only what it draws; an export asks for the whole tree when wanted.
    let export = {
        let token = token.clone();
        Callback::new(move |(kind, png_scale): (&'static str, f64)| {
            let folded = slot.with_value(|s| s.model.as_ref().map(|m| m.folded()));
            let of = crate::ui::export::ExportOf::Shared {
                token: token.clone(),
                folded,
                orientation: orientation_now,
            };
            Box::pin(crate::ui::export::export_lazily(of, kind, png_scale)) as crate::ui::export::ExportFuture
        })
    };
    let state = RwSignal::new(view);
    let canvas_ref = NodeRef::<leptos::html::Div>::new();
    let drag = StoredValue::new(None::<(f64, f64, CanvasState)>);
    let zoom_by = move |factor: f64| {
        let (vw, vh) = canvas_ref
            .get_untracked()
            .map(|el| (el.client_width() as f64, el.client_height() as f64))
            .unwrap_or((800.0, 600.0));
        state.update(|s| *s = s.zoom_at(factor, vw / 2.0, vh / 2.0));
    };
    let fit = move || {
        let view = canvas_ref
            .get_untracked()
            .map(|el| (el.client_width() as f64, el.client_height() as f64))
            .unwrap_or((800.0, 600.0));
        let content = size.get_untracked();
        state.update(|s| *s = s.fit(content, view, 24.0));
    };
    // Folding is handled here for every toggle inside the boxes; the toggle keeps the focus
    // though its element is replaced.
    let on_nodes_click = {
        let token = token.clone();
        move |ev: leptos::ev::MouseEvent| {
            let Some(id) = fold_button(&ev)
                .and_then(|t| t.closest("[data-node-id]").ok().flatten())
                .and_then(|el| el.get_attribute("data-node-id"))
            else {
                return;
            };
            with_model(slot, &token, failed, move |model| {
                paint(model.toggle(&id));
                let selector = format!("[data-node-id=\"{}\"] .node-toggle", id.replace(['"', '\\'], ""));
                let button = nodes_ref
                    .get_untracked()
                    .and_then(|el| el.query_selector(&selector).ok().flatten())
                    .and_then(|el| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el).ok());
                if let Some(button) = button {
                    let _ = button.focus();
                }
            });
        }
    };
    let on_search = move |ev: leptos::ev::Event| {
        let query = event_target_value(&ev);
        with_model(slot, &token, failed, move |model| paint(model.search(&query)));
    };
    let count = move || {
        if failed.get() {
            Some("Search and folding could not load: reload the page to try again.".to_string())
        } else {
            found.get().map(|n| format!("{n} found"))
        }
    };
    let transform = move || crate::ui::editor::draw::transform_style(&state.get());
    let orientation = match orientation_now {
        Orientation::Vertical => "vertical",
        Orientation::Horizontal => "horizontal",
    };
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| crate::ui::islands::island_hydrated());
    // Parts are type-erased: one nested view type this large overflows the stack when
    // rendered on the server in unoptimised builds.
    let header = view! {
            <header class="tree-header">
                <h1 data-testid="tree-name">{name.clone()}</h1>
                <span class="muted">{summary}</span>
                <div class="canvas-tools" role="toolbar" aria-label="View">
                    <button type="button" class="secondary" aria-label="Zoom out" on:click=move |_| zoom_by(0.8)>"−"</button>
                    <span class="zoom-level">{move || format!("{}%", Fixed::<0>(state.get().zoom * 100.0))}</span>
                    <button type="button" class="secondary" aria-label="Zoom in" on:click=move |_| zoom_by(1.25)>"+"</button>
                    <button type="button" class="secondary" on:click=move |_| fit()>"Fit"</button>
                    <crate::ui::export::ExportMenu export />
                </div>
            </header>
            {description.map(|d| view! { <p class="shared-description">{d}</p> })}
            <div class="search-bar" role="search">
                <input type="search" aria-label="Search nodes" placeholder="Search this tree" data-testid="search-input"
                    on:input=on_search />
                <span class="muted" data-testid="search-count" aria-live="polite">{count}</span>
            </div>
    }
    .into_any();
    let canvas = view! {
            <div class="canvas" node_ref=canvas_ref data-orientation=orientation data-testid="canvas"
                on:wheel=move |ev: leptos::ev::WheelEvent| {
                    ev.prevent_default();
                    let Some(el) = canvas_ref.get_untracked() else { return };
                    let rect = el.get_bounding_client_rect();
                    let factor = (-ev.delta_y() * 0.0015).exp();
                    state.update(|s| *s = s.zoom_at(factor, ev.client_x() as f64 - rect.left(), ev.client_y() as f64 - rect.top()));
                }
                on:pointerdown=move |ev: leptos::ev::PointerEvent| {
                    if fold_button(&ev).is_some() {
                        return;
                    }
                    if let Some(el) = canvas_ref.get_untracked() {
                        let _ = el.set_pointer_capture(ev.pointer_id());
                    }
                    drag.set_value(Some((ev.client_x() as f64, ev.client_y() as f64, state.get_untracked())));
                }
                on:pointermove=move |ev: leptos::ev::PointerEvent| {
                    if let Some((x0, y0, start)) = drag.get_value() {
                        state.update(|s| {
                            s.pan.x = start.pan.x + ev.client_x() as f64 - x0;
                            s.pan.y = start.pan.y + ev.client_y() as f64 - y0;
                        });
                    }
                }
                on:pointerup=move |_| drag.set_value(None)
                on:pointercancel=move |_| drag.set_value(None)>
                <div class="canvas-content" style=transform>
                    <svg class="edges" node_ref=edges_ref width={move || Fixed::<0>(size.get().0).to_string()} height={move || Fixed::<0>(size.get().1).to_string()}
                        viewBox={move || { let (w, h) = size.get(); format!("0 0 {} {}", Fixed::<0>(w), Fixed::<0>(h)) }}
                        aria-hidden="true" inner_html=edges_html></svg>
                    <div class="nodes" node_ref=nodes_ref role="tree" aria-label=name on:click=on_nodes_click inner_html=nodes_html></div>
                </div>
            </div>
    }
    .into_any();
    view! {
        <section class="tree-page shared">
            {header}
            {canvas}
        </section>
    }
    .into_any()
}

/// The whole shared tree for an export, folded as the page shows it (`folded`, in outline
/// order, once a visitor has folded or searched; as saved before that), unless it changed
/// since. Called from the export's own chunk (`export::export_lazily`): the reading of the
/// whole tree is code a visitor who never exports never loads.
pub(crate) async fn whole_shared_tree(
    token: String,
    folded: Option<Vec<bool>>,
    orientation: Orientation,
) -> Result<crate::ui::export::ExportSource, String> {
    let whole = shared_tree(token)
        .await
        .map_err(|err| err.to_string())?
        .into_value()
        .map_err(|err| err.to_string())?;
    let mut nodes = whole.nodes;
    if let Some(folded) = folded {
        // The page's nodes are the tree's outline.
        let outline = crate::model::editor::TreeIndex::new(&nodes).outline();
        if outline.len() == folded.len() {
            for (&(i, _), &closed) in outline.iter().zip(&folded) {
                nodes[i].is_collapsed = closed;
            }
        }
    }
    Ok(crate::ui::export::ExportSource {
        name: whole.name,
        description: whole.description,
        phase: whole.discovery_phase,
        orientation,
        nodes,
        connections: whole.connections,
    })
}

/// The share dialog's list of links as the editor's client shows it (`share_links_markup`),
/// rendered on the server. A live link's Revoke button carries the link's id for the client.
pub fn share_links_markup(links: &[crate::model::share::ShareLink]) -> String {
    use crate::ui::share_markup::escape_into;
    if links.is_empty() {
        return "<p class=\"muted\">No links yet.</p>".to_string();
    }
    let mut html = String::from("<ul class=\"share-links\" data-testid=\"share-links\">");
    for link in links {
        html.push_str("<li><span>Created ");
        escape_into(
            &mut html,
            &link.created_at.get(..16).unwrap_or_default().replace('T', " "),
        );
        html.push_str("</span>");
        match link.revoked_at {
            Some(_) => html.push_str("<span class=\"muted\">revoked</span>"),
            None => {
                html.push_str(
                    "<button type=\"button\" class=\"secondary\" data-testid=\"revoke-share-link\" \
                     data-action=\"revoke-share-link\" data-link-id=\"",
                );
                escape_into(&mut html, &link.id);
                html.push_str("\">Revoke</button>");
            }
        }
        html.push_str("</li>");
    }
    html.push_str("</ul>");
    html
}

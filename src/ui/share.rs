//! `/s/:token`: a shared tree, read-only. The whole tree is drawn on the server (readable
//! without JavaScript); once hydrated it pans and zooms locally and writes nothing. The owner
//! manages links from the editor with [`SharePanel`].

use leptos::prelude::*;
use leptos_meta::{Meta, Title};
use leptos_router::hooks::use_params_map;

use crate::api::share::{create_share_link, list_share_links, revoke_share_link, shared_tree};
use crate::error::AppError;
use crate::model::layout::Rect;
use crate::model::share::{CreatedShareLink, SharedOutline};
use crate::model::{CanvasState, Orientation};
use crate::ui::editor::draw::{draw, visible_edge_boxes, visible_links, visible_nodes, Shared};
use crate::ui::share_markup;

/// The id of the `<script type="application/json">` the server puts the outline in.
///
/// Not a prop of the island nor a `Resource`: Leptos writes those into the page as JSON in an
/// attribute or a JavaScript string (`{:?}` of the text, every quote escaped), which at 1,000
/// nodes was ~12 % of rendering the page and ~25 KB more of it. The server writes the JSON as
/// a data block instead, and the island reads it back from the page.
const OUTLINE_SCRIPT_ID: &str = "shared-outline";

/// The outline the page draws, and its JSON as the page carries it.
#[cfg(feature = "ssr")]
async fn load_outline(token: String) -> Result<(SharedOutline, String), AppError> {
    let mut outline = crate::api::share::shared_page(token).await?;
    let json = outline.page_json().map_err(|_| AppError::Internal)?;
    Ok((outline, crate::ui::json_for_script(json)))
}

/// The outline the server wrote into the page being hydrated, if it is this token's, with the
/// titles its block leaves out read back from the boxes (in outline order, as drawn).
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
                        provide_context(LoadedOutline(StoredValue::new(Some(outline))));
                        view! {
                            {meta}
                            <script type="application/json" id=OUTLINE_SCRIPT_ID data-token=token.clone() inner_html=json></script>
                            <SharedCanvas token />
                        }.into_any()
                    }
                    Err(AppError::NotFound) => view! { <crate::ui::layout::NotFound /> }.into_any(),
                    Err(err) => view! { <p class="page form-error" role="alert">{err.to_string()}</p> }.into_any(),
                }
            })}
        </Suspense>
    }
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

/// The outline the route hands to the canvas on the server: a context, not a prop, since an
/// island's props are written into the page (a second copy beside its data block). Taken once.
#[derive(Clone)]
struct LoadedOutline(StoredValue<Option<SharedOutline>>);

const EVERYWHERE: Rect = Rect {
    x: f64::MIN / 4.0,
    y: f64::MIN / 4.0,
    w: f64::MAX / 2.0,
    h: f64::MAX / 2.0,
};

/// The fold button (drawn in `share_markup`) an event happened on, if any.
fn fold_button(ev: &web_sys::Event) -> Option<web_sys::Element> {
    ev.target()
        .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
        .and_then(|t| t.closest(".node-toggle").ok().flatten())
}

/// The read-only canvas, an island: all of the page's code that runs in the browser.
#[island(lazy)]
fn SharedCanvas(token: String) -> impl IntoView {
    let given = use_context::<LoadedOutline>().and_then(|LoadedOutline(o)| o.try_update_value(Option::take).flatten());
    // The browser runs no route: the outline is in the page the island is on.
    #[cfg(feature = "hydrate")]
    let given = given.or_else(|| outline_in_page(&token));
    match given {
        Some(outline) => shared_canvas(outline, token),
        None => view! { <p class="page form-error" role="alert">"This tree could not be shown. Reload the page to try again."</p> }
            .into_any(),
    }
}

fn shared_canvas(mut view: SharedOutline, token: String) -> AnyView {
    // Collapse and search work on a local copy: nothing is ever written from this page.
    let orientation_now = view.canvas_state.orientation;
    let node_count = view.nodes.len();
    let connections = StoredValue::new(view.connections());
    let nodes_now = RwSignal::new(view.take_tree_nodes());
    // The page holds only what it draws; an export asks for the whole tree when wanted.
    let export_source = Callback::new(move |_: ()| {
        let token = token.clone();
        let folded: Vec<bool> = nodes_now.with_untracked(|n| n.iter().map(|n| n.is_collapsed).collect());
        Box::pin(async move {
            let whole = shared_tree(token).await.map_err(|err| err.to_string())?;
            let mut nodes = whole.nodes;
            // As folded here (the page's nodes are the tree's outline), unless it changed since.
            let outline = crate::model::editor::TreeIndex::new(&nodes).outline();
            if outline.len() == folded.len() {
                for (&(i, _), &closed) in outline.iter().zip(&folded) {
                    nodes[i].is_collapsed = closed;
                }
            }
            Ok(crate::ui::export::ExportSource {
                name: whole.name,
                description: whole.description,
                phase: whole.discovery_phase,
                orientation: orientation_now,
                nodes,
                connections: whole.connections,
            })
        }) as crate::ui::export::ExportFuture
    });
    let drawing = Memo::new(move |_| {
        nodes_now.with(|n| connections.with_value(|c| Shared(std::sync::Arc::new(draw(n, c, orientation_now)))))
    });
    let query = RwSignal::new(String::new());
    let matches = Memo::new(move |_| {
        let q = query.get();
        let d = drawing.get();
        nodes_now.with(|nodes| {
            crate::model::editor::search(&d.index, nodes, &q)
                .into_iter()
                .map(|i| nodes[i].id.clone())
                .collect::<std::collections::HashSet<_>>()
        })
    });
    // Searching opens the collapsed nodes that hide a match.
    Effect::new(move |_| {
        let found = matches.get();
        if found.is_empty() {
            return;
        }
        let d = drawing.get_untracked();
        let closed: Vec<usize> = nodes_now.with_untracked(|nodes| {
            found
                .iter()
                .filter_map(|id| d.index.get(id))
                .flat_map(|i| crate::model::editor::collapsed_ancestors(&d.index, nodes, i))
                .collect()
        });
        if !closed.is_empty() {
            nodes_now.update(|nodes| {
                for i in closed {
                    nodes[i].is_collapsed = false;
                }
            });
        }
    });
    let toggle = move |id: String| {
        nodes_now.update(|nodes| {
            if let Some(n) = nodes.iter_mut().find(|n| n.id == id) {
                n.is_collapsed = !n.is_collapsed;
            }
        })
    };
    let bounds = Memo::new(move |_| drawing.with(|d| d.layout.bounds));
    let state = RwSignal::new(view.canvas_state);
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
        let b = bounds.get_untracked();
        state.update(|s| *s = s.fit((b.w.max(1.0), b.h.max(1.0)), view, 24.0));
    };
    // The whole tree, in outline order: a shared page is read start to end, also by
    // crawlers of link previews and screen readers.
    let items = Memo::new(move |_| {
        let d = drawing.get();
        nodes_now.with(|n| visible_nodes(n, &d, &EVERYWHERE))
    });
    // Boxes and edges are one string each (`share_markup`): rebuilt whole when a node is
    // folded or the search changes, which on a read-only page is all that ever changes.
    // Memos, not closures: server rendering reads each attribute twice (a dry run that finds
    // resources, then the HTML). Shared strings: each read is a clone, and these are most of
    // the page (~400 KB at 1,000 nodes).
    let nodes_markup = Memo::new(move |_| {
        let found = matches.get();
        items.with(|items| std::sync::Arc::<str>::from(share_markup::nodes(items, |id| found.contains(id))))
    });
    let edges_markup = Memo::new(move |_| {
        drawing.with(|d| {
            let links = visible_links(d, &EVERYWHERE);
            std::sync::Arc::<str>::from(share_markup::edges(
                d.orientation,
                visible_edge_boxes(d, &EVERYWHERE),
                &links,
            ))
        })
    });
    let svg_size = move || {
        let b = bounds.get();
        (b.w.max(1.0), b.h.max(1.0))
    };
    // Folding is handled here for every toggle inside the boxes; the toggle keeps the focus
    // though its element is replaced.
    let on_nodes_click = move |ev: leptos::ev::MouseEvent| {
        let Some(id) = fold_button(&ev)
            .and_then(|t| t.closest("[data-node-id]").ok().flatten())
            .and_then(|el| el.get_attribute("data-node-id"))
        else {
            return;
        };
        toggle(id.clone());
        #[cfg(feature = "hydrate")]
        request_animation_frame(move || {
            let selector = format!("[data-node-id=\"{}\"] .node-toggle", id.replace(['"', '\\'], ""));
            let button = canvas_ref
                .get_untracked()
                .and_then(|el| el.query_selector(&selector).ok().flatten())
                .and_then(|el| wasm_bindgen::JsCast::dyn_into::<web_sys::HtmlElement>(el).ok());
            if let Some(button) = button {
                let _ = button.focus();
            }
        });
    };
    let count = move || {
        let q = query.with(|q| q.trim().is_empty());
        (!q).then(|| format!("{} found", matches.with(|m| m.len())))
    };
    let transform = move || {
        let s = state.get();
        format!(
            "transform:translate({:.1}px,{:.1}px) scale({:.5})",
            s.pan.x, s.pan.y, s.zoom
        )
    };
    let orientation = match view.canvas_state.orientation {
        Orientation::Vertical => "vertical",
        Orientation::Horizontal => "horizontal",
    };
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| crate::ui::islands::island_hydrated());
    // Parts are type-erased: one nested view type this large overflows the stack when
    // rendered on the server in unoptimised builds.
    let header = view! {
            <header class="tree-header">
                <h1 data-testid="tree-name">{view.name.clone()}</h1>
                <span class="muted">{format!("{} · {} nodes · read-only", view.discovery_phase.as_str(), node_count)}</span>
                <div class="canvas-tools" role="toolbar" aria-label="View">
                    <button type="button" class="secondary" aria-label="Zoom out" on:click=move |_| zoom_by(0.8)>"−"</button>
                    <span class="zoom-level">{move || format!("{:.0}%", state.get().zoom * 100.0)}</span>
                    <button type="button" class="secondary" aria-label="Zoom in" on:click=move |_| zoom_by(1.25)>"+"</button>
                    <button type="button" class="secondary" on:click=move |_| fit()>"Fit"</button>
                    <crate::ui::export::ExportMenu source=export_source />
                </div>
            </header>
            {view.description.clone().map(|d| view! { <p class="shared-description">{d}</p> })}
            <div class="search-bar" role="search">
                <input type="search" aria-label="Search nodes" placeholder="Search this tree" data-testid="search-input"
                    prop:value=query on:input=move |ev| query.set(event_target_value(&ev)) />
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
                    <svg class="edges" width=move || format!("{:.0}", svg_size().0) height=move || format!("{:.0}", svg_size().1)
                        viewBox=move || { let (w, h) = svg_size(); format!("0 0 {w:.0} {h:.0}") }
                        aria-hidden="true" inner_html=move || edges_markup.get()></svg>
                    <div class="nodes" role="tree" aria-label=view.name.clone() on:click=on_nodes_click inner_html=move || nodes_markup.get()></div>
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

/// The owner's share links for one tree: create (the link is shown once), copy, revoke.
#[component]
pub fn SharePanel(tree_id: i32, on_close: impl Fn() + Clone + Send + Sync + 'static) -> impl IntoView {
    let revision = RwSignal::new(0u64);
    let links = RwSignal::new(None::<Result<Vec<crate::model::share::ShareLink>, AppError>>);
    let created = RwSignal::new(None::<CreatedShareLink>);
    let error = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        revision.track();
        leptos::task::spawn_local(async move {
            links.try_set(Some(list_share_links(tree_id).await));
        });
    });
    let create = move |_| {
        leptos::task::spawn_local(async move {
            match create_share_link(tree_id).await {
                Ok(link) => {
                    created.try_set(Some(link));
                    revision.try_update(|r| *r += 1);
                }
                Err(err) => {
                    error.try_set(Some(err.to_string()));
                }
            }
        });
    };
    let revoke = move |id: String| {
        leptos::task::spawn_local(async move {
            match revoke_share_link(tree_id, id).await {
                Ok(()) => {
                    revision.try_update(|r| *r += 1);
                }
                Err(err) => {
                    error.try_set(Some(err.to_string()));
                }
            }
        });
    };
    let origin = move || {
        #[cfg(feature = "hydrate")]
        {
            window().location().origin().unwrap_or_default()
        }
        #[cfg(not(feature = "hydrate"))]
        {
            String::new()
        }
    };
    let close = on_close.clone();
    view! {
        <div class="overlay" on:click=move |_| close()>
            <div class="dialog share-dialog" role="dialog" aria-modal="true" aria-labelledby="share-title" data-testid="share-dialog"
                on:click=|ev| ev.stop_propagation()
                on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Escape" { on_close() }>
                <h2 id="share-title">"Share a read-only view"</h2>
                <p class="muted">"Anyone with a link sees the tree, not who made it or its history. Revoking a link stops it at once."</p>
                <button type="button" data-testid="create-share-link" on:click=create>"Create a link"</button>
                {move || created.get().map(|c| {
                    let url = format!("{}{}", origin(), c.path);
                    view! {
                        <p class="form-ok">"New link (shown once): "
                            <a href=c.path.clone() data-testid="share-url" target="_blank" rel="noopener">{url}</a>
                        </p>
                    }
                })}
                {move || error.get().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
                <h3>"Links"</h3>
                {move || match links.get() {
                    None => view! { <p class="muted">"Loading…"</p> }.into_any(),
                    Some(Err(err)) => view! { <p class="form-error">{err.to_string()}</p> }.into_any(),
                    Some(Ok(list)) if list.is_empty() => view! { <p class="muted">"No links yet."</p> }.into_any(),
                    Some(Ok(list)) => view! {
                        <ul class="share-links" data-testid="share-links">
                            {list.into_iter().map(|l| {
                                let id = l.id.clone();
                                let when = l.created_at.get(..16).unwrap_or_default().replace('T', " ");
                                view! {
                                    <li>
                                        <span>{format!("Created {when}")}</span>
                                        {match l.revoked_at {
                                            Some(_) => view! { <span class="muted">"revoked"</span> }.into_any(),
                                            None => view! {
                                                <button type="button" class="secondary" data-testid="revoke-share-link"
                                                    on:click=move |_| revoke(id.clone())>"Revoke"</button>
                                            }.into_any(),
                                        }}
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                }}
            </div>
        </div>
    }
}

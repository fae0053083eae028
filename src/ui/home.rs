use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::activity::{my_activity, my_analytics};
use crate::api::documents::ImportDocument;
use crate::api::trees::{list_my_trees, CreateTree, DeleteTree};
use crate::model::DiscoveryPhase;
use crate::ui::auth::{use_auth, RequireUser};
use crate::ui::charts::{BarChart, ColumnChart};
use crate::ui::status::StatusLine;

/// `/`: the logged-in user's dashboard, a route of the server's. The browser gets the dashboard
/// island, a WebAssembly chunk of its own.
#[component]
pub fn DashboardRoute() -> impl IntoView {
    view! {
        <Title text="Your trees" />
        <RequireUser>
            <UsersDashboard />
        </RequireUser>
    }
}

/// The island for the user RequireUser has found. A component, not a `move ||` closure: the
/// server runs a closure twice (a dry run, then the HTML), which made the island's resources,
/// and wrote them into the page, twice.
#[component]
fn UsersDashboard() -> impl IntoView {
    let name = use_auth()
        .user
        .get_untracked()
        .and_then(|r| r.ok())
        .flatten()
        .map(|u| u.display_name)
        .unwrap_or_default();
    view! { <Dashboard name /> }
}

/// The dashboard, an island: its lists refresh after each create, delete and import.
#[island(lazy)]
fn Dashboard(name: String) -> impl IntoView {
    let create = ServerAction::<CreateTree>::new();
    let delete = ServerAction::<DeleteTree>::new();
    let import = ServerAction::<ImportDocument>::new();
    let changes = move || (create.version().get(), delete.version().get(), import.version().get());
    let trees = Resource::new(changes, |_| list_my_trees(None, None, None, None));
    let templates = Resource::new(changes, |_| list_my_trees(None, None, None, Some(true)));
    let stats = Resource::new(changes, |_| my_analytics());
    let recent = Resource::new(changes, |_| my_activity(None, Some(8)));
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| crate::ui::islands::island_hydrated());
    let import_error = move || import.value().get().and_then(|r| r.err());
    let import_text = NodeRef::<leptos::html::Textarea>::new();
    let create_error = move || create.value().get().and_then(|r| r.err()).map(|e| e.to_string());
    view! {
        <section class="page" data-testid="dashboard">
            <h1>"Your trees"</h1>
            <p class="lead">{format!("Welcome, {name}.")}</p>
            <ActionForm action=create attr:class="form inline-create" attr:data-testid="create-tree-form">
                <label for="new-tree-name">"New tree"</label>
                <div class="row">
                    <input id="new-tree-name" name="name" required maxlength="200" placeholder="e.g. Grow weekly retention" />
                    <select name="discovery_phase" aria-label="Discovery phase">
                        {DiscoveryPhase::ALL.into_iter().map(|p| view! { <option value=p.as_str()>{p.as_str()}</option> }).collect_view()}
                    </select>
                    <select name="template_id" aria-label="Start from" data-testid="start-from">
                        <option value="">"Blank"</option>
                        {crate::model::starter::STARTERS.iter().map(|(key, label)| view! { <option value=*key>{*label}</option> }).collect_view()}
                        <Transition fallback=|| ()>
                            {move || templates.get().and_then(|r| r.ok()).unwrap_or_default().into_iter().map(|t| view! {
                                <option value=t.id.to_string()>{format!("Template: {}", t.name)}</option>
                            }).collect_view()}
                        </Transition>
                    </select>
                    <button type="submit" disabled=move || create.pending().get()>"Create tree"</button>
                </div>
                {move || create_error().map(|e| view! { <p class="form-error" role="alert">{e}</p> })}
            </ActionForm>
            <Transition fallback=|| view! { <p class="muted">"Loading your trees…"</p> }>
                {move || trees.get().map(|result| match result {
                    Ok(trees) if trees.is_empty() => view! {
                        <p class="empty" data-testid="no-trees">
                            "You have no impact trees yet. An impact tree links an objective to the outcomes, "
                            "opportunities and solutions that serve it."
                        </p>
                    }.into_any(),
                    Ok(trees) => view! {
                        <ul class="tree-list" data-testid="tree-list">
                            {trees.into_iter().map(|t| view! {
                                <li>
                                    <a href=format!("/trees/{}", t.id)>{t.name.clone()}</a>
                                    <span class="muted">{format!(" · {} · {} nodes · updated {}", t.discovery_phase, t.node_count, short_time(&t.updated_at))}</span>
                                    <details class="danger">
                                        <summary>"Delete…"</summary>
                                        <ActionForm action=delete attr:class="inline-form">
                                            <input type="hidden" name="tree_id" value=t.id.to_string() />
                                            {format!("Delete “{}” and its {} nodes? This cannot be undone. ", t.name, t.node_count)}
                                            <button type="submit" class="danger" data-testid="confirm-delete">"Delete tree"</button>
                                        </ActionForm>
                                    </details>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
                })}
            </Transition>
            <details class="import">
                <summary>"Import a Markdown outline or a JSON tree document"</summary>
                <ActionForm action=import attr:class="form" attr:data-testid="import-form">
                    <label for="import-text">"Outline: a `# Name` line, then `- **Type:** title` items, indented for children; or a JSON tree document as exported"</label>
                    <textarea id="import-text" name="text" rows="8" required node_ref=import_text></textarea>
                    <label for="import-file">"…or pick a file"</label>
                    <input id="import-file" type="file" accept=".json,.md,.markdown,.txt,application/json,text/markdown,text/plain"
                        data-testid="import-file" on:change=move |ev| load_file(ev, import_text) />
                    {move || import_error().map(|err| match err {
                        crate::error::AppError::InvalidDocument { problems } => view! {
                            <ul class="form-error" role="alert" data-testid="import-problems">
                                {problems.into_iter().map(|p| view! { <li>{format!("{}: {}", p.path, p.message)}</li> }).collect_view()}
                            </ul>
                        }.into_any(),
                        other => view! { <p class="form-error" role="alert">{other.to_string()}</p> }.into_any(),
                    })}
                    <button type="submit" disabled=move || import.pending().get()>"Import"</button>
                </ActionForm>
            </details>
            <h2>"Overview"</h2>
            <Transition fallback=|| ()>
                {move || stats.get().map(|result| match result {
                    Ok(s) => view! {
                        <div class="analytics" data-testid="analytics">
                            <p class="muted">
                                {format!("{} trees · {} nodes · {} per tree on average", s.total_trees, s.total_nodes, s.avg_nodes_per_tree)}
                            </p>
                            <div class="charts">
                                <BarChart title="Nodes by type" data=s.node_types.into_iter().collect() />
                                <BarChart title="Trees by phase" data=s.phases.into_iter().collect() />
                                <ColumnChart title="Activity" data=s.activity_per_day />
                            </div>
                        </div>
                    }.into_any(),
                    Err(err) => view! { <p class="form-error">{err.to_string()}</p> }.into_any(),
                })}
            </Transition>
            <h2>"Recent activity"</h2>
            <Transition fallback=|| ()>
                {move || recent.get().map(|result| match result {
                    Ok(page) => view! {
                        <ul class="activity" data-testid="recent-activity">
                            {page.entries.into_iter().map(|e| view! {
                                <li>
                                    <span>{e.description.unwrap_or(e.activity_type)}</span>
                                    <span class="muted">{format!(" · {}", short_time(&e.created_at))}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(err) => view! { <p class="form-error">{err.to_string()}</p> }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// `/status`: proof that browser, server and database talk to each other.
#[component]
pub fn StatusPage() -> impl IntoView {
    view! {
        <Title text="System status" />
        <section class="page">
            <h1>"Impact trees for product teams"</h1>
            <p class="lead">
                "Connect objectives to outcomes, opportunities, solutions and the assumptions behind them, "
                "on a canvas that stays fast with thousands of nodes."
            </p>
            <StatusLine />
        </section>
    }
}

/// "2026-11-25T10:34:35.62Z" as "2026-11-25 10:34 UTC".
fn short_time(rfc3339: &str) -> String {
    match (rfc3339.get(..10), rfc3339.get(11..16)) {
        (Some(day), Some(time)) => format!("{day} {time} UTC"),
        _ => rfc3339.to_string(),
    }
}

/// Puts the text of the picked file into the import form's text area (read in the browser).
fn load_file(ev: leptos::ev::Event, into: NodeRef<leptos::html::Textarea>) {
    #[cfg(feature = "hydrate")]
    {
        use wasm_bindgen::JsCast;
        let Some(input) = ev.target().and_then(|t| t.dyn_into::<web_sys::HtmlInputElement>().ok()) else {
            return;
        };
        let Some(file) = input.files().and_then(|files| files.get(0)) else {
            return;
        };
        leptos::task::spawn_local(async move {
            if let Ok(text) = wasm_bindgen_futures::JsFuture::from(file.text()).await {
                if let (Some(text), Some(area)) = (text.as_string(), into.get_untracked()) {
                    area.set_value(&text);
                }
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = (ev, into);
    }
}

use leptos::prelude::*;
use leptos::server_fn::ServerFn;
use leptos_meta::Title;

use crate::api::activity::{my_activity, my_analytics};
use crate::api::auth::FormFlash;
use crate::api::documents::{ImportDocument, IMPORT_FORM};
use crate::api::trees::{list_my_trees, CreateTree, DeleteTree, CREATE_TREE_FORM, DELETE_TREE_FORM};
use crate::error::AppError;
use crate::model::{DiscoveryPhase, TreeSummary};
use crate::ui::auth::{use_auth, RequireUser};
use crate::ui::charts::{BarChart, ColumnChart};
use crate::ui::status::StatusLine;

/// `/`: the logged-in user's dashboard, a route of the server's.
#[component]
pub fn DashboardRoute() -> impl IntoView {
    view! {
        <Title text="Your trees" />
        <RequireUser>
            <UsersDashboard />
        </RequireUser>
    }
}

/// The dashboard of the user RequireUser has found, rendered on the server only: its lists
/// are read as the page is made, and its forms are plain HTML forms (a new tree opens in the
/// editor, a deletion comes back to a fresh page, an error through the session's flash). Only
/// the import form is an island; the page loads no WebAssembly of its own otherwise.
///
/// A component, not a `move ||` closure, and its data in one `Suspend`, not in resources:
/// the server runs a closure twice (a dry run, then the HTML), and a resource's value would be
/// written into the page for a hydration this page does not have.
#[component]
fn UsersDashboard() -> impl IntoView {
    let name = use_auth()
        .user
        .get_untracked()
        .and_then(|r| r.ok())
        .flatten()
        .map(|u| u.display_name)
        .unwrap_or_default();
    view! {
        <section class="page" data-testid="dashboard">
            <h1>"Your trees"</h1>
            <p class="lead">{format!("Welcome, {name}.")}</p>
            <Suspense fallback=|| view! { <p class="muted">"Loading your trees…"</p> }>
                {Suspend::new(async move {
                    let flash = dashboard_flash().await;
                    let left_by = |form: &str| flash.as_ref().filter(|f| f.form == form);
                    let create_error = left_by(CREATE_TREE_FORM).map(|f| f.error.clone());
                    let delete_error = left_by(DELETE_TREE_FORM).map(|f| f.error.clone());
                    let import_error = left_by(IMPORT_FORM).map(|f| f.error.clone());
                    let import_text = left_by(IMPORT_FORM).and_then(|f| f.text.clone());
                    let (trees, templates, stats, recent) = futures::join!(
                        list_my_trees(None, None, None, None),
                        list_my_trees(None, None, None, Some(true)),
                        my_analytics(),
                        my_activity(None, Some(8)),
                    );
                    view! {
                        {delete_error.map(|e| view! { <p class="form-error" role="alert" data-testid="delete-error">{e.to_string()}</p> })}
                        <CreateTreeForm templates=templates.unwrap_or_default() error=create_error />
                        <TreeList trees />
                        <ImportForm text=import_text />
                        {import_error.map(|error| view! { <ImportError error /> })}
                        <h2>"Overview"</h2>
                        {match stats {
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
                        }}
                        <h2>"Recent activity"</h2>
                        {match recent {
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
                        }}
                    }
                })}
            </Suspense>
        </section>
    }
}

/// What a JavaScript-free post of one of the dashboard's forms left in the session, taken as
/// it is read. The page is rendered on the server only.
async fn dashboard_flash() -> Option<FormFlash> {
    #[cfg(feature = "ssr")]
    {
        let forms = [CREATE_TREE_FORM, DELETE_TREE_FORM, IMPORT_FORM];
        crate::api::auth::server::take_flash_of(&forms).await.ok().flatten()
    }
    #[cfg(not(feature = "ssr"))]
    {
        None
    }
}

/// A new tree, blank or from a starter or one of the user's templates; the server sends the
/// browser on to it.
#[component]
fn CreateTreeForm(templates: Vec<TreeSummary>, error: Option<AppError>) -> impl IntoView {
    view! {
        <form method="post" action=CreateTree::url() class="form inline-create" data-testid="create-tree-form">
            <label for="new-tree-name">"New tree"</label>
            <div class="row">
                <input id="new-tree-name" name="name" required maxlength="200" placeholder="e.g. Grow weekly retention" />
                <select name="discovery_phase" aria-label="Discovery phase">
                    {DiscoveryPhase::ALL.into_iter().map(|p| view! { <option value=p.as_str()>{p.as_str()}</option> }).collect_view()}
                </select>
                <select name="template_id" aria-label="Start from" data-testid="start-from">
                    <option value="">"Blank"</option>
                    {crate::model::starter::STARTERS.iter().map(|(key, label)| view! { <option value=*key>{*label}</option> }).collect_view()}
                    {templates.into_iter().map(|t| view! {
                        <option value=t.id.to_string()>{format!("Template: {}", t.name)}</option>
                    }).collect_view()}
                </select>
                <button type="submit">"Create tree"</button>
            </div>
            {error.map(|e| view! { <p class="form-error" role="alert" data-testid="create-error">{e.to_string()}</p> })}
        </form>
    }
}

#[component]
fn TreeList(trees: Result<Vec<TreeSummary>, AppError>) -> impl IntoView {
    match trees {
        Ok(trees) if trees.is_empty() => view! {
            <p class="empty" data-testid="no-trees">
                "You have no impact trees yet. An impact tree links an objective to the outcomes, "
                "opportunities and solutions that serve it."
            </p>
        }
        .into_any(),
        Ok(trees) => view! {
            <ul class="tree-list" data-testid="tree-list">
                {trees.into_iter().map(|t| view! {
                    <li>
                        <a href=format!("/trees/{}", t.id)>{t.name.clone()}</a>
                        <span class="muted">{format!(" · {} · {} nodes · updated {}", t.discovery_phase, t.node_count, short_time(&t.updated_at))}</span>
                        <details class="danger">
                            <summary>"Delete…"</summary>
                            <form method="post" action=DeleteTree::url() class="inline-form">
                                <input type="hidden" name="tree_id" value=t.id.to_string() />
                                {format!("Delete “{}” and its {} nodes? This cannot be undone. ", t.name, t.node_count)}
                                <button type="submit" class="danger" data-testid="confirm-delete">"Delete tree"</button>
                            </form>
                        </details>
                    </li>
                }).collect_view()}
            </ul>
        }
        .into_any(),
        Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
    }
}

/// Why an import was refused: each problem of a bad document, by where it is.
#[component]
fn ImportError(error: AppError) -> impl IntoView {
    match error {
        AppError::InvalidDocument { problems } => view! {
            <ul class="form-error" role="alert" data-testid="import-problems">
                {problems.into_iter().map(|p| view! { <li>{format!("{}: {}", p.path, p.message)}</li> }).collect_view()}
            </ul>
        }
        .into_any(),
        other => view! { <p class="form-error" role="alert">{other.to_string()}</p> }.into_any(),
    }
}

/// Import from pasted text or a picked file, an island: the file is read in the browser, and
/// a bad document's problems are listed beside the text, which stays as it was typed. `text`:
/// what a JavaScript-free post that failed sent, given back.
#[island(lazy)]
fn ImportForm(text: Option<String>) -> impl IntoView {
    let import = ServerAction::<ImportDocument>::new();
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| crate::ui::islands::island_hydrated());
    let import_error = move || import.value().get().and_then(|r| r.err());
    let import_text = NodeRef::<leptos::html::Textarea>::new();
    let kept = crate::ui::share_markup::textarea_content(text.as_deref().unwrap_or_default());
    // Open when it was sent back, so the text is there to mend.
    let open = text.is_some();
    view! {
        <details class="import" open=open>
            <summary>"Import a Markdown outline or a JSON tree document"</summary>
            // A plain form with its own submit: `ActionForm` would read it back through
            // FormData and serde_qs, code this island need not carry for one field.
            <form
                method="post"
                action=ImportDocument::url()
                class="form"
                data-testid="import-form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    let text = import_text.get_untracked().map(|area| area.value()).unwrap_or_default();
                    import.dispatch(ImportDocument { text });
                }
            >
                <label for="import-text">"Outline: a `# Name` line, then `- **Type:** title` items, indented for children; or a JSON tree document as exported"</label>
                <textarea id="import-text" name="text" rows="8" required node_ref=import_text inner_html=kept></textarea>
                <label for="import-file">"…or pick a file"</label>
                <input id="import-file" type="file" accept=".json,.md,.markdown,.txt,application/json,text/markdown,text/plain"
                    data-testid="import-file" on:change=move |ev| load_file(ev, import_text) />
                {move || import_error().map(|error| view! { <ImportError error /> })}
                <button type="submit" disabled=move || import.pending().get()>"Import"</button>
            </form>
        </details>
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

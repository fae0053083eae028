use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::trees::{list_my_trees, CreateTree};
use crate::model::DiscoveryPhase;
use crate::ui::auth::{use_auth, RequireUser};
use crate::ui::status::StatusLine;

/// `/`: the logged-in user's dashboard.
#[component]
pub fn DashboardPage() -> impl IntoView {
    view! {
        <Title text="Your trees" />
        <RequireUser>
            <Dashboard />
        </RequireUser>
    }
}

#[component]
fn Dashboard() -> impl IntoView {
    let auth = use_auth();
    let create = ServerAction::<CreateTree>::new();
    let trees = Resource::new(
        move || create.version().get(),
        |_| list_my_trees(None, None, None, None),
    );
    let create_error = move || create.value().get().and_then(|r| r.err()).map(|e| e.to_string());
    let name = move || {
        auth.user
            .get()
            .and_then(|r| r.ok())
            .flatten()
            .map(|u| u.display_name)
            .unwrap_or_default()
    };
    view! {
        <section class="page" data-testid="dashboard">
            <h1>"Your trees"</h1>
            <p class="lead">{move || format!("Welcome, {}.", name())}</p>
            <ActionForm action=create attr:class="form inline-create" attr:data-testid="create-tree-form">
                <label for="new-tree-name">"New tree"</label>
                <div class="row">
                    <input id="new-tree-name" name="name" required maxlength="200" placeholder="e.g. Grow weekly retention" />
                    <select name="discovery_phase" aria-label="Discovery phase">
                        {DiscoveryPhase::ALL.into_iter().map(|p| view! { <option value=p.as_str()>{p.as_str()}</option> }).collect_view()}
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
                                    <a href=format!("/trees/{}", t.id)>{t.name}</a>
                                    <span class="muted">{format!(" · {} · {} nodes · updated {}", t.discovery_phase, t.node_count, short_time(&t.updated_at))}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(err) => view! { <p class="form-error" role="alert">{err.to_string()}</p> }.into_any(),
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

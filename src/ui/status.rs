use leptos::prelude::*;

use crate::api::status::get_db_status;
use crate::error::AppError;
use crate::model::DbStatus;

/// A live line proving the whole path works: browser → server function → PostgreSQL.
/// Rendered on the server with the first answer, refreshed from the browser on demand.
/// An island: the one part of the status page that runs in the browser.
#[island(lazy)]
pub fn StatusLine() -> impl IntoView {
    let (checks, set_checks) = signal(1u32);
    let status = Resource::new(move || checks.get(), |_| get_db_status());
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| crate::ui::islands::island_hydrated());

    view! {
        <section class="status" aria-live="polite" data-testid="status">
            <h2>"System status"</h2>
            <Transition fallback=|| view! { <p class="status-line">"Checking the database…"</p> }>
                {move || status.get().map(|answer: Result<DbStatus, AppError>| match answer {
                    Ok(s) => view! {
                        <p class="status-line ok" data-testid="db-status">
                            <span class="dot" aria-hidden="true"></span>
                            "Database connected · schema version "
                            <span data-testid="schema-version">{s.schema_version}</span>
                            " · PostgreSQL " {s.server_version}
                            " · database time "
                            <time data-testid="db-time">{s.database_time}</time>
                        </p>
                    }.into_any(),
                    Err(err) => view! {
                        <p class="status-line error" data-testid="db-status">
                            <span class="dot" aria-hidden="true"></span>
                            "Database unavailable: " {err.to_string()}
                        </p>
                    }.into_any(),
                })}
            </Transition>
            <p class="status-actions">
                <button type="button" data-testid="check-again" on:click=move |_| set_checks.update(|n| *n += 1)>
                    "Check again"
                </button>
                <span class="muted" data-testid="check-count">
                    {move || format!("checked {} time{}", checks.get(), if checks.get() == 1 { "" } else { "s" })}
                </span>
            </p>
        </section>
    }
}

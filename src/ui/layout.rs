use leptos::prelude::*;
use leptos_meta::Title;

use crate::ui::auth::use_auth;

#[component]
pub fn Header() -> impl IntoView {
    let auth = use_auth();
    view! {
        <header class="app-header">
            <a class="brand" href="/">
                <svg class="brand-mark" viewBox="0 0 24 24" aria-hidden="true">
                    <circle cx="12" cy="4" r="3" />
                    <circle cx="5" cy="19" r="3" />
                    <circle cx="19" cy="19" r="3" />
                    <path d="M12 7v5M12 12L5 16M12 12l7 4" />
                </svg>
                <span>"Impact Tree"</span>
            </a>
            <nav class="account-nav" aria-label="Account">
                <Transition fallback=|| ()>
                    {move || {
                        auth.user.get().map(|user| match user {
                            Ok(Some(user)) => view! {
                                <a href="/account" class="user-name" data-testid="user-name">{user.display_name}</a>
                                <ActionForm action=auth.log_out attr:class="inline-form">
                                    <button type="submit" class="secondary" data-testid="log-out">"Log out"</button>
                                </ActionForm>
                            }.into_any(),
                            _ => view! {
                                <a href="/login">"Log in"</a>
                                <a href="/signup" class="button-link">"Sign up"</a>
                            }.into_any(),
                        })
                    }}
                </Transition>
            </nav>
        </header>
    }
}

#[component]
pub fn Footer() -> impl IntoView {
    view! {
        <footer class="app-footer">
            <a href="/status">"System status"</a>
        </footer>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        if let Some(options) = use_context::<leptos_axum::ResponseOptions>() {
            options.set_status(axum::http::StatusCode::NOT_FOUND);
        }
    }
    view! {
        <Title text="Not found" />
        <section class="page narrow">
            <h1>"Page not found"</h1>
            <p>"There is nothing at this address. " <a href="/">"Back to the start"</a></p>
        </section>
    }
}

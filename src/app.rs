use leptos::prelude::*;
use leptos_meta::{provide_meta_context, MetaTags, Stylesheet, Title};
use leptos_router::components::{Route, Router, Routes};
use leptos_router::{path, SsrMode};

use crate::ui::auth::{AccountPage, Auth, LoginPage, SignupPage};
use crate::ui::editor::TreeRoute;
use crate::ui::home::{DashboardRoute, StatusPage};
use crate::ui::layout::{Footer, Header, NotFound};
use crate::ui::share::ShareRoute;

/// The HTML document around the app, rendered on the server only.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="color-scheme" content="light" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <AutoReload options=options.clone() />
                <HydrationScripts options islands=true />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

/// Sends this page's Content-Security-Policy, built around the nonce Leptos puts on its own
/// scripts for this response.
#[component]
fn ContentSecurityPolicy() -> impl IntoView {
    #[cfg(feature = "ssr")]
    {
        use crate::server::security_headers::page_csp;
        if let (Some(nonce), Some(response)) = (
            leptos::nonce::use_nonce(),
            use_context::<leptos_axum::ResponseOptions>(),
        ) {
            let reload = use_context::<crate::server::AppState>().and_then(|state| {
                (!state.config.is_production())
                    .then(|| format!("ws://{}:{}", state.config.site.addr.ip(), state.config.site.reload_port))
            });
            if let Ok(value) = axum::http::HeaderValue::from_str(&page_csp(&nonce, reload.as_deref())) {
                response.insert_header(axum::http::header::CONTENT_SECURITY_POLICY, value);
            }
        }
    }
}

/// A page's title as the browser shows it: the page's own, then the app's name.
pub fn page_title(title: &str) -> String {
    if title.is_empty() {
        "Impact Tree".to_string()
    } else {
        format!("{title} · Impact Tree")
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    provide_context(Auth::new());

    // Async: pages are sent once their data is in, so they read fully without JavaScript.
    view! {
        <ContentSecurityPolicy />
        <Stylesheet id="leptos" href="/pkg/impact-tree.css" />
        <Title formatter=|title: String| {
            let title = page_title(&title);
            // leptos_meta writes the server's <title> into the page as is: a tree named
            // "</title><script>" would become markup. The browser sets document.title, which
            // is text already.
            if cfg!(feature = "ssr") { crate::ui::export::xml(&title) } else { title }
        } />
        <Router>
            <Header />
            <main id="main">
                <Routes fallback=NotFound>
                    <Route path=path!("") view=DashboardRoute ssr=SsrMode::Async />
                    <Route path=path!("/login") view=LoginPage ssr=SsrMode::Async />
                    <Route path=path!("/signup") view=SignupPage ssr=SsrMode::Async />
                    <Route path=path!("/account") view=AccountPage ssr=SsrMode::Async />
                    <Route path=path!("/status") view=StatusPage ssr=SsrMode::Async />
                    <Route path=path!("/trees/:id") view=TreeRoute ssr=SsrMode::Async />
                    <Route path=path!("/s/:token") view=ShareRoute ssr=SsrMode::Async />
                </Routes>
            </main>
            <Footer />
        </Router>
    }
}

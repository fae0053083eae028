use std::path::Path;
use std::sync::OnceLock;

use axum::extract::DefaultBodyLimit;
use axum::http::{header, HeaderValue, StatusCode};
use axum::routing::get;
use axum::Router;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower::ServiceBuilder;
use tower_http::compression::{CompressionLayer, CompressionLevel};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use super::auth::session::{auth_layer, cookie_name, enforce_lifetimes};
use super::body_limit::{limit_body, BodyLimit};
use super::csrf::{reject_cross_site, AllowedOrigins};
use super::share_cache::{self, ShareCache};
use super::{error_status, health, kept_answer, outage, page_blocks, security_headers, telemetry, AppState};
use crate::app::{shell, App};

/// The app's routes, listed once per process. Listing them runs the app with Leptos's
/// resource loads suppressed through one flag for the whole process, and a `Resource` first
/// polled anywhere while the flag is up waits forever (leptos #4773). `main` builds one router,
/// but the integration tests build one per test, in parallel: a page rendered in one test while
/// another listed the routes hung until the 30 s request timeout (the share tests' occasional
/// 408, caught with a task dump: the page's reads had finished, and its `Suspense` never
/// polled it again). Listed once, no page renders while the flag is up: a second builder waits
/// for the first listing to end.
fn route_list() -> Vec<leptos_axum::AxumRouteListing> {
    static ROUTES: OnceLock<Vec<leptos_axum::AxumRouteListing>> = OnceLock::new();
    ROUTES.get_or_init(|| generate_route_list(App)).clone()
}

/// The whole HTTP application: pages, server functions, health checks, static files, and the
/// layers around them. `main` and the integration tests build it the same way.
pub fn build(state: AppState) -> Router {
    let config = state.config.clone();
    let routes = route_list();
    let options = state.leptos_options.clone();

    // Pages and server functions: the only routes that load the session (one query per
    // request), so assets and health checks stay free of database work.
    let app = Router::new()
        // Server functions and pages get `AppState` through Leptos context.
        .leptos_routes_with_context(&state, routes, || {}, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .with_state(state.clone())
        .layer(axum::middleware::from_fn(page_blocks::splice))
        .layer(axum::middleware::from_fn_with_state(
            config.sessions.clone(),
            enforce_lifetimes,
        ))
        .layer(auth_layer(state.pool.clone(), &config))
        .layer(axum::middleware::from_fn(outage::answer_503))
        // Inside the compression layers, which leave an answer it encoded alone.
        .layer(axum::middleware::from_fn(kept_answer::serve));
    // Outside the session layers: a cached share page costs one indexed query. Switched off
    // (`http.share_page_cache`, or no bytes for it), every share page is rendered for its
    // request, without the query or visitors waiting on each other for a page not kept.
    let app = if config.http.share_page_cache && config.caches.share_pages_bytes > 0 {
        app.layer(axum::middleware::from_fn_with_state(
            ShareCache::new(
                state.pool.clone(),
                cookie_name(&config),
                config.caches.share_pages_bytes,
            ),
            share_cache::serve,
        ))
    } else {
        app
    };

    let site = Path::new(&*state.leptos_options.site_root).to_path_buf();
    // Bundle file names do not change between builds, so browsers revalidate them.
    let assets = Router::new()
        // `cargo leptos build --release --precompress` writes .br and .gz copies beside each
        // file; they are served when the browser takes them (else compressed on the fly).
        .nest_service(
            "/pkg",
            ServeDir::new(site.join(&*state.leptos_options.site_pkg_dir))
                .precompressed_br()
                .precompressed_gzip(),
        )
        .route_service("/favicon.svg", ServeFile::new(site.join("favicon.svg")))
        .layer(SetResponseHeaderLayer::if_not_present(
            header::CACHE_CONTROL,
            HeaderValue::from_static("no-cache"),
        ));

    let limit = config.http.body_limit_bytes;
    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        .with_state(state)
        .merge(assets)
        .merge(app)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(telemetry::request_span))
                .layer(PropagateRequestIdLayer::x_request_id())
                // Brotli's default quality (11) costs ~100x the CPU of quality 4 for a few
                // percent smaller pages; responses here are made per request. The bundle is
                // compressed at 11 once, at build time (served precompressed above).
                .layer(CompressionLayer::new().no_zstd().quality(CompressionLevel::Precise(4)))
                // Browsers that take zstd (Chromium and Firefox send it, on plain-HTTP
                // localhost too) get it, at level 1, from this inner layer, and the outer one
                // leaves an encoded response alone. A 575 KB share page: brotli 4 ~3.8 ms and
                // 48 KB, zstd 1 ~0.5 ms and 54 KB. (Pages with big parts come to it already
                // encoded, in frames made on every core: `page_zstd`.)
                .layer(
                    CompressionLayer::new()
                        .no_br()
                        .no_gzip()
                        .no_deflate()
                        .quality(CompressionLevel::Precise(super::page_zstd::LEVEL)),
                )
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    config.http.request_timeout,
                ))
                .layer(axum::middleware::from_fn(security_headers::add))
                .layer(axum::middleware::from_fn(error_status::set_status))
                .layer(axum::middleware::from_fn_with_state(
                    AllowedOrigins::new(&config.site.public_origin),
                    reject_cross_site,
                ))
                .layer(axum::middleware::from_fn_with_state(BodyLimit(limit), limit_body))
                .layer(DefaultBodyLimit::max(limit)),
        )
}

use axum::extract::DefaultBodyLimit;
use axum::http::StatusCode;
use axum::routing::get;
use axum::Router;
use leptos_axum::{generate_route_list, LeptosRoutes};
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::timeout::TimeoutLayer;
use tower_http::trace::TraceLayer;

use super::body_limit::{limit_body, BodyLimit};
use super::{health, telemetry, AppState};
use crate::app::{shell, App};

/// The whole HTTP application: pages, server functions, health checks, static files, and the
/// layers around them. `main` and the integration tests build it the same way.
pub fn build(state: AppState) -> Router {
    let routes = generate_route_list(App);
    let limit = state.config.http.body_limit_bytes;
    let timeout = state.config.http.request_timeout;
    let options = state.leptos_options.clone();

    Router::new()
        .route("/healthz", get(health::healthz))
        .route("/readyz", get(health::readyz))
        // Server functions and pages get `AppState` through Leptos context.
        .leptos_routes_with_context(&state, routes, || {}, move || shell(options.clone()))
        .fallback(leptos_axum::file_and_error_handler::<AppState, _>(shell))
        .with_state(state)
        .layer(
            ServiceBuilder::new()
                .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
                .layer(TraceLayer::new_for_http().make_span_with(telemetry::request_span))
                .layer(PropagateRequestIdLayer::x_request_id())
                .layer(CompressionLayer::new())
                .layer(TimeoutLayer::with_status_code(
                    StatusCode::REQUEST_TIMEOUT,
                    timeout,
                ))
                .layer(axum::middleware::from_fn_with_state(
                    BodyLimit(limit),
                    limit_body,
                ))
                .layer(DefaultBodyLimit::max(limit)),
        )
}

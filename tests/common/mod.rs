//! Helpers shared by the integration tests.
#![allow(dead_code)]

use std::collections::HashMap;

use axum::body::Body;
use axum::http::{Request, Response};
use axum::Router;
use http_body_util::BodyExt;
use impact_tree::server::{router, AppState, Config};
use sqlx::PgPool;
use tower::ServiceExt;

pub fn test_config() -> Config {
    Config::from_parts("test", None, &HashMap::new()).expect("defaults are valid")
}

pub fn app(pool: PgPool) -> Router {
    app_with(pool, test_config())
}

pub fn app_with(pool: PgPool, config: Config) -> Router {
    router::build(AppState::new(pool, config))
}

pub async fn send(app: &Router, request: Request<Body>) -> Response<Body> {
    app.clone()
        .oneshot(request)
        .await
        .expect("the router never fails")
}

pub async fn body_text(response: Response<Body>) -> String {
    let bytes = response
        .into_body()
        .collect()
        .await
        .expect("body")
        .to_bytes();
    String::from_utf8_lossy(&bytes).into_owned()
}

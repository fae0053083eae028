use std::time::Duration;

use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{repo, AppState};

const READY_TIMEOUT: Duration = Duration::from_secs(1);

/// Liveness: the process serves HTTP. Never touches the database, so a database outage does
/// not get healthy servers restarted.
pub async fn healthz() -> Response {
    json(StatusCode::OK, r#"{"status":"ok"}"#)
}

/// Readiness: the database answers `SELECT 1` within a second.
pub async fn readyz(State(state): State<AppState>) -> Response {
    match tokio::time::timeout(READY_TIMEOUT, repo::status::ping(&state.pool)).await {
        Ok(Ok(())) => json(StatusCode::OK, r#"{"status":"ready","database":"ok"}"#),
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "readiness check: database error");
            json(
                StatusCode::SERVICE_UNAVAILABLE,
                r#"{"status":"unavailable","database":"error"}"#,
            )
        }
        Err(_) => {
            tracing::warn!("readiness check: database did not answer within 1 s");
            json(
                StatusCode::SERVICE_UNAVAILABLE,
                r#"{"status":"unavailable","database":"timeout"}"#,
            )
        }
    }
}

fn json(status: StatusCode, body: &'static str) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        body,
    )
        .into_response()
}

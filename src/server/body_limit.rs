//! A request body limit that answers 413 however the body arrives.
//!
//! A declared `Content-Length` over the limit is refused before any handler runs. A chunked
//! body is counted as it streams; once it passes the limit reading fails (memory stays flat)
//! and whatever the handler made of that failure is replaced by 413. Server functions would
//! otherwise report it as a generic deserialization error.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use http_body_util::{BodyExt, LengthLimitError, Limited};

use crate::error::AppError;
use leptos::server_fn::error::FromServerFnError;

#[derive(Clone, Copy)]
pub struct BodyLimit(pub usize);

pub async fn limit_body(State(BodyLimit(limit)): State<BodyLimit>, request: Request, next: Next) -> Response {
    let declared = request
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|len| len > limit as u64) {
        return too_large();
    }

    let exceeded = Arc::new(AtomicBool::new(false));
    let flag = exceeded.clone();
    let (parts, body) = request.into_parts();
    let body = Limited::new(body, limit).map_err(move |err| {
        if err.is::<LengthLimitError>() {
            flag.store(true, Ordering::Relaxed);
        }
        err
    });
    let response = next.run(Request::from_parts(parts, Body::new(body))).await;
    if exceeded.load(Ordering::Relaxed) {
        return too_large();
    }
    response
}

fn too_large() -> Response {
    let body = AppError::PayloadTooLarge.ser();
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        [(header::CONTENT_TYPE, "application/json")],
        body,
    )
        .into_response()
}

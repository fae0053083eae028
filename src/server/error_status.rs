//! Server functions answer every error with 500. This layer reads the error (our `AppError`
//! JSON, a few hundred bytes) and gives the response its real status, so a missing argument
//! is a 400 and a missing row a 404 for clients, logs and load balancers alike.

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::{header, StatusCode};
use axum::middleware::Next;
use axum::response::Response;

use crate::error::AppError;

const MAX_ERROR_BODY: usize = 64 * 1024;

pub async fn set_status(request: Request, next: Next) -> Response {
    let is_server_fn = request.uri().path().starts_with(crate::server::csrf::API_PREFIX);
    let response = next.run(request).await;
    let is_json = response
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !is_server_fn || response.status() != StatusCode::INTERNAL_SERVER_ERROR || !is_json {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    let Ok(bytes) = to_bytes(body, MAX_ERROR_BODY).await else {
        parts.headers.remove(header::CONTENT_LENGTH);
        return Response::from_parts(parts, Body::empty());
    };
    if let Ok(error) = serde_json::from_slice::<AppError>(&bytes) {
        if let Ok(status) = StatusCode::from_u16(error.status_code()) {
            parts.status = status;
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

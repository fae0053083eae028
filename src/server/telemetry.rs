use axum::http::Request;
use tracing::Span;
use tracing_subscriber::EnvFilter;

/// Logs go to stdout: JSON lines in production (for a log pipeline), readable text in
/// development. `RUST_LOG` overrides the default filter.
pub fn init(json: bool) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info,tower_http=info,sqlx=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_target(false);
    // A second init (tests) is harmless.
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

/// The span of one request: every log line inside it carries the request id, which is also
/// sent back in `x-request-id` so a user's report can be matched to the logs.
pub fn request_span<B>(request: &Request<B>) -> Span {
    let request_id = request
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("-");
    tracing::info_span!(
        "request",
        id = %request_id,
        method = %request.method(),
        path = %request.uri().path(),
    )
}

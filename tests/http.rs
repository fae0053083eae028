//! The HTTP surface of the foundation, through the real router: health, readiness, the status
//! server function, body limits, request ids, compression and the 404 page.
#![cfg(feature = "ssr")]

mod common;

use std::time::Duration;

use axum::body::Body;
use axum::http::{header, Request, StatusCode};
use common::{app, app_with, body_text, send, test_config};
use sqlx::postgres::PgPoolOptions;
use sqlx::PgPool;

fn post_status() -> axum::http::request::Builder {
    Request::post("/api/db_status")
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .header(header::ORIGIN, "http://127.0.0.1:3000")
}

#[sqlx::test]
async fn healthz_never_touches_the_database(pool: PgPool) {
    let app = app(pool.clone());
    pool.close().await;
    let response = send(&app, Request::get("/healthz").body(Body::empty()).unwrap()).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(body_text(response).await, r#"{"status":"ok"}"#);
}

#[sqlx::test]
async fn readyz_reports_the_database(pool: PgPool) {
    let app = app(pool);
    let response = send(&app, Request::get("/readyz").body(Body::empty()).unwrap()).await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn readyz_is_503_when_the_database_is_down() {
    // Nothing listens on port 1: every connection attempt fails at once.
    let pool = PgPoolOptions::new()
        .acquire_timeout(Duration::from_secs(3))
        .connect_lazy("postgres://postgres@127.0.0.1:1/none")
        .unwrap();
    let app = app(pool);
    let started = std::time::Instant::now();
    let response = send(&app, Request::get("/readyz").body(Body::empty()).unwrap()).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(
        started.elapsed() < Duration::from_millis(1500),
        "readyz must answer within about a second"
    );
    let body = body_text(response).await;
    assert!(body.contains("unavailable"), "{body}");
}

#[sqlx::test]
async fn the_status_server_function_answers_from_the_database(pool: PgPool) {
    let app = app(pool);
    let response = send(&app, post_status().body(Body::empty()).unwrap()).await;
    assert_eq!(response.status(), StatusCode::OK);
    let json: serde_json::Value = serde_json::from_str(&body_text(response).await).unwrap();
    let newest_migration = impact_tree::server::db::MIGRATOR
        .iter()
        .map(|m| m.version)
        .max()
        .unwrap();
    assert_eq!(json["schema_version"], newest_migration);
    assert!(json["server_version"]
        .as_str()
        .unwrap()
        .chars()
        .next()
        .unwrap()
        .is_ascii_digit());
    assert!(json["database_time"].as_str().unwrap().ends_with('Z'));
}

#[tokio::test]
async fn a_database_outage_reaches_the_client_as_a_clean_503() {
    let pool = PgPoolOptions::new()
        .acquire_timeout(Duration::from_millis(500))
        .connect_lazy("postgres://postgres@127.0.0.1:1/none")
        .unwrap();
    let app = app(pool);
    let response = send(&app, post_status().body(Body::empty()).unwrap()).await;
    assert_eq!(response.status(), StatusCode::SERVICE_UNAVAILABLE);
    let body = body_text(response).await;
    assert!(body.contains("unavailable"), "{body}");
    assert!(
        !body.contains("127.0.0.1") && !body.to_lowercase().contains("connection refused"),
        "{body}"
    );
}

#[sqlx::test]
async fn bodies_over_the_limit_get_413(pool: PgPool) {
    let mut config = test_config();
    config.http.body_limit_bytes = 64 * 1024;
    let app = app_with(pool, config);

    // Declared up front.
    let big = vec![b'a'; 64 * 1024 + 1];
    let response = send(&app, post_status().body(Body::from(big)).unwrap()).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // Streamed without a length: counted as it arrives.
    let chunks = (0..100).map(|_| Ok::<_, std::io::Error>(vec![b'a'; 1024]));
    let body = Body::from_stream(futures::stream::iter(chunks));
    let response = send(&app, post_status().body(body).unwrap()).await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
    let text = body_text(response).await;
    assert!(text.contains("payload_too_large"), "{text}");

    // Under the limit is fine.
    let response = send(&app, post_status().body(Body::from(vec![b'a'; 1024])).unwrap()).await;
    assert_ne!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

#[sqlx::test]
async fn every_response_carries_a_request_id(pool: PgPool) {
    let app = app(pool);
    let response = send(&app, Request::get("/healthz").body(Body::empty()).unwrap()).await;
    let id = response
        .headers()
        .get("x-request-id")
        .expect("x-request-id")
        .to_str()
        .unwrap();
    assert_eq!(id.len(), 36, "a UUID: {id}");
}

#[sqlx::test]
async fn pages_are_compressed_and_rendered_on_the_server(pool: PgPool) {
    let app = app(pool);
    let response = send(
        &app,
        Request::get("/")
            .header(header::ACCEPT_ENCODING, "gzip")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers().get(header::CONTENT_ENCODING).unwrap(), "gzip");

    let response = send(&app, Request::get("/status").body(Body::empty()).unwrap()).await;
    let html = body_text(response).await;
    assert!(html.contains("Impact Tree"));
    assert!(
        html.contains("Database connected"),
        "the status is rendered on the server"
    );
}

#[sqlx::test]
async fn unknown_pages_are_404(pool: PgPool) {
    let app = app(pool);
    let response = send(&app, Request::get("/no/such/page").body(Body::empty()).unwrap()).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert!(body_text(response).await.contains("Page not found"));
}

#[sqlx::test]
async fn malformed_server_function_calls_are_400_not_500(pool: PgPool) {
    let app = app(pool);
    let mut client = common::Client::new(app);
    let answer = client.call("log_in", &[("email", "a@example.com")]).await;
    assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{}", answer.body);
    assert_eq!(answer.json()["kind"], "bad_request");
}

/// Pages render while routers are built beside them. Building a router lists the app's routes,
/// and listing them holds back Leptos's resource loads through one flag for the whole process
/// (leptos #4773): a page whose resource first ran while the flag was up never finished, and
/// the tests, which build a router each and in parallel, saw it as an occasional 408 after the
/// 30 s request timeout. The routes are now listed once per process (`router::route_list`).
#[sqlx::test]
async fn pages_render_while_other_routers_are_built(pool: PgPool) {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    let pages = app(pool.clone());
    let stop = Arc::new(AtomicBool::new(false));
    let builder = {
        let (stop, options) = (stop.clone(), pool.connect_options().as_ref().clone());
        std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            runtime.block_on(async move {
                // A pool of its own that never connects: its connections would belong to this
                // thread's runtime.
                let pool = PgPoolOptions::new().connect_lazy_with(options);
                let mut built = 0;
                while !stop.load(Ordering::Relaxed) {
                    drop(common::app(pool.clone()));
                    built += 1;
                }
                built
            })
        })
    };
    for _ in 0..60 {
        // The log-in page reads a resource (the form's flash message).
        let request = Request::get("/login").body(Body::empty()).unwrap();
        let response = tokio::time::timeout(Duration::from_secs(5), send(&pages, request))
            .await
            .expect("a page rendered while another router was built never finished");
        assert_eq!(response.status(), StatusCode::OK);
    }
    stop.store(true, Ordering::Relaxed);
    assert!(builder.join().unwrap() > 0, "no router was built beside the pages");
}

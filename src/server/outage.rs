//! A database outage answers 503 everywhere, also where a library would answer a bare 500:
//! tower-sessions and axum-login turn every session-store or user-loading error into an empty
//! 500 before our code runs. Errors that mean "the database is unreachable" are noted for the
//! request in a task-local flag; a 500 from a request that noted one becomes `503
//! unavailable`, which clients and load balancers treat as "retry shortly".

use std::cell::Cell;

use axum::extract::Request;
use axum::http::{header, HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower_sessions::session::{Id, Record};
use tower_sessions::session_store::{self, SessionStore};

use crate::error::AppError;

tokio::task_local! {
    static UNAVAILABLE: Cell<bool>;
}

/// Records that this request met an unreachable database (no-op outside a request).
pub fn note() {
    let _ = UNAVAILABLE.try_with(|flag| flag.set(true));
}

pub async fn answer_503(request: Request, next: Next) -> Response {
    UNAVAILABLE
        .scope(Cell::new(false), async move {
            let response = next.run(request).await;
            if response.status() == StatusCode::INTERNAL_SERVER_ERROR && UNAVAILABLE.with(Cell::get) {
                return unavailable();
            }
            response
        })
        .await
}

fn unavailable() -> Response {
    let body = serde_json::to_string(&AppError::Unavailable).unwrap_or_default();
    let mut response = (StatusCode::SERVICE_UNAVAILABLE, body).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    response
}

/// The session store, noting its failures: every one of them is a database error, and the
/// session layer would answer it with a bare 500.
#[derive(Debug, Clone)]
pub struct NotingStore<S>(pub S);

#[async_trait::async_trait]
impl<S: SessionStore + Clone> SessionStore for NotingStore<S> {
    async fn create(&self, record: &mut Record) -> session_store::Result<()> {
        self.0.create(record).await.inspect_err(|_| note())
    }

    async fn save(&self, record: &Record) -> session_store::Result<()> {
        self.0.save(record).await.inspect_err(|_| note())
    }

    async fn load(&self, id: &Id) -> session_store::Result<Option<Record>> {
        self.0.load(id).await.inspect_err(|_| note())
    }

    async fn delete(&self, id: &Id) -> session_store::Result<()> {
        self.0.delete(id).await.inspect_err(|_| note())
    }
}

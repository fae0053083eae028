//! Session cookies and lifetimes.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use axum_login::{AuthManagerLayer, AuthManagerLayerBuilder};
use sqlx::PgPool;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};
use tower_sessions_sqlx_store::PostgresStore;

use super::{AuthSession, Backend};
use crate::server::config::{Config, SessionConfig};
use crate::server::outage::NotingStore;

/// When the user logged in (unix seconds): the start of the absolute lifetime.
pub const LOGGED_IN_AT: &str = "impact_tree.logged_in_at";
/// When the session was last extended (unix seconds).
const SEEN_AT: &str = "impact_tree.seen_at";
/// Extending the idle expiry costs a write; once a minute per session is precise enough.
const TOUCH_EVERY_SECS: i64 = 60;

pub fn cookie_name(config: &Config) -> &'static str {
    // The __Host- prefix makes browsers insist on Secure, Path=/ and no Domain, so a sibling
    // subdomain cannot plant or overwrite the cookie.
    if config.cookies.secure {
        "__Host-impact_tree_session"
    } else {
        "impact_tree_session"
    }
}

pub fn store(pool: PgPool) -> PostgresStore {
    // The table is created by our migrations (0002_accounts.sql).
    PostgresStore::new(pool)
}

pub fn auth_layer(pool: PgPool, config: &Config) -> AuthManagerLayer<Backend, NotingStore<PostgresStore>> {
    let idle = time::Duration::try_from(config.sessions.idle_timeout).unwrap_or(time::Duration::days(7));
    let sessions = SessionManagerLayer::new(NotingStore(store(pool.clone())))
        .with_name(cookie_name(config))
        .with_secure(config.cookies.secure)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(idle));
    AuthManagerLayerBuilder::new(Backend::new(pool), sessions).build()
}

pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Ends sessions past their absolute lifetime and keeps busy ones from idling out. Runs after
/// the auth layer, before any handler.
pub async fn enforce_lifetimes(State(lifetimes): State<SessionConfig>, mut request: Request, next: Next) -> Response {
    if let Some(mut auth) = request.extensions().get::<AuthSession>().cloned() {
        if auth.user.is_some() {
            let now = unix_now();
            let logged_in_at = auth.session.get::<i64>(LOGGED_IN_AT).await.ok().flatten();
            let expired = match logged_in_at {
                Some(at) => now - at > lifetimes.absolute_timeout.as_secs() as i64,
                None => true,
            };
            if expired {
                if let Err(err) = auth.logout().await {
                    tracing::error!(error = ?err, "could not end an expired session");
                }
                tracing::info!("session reached its absolute lifetime, logged out");
                request.extensions_mut().insert(auth);
            } else {
                let seen_at = auth.session.get::<i64>(SEEN_AT).await.ok().flatten().unwrap_or(0);
                if now - seen_at >= TOUCH_EVERY_SECS {
                    let _ = auth.session.insert(SEEN_AT, now).await;
                }
            }
        }
    }
    next.run(request).await
}

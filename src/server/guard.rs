//! The one way a server function learns who is calling. Every server function that touches
//! user data starts with [`require_user`] and scopes its SQL to that user's id.

use axum::http::request::Parts;

use super::auth::{AuthSession, User};
use super::repo::activity::Actor;
use super::{request_context, AppState};
use crate::error::AppError;

/// The request around a server function call.
pub struct Caller {
    pub state: AppState,
    pub parts: Parts,
    pub auth: AuthSession,
}

impl Caller {
    pub fn user(&self) -> Option<&User> {
        self.auth.user.as_ref()
    }

    pub fn client_ip(&self) -> Option<String> {
        request_context::client_ip(&self.parts, self.state.config.http.trust_forwarded_for)
    }

    /// The activity-log context for `user_id` (which may have just logged in).
    pub fn actor(&self, user_id: &str) -> Actor {
        request_context::actor(
            &self.parts,
            user_id,
            self.auth.session.id().map(|id| id.to_string()),
            self.state.config.http.trust_forwarded_for,
        )
    }

    pub fn is_form_navigation(&self) -> bool {
        request_context::is_form_navigation(&self.parts)
    }
}

pub async fn caller() -> Result<Caller, AppError> {
    let state = super::state::app_state()?;
    let parts = leptos::prelude::use_context::<Parts>().ok_or_else(|| {
        tracing::error!("request parts missing from the Leptos context");
        AppError::Internal
    })?;
    let auth = leptos_axum::extract::<AuthSession>().await.map_err(|err| {
        tracing::error!(error = ?err, "auth session missing: is the auth layer installed?");
        AppError::Internal
    })?;
    Ok(Caller { state, parts, auth })
}

/// The logged-in user, or `Unauthorized`.
pub async fn require_user() -> Result<(Caller, User), AppError> {
    let caller = caller().await?;
    match caller.auth.user.clone() {
        Some(user) => Ok((caller, user)),
        None => Err(AppError::Unauthorized),
    }
}

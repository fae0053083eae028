use std::sync::Arc;

use axum::extract::FromRef;
use leptos::config::LeptosOptions;
use sqlx::PgPool;

use super::tree_cache::TreeCache;
use super::Config;
use crate::error::AppError;

/// Everything a request handler needs. Cheap to clone; reaches server functions through
/// Leptos context (never a global), so tests build the app around their own pool.
#[derive(Clone)]
pub struct AppState {
    pub pool: PgPool,
    pub config: Arc<Config>,
    pub leptos_options: LeptosOptions,
    /// `get_tree`'s answers.
    pub tree_cache: TreeCache,
    /// `shared_tree`'s answers.
    pub shared_tree_cache: TreeCache,
    /// The editor page's trees (`api::trees::load_page_tree`).
    pub page_tree_cache: TreeCache,
}

impl AppState {
    pub fn new(pool: PgPool, config: Config) -> Self {
        let leptos_options = config.leptos_options();
        let caches = &config.caches;
        AppState {
            tree_cache: TreeCache::new(caches.tree_answers_bytes),
            shared_tree_cache: TreeCache::new(caches.shared_answers_bytes),
            page_tree_cache: TreeCache::new(caches.editor_pages_bytes),
            pool,
            config: Arc::new(config),
            leptos_options,
        }
    }
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(state: &AppState) -> Self {
        state.leptos_options.clone()
    }
}

/// The state inside a server function.
pub fn app_state() -> Result<AppState, AppError> {
    leptos::prelude::use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the Leptos context");
        AppError::Internal
    })
}

//! Share links: the owner creates, lists and revokes them; anyone with a live token reads the
//! tree (and nothing else: no server function takes a token for a write).

use leptos::prelude::*;

use crate::error::AppError;
#[cfg(feature = "ssr")]
use crate::model::share::SharedOutline;
use crate::model::share::{CreatedShareLink, ShareLink, SharedView};
use crate::model::CachedJson;

/// A new link to a read-only view of the caller's tree. The token (256 random bits) is in the
/// answer once; only its hash is kept.
#[server(prefix = "/api", endpoint = "create_share_link")]
pub async fn create_share_link(tree_id: i32) -> Result<CreatedShareLink, AppError> {
    use crate::server::{guard, repo};
    let (caller, user) = guard::require_user().await?;
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|err| {
        tracing::error!(error = %err, "no randomness for a share token");
        AppError::Internal
    })?;
    let token = hex::encode(bytes);
    let mut tx = caller.state.pool.begin().await?;
    repo::trees::lock_owned(&mut tx, &user.0.id, tree_id).await?;
    let link = repo::share::create(&mut tx, &caller.actor(&user.0.id), tree_id, &token).await?;
    tx.commit().await?;
    Ok(CreatedShareLink {
        link,
        path: format!("/s/{token}"),
        token,
    })
}

#[server(prefix = "/api", endpoint = "list_share_links")]
pub async fn list_share_links(tree_id: i32) -> Result<Vec<ShareLink>, AppError> {
    use crate::server::{guard, repo};
    let (caller, user) = guard::require_user().await?;
    repo::trees::get_meta(&caller.state.pool, &user.0.id, tree_id).await?;
    repo::share::list(&caller.state.pool, tree_id).await
}

/// The tree's links as the editor's share dialog lists them, rendered
/// (`ui::share::share_links_markup`): the plain client puts the markup in the page as it is.
/// Another user's tree is NotFound, as for [`list_share_links`].
#[server(prefix = "/api", endpoint = "share_links_markup")]
pub async fn share_links_markup(tree_id: i32) -> Result<String, AppError> {
    let links = list_share_links(tree_id).await?;
    Ok(crate::ui::share::share_links_markup(&links))
}

/// Revokes a link: the next request with its token is a 404.
#[server(prefix = "/api", endpoint = "revoke_share_link")]
pub async fn revoke_share_link(tree_id: i32, link_id: String) -> Result<(), AppError> {
    use crate::server::{guard, repo};
    let (caller, user) = guard::require_user().await?;
    let link_id = uuid::Uuid::parse_str(&link_id).map_err(|_| AppError::NotFound)?;
    let mut tx = caller.state.pool.begin().await?;
    repo::trees::lock_owned(&mut tx, &user.0.id, tree_id).await?;
    repo::share::revoke(&mut tx, &caller.actor(&user.0.id), tree_id, link_id).await?;
    tx.commit().await?;
    Ok(())
}

/// The tree behind a live share token, public fields only (what an export takes). Unknown and
/// revoked are both NotFound. Kept per tree version like `get_tree`'s answers: a visitor asking
/// again and again costs the server one small query each time, not the whole tree.
#[server(prefix = "/api", endpoint = "shared_tree")]
pub async fn shared_tree(token: String) -> Result<CachedJson<SharedView>, AppError> {
    use crate::server::{guard, kept_answer, repo};
    let caller = guard::caller().await?;
    if !crate::model::share::is_token_shaped(&token) {
        return Err(AppError::NotFound);
    }
    let pool = &caller.state.pool;
    let cache = &caller.state.shared_tree_cache;
    let version = repo::share::shared_tree_version(pool, &token).await?;
    let json = cache
        .get_or_read(&version, || repo::share::shared_tree(pool, &token))
        .await?;
    Ok(CachedJson::new(kept_answer::answer(cache, version.tree_id, json)))
}

/// What the share page of a live token draws and hydrates with: [`shared_tree`] without what
/// the page does not use. Not a server function: only the page's own rendering reads it, and
/// that is kept per tree version (`server::share_cache`); an endpoint would let anyone with a
/// token make the server read the tree at will.
#[cfg(feature = "ssr")]
pub async fn shared_page(token: String) -> Result<SharedOutline, AppError> {
    use crate::server::{guard, repo};
    let caller = guard::caller().await?;
    if !crate::model::share::is_token_shaped(&token) {
        return Err(AppError::NotFound);
    }
    repo::share::shared_outline(&caller.state.pool, &token).await
}

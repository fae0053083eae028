//! Trees: list, load, create, edit, duplicate, delete, and the saved viewport.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::error::AppError;
use crate::model::page_tree::PageTreeJson;
use crate::model::{CanvasState, TreeDetail, TreeJson, TreeMeta, TreeSummary};

/// The names under which the dashboard's JavaScript-free forms get their errors back
/// (`take_form_flash`).
pub const CREATE_TREE_FORM: &str = "create-tree";
pub const DELETE_TREE_FORM: &str = "delete-tree";

/// The caller's trees, newest first; every filter is optional.
#[server(prefix = "/api", endpoint = "list_trees")]
pub async fn list_my_trees(
    name_contains: Option<String>,
    min_nodes: Option<i64>,
    phase: Option<String>,
    templates_only: Option<bool>,
) -> Result<Vec<TreeSummary>, AppError> {
    use crate::model::analytics::TreeFilter;
    use crate::server::{guard, repo};
    let (caller, user) = guard::require_user().await?;
    let phase = match phase.as_deref().map(str::trim).filter(|p| !p.is_empty()) {
        Some(p) => Some(p.parse().map_err(|m: String| AppError::validation("phase", m))?),
        None => None,
    };
    let filter = TreeFilter {
        name_contains: name_contains.map(|n| n.chars().take(200).collect()),
        min_nodes,
        phase,
        templates_only: templates_only.unwrap_or(false),
    };
    Ok(repo::trees::list_for_user(&caller.state.pool, &user.0.id, &filter).await?)
}

/// One tree with all its nodes and connections.
#[server(prefix = "/api", endpoint = "get_tree")]
pub async fn get_tree(tree_id: i32) -> Result<TreeJson, AppError> {
    use crate::server::tree_cache::TreeVersion;
    use crate::server::{guard, kept_answer, repo};
    let (caller, user) = guard::require_user().await?;
    let pool = &caller.state.pool;
    let cache = &caller.state.tree_cache;
    let version = repo::trees::detail_version(pool, &user.0.id, tree_id).await?;
    let json = cache
        .get_or_read(&version, || async {
            let tree = repo::trees::get_detail(pool, &user.0.id, tree_id).await?;
            Ok((TreeVersion::of(&tree), tree))
        })
        .await?;
    Ok(TreeJson::new(kept_answer::answer(cache, tree_id, json)))
}

/// The editor's tree as the browser reloads it (after a conflict, or a lost answer):
/// `get_tree`'s answer, parsed. The page itself is drawn from [`load_page_tree`]; on the server,
/// where the editor's reloads never run, this reads the rows.
pub async fn load_tree(tree_id: i32) -> Result<TreeDetail, AppError> {
    #[cfg(feature = "ssr")]
    {
        use crate::server::{guard, repo};
        let (caller, user) = guard::require_user().await?;
        repo::trees::get_detail(&caller.state.pool, &user.0.id, tree_id).await
    }
    #[cfg(not(feature = "ssr"))]
    {
        get_tree(tree_id).await.map(|json| json.0)
    }
}

/// The editor page's tree, and what the page renders for its compact JSON (`model::page_tree`):
/// a marker the JSON replaces once the page is rendered (`server::page_blocks`).
/// Kept per tree version like `get_tree`'s answers: the page of a big tree is loaded again and
/// again (reopened, reloaded, several tabs), and reading its rows and writing its block were
/// most of the page's server time (100,000 nodes: ~440 ms of CPU per load, rows 43 %, the
/// block 17 %). Later loads read the tree back from the kept block, which costs less than
/// the rows and keeps the cache's size its bytes. The access query runs for every load, so
/// another user's tree stays NotFound and an edit is on the next load.
#[cfg(feature = "ssr")]
pub async fn load_page_tree(tree_id: i32) -> Result<(TreeDetail, String), AppError> {
    use crate::model::page_tree::{self, PageTree};
    use crate::server::{guard, page_blocks, repo};
    let (caller, user) = guard::require_user().await?;
    let (json, read) = server::kept_page_tree(&caller, &user.0.id, tree_id).await?;
    let kept = match read {
        Some(PageTree(tree)) => Ok(tree),
        None => page_tree::decode(json.get()),
    };
    // The block goes into the page after rendering (`page_blocks`): the kept bytes, uncopied.
    match kept {
        Ok(tree) => Ok((tree, page_blocks::place(page_blocks::script_json(json)))),
        Err(err) => {
            // A bug, not the caller's: the page still opens, from the rows.
            tracing::error!(error = %err, tree_id, "kept page tree not readable");
            let tree = repo::trees::get_detail(&caller.state.pool, &user.0.id, tree_id).await?;
            let json = page_tree::encode(&tree).map_err(|_| AppError::Internal)?;
            Ok((tree, page_blocks::place(crate::ui::json_for_script(json).into())))
        }
    }
}

/// The caller's tree in the editor page's compact form (`model::page_tree`), as the page
/// carries it: what the editor reloads after a conflict or a lost answer. Its browser code
/// then reads every whole tree with one decoder (the page's), and the server answers from
/// the block it keeps for the page.
#[server(prefix = "/api", endpoint = "get_page_tree")]
pub async fn get_page_tree(tree_id: i32) -> Result<PageTreeJson, AppError> {
    use crate::server::guard;
    let (caller, user) = guard::require_user().await?;
    let (json, _) = server::kept_page_tree(&caller, &user.0.id, tree_id).await?;
    Ok(PageTreeJson::new(json))
}

/// A new tree: empty, or with the nodes of `template_id` — one of the caller's trees marked
/// as a template, or a built-in starter (`builtin:…`, see `model::starter`).
#[server(prefix = "/api", endpoint = "create_tree")]
pub async fn create_tree(
    name: String,
    description: Option<String>,
    discovery_phase: Option<String>,
    template_id: Option<String>,
) -> Result<TreeMeta, AppError> {
    let made = server::create(name, description, discovery_phase, template_id).await;
    crate::api::auth::server::flash_form_error(crate::api::auth::FormFlash::for_form(CREATE_TREE_FORM), made).await
}

/// Renames, describes, sets the phase of, or marks as template the caller's tree, if
/// `version` is still current (else Conflict with the current state).
#[server(prefix = "/api", endpoint = "update_tree")]
pub async fn update_tree(
    tree_id: i32,
    version: i64,
    name: String,
    description: Option<String>,
    discovery_phase: String,
    is_template: bool,
) -> Result<TreeMeta, AppError> {
    use crate::server::{guard, repo};
    let (caller, user) = guard::require_user().await?;
    let input = server::tree_input(
        &caller,
        &name,
        description.as_deref(),
        Some(&discovery_phase),
        is_template,
    )?;
    let mut tx = caller.state.pool.begin().await?;
    let meta = repo::trees::update_meta(&mut tx, &caller.actor(&user.0.id), tree_id, version, input.as_new()).await?;
    tx.commit().await?;
    Ok(meta)
}

#[server(prefix = "/api", endpoint = "delete_tree")]
pub async fn delete_tree(tree_id: i32) -> Result<(), AppError> {
    use crate::server::{guard, repo};
    let deleted = async {
        let (caller, user) = guard::require_user().await?;
        let mut tx = caller.state.pool.begin().await?;
        repo::trees::delete(&mut tx, &caller.actor(&user.0.id), tree_id).await?;
        tx.commit().await?;
        crate::api::auth::server::back_to_form().await;
        Ok::<(), AppError>(())
    };
    crate::api::auth::server::flash_form_error(crate::api::auth::FormFlash::for_form(DELETE_TREE_FORM), deleted.await)
        .await
}

/// A copy of the caller's tree, named `name` or "Copy of …".
#[server(prefix = "/api", endpoint = "duplicate_tree")]
pub async fn duplicate_tree(tree_id: i32, name: Option<String>) -> Result<TreeMeta, AppError> {
    use crate::model::limits::clean_title;
    use crate::server::{guard, repo};
    let (caller, user) = guard::require_user().await?;
    let limits = caller.state.config.limits;
    let mut tx = caller.state.pool.begin().await?;
    let source = repo::trees::get_meta(&mut *tx, &user.0.id, tree_id).await?;
    let name = match name.filter(|n| !n.trim().is_empty()) {
        Some(name) => clean_title(&name, limits.tree_name_max).map_err(|m| AppError::validation("name", m))?,
        None => format!("Copy of {}", source.name)
            .chars()
            .take(limits.tree_name_max)
            .collect(),
    };
    let meta = repo::trees::duplicate(&mut tx, &caller.actor(&user.0.id), tree_id, &name).await?;
    tx.commit().await?;
    Ok(meta)
}

/// Saves zoom, pan and orientation: called on every settled pan or zoom, so it is one small
/// write with no version check and no activity row.
#[server(prefix = "/api", endpoint = "save_canvas_state", input = Json)]
pub async fn save_canvas_state(tree_id: i32, state: CanvasState) -> Result<CanvasState, AppError> {
    use crate::server::{guard, repo};
    let (caller, user) = guard::require_user().await?;
    let state = state
        .sanitized()
        .map_err(|(field, message)| AppError::validation(format!("state.{field}"), message))?;
    repo::trees::save_canvas_state(&caller.state.pool, &user.0.id, tree_id, &state).await?;
    Ok(state)
}

#[cfg(feature = "ssr")]
mod server {
    use crate::error::AppError;
    use crate::model::limits::{clean_description, clean_title};
    use crate::model::page_tree::PageTree;
    use crate::model::tree::KeptJson;
    use crate::model::DiscoveryPhase;
    use crate::model::TreeMeta;
    use crate::server::guard::Caller;
    use crate::server::repo::trees::NewTree;

    pub struct TreeInput {
        name: String,
        description: Option<String>,
        phase: DiscoveryPhase,
        is_template: bool,
    }

    impl TreeInput {
        pub fn as_new(&self) -> NewTree<'_> {
            NewTree {
                name: &self.name,
                description: self.description.as_deref(),
                discovery_phase: self.phase,
                is_template: self.is_template,
            }
        }
    }

    /// The editor page's JSON of the caller's tree, kept per tree version (`load_page_tree`),
    /// and the tree itself when it was read from the rows just now. The access query runs
    /// every time: another user's tree stays NotFound, and an edit shows on the next read.
    pub async fn kept_page_tree(
        caller: &Caller,
        user_id: &str,
        tree_id: i32,
    ) -> Result<(KeptJson, Option<PageTree>), AppError> {
        use crate::server::repo;
        use crate::server::tree_cache::TreeVersion;
        let pool = &caller.state.pool;
        let version = repo::trees::detail_version(pool, user_id, tree_id).await?;
        caller
            .state
            .page_tree_cache
            .get_or_read_keeping(&version, || async {
                let tree = repo::trees::get_detail(pool, user_id, tree_id).await?;
                Ok((TreeVersion::of(&tree), PageTree(tree)))
            })
            .await
    }

    /// `create_tree`'s work; the server function adds what a JavaScript-free post needs.
    pub async fn create(
        name: String,
        description: Option<String>,
        discovery_phase: Option<String>,
        template_id: Option<String>,
    ) -> Result<TreeMeta, AppError> {
        use crate::server::{guard, repo};
        let (caller, user) = guard::require_user().await?;
        let input = tree_input(
            &caller,
            &name,
            description.as_deref(),
            discovery_phase.as_deref(),
            false,
        )?;
        let template = template_id.as_deref().map(str::trim).filter(|t| !t.is_empty());
        let starter = match template.filter(|t| t.starts_with("builtin:")) {
            Some(key) => {
                let doc = crate::model::starter::document(key, input.as_new().name).ok_or(AppError::NotFound)?;
                Some(
                    doc.check(&caller.state.config.limits)
                        .map_err(|problems| AppError::InvalidDocument { problems })?,
                )
            }
            None => None,
        };
        let mut tx = caller.state.pool.begin().await?;
        let source = match template.filter(|t| !t.starts_with("builtin:")) {
            Some(id) => {
                let id: i32 = id.parse().map_err(|_| AppError::NotFound)?;
                let source = repo::trees::get_meta(&mut *tx, &user.0.id, id).await?;
                if !source.is_template {
                    return Err(AppError::validation("template_id", "is not marked as a template"));
                }
                Some(source.id)
            }
            None => None,
        };
        let meta = repo::trees::create(&mut tx, &caller.actor(&user.0.id), input.as_new()).await?;
        if let Some(source) = source {
            repo::trees::copy_nodes(&mut tx, source, meta.id).await?;
        }
        if let Some(doc) = &starter {
            repo::trees::insert_document(&mut tx, meta.id, doc).await?;
        }
        tx.commit().await?;
        // Straight to the new tree, from a plain form post and from the app alike.
        leptos_axum::redirect(&format!("/trees/{}", meta.id));
        Ok(meta)
    }

    pub fn tree_input(
        caller: &Caller,
        name: &str,
        description: Option<&str>,
        phase: Option<&str>,
        is_template: bool,
    ) -> Result<TreeInput, AppError> {
        let limits = caller.state.config.limits;
        let name = clean_title(name, limits.tree_name_max).map_err(|m| AppError::validation("name", m))?;
        let description = clean_description(description, limits.description_max)
            .map_err(|m| AppError::validation("description", m))?;
        let phase = match phase.map(str::trim).filter(|p| !p.is_empty()) {
            Some(p) => p
                .parse()
                .map_err(|m: String| AppError::validation("discovery_phase", m))?,
            None => DiscoveryPhase::default(),
        };
        Ok(TreeInput {
            name,
            description,
            phase,
            is_template,
        })
    }
}

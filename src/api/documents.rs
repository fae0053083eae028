//! Export a tree as its JSON document or a Markdown outline; import either as a new tree.

use leptos::prelude::*;
use leptos::server_fn::codec::Json;

use crate::error::AppError;
use crate::model::document::TreeDocument;
use crate::model::TreeMeta;

#[server(prefix = "/api", endpoint = "export_tree")]
pub async fn export_tree(tree_id: i32) -> Result<TreeDocument, AppError> {
    use crate::server::{guard, repo};
    let (caller, user) = guard::require_user().await?;
    let tree = repo::trees::get_detail(&caller.state.pool, &user.0.id, tree_id).await?;
    Ok(TreeDocument::from_detail(&tree))
}

#[server(prefix = "/api", endpoint = "export_markdown")]
pub async fn export_markdown(tree_id: i32) -> Result<String, AppError> {
    use crate::server::{guard, repo};
    let (caller, user) = guard::require_user().await?;
    let tree = repo::trees::get_detail(&caller.state.pool, &user.0.id, tree_id).await?;
    Ok(crate::model::document::to_markdown(&tree))
}

/// A new tree from a tree document. Everything is checked first; on any problem nothing is
/// written and every problem comes back with its path.
#[server(prefix = "/api", endpoint = "import_tree", input = Json)]
pub async fn import_tree(document: TreeDocument) -> Result<TreeMeta, AppError> {
    server::import(document, "json").await
}

/// A new tree from a Markdown outline (`# Name`, then `- **Type:** title` items).
#[server(prefix = "/api", endpoint = "import_markdown")]
pub async fn import_markdown(text: String) -> Result<TreeMeta, AppError> {
    let document =
        crate::model::document::from_markdown(&text).map_err(|problems| AppError::InvalidDocument { problems })?;
    server::import(document, "markdown").await
}

/// A new tree from pasted or uploaded text: a JSON tree document (as exported) when it starts
/// with `{`, else a Markdown outline. The dashboard's import form.
#[server(prefix = "/api", endpoint = "import_document")]
pub async fn import_document(text: String) -> Result<TreeMeta, AppError> {
    let imported = server::import_text(&text).await;
    // Without JavaScript the browser is sent back to the dashboard: the text comes back with
    // the problems, to be mended rather than pasted again.
    let flash = crate::api::auth::FormFlash::for_form(IMPORT_FORM).with_text(&text);
    crate::api::auth::server::flash_form_error(flash, imported).await
}

/// The name under which the import form posted without JavaScript gets its error back.
pub const IMPORT_FORM: &str = "import";

#[cfg(feature = "ssr")]
mod server {
    use crate::error::AppError;
    use crate::model::document::TreeDocument;
    use crate::model::TreeMeta;
    use crate::server::{guard, repo};

    pub async fn import_text(text: &str) -> Result<TreeMeta, AppError> {
        crate::server::guard::require_user().await?;
        let text = text.trim_start_matches('\u{feff}');
        if text.trim_start().starts_with('{') {
            let document = serde_json::from_str::<TreeDocument>(text).map_err(|err| AppError::InvalidDocument {
                problems: vec![crate::model::document::Problem {
                    path: format!("line {}", err.line()),
                    message: format!("this is not a tree document: {err}"),
                }],
            })?;
            import(document, "json").await
        } else {
            let document = crate::model::document::from_markdown(text)
                .map_err(|problems| AppError::InvalidDocument { problems })?;
            import(document, "markdown").await
        }
    }

    pub async fn import(document: TreeDocument, source: &str) -> Result<TreeMeta, AppError> {
        let (caller, user) = guard::require_user().await?;
        let checked = document
            .check(&caller.state.config.limits)
            .map_err(|problems| AppError::InvalidDocument { problems })?;
        let mut tx = caller.state.pool.begin().await?;
        let meta = repo::trees::import(&mut tx, &caller.actor(&user.0.id), &checked, source).await?;
        tx.commit().await?;
        leptos_axum::redirect(&format!("/trees/{}", meta.id));
        Ok(meta)
    }
}

use sqlx::PgExecutor;
use time::format_description::well_known::Rfc3339;

use crate::model::TreeSummary;

/// The user's trees, most recently updated first (idx_trees_user_updated).
pub async fn list_for_user(db: impl PgExecutor<'_>, user_id: &str) -> Result<Vec<TreeSummary>, sqlx::Error> {
    let rows = sqlx::query!(
        r#"SELECT t.id, t.name, t.description,
                  coalesce(t.discovery_phase, 'strategy') AS "discovery_phase!",
                  coalesce(t.is_template, false) AS "is_template!",
                  (SELECT count(*) FROM tree_nodes n WHERE n.tree_id = t.id) AS "node_count!",
                  t.updated_at
           FROM impact_trees t
           WHERE t.user_id = $1
           ORDER BY t.updated_at DESC, t.id DESC"#,
        user_id
    )
    .fetch_all(db)
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| TreeSummary {
            id: r.id,
            name: r.name,
            description: r.description,
            discovery_phase: r.discovery_phase,
            is_template: r.is_template,
            node_count: r.node_count,
            updated_at: r.updated_at.assume_utc().format(&Rfc3339).unwrap_or_default(),
        })
        .collect())
}

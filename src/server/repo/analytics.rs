use sqlx::PgExecutor;

use super::trees::rfc3339;
use crate::model::analytics::Analytics;

/// Everything of the dashboard's analytics panel in one query, scoped to the user.
pub async fn for_user(db: impl PgExecutor<'_>, user_id: &str) -> Result<Analytics, sqlx::Error> {
    let row = sqlx::query!(
        r#"SELECT
             (SELECT count(*) FROM impact_trees WHERE user_id = $1) AS "total_trees!",
             (SELECT count(*) FROM tree_nodes n JOIN impact_trees t ON t.id = n.tree_id WHERE t.user_id = $1) AS "total_nodes!",
             (SELECT max(created_at) FROM user_activities WHERE user_id = $1) AS last_activity,
             (SELECT coalesce(json_object_agg(node_type, c), '{}'::json) FROM (
                SELECT n.node_type, count(*) AS c FROM tree_nodes n JOIN impact_trees t ON t.id = n.tree_id
                WHERE t.user_id = $1 GROUP BY n.node_type) types) AS "node_types!",
             (SELECT coalesce(json_object_agg(phase, c), '{}'::json) FROM (
                SELECT coalesce(discovery_phase, 'strategy') AS phase, count(*) AS c FROM impact_trees
                WHERE user_id = $1 GROUP BY 1) phases) AS "phases!",
             (SELECT coalesce(json_agg(json_build_array(to_char(day, 'YYYY-MM-DD'), c) ORDER BY day), '[]'::json) FROM (
                SELECT d::date AS day,
                       (SELECT count(*) FROM user_activities a
                        WHERE a.user_id = $1 AND a.created_at >= d AND a.created_at < d + interval '1 day') AS c
                FROM generate_series(date_trunc('day', now() AT TIME ZONE 'UTC') - interval '29 days',
                                     date_trunc('day', now() AT TIME ZONE 'UTC'), interval '1 day') AS d) days) AS "per_day!""#,
        user_id
    )
    .fetch_one(db)
    .await?;
    let avg = if row.total_trees == 0 {
        0.0
    } else {
        row.total_nodes as f64 / row.total_trees as f64
    };
    Ok(Analytics {
        total_trees: row.total_trees,
        total_nodes: row.total_nodes,
        avg_nodes_per_tree: (avg * 100.0).round() / 100.0,
        last_activity: row.last_activity.map(rfc3339),
        node_types: serde_json::from_value(row.node_types).unwrap_or_default(),
        phases: serde_json::from_value(row.phases).unwrap_or_default(),
        activity_per_day: serde_json::from_value(row.per_day).unwrap_or_default(),
    })
}

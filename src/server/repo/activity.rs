use sqlx::PgExecutor;

/// Who did something, from where: the context columns of `user_activities`.
#[derive(Debug, Clone, Default)]
pub struct Actor {
    pub user_id: String,
    pub session_id: Option<String>,
    pub user_agent: Option<String>,
    pub ip_address: Option<String>,
}

/// Writes one activity row. Call it inside the transaction of the change it describes.
pub async fn record(
    db: impl PgExecutor<'_>,
    actor: &Actor,
    tree_id: Option<i32>,
    activity_type: &str,
    description: &str,
    data: serde_json::Value,
) -> Result<(), sqlx::Error> {
    sqlx::query!(
        "INSERT INTO user_activities (user_id, tree_id, activity_type, description, session_id, activity_data, user_agent, ip_address)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        actor.user_id,
        tree_id,
        activity_type,
        description,
        actor.session_id,
        data,
        actor.user_agent,
        actor.ip_address
    )
    .execute(db)
    .await?;
    Ok(())
}

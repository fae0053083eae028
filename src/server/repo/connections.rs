//! Cross-links between two nodes of one tree.

use sqlx::PgConnection;

use super::activity::{self, Actor};
use super::trees::touch;
use crate::error::AppError;
use crate::model::Connection;

/// Links two nodes of `tree_id`. Self-links and duplicates are refused by the schema
/// (constraints mapped to field errors); a node of another tree is NotFound.
pub async fn add(
    conn: &mut PgConnection,
    actor: &Actor,
    tree_id: i32,
    from_node_id: &str,
    to_node_id: &str,
) -> Result<Connection, AppError> {
    if from_node_id == to_node_id {
        return Err(AppError::validation("to_node_id", "a node cannot link to itself"));
    }
    let present = sqlx::query_scalar!(
        r#"SELECT count(*) AS "count!" FROM tree_nodes WHERE tree_id = $1 AND id IN ($2, $3)"#,
        tree_id,
        from_node_id,
        to_node_id
    )
    .fetch_one(&mut *conn)
    .await?;
    if present != 2 {
        return Err(AppError::NotFound);
    }
    let row = sqlx::query!(
        r#"INSERT INTO node_connections (tree_id, from_node_id, to_node_id) VALUES ($1, $2, $3)
           RETURNING id::text AS "id!", from_node_id, to_node_id"#,
        tree_id,
        from_node_id,
        to_node_id
    )
    .fetch_one(&mut *conn)
    .await?;
    let link = Connection {
        id: row.id,
        from_node_id: row.from_node_id,
        to_node_id: row.to_node_id,
    };
    touch(conn, tree_id).await?;
    activity::record(
        &mut *conn,
        actor,
        Some(tree_id),
        "connection_added",
        "Linked two nodes",
        serde_json::json!({ "connectionId": link.id, "fromNodeId": link.from_node_id, "toNodeId": link.to_node_id }),
    )
    .await?;
    Ok(link)
}

pub async fn remove(
    conn: &mut PgConnection,
    actor: &Actor,
    tree_id: i32,
    connection_id: uuid::Uuid,
) -> Result<(), AppError> {
    let row = sqlx::query!(
        "DELETE FROM node_connections WHERE id = $1 AND tree_id = $2 RETURNING from_node_id, to_node_id",
        connection_id,
        tree_id
    )
    .fetch_optional(&mut *conn)
    .await?
    .ok_or(AppError::NotFound)?;
    touch(conn, tree_id).await?;
    activity::record(
        &mut *conn,
        actor,
        Some(tree_id),
        "connection_removed",
        "Removed a link between two nodes",
        serde_json::json!({ "connectionId": connection_id, "fromNodeId": row.from_node_id, "toNodeId": row.to_node_id }),
    )
    .await?;
    Ok(())
}

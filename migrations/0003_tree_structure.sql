-- What the product needs beyond the seed's tables: optimistic-concurrency versions, sibling
-- order, cross-links as rows, share links, and updated_at kept current by the database.

ALTER TABLE impact_trees ADD COLUMN IF NOT EXISTS version bigint NOT NULL DEFAULT 1;

ALTER TABLE tree_nodes ADD COLUMN IF NOT EXISTS version bigint NOT NULL DEFAULT 1;
ALTER TABLE tree_nodes ADD COLUMN IF NOT EXISTS sort_order integer;

-- Rows written by the original app get the order in which they were created.
UPDATE tree_nodes AS n
SET sort_order = ordered.position
FROM (
  SELECT id, (row_number() OVER (PARTITION BY tree_id, parent_id ORDER BY created_at, id) - 1)::integer AS position
  FROM tree_nodes
) AS ordered
WHERE n.id = ordered.id AND n.sort_order IS NULL;

ALTER TABLE tree_nodes ALTER COLUMN sort_order SET DEFAULT 0;
ALTER TABLE tree_nodes ALTER COLUMN sort_order SET NOT NULL;

DO $$
BEGIN
  -- Lets other tables (and a node's parent) reference a node *within one tree*.
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'tree_nodes_id_tree_id_key') THEN
    ALTER TABLE tree_nodes ADD CONSTRAINT tree_nodes_id_tree_id_key UNIQUE (id, tree_id);
  END IF;
  -- A parent always belongs to the same tree. NOT VALID: rows of an original database are
  -- checked by the migrate-nodes command, every new or changed row by PostgreSQL.
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'tree_nodes_parent_same_tree_fk') THEN
    ALTER TABLE tree_nodes ADD CONSTRAINT tree_nodes_parent_same_tree_fk
      FOREIGN KEY (parent_id, tree_id) REFERENCES tree_nodes (id, tree_id) ON DELETE CASCADE NOT VALID;
  END IF;
  -- Siblings have distinct positions (roots are siblings too). Deferred so that a reorder can
  -- shift several siblings within one transaction.
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'tree_nodes_sibling_order_key') THEN
    ALTER TABLE tree_nodes ADD CONSTRAINT tree_nodes_sibling_order_key
      UNIQUE NULLS NOT DISTINCT (tree_id, parent_id, sort_order) DEFERRABLE INITIALLY DEFERRED;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'tree_nodes_sort_order_check') THEN
    ALTER TABLE tree_nodes ADD CONSTRAINT tree_nodes_sort_order_check CHECK (sort_order >= 0);
  END IF;
END $$;

CREATE TABLE IF NOT EXISTS node_connections (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tree_id integer NOT NULL REFERENCES impact_trees (id) ON DELETE CASCADE,
  from_node_id text NOT NULL,
  to_node_id text NOT NULL,
  created_at timestamptz NOT NULL DEFAULT now(),
  CONSTRAINT node_connections_no_self_link CHECK (from_node_id <> to_node_id),
  CONSTRAINT node_connections_unique UNIQUE (tree_id, from_node_id, to_node_id),
  CONSTRAINT node_connections_from_fk FOREIGN KEY (from_node_id, tree_id)
    REFERENCES tree_nodes (id, tree_id) ON DELETE CASCADE,
  CONSTRAINT node_connections_to_fk FOREIGN KEY (to_node_id, tree_id)
    REFERENCES tree_nodes (id, tree_id) ON DELETE CASCADE
);
-- The cascades look connections up by either end.
CREATE INDEX IF NOT EXISTS idx_node_connections_from ON node_connections (from_node_id);
CREATE INDEX IF NOT EXISTS idx_node_connections_to ON node_connections (to_node_id);

CREATE TABLE IF NOT EXISTS share_links (
  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
  tree_id integer NOT NULL REFERENCES impact_trees (id) ON DELETE CASCADE,
  -- SHA-256 of the token; the token itself is shown once and never stored.
  token_hash bytea NOT NULL,
  created_by varchar(255) NOT NULL REFERENCES users (id) ON DELETE CASCADE,
  created_at timestamptz NOT NULL DEFAULT now(),
  revoked_at timestamptz,
  CONSTRAINT share_links_token_hash_key UNIQUE (token_hash),
  CONSTRAINT share_links_token_hash_length CHECK (octet_length(token_hash) = 32)
);
CREATE INDEX IF NOT EXISTS idx_share_links_tree ON share_links (tree_id);

-- updated_at follows every change, whoever writes the row. A write that sets updated_at itself
-- keeps its value.
CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at THEN
    NEW.updated_at := now();
  END IF;
  RETURN NEW;
END
$$;

-- Saving the viewport (zoom/pan) is not an edit of the tree: it must not reorder the
-- "recently updated" list.
CREATE OR REPLACE FUNCTION impact_trees_set_updated_at() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
  IF NEW.updated_at IS NOT DISTINCT FROM OLD.updated_at
     AND (to_jsonb(NEW) - 'canvas_state' - 'updated_at') IS DISTINCT FROM (to_jsonb(OLD) - 'canvas_state' - 'updated_at') THEN
    NEW.updated_at := now();
  END IF;
  RETURN NEW;
END
$$;

DROP TRIGGER IF EXISTS impact_trees_updated_at ON impact_trees;
CREATE TRIGGER impact_trees_updated_at BEFORE UPDATE ON impact_trees
  FOR EACH ROW EXECUTE FUNCTION impact_trees_set_updated_at();

DROP TRIGGER IF EXISTS tree_nodes_updated_at ON tree_nodes;
CREATE TRIGGER tree_nodes_updated_at BEFORE UPDATE ON tree_nodes
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

DROP TRIGGER IF EXISTS users_updated_at ON users;
CREATE TRIGGER users_updated_at BEFORE UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION set_updated_at();

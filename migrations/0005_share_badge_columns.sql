-- The template fields a node's box shows as badges (`model::template_data::BadgeFields`),
-- kept as columns of their own, written with the node. A share page reads them for every node
-- it draws; read out of `template_data` with `->>` on each read, they were ~a quarter of the
-- page's rows statement (1,000 nodes: ~2.0 -> ~1.5 ms with pgbench on a 2-core AMD EPYC).
-- Only the fields of the node's own type, as the badges show them: `badge` is a solution's
-- status, an opportunity's evidence count or an assumption's risk.
-- Adding them rewrites tree_nodes once, under its table lock.
ALTER TABLE tree_nodes
  ADD COLUMN IF NOT EXISTS badge_unit text
    GENERATED ALWAYS AS (CASE WHEN node_type = 'metric' THEN template_data->>'unit' END) STORED,
  ADD COLUMN IF NOT EXISTS badge_current text
    GENERATED ALWAYS AS (CASE WHEN node_type = 'metric' THEN template_data->>'current' END) STORED,
  ADD COLUMN IF NOT EXISTS badge_target text
    GENERATED ALWAYS AS (CASE WHEN node_type = 'metric' THEN template_data->>'target' END) STORED,
  ADD COLUMN IF NOT EXISTS badge text
    GENERATED ALWAYS AS (CASE node_type WHEN 'solution' THEN template_data->>'status'
                                        WHEN 'opportunity' THEN template_data->>'evidence_count'
                                        WHEN 'assumption' THEN template_data->>'risk' END) STORED;

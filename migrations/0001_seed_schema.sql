-- The original app's schema (shared/seed/database-design-patterns.md), created exactly as the
-- original would have it. Every statement is idempotent so that a database made by the
-- original app upgrades cleanly: existing tables are kept, missing columns, constraints and
-- indexes are added.

CREATE TABLE IF NOT EXISTS "impact_trees" (
  "id" serial PRIMARY KEY NOT NULL,
  "user_id" varchar(255) NOT NULL,
  "name" text NOT NULL,
  "description" text,
  "nodes" jsonb DEFAULT '[]' NOT NULL,
  "connections" jsonb DEFAULT '[]' NOT NULL,
  "canvas_state" jsonb DEFAULT '{"zoom": 1, "pan": {"x": 0, "y": 0}, "orientation": "vertical"}' NOT NULL,
  "discovery_phase" text DEFAULT 'strategy',
  "is_template" boolean DEFAULT false,
  "created_at" timestamp DEFAULT now() NOT NULL,
  "updated_at" timestamp DEFAULT now() NOT NULL
);

-- The seed's 0001 migration predates these two columns of its schema.
ALTER TABLE "impact_trees" ADD COLUMN IF NOT EXISTS "discovery_phase" text DEFAULT 'strategy';
ALTER TABLE "impact_trees" ADD COLUMN IF NOT EXISTS "is_template" boolean DEFAULT false;

CREATE INDEX IF NOT EXISTS "idx_trees_user" ON "impact_trees" ("user_id");
CREATE INDEX IF NOT EXISTS "idx_trees_name" ON "impact_trees" ("name");
CREATE INDEX IF NOT EXISTS "idx_trees_updated" ON "impact_trees" ("updated_at" DESC);
CREATE INDEX IF NOT EXISTS "idx_trees_user_updated" ON "impact_trees" ("user_id", "updated_at" DESC);
CREATE INDEX IF NOT EXISTS "idx_trees_user_name" ON "impact_trees" ("user_id", "name");
CREATE INDEX IF NOT EXISTS "idx_trees_templates" ON "impact_trees" ("user_id") WHERE "is_template" = true;
CREATE INDEX IF NOT EXISTS "idx_trees_nodes" ON "impact_trees" USING gin ("nodes");
CREATE INDEX IF NOT EXISTS "idx_trees_connections" ON "impact_trees" USING gin ("connections");
CREATE INDEX IF NOT EXISTS "idx_trees_canvas_state" ON "impact_trees" USING gin ("canvas_state");
CREATE INDEX IF NOT EXISTS "idx_trees_node_count" ON "impact_trees" (jsonb_array_length("nodes"));

CREATE TABLE IF NOT EXISTS "tree_nodes" (
  "id" text PRIMARY KEY NOT NULL,
  "tree_id" integer NOT NULL,
  "parent_id" text,
  "node_type" text NOT NULL,
  "title" text NOT NULL,
  "description" text,
  "position" jsonb DEFAULT '{"x": 0, "y": 0}' NOT NULL,
  "is_collapsed" boolean DEFAULT false,
  "template_data" jsonb DEFAULT '{}',
  "metadata" jsonb DEFAULT '{}',
  "created_at" timestamp DEFAULT now() NOT NULL,
  "updated_at" timestamp DEFAULT now() NOT NULL
);

-- The seed's 0002 migration predates these two columns of its schema.
ALTER TABLE "tree_nodes" ADD COLUMN IF NOT EXISTS "is_collapsed" boolean DEFAULT false;
ALTER TABLE "tree_nodes" ADD COLUMN IF NOT EXISTS "metadata" jsonb DEFAULT '{}';

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'tree_nodes_tree_id_impact_trees_id_fk') THEN
    ALTER TABLE "tree_nodes" ADD CONSTRAINT "tree_nodes_tree_id_impact_trees_id_fk"
      FOREIGN KEY ("tree_id") REFERENCES "impact_trees"("id") ON DELETE cascade;
  END IF;
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'tree_nodes_parent_id_tree_nodes_id_fk') THEN
    ALTER TABLE "tree_nodes" ADD CONSTRAINT "tree_nodes_parent_id_tree_nodes_id_fk"
      FOREIGN KEY ("parent_id") REFERENCES "tree_nodes"("id") ON DELETE cascade;
  END IF;
END $$;

CREATE INDEX IF NOT EXISTS "idx_tree_nodes_tree_id" ON "tree_nodes" ("tree_id");
CREATE INDEX IF NOT EXISTS "idx_tree_nodes_parent_id" ON "tree_nodes" ("parent_id");
CREATE INDEX IF NOT EXISTS "idx_tree_nodes_type" ON "tree_nodes" ("node_type");
CREATE INDEX IF NOT EXISTS "idx_tree_nodes_template_data" ON "tree_nodes" USING gin ("template_data");
CREATE INDEX IF NOT EXISTS "idx_tree_nodes_position" ON "tree_nodes" USING gin ("position");

CREATE TABLE IF NOT EXISTS "user_activities" (
  "id" serial PRIMARY KEY NOT NULL,
  "user_id" varchar(255) NOT NULL,
  "tree_id" integer,
  "activity_type" text NOT NULL,
  "description" text,
  "session_id" text,
  "activity_data" jsonb DEFAULT '{}',
  "user_agent" text,
  "ip_address" text,
  "created_at" timestamp DEFAULT now() NOT NULL
);

DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_constraint WHERE conname = 'user_activities_tree_id_impact_trees_id_fk') THEN
    ALTER TABLE "user_activities" ADD CONSTRAINT "user_activities_tree_id_impact_trees_id_fk"
      FOREIGN KEY ("tree_id") REFERENCES "impact_trees"("id") ON DELETE cascade;
  END IF;
END $$;

CREATE INDEX IF NOT EXISTS "idx_activities_user" ON "user_activities" ("user_id");
CREATE INDEX IF NOT EXISTS "idx_activities_tree" ON "user_activities" ("tree_id");
CREATE INDEX IF NOT EXISTS "idx_activities_type" ON "user_activities" ("activity_type");
CREATE INDEX IF NOT EXISTS "idx_activities_session" ON "user_activities" ("session_id");
CREATE INDEX IF NOT EXISTS "idx_activities_created" ON "user_activities" ("created_at" DESC);

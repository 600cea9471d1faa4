-- nfvo: processes that report in, each attempt of a task kept for its timeline, console sessions,
-- and the indexes the console's overview reads through

-- every api, controller and worker process, kept fresh by its heartbeat
CREATE TABLE "processes" (
    "id"           TEXT NOT NULL,
    "roles"        TEXT[] NOT NULL,
    "host"         TEXT NOT NULL,
    "pid"          INTEGER NOT NULL,
    "version"      TEXT NOT NULL,
    "started_at"   TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "heartbeat_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "stopped_at"   TIMESTAMPTZ(3),
    "in_flight"    INTEGER NOT NULL DEFAULT 0,
    "concurrency"  JSONB NOT NULL DEFAULT '{}',
    CONSTRAINT "processes_pkey" PRIMARY KEY ("id")
);

-- when the current attempt was sent, and when and by which worker it started
ALTER TABLE "tasks" ADD COLUMN "dispatched_at" TIMESTAMPTZ(3);
ALTER TABLE "tasks" ADD COLUMN "attempt_started_at" TIMESTAMPTZ(3);
ALTER TABLE "tasks" ADD COLUMN "ran_by" TEXT;

-- each attempt (and check) of a task once it ended: the spans of a resource's timeline
CREATE TABLE "task_attempts" (
    "id"            BIGSERIAL NOT NULL,
    "task_id"       UUID NOT NULL,
    "resource_id"   UUID NOT NULL,
    "action"        TEXT NOT NULL,
    "attempt"       INTEGER NOT NULL,
    "checks"        INTEGER NOT NULL,
    "dispatched_at" TIMESTAMPTZ(3),
    "started_at"    TIMESTAMPTZ(3),
    "finished_at"   TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "outcome"       TEXT NOT NULL,
    "error"         TEXT,
    "worker"        TEXT,
    CONSTRAINT "task_attempts_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "task_attempts_resource_id_id_idx" ON "task_attempts"("resource_id", "id");

-- when the resource's current spec was asked for (how long it takes to reach it)
ALTER TABLE "resources" ADD COLUMN "spec_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- the console's sessions: a cookie's id, hashed, for an API token
CREATE TABLE "console_sessions" (
    "id_hash"    TEXT NOT NULL,
    "token_id"   UUID NOT NULL,
    "csrf"       TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "expires_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "console_sessions_pkey" PRIMARY KEY ("id_hash")
);

-- transitions are written in time order: a BRIN index finds the last hour's for a few pages read
CREATE INDEX "transitions_created_at_brin" ON "transitions" USING BRIN ("created_at");
-- the oldest resource away from its spec (stuck), locked or not
CREATE INDEX "resources_away_idx" ON "resources"("updated_at") WHERE "status" <> "spec";
-- resources by type and status (the overview counts them from this index alone)
CREATE INDEX "resources_type_status_idx" ON "resources"("type", "status");
-- attempts are written in time order too: the last hour's failures for a few pages read
CREATE INDEX "task_attempts_finished_at_brin" ON "task_attempts" USING BRIN ("finished_at");

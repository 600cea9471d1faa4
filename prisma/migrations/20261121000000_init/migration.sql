-- nfvo: initial schema

CREATE TABLE "resources" (
    "id"          UUID NOT NULL,
    "type"        TEXT NOT NULL,
    "name"        TEXT NOT NULL,
    "status"      TEXT NOT NULL,
    "spec"        TEXT NOT NULL,
    "worker_id"   TEXT,
    "lease_until" TIMESTAMPTZ(3),
    "task_id"     UUID,
    "retry_count" INTEGER NOT NULL DEFAULT 0,
    "version"     INTEGER NOT NULL DEFAULT 1,
    "properties"  JSONB NOT NULL DEFAULT '{}',
    "simulate"    JSONB,
    "error"       TEXT,
    "created_at"  TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at"  TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "resources_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "resources_type_id_idx" ON "resources"("type", "id");
CREATE INDEX "resources_status_id_idx" ON "resources"("status", "id");
-- lease sweeper: locked resources by lease expiry
CREATE INDEX "resources_lease_until_locked_idx" ON "resources"("lease_until") WHERE "worker_id" IS NOT NULL;
-- resync: resources not at their spec and not locked
CREATE INDEX "resources_unsettled_idx" ON "resources"("updated_at") WHERE "worker_id" IS NULL AND "status" <> "spec" AND "status" <> 'ERROR';
-- "is this package / volume used by a live vnf?"
CREATE INDEX "resources_vnf_package_idx" ON "resources"(("properties"->>'vnfPackageId')) WHERE "type" = 'vnf';

CREATE TABLE "transitions" (
    "id"          BIGSERIAL NOT NULL,
    "resource_id" UUID NOT NULL,
    "type"        TEXT NOT NULL,
    "from_status" TEXT NOT NULL,
    "to_status"   TEXT NOT NULL,
    "action"      TEXT,
    "task_id"     UUID,
    "outcome"     TEXT NOT NULL,
    "error"       TEXT,
    "duration_ms" INTEGER,
    "created_at"  TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "transitions_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "transitions_resource_id_id_idx" ON "transitions"("resource_id", "id");

CREATE TABLE "tasks" (
    "id"          UUID NOT NULL,
    "name"        TEXT NOT NULL,
    "resource_id" UUID NOT NULL,
    "state"       TEXT NOT NULL,
    "attempt"     INTEGER NOT NULL DEFAULT 1,
    "from_status" TEXT NOT NULL,
    "to_status"   TEXT NOT NULL,
    "step"        JSONB NOT NULL,
    "result"      JSONB,
    "error"       TEXT,
    "progress"    JSONB,
    "created_at"  TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "started_at"  TIMESTAMPTZ(3),
    "finished_at" TIMESTAMPTZ(3),
    "updated_at"  TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "tasks_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "tasks_resource_id_created_at_idx" ON "tasks"("resource_id", "created_at");

CREATE TABLE "outbox" (
    "id"           BIGSERIAL NOT NULL,
    "exchange"     TEXT NOT NULL,
    "routing_key"  TEXT NOT NULL,
    "payload"      JSONB NOT NULL,
    "priority"     INTEGER NOT NULL DEFAULT 0,
    "available_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "sent_at"      TIMESTAMPTZ(3),
    "created_at"   TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "outbox_pkey" PRIMARY KEY ("id")
);
-- the relay's work list: unsent messages by due time
CREATE INDEX "outbox_pending_idx" ON "outbox"("available_at", "id") WHERE "sent_at" IS NULL;

CREATE TABLE "sim_ledger" (
    "id"            BIGSERIAL NOT NULL,
    "resource_id"   UUID NOT NULL,
    "resource_type" TEXT NOT NULL,
    "action"        TEXT NOT NULL,
    "task_id"       UUID NOT NULL,
    "effect_key"    TEXT,
    "outcome"       TEXT NOT NULL DEFAULT 'applied',
    "result"        JSONB,
    "created_at"    TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "sim_ledger_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "sim_ledger_effect_key_key" ON "sim_ledger"("effect_key");
CREATE INDEX "sim_ledger_resource_id_action_idx" ON "sim_ledger"("resource_id", "action");

-- nfvo: the deployment this database is: its id names it on the broker, where it claims its
-- namespace (vhost + queue prefix) and marks every message it sends
CREATE TABLE "deployment" (
    "singleton"  BOOLEAN NOT NULL DEFAULT true,
    "id"         UUID NOT NULL DEFAULT gen_random_uuid(),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "deployment_pkey" PRIMARY KEY ("singleton"),
    CONSTRAINT "deployment_singleton" CHECK ("singleton")
);
INSERT INTO "deployment" DEFAULT VALUES;

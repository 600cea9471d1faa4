-- nfvo: a VNF package's content (its CSAR) in PostgreSQL, in chunks, so that every worker on
-- every machine can read it; and resources that wait for something a user must give first

-- one row per upload of a package's content; only the one its package's properties name counts
CREATE TABLE "package_uploads" (
    "id"           UUID NOT NULL,
    "package_id"   UUID NOT NULL,
    "size_bytes"   BIGINT,
    "sha256"       TEXT,
    "started_at"   TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "completed_at" TIMESTAMPTZ(3),
    CONSTRAINT "package_uploads_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "package_uploads_package_id_idx" ON "package_uploads"("package_id");

CREATE TABLE "package_chunks" (
    "upload_id" UUID NOT NULL,
    "seq"       INTEGER NOT NULL,
    "data"      BYTEA NOT NULL,
    CONSTRAINT "package_chunks_pkey" PRIMARY KEY ("upload_id", "seq"),
    CONSTRAINT "package_chunks_upload_id_fkey" FOREIGN KEY ("upload_id") REFERENCES "package_uploads"("id") ON DELETE CASCADE
);
-- images and archives do not compress: store them as they are
ALTER TABLE "package_chunks" ALTER COLUMN "data" SET STORAGE EXTERNAL;

-- what a resource waits for before it can go on (a package's content); the resync leaves it alone
ALTER TABLE "resources" ADD COLUMN "awaiting" TEXT;
DROP INDEX "resources_unsettled_idx";
CREATE INDEX "resources_unsettled_idx" ON "resources"("updated_at")
  WHERE "worker_id" IS NULL AND "status" <> "spec" AND "status" <> 'ERROR' AND "awaiting" IS NULL;

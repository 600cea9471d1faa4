-- nfvo: bearer tokens for the API, stored hashed

CREATE TABLE "api_tokens" (
    "id"          UUID NOT NULL,
    "name"        TEXT NOT NULL,
    "role"        TEXT NOT NULL,
    "token_hash"  TEXT NOT NULL,
    "created_at"  TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "revoked_at"  TIMESTAMPTZ(3),
    CONSTRAINT "api_tokens_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "api_tokens_role_check" CHECK ("role" IN ('viewer', 'operator', 'admin'))
);
CREATE UNIQUE INDEX "api_tokens_token_hash_key" ON "api_tokens"("token_hash");

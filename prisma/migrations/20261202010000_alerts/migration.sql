-- Alerts in: integrations from the rota file, their tokens and heartbeats, alerts and the groups
-- that share a page. A page may be started by alerts, without an incident.
ALTER TABLE "page" ALTER COLUMN "incident_id" DROP NOT NULL;
ALTER TABLE "page" ADD COLUMN "alert_group_id" INTEGER;
CREATE INDEX "page_alert_group_id_idx" ON "page"("alert_group_id");

CREATE TABLE "integration" (
    "name" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "service" TEXT NOT NULL,
    "config" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "integration_pkey" PRIMARY KEY ("name")
);

CREATE TABLE "integration_state" (
    "integration" TEXT NOT NULL,
    "token_hash" TEXT,
    "token_created_at" TIMESTAMPTZ(3),
    "last_ping_at" TIMESTAMPTZ(3),
    CONSTRAINT "integration_state_pkey" PRIMARY KEY ("integration")
);

CREATE TABLE "alert_group" (
    "id" SERIAL NOT NULL,
    "integration" TEXT NOT NULL,
    "group_key" TEXT NOT NULL,
    "incident_id" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,
    CONSTRAINT "alert_group_pkey" PRIMARY KEY ("id")
);
CREATE UNIQUE INDEX "alert_group_integration_group_key_key" ON "alert_group"("integration", "group_key");

CREATE TABLE "alert" (
    "id" SERIAL NOT NULL,
    "integration" TEXT NOT NULL,
    "identity" TEXT NOT NULL,
    "group_id" INTEGER NOT NULL,
    "status" TEXT NOT NULL,
    "summary" TEXT NOT NULL,
    "severity" TEXT,
    "labels" JSONB NOT NULL,
    "annotations" JSONB NOT NULL,
    "links" JSONB NOT NULL,
    "starts_at" TIMESTAMPTZ(3) NOT NULL,
    "ends_at" TIMESTAMPTZ(3),
    "received_at" TIMESTAMPTZ(3) NOT NULL,
    "last_seen_at" TIMESTAMPTZ(3) NOT NULL,
    "resolved_at" TIMESTAMPTZ(3),
    CONSTRAINT "alert_pkey" PRIMARY KEY ("id")
);
CREATE INDEX "alert_group_id_status_idx" ON "alert"("group_id", "status");
CREATE INDEX "alert_integration_identity_idx" ON "alert"("integration", "identity");
-- At most one open alert per (integration, identity), whoever receives it.
CREATE UNIQUE INDEX "alert_open_identity_key" ON "alert"("integration", "identity") WHERE "status" = 'firing';

ALTER TABLE "alert" ADD CONSTRAINT "alert_group_id_fkey" FOREIGN KEY ("group_id") REFERENCES "alert_group"("id") ON DELETE CASCADE ON UPDATE CASCADE;
ALTER TABLE "alert_group" ADD CONSTRAINT "alert_group_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incident"("id") ON DELETE SET NULL ON UPDATE CASCADE;
ALTER TABLE "page" ADD CONSTRAINT "page_alert_group_id_fkey" FOREIGN KEY ("alert_group_id") REFERENCES "alert_group"("id") ON DELETE SET NULL ON UPDATE CASCADE;

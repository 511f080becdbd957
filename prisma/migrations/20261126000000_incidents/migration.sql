-- CreateEnum
CREATE TYPE "Severity" AS ENUM ('SEV1', 'SEV2', 'SEV3', 'SEV4');

-- CreateEnum
CREATE TYPE "Status" AS ENUM ('investigating', 'identified', 'monitoring', 'resolved', 'closed');

-- CreateTable
CREATE TABLE "incident" (
    "id" SERIAL NOT NULL,
    "number" INTEGER NOT NULL,
    "title" TEXT NOT NULL,
    "description" TEXT,
    "severity" "Severity" NOT NULL,
    "status" "Status" NOT NULL,
    "commander_id" TEXT NOT NULL,
    "comms_lead_id" TEXT,
    "scribe_id" TEXT,
    "service" TEXT,
    "channel_name" TEXT NOT NULL,
    "channel_id" TEXT,
    "card_ts" TEXT,
    "resolution" TEXT,
    "declared_by_id" TEXT NOT NULL,
    "declared_at" TIMESTAMPTZ(3) NOT NULL,
    "resolved_at" TIMESTAMPTZ(3),
    "closed_at" TIMESTAMPTZ(3),
    "version" INTEGER NOT NULL DEFAULT 1,

    CONSTRAINT "incident_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "timeline_event" (
    "id" BIGSERIAL NOT NULL,
    "incident_id" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "actor_id" TEXT NOT NULL,
    "occurred_at" TIMESTAMPTZ(3) NOT NULL,
    "data" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "timeline_event_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "outbox_message" (
    "id" BIGSERIAL NOT NULL,
    "idempotency_key" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "incident_id" INTEGER,
    "payload" JSONB NOT NULL DEFAULT '{}',
    "state" TEXT NOT NULL DEFAULT 'pending',
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "next_attempt_at" TIMESTAMPTZ(3) NOT NULL,
    "last_error" TEXT,
    "result" JSONB,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "sent_at" TIMESTAMPTZ(3),

    CONSTRAINT "outbox_message_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "processed_request" (
    "key" TEXT NOT NULL,
    "response" JSONB,
    "processed_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "processed_request_pkey" PRIMARY KEY ("key")
);

-- CreateIndex
CREATE UNIQUE INDEX "incident_number_key" ON "incident"("number");

-- CreateIndex
CREATE UNIQUE INDEX "incident_channel_id_key" ON "incident"("channel_id");

-- CreateIndex
CREATE INDEX "incident_status_idx" ON "incident"("status");

-- CreateIndex
CREATE INDEX "timeline_event_incident_id_id_idx" ON "timeline_event"("incident_id", "id");

-- CreateIndex
CREATE UNIQUE INDEX "outbox_message_idempotency_key_key" ON "outbox_message"("idempotency_key");

-- CreateIndex
CREATE INDEX "outbox_message_pending_due_idx" ON "outbox_message"("state", "next_attempt_at");

-- CreateIndex
CREATE INDEX "outbox_message_incident_id_id_idx" ON "outbox_message"("incident_id", "id");

-- AddForeignKey
ALTER TABLE "timeline_event" ADD CONSTRAINT "timeline_event_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incident"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "outbox_message" ADD CONSTRAINT "outbox_message_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incident"("id") ON DELETE CASCADE ON UPDATE CASCADE;

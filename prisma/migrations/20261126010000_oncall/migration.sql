-- CreateTable
CREATE TABLE "schedule" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "timezone" TEXT NOT NULL,
    "layers" JSONB NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "schedule_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "schedule_override" (
    "id" SERIAL NOT NULL,
    "schedule_id" INTEGER NOT NULL,
    "user_id" TEXT NOT NULL,
    "start_at" TIMESTAMPTZ(3) NOT NULL,
    "end_at" TIMESTAMPTZ(3) NOT NULL,
    "source" TEXT NOT NULL,
    "created_by_id" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "schedule_override_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "escalation_policy" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "levels" JSONB NOT NULL,
    "repeat" INTEGER NOT NULL DEFAULT 0,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "escalation_policy_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "service" (
    "id" SERIAL NOT NULL,
    "name" TEXT NOT NULL,
    "escalation_policy" TEXT NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "service_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "page" (
    "id" SERIAL NOT NULL,
    "incident_id" INTEGER NOT NULL,
    "target" TEXT NOT NULL,
    "policy" JSONB NOT NULL,
    "message" TEXT,
    "paged_by_id" TEXT NOT NULL,
    "state" TEXT NOT NULL,
    "round" INTEGER NOT NULL DEFAULT 0,
    "level_index" INTEGER NOT NULL DEFAULT 0,
    "next_step_at" TIMESTAMPTZ(3),
    "acknowledged_by_id" TEXT,
    "acknowledged_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "page_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "page_notification" (
    "id" BIGSERIAL NOT NULL,
    "page_id" INTEGER NOT NULL,
    "round" INTEGER NOT NULL,
    "level_index" INTEGER NOT NULL,
    "user_id" TEXT NOT NULL,
    "notified_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "page_notification_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "schedule_name_key" ON "schedule"("name");

-- CreateIndex
CREATE INDEX "schedule_override_schedule_id_end_at_idx" ON "schedule_override"("schedule_id", "end_at");

-- CreateIndex
CREATE UNIQUE INDEX "escalation_policy_name_key" ON "escalation_policy"("name");

-- CreateIndex
CREATE UNIQUE INDEX "service_name_key" ON "service"("name");

-- CreateIndex
CREATE INDEX "page_incident_id_idx" ON "page"("incident_id");

-- The engine's tick looks only at pages still escalating, by when their next step is due: a
-- partial index keeps a tick that finds nothing due cheap however many pages are waiting.
CREATE INDEX "page_due_idx" ON "page"("next_step_at") WHERE "state" = 'escalating';

-- CreateIndex
CREATE UNIQUE INDEX "page_notification_page_id_round_level_index_user_id_key" ON "page_notification"("page_id", "round", "level_index", "user_id");

-- AddForeignKey
ALTER TABLE "schedule_override" ADD CONSTRAINT "schedule_override_schedule_id_fkey" FOREIGN KEY ("schedule_id") REFERENCES "schedule"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "page" ADD CONSTRAINT "page_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incident"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "page_notification" ADD CONSTRAINT "page_notification_page_id_fkey" FOREIGN KEY ("page_id") REFERENCES "page"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- CreateTable
CREATE TABLE "shift_notice" (
    "id" BIGSERIAL NOT NULL,
    "schedule_name" TEXT NOT NULL,
    "user_id" TEXT NOT NULL,
    "shift_start_at" TIMESTAMPTZ(3) NOT NULL,
    "sent_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "shift_notice_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "shift_notice_schedule_name_user_id_shift_start_at_key" ON "shift_notice"("schedule_name", "user_id", "shift_start_at");

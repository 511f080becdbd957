-- Reminders that survive restarts, and SLO error budgets.

-- When someone said the incident's postmortem was reviewed (`/incident postmortem reviewed`).
ALTER TABLE "incident" ADD COLUMN "postmortem_reviewed_at" TIMESTAMPTZ(3);

-- A service's SLO from the rota file: { objective, windowSeconds, countsFrom }.
ALTER TABLE "service" ADD COLUMN "slo" JSONB;

-- An action item's due date, when it was done, and when its owner is next told it is overdue.
ALTER TABLE "action_item" ADD COLUMN "due_on" DATE,
ADD COLUMN "done_at" TIMESTAMPTZ(3),
ADD COLUMN "remind_at" TIMESTAMPTZ(3);

-- Overdue action items are found through a partial index (most have no reminder).
CREATE INDEX "action_item_remind_idx" ON "action_item"("remind_at") WHERE "remind_at" IS NOT NULL;

-- A reminder per incident and kind, with the instant it is next due.
CREATE TABLE "reminder" (
    "id" SERIAL NOT NULL,
    "incident_id" INTEGER NOT NULL,
    "kind" TEXT NOT NULL,
    "due_at" TIMESTAMPTZ(3),
    "sent" INTEGER NOT NULL DEFAULT 0,
    "last_sent_at" TIMESTAMPTZ(3),

    CONSTRAINT "reminder_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "reminder_incident_id_kind_key" ON "reminder"("incident_id", "kind");

-- A tick that finds nothing due stays cheap however many reminders are done with.
CREATE INDEX "reminder_due_idx" ON "reminder"("due_at") WHERE "due_at" IS NOT NULL;

ALTER TABLE "reminder" ADD CONSTRAINT "reminder_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incident"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A service's error budget crossed a threshold: told once per threshold per SLO window.
CREATE TABLE "slo_announcement" (
    "service" TEXT NOT NULL,
    "threshold" INTEGER NOT NULL,
    "announced_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "slo_announcement_pkey" PRIMARY KEY ("service","threshold")
);

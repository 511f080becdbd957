-- Who may do what (the rota file's access section and schedule owners), and private incidents.

-- The schedule's owners: Slack user ids or user group ids who may add and remove its overrides.
ALTER TABLE "schedule" ADD COLUMN "owners" JSONB NOT NULL DEFAULT '[]';

-- The rota file's access section: one row, written by `incident-bot rota apply`.
CREATE TABLE "rota_access" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "admins" JSONB NOT NULL DEFAULT '[]',
    "max_override_seconds" INTEGER NOT NULL,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "rota_access_pkey" PRIMARY KEY ("id"),
    CONSTRAINT "rota_access_one_row" CHECK ("id" = 1)
);

-- A private incident: a private channel, no announcement, nothing about it outside its channel.
ALTER TABLE "incident" ADD COLUMN "private" BOOLEAN NOT NULL DEFAULT false;

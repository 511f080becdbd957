-- On-call where people look: calendar feeds of the schedules, and Slack user groups that follow the rota.

-- A calendar feed of a schedule (user_id = ''), or of one person's shifts on it; only the token's hash is kept.
CREATE TABLE "calendar_feed" (
    "id" SERIAL NOT NULL,
    "schedule_id" INTEGER NOT NULL,
    "user_id" TEXT NOT NULL DEFAULT '',
    "token_hash" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "calendar_feed_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "calendar_feed_token_hash_key" ON "calendar_feed"("token_hash");

CREATE UNIQUE INDEX "calendar_feed_schedule_id_user_id_key" ON "calendar_feed"("schedule_id", "user_id");

ALTER TABLE "calendar_feed" ADD CONSTRAINT "calendar_feed_schedule_id_fkey" FOREIGN KEY ("schedule_id") REFERENCES "schedule"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- A Slack user group whose members are whoever is on call on its schedules.
CREATE TABLE "oncall_user_group" (
    "id" SERIAL NOT NULL,
    "group_id" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "schedules" JSONB NOT NULL,
    "when_empty" TEXT NOT NULL,
    "members" JSONB,
    "version" INTEGER NOT NULL DEFAULT 0,
    "problem" TEXT,
    "problem_at" TIMESTAMPTZ(3),
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "oncall_user_group_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "oncall_user_group_group_id_key" ON "oncall_user_group"("group_id");

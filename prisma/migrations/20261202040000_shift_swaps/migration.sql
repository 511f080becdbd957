-- Shift swaps: one person asks another to take their shift (and, for a trade, to give one back);
-- and the channel a schedule's changes are said in.

-- The Slack channel the rota file names for a schedule (told of accepted swaps); null: none.
ALTER TABLE "schedule" ADD COLUMN "channel" TEXT;

-- A request to take someone's shift: pending until the person asked accepts or declines it (or it
-- can no longer be accepted: expired).
CREATE TABLE "shift_swap" (
    "id" SERIAL NOT NULL,
    "schedule_id" INTEGER NOT NULL,
    "asker_id" TEXT NOT NULL,
    "target_id" TEXT NOT NULL,
    "start_at" TIMESTAMPTZ(3) NOT NULL,
    "end_at" TIMESTAMPTZ(3) NOT NULL,
    "trade_start_at" TIMESTAMPTZ(3),
    "trade_end_at" TIMESTAMPTZ(3),
    "state" TEXT NOT NULL DEFAULT 'pending',
    "request_key" TEXT,
    "override_id" INTEGER,
    "trade_override_id" INTEGER,
    "created_at" TIMESTAMPTZ(3) NOT NULL,
    "decided_at" TIMESTAMPTZ(3),

    CONSTRAINT "shift_swap_pkey" PRIMARY KEY ("id")
);

CREATE UNIQUE INDEX "shift_swap_request_key_key" ON "shift_swap"("request_key");

CREATE INDEX "shift_swap_schedule_id_idx" ON "shift_swap"("schedule_id");

ALTER TABLE "shift_swap" ADD CONSTRAINT "shift_swap_schedule_id_fkey" FOREIGN KEY ("schedule_id") REFERENCES "schedule"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- Outbox lanes and leases: a message is claimed by writing a lease (locked_until, locked_by) in a
-- short transaction; Slack or the wiki is called outside any transaction; the outcome is recorded
-- in a second one. Lanes keep page notifications apart from channel messages and exports.
ALTER TABLE "outbox_message" ADD COLUMN "lane" TEXT NOT NULL DEFAULT 'channel';
ALTER TABLE "outbox_message" ADD COLUMN "locked_until" TIMESTAMPTZ(3);
ALTER TABLE "outbox_message" ADD COLUMN "locked_by" TEXT;

UPDATE "outbox_message" SET "lane" = 'pages' WHERE "kind" = 'page.notify';
UPDATE "outbox_message" SET "lane" = 'exports' WHERE "kind" = 'postmortem.export';

-- What each lane claims: pending messages by due time.
CREATE INDEX "outbox_message_lane_due_idx" ON "outbox_message"("lane", "next_attempt_at") WHERE "state" = 'pending';

-- The bot's last version of each incident's postmortem document, so that a re-export can tell
-- whether people edited it since (and then leave it alone): the SHA-256 of the text the bot wrote
-- (directory and git exporters) or the page version its write produced (Confluence). NULL for
-- documents exported before this was kept: those are treated as edited unless they already say
-- what the bot would write.
ALTER TABLE "incident" ADD COLUMN "postmortem_hash" TEXT,
ADD COLUMN "postmortem_version" INTEGER;

-- An incident's last message of a kind (the card edit that is waiting, or when the last one went out).
CREATE INDEX "outbox_message_incident_id_kind_id_idx" ON "outbox_message"("incident_id", "kind", "id");

-- AlterTable
ALTER TABLE "incident" ADD COLUMN "postmortem_location" TEXT,
ADD COLUMN "postmortem_url" TEXT,
ADD COLUMN "postmortem_exported_at" TIMESTAMPTZ(3);

-- CreateTable
CREATE TABLE "action_item" (
    "id" SERIAL NOT NULL,
    "incident_id" INTEGER NOT NULL,
    "text" TEXT NOT NULL,
    "owner_id" TEXT,
    "type" TEXT NOT NULL,
    "created_by_id" TEXT NOT NULL,
    "created_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "action_item_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "action_item_incident_id_idx" ON "action_item"("incident_id");

-- AddForeignKey
ALTER TABLE "action_item" ADD CONSTRAINT "action_item_incident_id_fkey" FOREIGN KEY ("incident_id") REFERENCES "incident"("id") ON DELETE CASCADE ON UPDATE CASCADE;

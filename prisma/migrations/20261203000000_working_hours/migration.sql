-- The rota file's working hours (for the incident metrics' pages outside working hours): one row,
-- written when a rota file with `working_hours` is applied; none means Monday to Friday 09:00-18:00.
CREATE TABLE "rota_settings" (
    "id" INTEGER NOT NULL DEFAULT 1,
    "working_hours" JSONB,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "rota_settings_pkey" PRIMARY KEY ("id")
);

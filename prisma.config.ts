// Prisma CLI configuration. DATABASE_URL is read without `env()` so that `prisma generate`
// works when it is unset (generation needs no database).
import { defineConfig } from "prisma/config";

export default defineConfig({
  schema: "prisma/schema.prisma",
  migrations: { path: "prisma/migrations" },
  datasource: { url: process.env.DATABASE_URL ?? "" },
});

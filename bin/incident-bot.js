#!/usr/bin/env node
// The incident-bot command. It runs the JavaScript built from the sources (dist/, made by `npm
// install` or `npm run build`) while that is current, and otherwise the TypeScript sources
// themselves, through tsx's loader (after an edit, until the next build).
import { isBuildCurrent } from "../scripts/build.mjs";

if (process.env.INCIDENT_BOT_FROM_SOURCE !== "1" && isBuildCurrent()) {
  await import("../dist/src/main.js");
} else {
  const { register } = await import("tsx/esm/api");
  register();
  await import("../src/main.ts");
}

#!/usr/bin/env node
// The incident-bot command. The sources are TypeScript, run through tsx's loader.
import { register } from "tsx/esm/api";

register();
await import("../src/main.ts");

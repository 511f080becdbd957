// The Slack app manifest (slack-app-manifest.yml at the top of the repository): what the app asks
// Slack for. `incident-bot doctor` compares its bot scopes with those the token was granted, and
// the Slack stand-in grants them by default.
import { readFileSync } from "node:fs";
import { parse } from "yaml";
import { fromRoot } from "../paths.ts";

export const MANIFEST_FILE = fromRoot("slack-app-manifest.yml");

/** The bot scopes a manifest's text asks for (`oauth_config.scopes.bot`), in its order. Throws when it has none. */
export function manifestBotScopes(text: string): string[] {
  const doc = parse(text) as { oauth_config?: { scopes?: { bot?: unknown } } } | null;
  const bot = doc?.oauth_config?.scopes?.bot;
  if (!Array.isArray(bot) || bot.length === 0 || !bot.every((s) => typeof s === "string" && s.trim() !== "")) {
    throw new Error("the manifest has no list of bot scopes at oauth_config.scopes.bot");
  }
  return [...new Set(bot.map((s: string) => s.trim()))];
}

/** The bot scopes slack-app-manifest.yml asks for. */
export function readManifestBotScopes(file = MANIFEST_FILE): string[] {
  return manifestBotScopes(readFileSync(file, "utf8"));
}

// Which exporter the environment asks for: the POSTMORTEM_* and CONFLUENCE_* variables, validated
// with zod; every problem is reported by variable name and secrets are never printed.
import { isAbsolute, resolve } from "node:path";
import { z } from "zod";
import { createConfluenceExporter } from "./confluence.ts";
import { createDirectoryExporter } from "./directory.ts";
import { ExportConfigError, type PostmortemExporter } from "./exporter.ts";
import { createGitExporter, DEFAULT_GIT_AUTHOR, type GitAuthor } from "./git.ts";

const blankToUndefined = (v: unknown) => (typeof v === "string" && v.trim() === "" ? undefined : typeof v === "string" ? v.trim() : v);
const optional = <T extends z.ZodType>(schema: T) => z.preprocess(blankToUndefined, schema.optional());
const withDefault = <T extends z.ZodType>(value: string, schema: T) => z.preprocess((v) => blankToUndefined(v) ?? value, schema);

const httpUrl = (example: string) =>
  z.string().refine((v) => {
    try {
      const u = new URL(v);
      return u.protocol === "http:" || u.protocol === "https:";
    } catch {
      return false;
    }
  }, `expected an http(s) URL like ${example}`);

/** What git accepts as a branch name (git check-ref-format, simplified). */
const isBranchName = (v: string): boolean =>
  /^[A-Za-z0-9._/-]+$/.test(v) && !/^[-/.]|\/$|\.\.|\/\/|\/\.|\.lock$|\.lock\/|@\{/.test(v);

const AUTHOR = /^([^<>\n]*[^<>\s])\s*<([^<>\s@]+@[^<>\s]+)>$/;

/**
 * The postmortem variables (POSTMORTEM_* and CONFLUENCE_*), trimmed, with their defaults. Exported so
 * that a larger configuration schema can include them; exporterFromConfig takes what this parses to.
 */
export const postmortemEnvSchema = z.object({
  POSTMORTEM_EXPORTER: optional(z.enum(["directory", "git", "confluence"], { message: "expected one of directory, git, confluence" })),
  POSTMORTEM_DIR: optional(z.string()),
  POSTMORTEM_GIT_REMOTE: optional(
    z
      .string()
      .refine((v) => !v.startsWith("-") && !/\s/.test(v), "expected a git remote like git@github.com:acme/wiki.git, https://github.com/acme/wiki.git or a path")
      .refine((v) => !/^ext::/i.test(v), "the ext:: transport runs commands and is not allowed"),
  ),
  POSTMORTEM_GIT_BRANCH: withDefault("main", z.string().refine(isBranchName, "expected a branch name like main or wiki/postmortems")),
  POSTMORTEM_GIT_AUTHOR: withDefault(
    `${DEFAULT_GIT_AUTHOR.name} <${DEFAULT_GIT_AUTHOR.email}>`,
    z
      .string()
      .regex(AUTHOR, 'expected "Name <email>", like "incident-bot <incident-bot@example.com>"')
      .transform((v): GitAuthor => {
        const m = AUTHOR.exec(v)!;
        return { name: m[1].trim(), email: m[2] };
      }),
  ),
  POSTMORTEM_GIT_DIR: withDefault(
    "postmortems",
    z
      .string()
      .refine((v) => !isAbsolute(v) && !/^[A-Za-z]:/.test(v) && !v.replace(/\\/g, "/").split("/").includes(".."), "expected a folder inside the repository, like postmortems or docs/postmortems"),
  ),
  POSTMORTEM_GIT_URL: optional(httpUrl("https://github.com/acme/wiki/blob/main")),
  CONFLUENCE_BASE_URL: optional(httpUrl("https://example.atlassian.net/wiki")),
  CONFLUENCE_EMAIL: optional(z.string().regex(/^[^\s@]+@[^\s@]+$/, "expected the email address of the Atlassian account the API token belongs to")),
  CONFLUENCE_API_TOKEN: optional(z.string().min(1)),
  CONFLUENCE_SPACE_KEY: optional(z.string().regex(/^~?[A-Za-z0-9_]+$/, "expected a space key like ENG (or ~accountid for a personal space)")),
  CONFLUENCE_PARENT_PAGE_ID: optional(z.string().regex(/^\d+$/, "expected a page id (digits), the number in the parent page's URL")),
});

const CONFLUENCE_REQUIRED = ["CONFLUENCE_BASE_URL", "CONFLUENCE_EMAIL", "CONFLUENCE_API_TOKEN", "CONFLUENCE_SPACE_KEY"] as const;

export interface ExportOptions {
  /** Where relative folders are resolved from (default: the working directory). */
  cwd?: string;
  /** The directory exporter's folder when POSTMORTEM_DIR is unset (default: postmortems). */
  defaultDir?: string;
}

export type ExportConfig =
  | { kind: "directory"; dir: string }
  | { kind: "git"; remote: string; branch: string; author: GitAuthor; dir: string; urlBase: string | null }
  | { kind: "confluence"; baseUrl: string; email: string; apiToken: string; spaceKey: string; parentPageId: string | null };

/** The postmortem variables as postmortemEnvSchema parses them. */
export type PostmortemEnv = z.output<typeof postmortemEnvSchema>;

/** Parses the postmortem variables; throws an ExportConfigError naming every problem by variable. */
function parsePostmortemEnv(env: NodeJS.ProcessEnv): PostmortemEnv {
  const parsed = postmortemEnvSchema.safeParse(env);
  if (!parsed.success) {
    throw new ExportConfigError(parsed.error.issues.map((i) => `${i.path.join(".") || "environment"}: ${i.message}`));
  }
  return parsed.data;
}

/**
 * Which exporter parsed variables ask for (see parseExportConfig), with what it needs. Throws an
 * ExportConfigError when they contradict each other or the chosen exporter lacks a variable.
 */
function resolveExportConfig(c: PostmortemEnv, opts: ExportOptions): ExportConfig {
  const confluenceSet = [...CONFLUENCE_REQUIRED, "CONFLUENCE_PARENT_PAGE_ID" as const].filter((k) => c[k] !== undefined);
  if (!c.POSTMORTEM_EXPORTER && c.POSTMORTEM_GIT_REMOTE && confluenceSet.length > 0) {
    throw new ExportConfigError([`POSTMORTEM_EXPORTER: both POSTMORTEM_GIT_REMOTE and ${confluenceSet.join(", ")} are set; set POSTMORTEM_EXPORTER to git or confluence`]);
  }
  const kind = c.POSTMORTEM_EXPORTER ?? (c.POSTMORTEM_GIT_REMOTE ? "git" : confluenceSet.length > 0 ? "confluence" : "directory");
  if (kind === "git") {
    if (!c.POSTMORTEM_GIT_REMOTE) throw new ExportConfigError(["POSTMORTEM_GIT_REMOTE: required for the git exporter (a remote like git@github.com:acme/wiki.git)"]);
    return { kind, remote: c.POSTMORTEM_GIT_REMOTE, branch: c.POSTMORTEM_GIT_BRANCH, author: c.POSTMORTEM_GIT_AUTHOR, dir: c.POSTMORTEM_GIT_DIR, urlBase: c.POSTMORTEM_GIT_URL ?? null };
  }
  if (kind === "confluence") {
    const what: Record<(typeof CONFLUENCE_REQUIRED)[number], string> = {
      CONFLUENCE_BASE_URL: "the site's wiki URL, like https://example.atlassian.net/wiki",
      CONFLUENCE_EMAIL: "the Atlassian account's email address",
      CONFLUENCE_API_TOKEN: "an API token from https://id.atlassian.com/manage-profile/security/api-tokens",
      CONFLUENCE_SPACE_KEY: "the key of the space for postmortems, like ENG",
    };
    const missing = CONFLUENCE_REQUIRED.filter((k) => c[k] === undefined);
    if (missing.length > 0) throw new ExportConfigError(missing.map((k) => `${k}: required for the Confluence exporter (${what[k]})`));
    return {
      kind,
      baseUrl: c.CONFLUENCE_BASE_URL!.replace(/\/+$/, ""),
      email: c.CONFLUENCE_EMAIL!,
      apiToken: c.CONFLUENCE_API_TOKEN!,
      spaceKey: c.CONFLUENCE_SPACE_KEY!,
      parentPageId: c.CONFLUENCE_PARENT_PAGE_ID ?? null,
    };
  }
  return { kind: "directory", dir: resolve(opts.cwd ?? process.cwd(), c.POSTMORTEM_DIR ?? opts.defaultDir ?? "postmortems") };
}

/**
 * Reads the exporter's configuration. The exporter is POSTMORTEM_EXPORTER when set, else git when
 * POSTMORTEM_GIT_REMOTE is set, else Confluence when any CONFLUENCE_* variable is set, else a
 * directory. Throws an ExportConfigError naming every problem by variable (never the values).
 */
export function parseExportConfig(env: NodeJS.ProcessEnv, opts: ExportOptions = {}): ExportConfig {
  return resolveExportConfig(parsePostmortemEnv(env), opts);
}

/** Problems of variables already parsed that only show together (none: an empty list). */
export function exportConfigProblems(config: PostmortemEnv): string[] {
  try {
    resolveExportConfig(config, {});
    return [];
  } catch (err) {
    if (err instanceof ExportConfigError) return err.problems;
    throw err;
  }
}

/** The exporter that variables already parsed with postmortemEnvSchema ask for (see parseExportConfig). */
export function exporterFromConfig(config: PostmortemEnv, opts: ExportOptions & { cacheDir?: string; fetch?: typeof fetch } = {}): PostmortemExporter {
  const target = resolveExportConfig(config, opts);
  switch (target.kind) {
    case "directory":
      return createDirectoryExporter({ dir: target.dir });
    case "git":
      return createGitExporter({ remote: target.remote, branch: target.branch, author: target.author, dir: target.dir, urlBase: target.urlBase, ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}) });
    case "confluence":
      return createConfluenceExporter({ ...target, ...(opts.fetch ? { fetch: opts.fetch } : {}) });
  }
}

/** The exporter the environment asks for (see parseExportConfig). */
export function exporterFromEnv(env: NodeJS.ProcessEnv, opts: { cwd?: string; cacheDir?: string; fetch?: typeof fetch } = {}): PostmortemExporter {
  return exporterFromConfig(parsePostmortemEnv(env), opts);
}

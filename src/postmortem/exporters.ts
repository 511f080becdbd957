// Where postmortem drafts go: a directory (the default), a git repository used as a wiki, or a
// Confluence Cloud space. exporterFromEnv picks one from the environment, validated with zod; every
// problem is reported by variable name and secrets are never printed.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, rename, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, isAbsolute, join, posix, resolve } from "node:path";
import { z } from "zod";
import { markdownToStorage } from "./confluence-storage.ts";

export interface ExportedDocument {
  /** Where a person reads the document, when there is such a link. */
  url: string | null;
  /** Where it was written, for logs and replies (a path, or remote + branch + path, or page id). */
  location: string;
  /** The document's version after this export, when the target counts versions. */
  version?: number;
}

export interface PostmortemDocument {
  incidentNumber: number;
  /** File-name friendly title; sanitized again here (postmortemSlug). */
  slug: string;
  /** The incident's title (a leading `INC-<n>: ` is tolerated). */
  title: string;
  markdown: string;
}

export interface PostmortemExporter {
  name: string;
  export(doc: PostmortemDocument): Promise<ExportedDocument>;
}

/** An export that failed. `retryable`: trying again later may work (5xx, 429, network, a moved remote). */
export class ExportError extends Error {
  readonly retryable: boolean;
  readonly status?: number;
  readonly retryAfterMs?: number;
  constructor(message: string, opts: { retryable: boolean; status?: number; retryAfterMs?: number; cause?: unknown }) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = "ExportError";
    this.retryable = opts.retryable;
    if (opts.status !== undefined) this.status = opts.status;
    if (opts.retryAfterMs !== undefined) this.retryAfterMs = opts.retryAfterMs;
  }
}

export class ExportConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Postmortem export configuration problems:\n${problems.map((p) => `  - ${p}`).join("\n")}`);
    this.name = "ExportConfigError";
  }
}

// ---------------------------------------------------------------------------------------------
// Names

/** `checkout-failing-for-eu-customers`: lowercase ASCII letters, digits and dashes, at most 60. */
export function postmortemSlug(title: string): string {
  return title
    .replace(/^\s*INC-\d+\s*[:\-–—]?\s*/i, "")
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 60)
    .replace(/-+$/g, "");
}

/** `INC-12-checkout-failing.md` (or `INC-12.md` without a slug). */
export function postmortemFileName(incidentNumber: number, slug: string): string {
  const clean = postmortemSlug(slug);
  return clean ? `INC-${incidentNumber}-${clean}.md` : `INC-${incidentNumber}.md`;
}

/** Files of earlier exports of the same incident (maybe under an older title). */
const isFileOf = (incidentNumber: number, name: string): boolean => new RegExp(`^INC-${incidentNumber}(?:-[a-z0-9-]*)?\\.md$`).test(name);

/** `INC-12: Checkout failing`, whether or not the title already starts with the reference. */
export function documentTitle(doc: Pick<PostmortemDocument, "incidentNumber" | "title">): string {
  const ref = `INC-${doc.incidentNumber}`;
  const title = doc.title.replace(/\s+/g, " ").trim();
  const rest = title.replace(new RegExp(`^${ref}\\b\\s*[:\\-–—]?\\s*`, "i"), "");
  return rest ? `${ref}: ${rest}` : ref;
}

function checkDocument(doc: PostmortemDocument): void {
  if (!Number.isSafeInteger(doc.incidentNumber) || doc.incidentNumber <= 0) {
    throw new ExportError(`A postmortem needs a positive incident number, not ${String(doc.incidentNumber)}.`, { retryable: false });
  }
  if (typeof doc.markdown !== "string") throw new ExportError("A postmortem needs its Markdown text.", { retryable: false });
}

// ---------------------------------------------------------------------------------------------
// Directory

export interface DirectoryExporterOptions {
  /** Absolute, or relative to the process's working directory. */
  dir: string;
}

/** Writes `<dir>/INC-<n>-<slug>.md`; a re-export overwrites it (and removes the file of an older title). */
export function createDirectoryExporter(opts: DirectoryExporterOptions): PostmortemExporter {
  const dir = resolve(opts.dir);
  return {
    name: "directory",
    async export(doc) {
      checkDocument(doc);
      const name = postmortemFileName(doc.incidentNumber, doc.slug);
      const file = join(dir, name);
      try {
        await mkdir(dir, { recursive: true });
        const temp = join(dir, `.${name}.${process.pid}.${Date.now()}.tmp`);
        await writeFile(temp, doc.markdown, "utf8");
        await rename(temp, file);
        for (const other of await readdir(dir)) {
          if (other !== name && isFileOf(doc.incidentNumber, other)) await rm(join(dir, other), { force: true });
        }
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        throw new ExportError(`Could not write the postmortem to ${file}: ${(err as Error).message}`, {
          retryable: code !== "EACCES" && code !== "EPERM" && code !== "EROFS" && code !== "ENOTDIR",
          cause: err,
        });
      }
      return { url: null, location: file };
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Git

export interface GitAuthor {
  name: string;
  email: string;
}

export interface GitExporterOptions {
  /** Anything `git clone` accepts: a URL or a path. Credentials in it are never printed. */
  remote: string;
  branch?: string;
  author?: GitAuthor;
  /** Folder inside the repository; "" for its root. */
  dir?: string;
  /** Base URL for links to the page; `{path}` / `{name}` are replaced, else the path is appended. */
  urlBase?: string | null;
  /** Where the working copy is kept between exports (default: under os.tmpdir()). */
  cacheDir?: string;
  /** How many times a push rejected because the remote moved on is retried. */
  maxPushAttempts?: number;
  timeoutMs?: number;
  /** Called before each push with the working copy's path (tests use it to race the remote). */
  beforePush?: (workdir: string) => Promise<void> | void;
}

export const DEFAULT_GIT_AUTHOR: GitAuthor = { name: "incident-bot", email: "incident-bot@localhost" };

/** Hides `user:password@` in URLs. */
export const redactCredentials = (text: string): string => text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi, "$1***@");

interface GitResult {
  code: number;
  stdout: string;
  stderr: string;
}

const GIT_CONFIG = ["-c", "protocol.ext.allow=never", "-c", "commit.gpgsign=false", "-c", "core.quotepath=false", "-c", "advice.detachedHead=false", "-c", "core.autocrlf=false"];

function runGit(args: string[], cwd: string, env: NodeJS.ProcessEnv, timeoutMs: number): Promise<GitResult> {
  return new Promise((resolvePromise, reject) => {
    execFile("git", [...GIT_CONFIG, ...args], { cwd, env, timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, windowsHide: true }, (err, stdout, stderr) => {
      if (err && typeof (err as NodeJS.ErrnoException).code === "string") {
        // git itself could not run (ENOENT: not installed).
        reject(new ExportError(`Could not run git: ${err.message}`, { retryable: false, cause: err }));
        return;
      }
      if (err && (err as { killed?: boolean }).killed) {
        reject(new ExportError(`git ${args[0]} timed out after ${timeoutMs} ms`, { retryable: true, cause: err }));
        return;
      }
      const code = err ? Number((err as { code?: unknown }).code ?? 1) : 0;
      resolvePromise({ code, stdout: String(stdout), stderr: String(stderr) });
    });
  });
}

const PERMANENT_GIT_FAILURE = /Authentication failed|Permission denied|could not read Username|Repository not found|does not appear to be a git repository|repository .* not found|protected branch|pre-receive hook declined|invalid credentials|access denied/i;

/** One lock per working copy, so exports in this process never share it at the same time. */
const workdirLocks = new Map<string, Promise<unknown>>();

function withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const previous = workdirLocks.get(key) ?? Promise.resolve();
  const run = previous.then(fn, fn);
  const settled = run.then(
    () => undefined,
    () => undefined,
  );
  workdirLocks.set(key, settled);
  void settled.then(() => {
    if (workdirLocks.get(key) === settled) workdirLocks.delete(key);
  });
  return run;
}

function pageUrl(base: string | null | undefined, relPath: string): string | null {
  if (!base) return null;
  const name = posix.basename(relPath).replace(/\.md$/, "");
  const encodedPath = relPath.split("/").map(encodeURIComponent).join("/");
  if (base.includes("{path}") || base.includes("{name}")) return base.replace(/\{path\}/g, encodedPath).replace(/\{name\}/g, encodeURIComponent(name));
  return `${base.replace(/\/+$/, "")}/${encodedPath}`;
}

/** Commits drafts to a git repository (a wiki) and pushes them. */
export function createGitExporter(opts: GitExporterOptions): PostmortemExporter {
  const branch = opts.branch ?? "main";
  const author = opts.author ?? DEFAULT_GIT_AUTHOR;
  const relDir = posix.normalize((opts.dir ?? "postmortems").replace(/\\/g, "/")).replace(/^\.\/?$|^\/+|\/+$/g, "");
  const workdir = resolve(opts.cacheDir ?? join(tmpdir(), "incident-bot-postmortem-git", createHash("sha256").update(`${opts.remote}\0${branch}`).digest("hex").slice(0, 16)));
  const maxAttempts = Math.max(1, opts.maxPushAttempts ?? 5);
  const timeoutMs = opts.timeoutMs ?? 120_000;
  const remoteShown = redactCredentials(opts.remote);
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of ["GIT_DIR", "GIT_WORK_TREE", "GIT_INDEX_FILE", "GIT_OBJECT_DIRECTORY", "GIT_ALTERNATE_OBJECT_DIRECTORIES", "GIT_NAMESPACE"]) delete env[k];
  Object.assign(env, {
    GIT_TERMINAL_PROMPT: "0",
    LC_ALL: "C",
    LANGUAGE: "C",
    GIT_AUTHOR_NAME: author.name,
    GIT_AUTHOR_EMAIL: author.email,
    GIT_COMMITTER_NAME: author.name,
    GIT_COMMITTER_EMAIL: author.email,
  });

  const git = async (args: string[], o: { cwd?: string; allowFail?: boolean } = {}): Promise<GitResult> => {
    const r = await runGit(args, o.cwd ?? workdir, env, timeoutMs);
    if (r.code !== 0 && !o.allowFail) throw gitError(args, r);
    return r;
  };
  const gitError = (args: string[], r: GitResult): ExportError => {
    const detail = redactCredentials(`${r.stderr}\n${r.stdout}`.trim()).split("\n").slice(-12).join("\n");
    return new ExportError(`git ${args[0]} failed for ${remoteShown} (exit ${r.code}): ${detail}`, { retryable: !PERMANENT_GIT_FAILURE.test(detail) });
  };

  /** A working copy of the remote whose branch (and index, and files) match the remote's exactly. */
  async function syncWorkingCopy(): Promise<void> {
    if (existsSync(join(workdir, ".git"))) {
      const url = await git(["config", "--get", "remote.origin.url"], { allowFail: true });
      if (url.code !== 0 || url.stdout.trim() !== opts.remote) await rm(workdir, { recursive: true, force: true });
    }
    if (!existsSync(join(workdir, ".git"))) {
      await mkdir(dirname(workdir), { recursive: true });
      await rm(workdir, { recursive: true, force: true });
      await git(["clone", "--quiet", "--no-tags", "--", opts.remote, workdir], { cwd: dirname(workdir) });
    } else {
      await git(["fetch", "--quiet", "--prune", "--no-tags", "origin"]);
    }
    await resetToRemote();
  }

  async function hasRemoteBranch(): Promise<boolean> {
    return (await git(["rev-parse", "--verify", "--quiet", `refs/remotes/origin/${branch}`], { allowFail: true })).code === 0;
  }

  async function resetToRemote(): Promise<void> {
    if (existsSync(join(workdir, ".git", "rebase-merge")) || existsSync(join(workdir, ".git", "rebase-apply"))) {
      await git(["rebase", "--abort"], { allowFail: true });
    }
    if (await hasRemoteBranch()) {
      await git(["checkout", "--quiet", "--force", "-B", branch, `refs/remotes/origin/${branch}`]);
    } else {
      // A brand-new remote (or branch): start the branch from nothing.
      await git(["symbolic-ref", "HEAD", `refs/heads/${branch}`]);
      await git(["update-ref", "-d", `refs/heads/${branch}`], { allowFail: true });
      await git(["read-tree", "--empty"]);
    }
    await git(["clean", "-fdxq"]);
  }

  /** Writes the document and commits it; false when nothing changed. */
  async function writeAndCommit(doc: PostmortemDocument, relPath: string): Promise<boolean> {
    const name = posix.basename(relPath);
    const absDir = relDir ? join(workdir, ...relDir.split("/")) : workdir;
    await mkdir(absDir, { recursive: true });
    const earlier = (await readdir(absDir)).filter((f) => isFileOf(doc.incidentNumber, f));
    for (const f of earlier) if (f !== name) await rm(join(absDir, f), { force: true });
    await writeFile(join(workdir, ...relPath.split("/")), doc.markdown, "utf8");
    const paths = [...new Set([name, ...earlier])].map((f) => (relDir ? `${relDir}/${f}` : f));
    await git(["add", "--all", "--", ...paths]);
    const diff = await git(["diff", "--cached", "--quiet"], { allowFail: true });
    if (diff.code === 0) return false;
    if (diff.code !== 1) throw gitError(["diff"], diff);
    const title = documentTitle(doc);
    const message = earlier.length > 0 ? `Update postmortem for ${title}` : `Postmortem draft for ${title}`;
    await git(["commit", "--quiet", "--no-verify", "-m", message]);
    return true;
  }

  async function exportOnce(doc: PostmortemDocument): Promise<ExportedDocument> {
    const relPath = relDir ? `${relDir}/${postmortemFileName(doc.incidentNumber, doc.slug)}` : postmortemFileName(doc.incidentNumber, doc.slug);
    await syncWorkingCopy();
    let committed = await writeAndCommit(doc, relPath);
    for (let attempt = 1; committed; attempt++) {
      await opts.beforePush?.(workdir);
      const push = await git(["push", "--quiet", "--porcelain", "origin", `HEAD:refs/heads/${branch}`], { allowFail: true });
      if (push.code === 0) break;
      const output = `${push.stdout}\n${push.stderr}`;
      const moved = /\[rejected\]|non-fast-forward|fetch first|\(stale info\)|cannot lock ref|failed to update ref|incorrect old value/i.test(output);
      if (!moved || attempt >= maxAttempts) {
        const err = gitError(["push"], push);
        throw moved ? new ExportError(`${err.message} (the remote kept moving; gave up after ${attempt} attempts)`, { retryable: true }) : err;
      }
      // The remote moved on: replay our commit on top of it.
      await git(["fetch", "--quiet", "--prune", "--no-tags", "origin"]);
      if (await hasRemoteBranch()) {
        const rebase = await git(["rebase", "--quiet", `refs/remotes/origin/${branch}`], { allowFail: true });
        if (rebase.code !== 0) {
          // Someone changed the same file: start again from the remote and write ours over it.
          await git(["rebase", "--abort"], { allowFail: true });
          await resetToRemote();
          committed = await writeAndCommit(doc, relPath);
        }
      }
    }
    const head = await git(["rev-parse", "--verify", "--quiet", "HEAD"], { allowFail: true });
    const count = head.code === 0 ? await git(["rev-list", "--count", "HEAD", "--", relPath], { allowFail: true }) : null;
    const version = count && count.code === 0 ? Number(count.stdout.trim()) : undefined;
    return {
      url: pageUrl(opts.urlBase, relPath),
      location: `${remoteShown} (branch ${branch}): ${relPath}`,
      ...(version ? { version } : {}),
    };
  }

  return {
    name: "git",
    export(doc) {
      checkDocument(doc);
      return withLock(workdir, () => exportOnce(doc));
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Confluence Cloud

export interface ConfluenceExporterOptions {
  /** Like https://example.atlassian.net/wiki */
  baseUrl: string;
  email: string;
  apiToken: string;
  spaceKey: string;
  parentPageId?: string | null;
  fetch?: typeof fetch;
  timeoutMs?: number;
}

interface ConfluencePage {
  id: string;
  title?: string;
  version?: { number?: number };
  _links?: { base?: string; webui?: string };
}

/** Creates or updates one Confluence page per incident, found by its title in the space. */
export function createConfluenceExporter(opts: ConfluenceExporterOptions): PostmortemExporter {
  const base = opts.baseUrl.replace(/\/+$/, "");
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const auth = `Basic ${Buffer.from(`${opts.email}:${opts.apiToken}`).toString("base64")}`;

  async function call<T>(method: "GET" | "POST" | "PUT", path: string, body?: unknown): Promise<T> {
    const what = `${method} ${path.split("?")[0]}`;
    let res: Response;
    try {
      res = await doFetch(`${base}${path}`, {
        method,
        headers: {
          Authorization: auth,
          Accept: "application/json",
          "X-Atlassian-Token": "no-check",
          ...(body === undefined ? {} : { "Content-Type": "application/json" }),
        },
        body: body === undefined ? undefined : JSON.stringify(body),
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      throw new ExportError(`Could not reach Confluence at ${base} (${what}): ${(err as Error).message}`, { retryable: true, cause: err });
    }
    let text: string;
    try {
      text = await res.text();
    } catch (err) {
      throw new ExportError(`Confluence's answer to ${what} was cut off: ${(err as Error).message}`, { retryable: true, cause: err });
    }
    if (!res.ok) {
      const retryAfter = Number(res.headers.get("retry-after"));
      throw new ExportError(`Confluence answered ${res.status}${res.statusText ? ` ${res.statusText}` : ""} to ${what}: ${confluenceMessage(text)}`, {
        retryable: res.status >= 500 || res.status === 429 || res.status === 408,
        status: res.status,
        ...(Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterMs: retryAfter * 1000 } : {}),
      });
    }
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ExportError(`Confluence answered ${what} with something that is not JSON; is CONFLUENCE_BASE_URL right (like https://example.atlassian.net/wiki)?`, {
        retryable: false,
        status: res.status,
      });
    }
  }

  async function find(title: string): Promise<ConfluencePage | null> {
    const q = new URLSearchParams({ spaceKey: opts.spaceKey, title, type: "page", expand: "version" });
    const found = await call<{ results?: ConfluencePage[] }>("GET", `/rest/api/content?${q}`);
    return found.results?.find((p) => p.title === undefined || p.title === title) ?? null;
  }

  const storage = (markdown: string) => ({ storage: { value: markdownToStorage(markdown, { omitTitle: true }), representation: "storage" } });

  async function create(title: string, markdown: string): Promise<ConfluencePage> {
    return call<ConfluencePage>("POST", "/rest/api/content", {
      type: "page",
      title,
      space: { key: opts.spaceKey },
      ...(opts.parentPageId ? { ancestors: [{ id: opts.parentPageId }] } : {}),
      body: storage(markdown),
    });
  }

  async function update(page: ConfluencePage, title: string, markdown: string): Promise<ConfluencePage> {
    const current = page.version?.number ?? 1;
    return call<ConfluencePage>("PUT", `/rest/api/content/${encodeURIComponent(page.id)}`, {
      id: page.id,
      type: "page",
      title,
      space: { key: opts.spaceKey },
      version: { number: current + 1, message: "Updated by incident-bot" },
      body: storage(markdown),
    });
  }

  const result = (page: ConfluencePage): ExportedDocument => {
    const links = page._links ?? {};
    return {
      url: links.webui ? `${(links.base ?? base).replace(/\/+$/, "")}${links.webui}` : null,
      location: `Confluence space ${opts.spaceKey}, page ${page.id}`,
      ...(page.version?.number ? { version: page.version.number } : {}),
    };
  };

  return {
    name: "confluence",
    async export(doc) {
      checkDocument(doc);
      const title = documentTitle(doc).slice(0, 255);
      for (let attempt = 1; ; attempt++) {
        try {
          const existing = await find(title);
          return result(existing ? await update(existing, title, doc.markdown) : await create(title, doc.markdown));
        } catch (err) {
          // Someone created the page or saved a version meanwhile: look again, once or twice.
          const raced = err instanceof ExportError && (err.status === 409 || (err.status === 400 && /already exists/i.test(err.message)));
          if (!raced || attempt >= 3) throw err;
        }
      }
    },
  };
}

function confluenceMessage(text: string): string {
  try {
    const body = JSON.parse(text) as { message?: unknown; errorMessage?: unknown; data?: { errors?: { message?: { translation?: unknown; key?: unknown } }[] } };
    const parts = [body.message, body.errorMessage, body.data?.errors?.[0]?.message?.translation ?? body.data?.errors?.[0]?.message?.key].filter((p): p is string => typeof p === "string" && p.trim() !== "");
    if (parts.length > 0) return clip(parts[0], 500);
  } catch {
    // not JSON
  }
  const plainText = text.replace(/<[^>]*>/g, " ").replace(/\s+/g, " ").trim();
  return plainText ? clip(plainText, 300) : "(no message)";
}

const clip = (s: string, max: number): string => (s.length <= max ? s : `${s.slice(0, max - 1)}…`);

// ---------------------------------------------------------------------------------------------
// Configuration

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

const schema = z.object({
  POSTMORTEM_EXPORTER: optional(z.enum(["directory", "git", "confluence"], { message: "expected one of directory, git, confluence" })),
  POSTMORTEM_DIR: withDefault("postmortems", z.string()),
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

export type ExportConfig =
  | { kind: "directory"; dir: string }
  | { kind: "git"; remote: string; branch: string; author: GitAuthor; dir: string; urlBase: string | null }
  | { kind: "confluence"; baseUrl: string; email: string; apiToken: string; spaceKey: string; parentPageId: string | null };

/**
 * Reads the exporter's configuration. The exporter is POSTMORTEM_EXPORTER when set, else git when
 * POSTMORTEM_GIT_REMOTE is set, else Confluence when any CONFLUENCE_* variable is set, else a
 * directory. Throws an ExportConfigError naming every problem by variable (never the values).
 */
export function parseExportConfig(env: NodeJS.ProcessEnv, opts: { cwd?: string } = {}): ExportConfig {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    throw new ExportConfigError(parsed.error.issues.map((i) => `${i.path.join(".") || "environment"}: ${i.message}`));
  }
  const c = parsed.data;
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
  return { kind: "directory", dir: resolve(opts.cwd ?? process.cwd(), c.POSTMORTEM_DIR) };
}

/** The exporter the environment asks for (see parseExportConfig). */
export function exporterFromEnv(env: NodeJS.ProcessEnv, opts: { cwd?: string; cacheDir?: string; fetch?: typeof fetch } = {}): PostmortemExporter {
  const config = parseExportConfig(env, opts);
  switch (config.kind) {
    case "directory":
      return createDirectoryExporter({ dir: config.dir });
    case "git":
      return createGitExporter({ remote: config.remote, branch: config.branch, author: config.author, dir: config.dir, urlBase: config.urlBase, ...(opts.cacheDir ? { cacheDir: opts.cacheDir } : {}) });
    case "confluence":
      return createConfluenceExporter({ ...config, ...(opts.fetch ? { fetch: opts.fetch } : {}) });
  }
}

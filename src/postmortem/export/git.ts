// The git exporter: commits each draft to a git repository used as a wiki and pushes it, replaying
// the commit when the remote moved on meanwhile. Credentials in the remote are never printed.
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, posix, resolve } from "node:path";
import { checkDocument, documentTitle, ExportError, isFileOf, postmortemFileName, redactCredentials, type ExportedDocument, type PostmortemDocument, type PostmortemExporter } from "./exporter.ts";

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

// The git exporter: commits each draft to a git repository used as a wiki and pushes it, making
// the commit again on top when the remote moved on meanwhile. A document people edited is kept:
// the draft is committed beside it. Credentials in the remote are never printed.
import { execFile } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, posix, resolve } from "node:path";
import { checkDocument, documentTitle, ExportError, redactCredentials, type BotVersion, type ExportedDocument, type PostmortemDocument, type PostmortemExporter } from "./exporter.ts";
import { planFileExport, readDocumentFiles, writePlannedFiles, type FilePlan } from "./files.ts";

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

  const git = async (args: string[], o: { cwd?: string; allowFail?: boolean; timeoutMs?: number } = {}): Promise<GitResult> => {
    const r = await runGit(args, o.cwd ?? workdir, env, o.timeoutMs ?? timeoutMs);
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

  /**
   * Decides against the working copy (as the remote has it) what to write: the document, or the
   * regenerated draft beside it when people edited it; writes it and commits. `committed` is false
   * when nothing changed.
   */
  async function writeAndCommit(doc: PostmortemDocument, last: BotVersion | null): Promise<{ plan: FilePlan; committed: boolean }> {
    const absDir = relDir ? join(workdir, ...relDir.split("/")) : workdir;
    const plan = planFileExport(doc, await readDocumentFiles(absDir, doc.incidentNumber), last);
    await writePlannedFiles(absDir, plan, doc.markdown);
    await git(["add", "--all", "--", ...[plan.write, ...plan.remove].map(inRepo)]);
    const diff = await git(["diff", "--cached", "--quiet"], { allowFail: true });
    if (diff.code === 0) return { plan, committed: false };
    if (diff.code !== 1) throw gitError(["diff"], diff);
    const title = documentTitle(doc);
    const message = {
      created: `Postmortem draft for ${title}`,
      updated: `Update postmortem for ${title}`,
      "kept-edits": `Regenerated postmortem draft for ${title} (${plan.document} has edits and is kept as it is)`,
    }[plan.outcome];
    await git(["commit", "--quiet", "--no-verify", "-m", message]);
    return { plan, committed: true };
  }

  const inRepo = (name: string): string => (relDir ? `${relDir}/${name}` : name);

  async function exportOnce(doc: PostmortemDocument, last: BotVersion | null): Promise<ExportedDocument> {
    await syncWorkingCopy();
    let { plan, committed } = await writeAndCommit(doc, last);
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
      // The remote moved on: start again from it and decide again, since someone may have edited
      // the document meanwhile (our commit is then made on top of theirs, as a rebase would).
      await git(["fetch", "--quiet", "--prune", "--no-tags", "origin"]);
      await resetToRemote();
      ({ plan, committed } = await writeAndCommit(doc, last));
    }
    const location = (name: string) => `${remoteShown} (branch ${branch}): ${inRepo(name)}`;
    return {
      url: pageUrl(opts.urlBase, inRepo(plan.document)),
      location: location(plan.document),
      outcome: plan.outcome,
      ...(plan.outcome === "kept-edits" ? { regenerated: { url: pageUrl(opts.urlBase, inRepo(plan.write)), location: location(plan.write) } } : {}),
      ...(plan.hash ? { hash: plan.hash } : {}),
    };
  }

  /**
   * The remote answers (`git ls-remote`) and accepts a push: a dry run of pushing a throwaway
   * branch from a scratch repository, which authenticates and asks for push rights but writes nothing.
   */
  async function check(o: { timeoutMs?: number } = {}): Promise<string> {
    const scratch = await mkdtemp(join(tmpdir(), "incident-bot-git-check-"));
    const t = Math.min(o.timeoutMs ?? timeoutMs, timeoutMs);
    try {
      const heads = await git(["ls-remote", "--heads", "--", opts.remote, `refs/heads/${branch}`], { cwd: scratch, timeoutMs: t });
      const branchExists = heads.stdout.trim() !== "";
      await git(["init", "--quiet", scratch], { cwd: scratch, timeoutMs: t });
      await git(["commit", "--quiet", "--no-verify", "--allow-empty", "-m", "incident-bot: push check (dry run, never pushed)"], { cwd: scratch, timeoutMs: t });
      const probe = `refs/heads/incident-bot-check-${randomBytes(4).toString("hex")}`;
      const push = await git(["push", "--dry-run", "--porcelain", "--", opts.remote, `HEAD:${probe}`], { cwd: scratch, timeoutMs: t, allowFail: true });
      if (push.code !== 0) throw gitError(["push --dry-run"], push);
      return `${remoteShown} answers; branch ${branch} ${branchExists ? "exists" : "does not exist yet (the first export creates it)"}; a push is accepted (dry run)`;
    } finally {
      await rm(scratch, { recursive: true, force: true }).catch(() => undefined);
    }
  }

  return {
    name: "git",
    export(doc, last) {
      checkDocument(doc);
      return withLock(workdir, () => exportOnce(doc, last));
    },
    check,
  };
}

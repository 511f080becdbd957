import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { exporterFromEnv, parseExportConfig } from "../../../src/postmortem/export/config.ts";
import { createConfluenceExporter } from "../../../src/postmortem/export/confluence.ts";
import { checkWritableFolder, createDirectoryExporter } from "../../../src/postmortem/export/directory.ts";
import { documentTitle, ExportConfigError, ExportError, postmortemFileName, postmortemSlug, redactCredentials, type PostmortemDocument } from "../../../src/postmortem/export/exporter.ts";
import { createGitExporter } from "../../../src/postmortem/export/git.ts";

const temps: string[] = [];
async function temp(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `pm-${prefix}-`));
  temps.push(dir);
  return dir;
}
afterAll(async () => {
  await Promise.all(temps.map((d) => rm(d, { recursive: true, force: true })));
});

const doc = (markdown: string, title = "Checkout failing"): PostmortemDocument => ({ incidentNumber: 12, slug: postmortemSlug(title), title, markdown, generatedAt: new Date("2026-03-01T10:00:00Z") });
const sha256 = (text: string) => createHash("sha256").update(text, "utf8").digest("hex");

describe("names", () => {
  it("slugs and file names", () => {
    expect(postmortemSlug("Checkout failing: Ünïcode & <stuff>!")).toBe("checkout-failing-unicode-stuff");
    expect(postmortemSlug("INC-12: Checkout failing")).toBe("checkout-failing");
    expect(postmortemFileName(12, "../../etc/passwd")).toBe("INC-12-etc-passwd.md");
    expect(postmortemFileName(12, "***")).toBe("INC-12.md");
    expect(documentTitle({ incidentNumber: 12, title: "Checkout failing" })).toBe("INC-12: Checkout failing");
    expect(documentTitle({ incidentNumber: 12, title: "INC-12: Checkout failing" })).toBe("INC-12: Checkout failing");
    expect(redactCredentials("https://bot:s3cret@git.example.com/wiki.git")).toBe("https://***@git.example.com/wiki.git");
  });
});

describe("configuration", () => {
  it("a directory by default, relative to cwd", () => {
    expect(parseExportConfig({}, { cwd: "/srv/bot" })).toEqual({ kind: "directory", dir: "/srv/bot/postmortems" });
    expect(parseExportConfig({ POSTMORTEM_DIR: "/data/pm" }, { cwd: "/srv/bot" })).toEqual({ kind: "directory", dir: "/data/pm" });
    expect(exporterFromEnv({}, { cwd: "/srv/bot" }).name).toBe("directory");
  });

  it("git when a remote is set, with defaults", () => {
    expect(parseExportConfig({ POSTMORTEM_GIT_REMOTE: "git@github.com:acme/wiki.git" })).toEqual({
      kind: "git",
      remote: "git@github.com:acme/wiki.git",
      branch: "main",
      author: { name: "incident-bot", email: "incident-bot@localhost" },
      dir: "postmortems",
      urlBase: null,
    });
    const c = parseExportConfig({ POSTMORTEM_GIT_REMOTE: "/srv/wiki.git", POSTMORTEM_GIT_BRANCH: "wiki/pm", POSTMORTEM_GIT_AUTHOR: "Ops Bot <ops@example.com>", POSTMORTEM_GIT_DIR: "docs/pm", POSTMORTEM_GIT_URL: "https://git.example.com/wiki/src/branch/main" });
    expect(c).toMatchObject({ kind: "git", branch: "wiki/pm", author: { name: "Ops Bot", email: "ops@example.com" }, dir: "docs/pm", urlBase: "https://git.example.com/wiki/src/branch/main" });
    expect(exporterFromEnv({ POSTMORTEM_GIT_REMOTE: "/srv/wiki.git" }).name).toBe("git");
  });

  it("confluence when its variables are set", () => {
    const env = { CONFLUENCE_BASE_URL: "https://example.atlassian.net/wiki/", CONFLUENCE_EMAIL: "bot@example.com", CONFLUENCE_API_TOKEN: "tok", CONFLUENCE_SPACE_KEY: "ENG", CONFLUENCE_PARENT_PAGE_ID: "123" };
    expect(parseExportConfig(env)).toEqual({ kind: "confluence", baseUrl: "https://example.atlassian.net/wiki", email: "bot@example.com", apiToken: "tok", spaceKey: "ENG", parentPageId: "123" });
    expect(exporterFromEnv(env).name).toBe("confluence");
  });

  it("reports every problem by variable, never the secret", () => {
    const problems = (env: NodeJS.ProcessEnv): string[] => {
      try {
        parseExportConfig(env);
      } catch (err) {
        expect(err).toBeInstanceOf(ExportConfigError);
        expect((err as Error).message).not.toContain("hunter2");
        return (err as ExportConfigError).problems;
      }
      throw new Error("expected a configuration error");
    };
    const bad = problems({ POSTMORTEM_GIT_REMOTE: "--upload-pack=evil", POSTMORTEM_GIT_BRANCH: "a..b", POSTMORTEM_GIT_AUTHOR: "no email", POSTMORTEM_GIT_DIR: "../outside", POSTMORTEM_GIT_URL: "ftp://x", POSTMORTEM_EXPORTER: "wiki" });
    expect(bad.map((p) => p.split(":")[0]).sort()).toEqual(["POSTMORTEM_EXPORTER", "POSTMORTEM_GIT_AUTHOR", "POSTMORTEM_GIT_BRANCH", "POSTMORTEM_GIT_DIR", "POSTMORTEM_GIT_REMOTE", "POSTMORTEM_GIT_URL"]);
    expect(problems({ CONFLUENCE_API_TOKEN: "hunter2", CONFLUENCE_BASE_URL: "https://example.atlassian.net/wiki" })).toEqual([
      "CONFLUENCE_EMAIL: required for the Confluence exporter (the Atlassian account's email address)",
      "CONFLUENCE_SPACE_KEY: required for the Confluence exporter (the key of the space for postmortems, like ENG)",
    ]);
    expect(problems({ CONFLUENCE_EMAIL: "bot@example.com", CONFLUENCE_API_TOKEN: "hunter2", CONFLUENCE_BASE_URL: "not a url", CONFLUENCE_SPACE_KEY: "ENG", CONFLUENCE_PARENT_PAGE_ID: "abc" })).toEqual([
      "CONFLUENCE_BASE_URL: expected an http(s) URL like https://example.atlassian.net/wiki",
      "CONFLUENCE_PARENT_PAGE_ID: expected a page id (digits), the number in the parent page's URL",
    ]);
    expect(problems({ POSTMORTEM_GIT_REMOTE: "/srv/wiki.git", CONFLUENCE_SPACE_KEY: "ENG" })[0]).toMatch(/^POSTMORTEM_EXPORTER: both POSTMORTEM_GIT_REMOTE and CONFLUENCE_SPACE_KEY are set/);
    expect(problems({ POSTMORTEM_EXPORTER: "git" })).toEqual(["POSTMORTEM_GIT_REMOTE: required for the git exporter (a remote like git@github.com:acme/wiki.git)"]);
  });
});

describe("directory exporter", () => {
  it("writes INC-<n>-<slug>.md and overwrites it on re-export while it is as the bot left it", async () => {
    const cwd = await temp("dir");
    const exporter = exporterFromEnv({ POSTMORTEM_DIR: "out/pm" }, { cwd });
    const first = await exporter.export(doc("# first\n"), null);
    expect(first).toEqual({ url: null, location: join(cwd, "out/pm/INC-12-checkout-failing.md"), outcome: "created", hash: sha256("# first\n") });
    expect(await readFile(first.location, "utf8")).toBe("# first\n");
    const second = await exporter.export(doc("# second\n"), first);
    expect(second).toEqual({ url: null, location: first.location, outcome: "updated", hash: sha256("# second\n") });
    expect(await readFile(first.location, "utf8")).toBe("# second\n");
    expect(await readdir(join(cwd, "out/pm"))).toEqual(["INC-12-checkout-failing.md"]);
  });

  it("a file people edited is kept; the draft goes to <name>.regenerated.md beside it, again on every export", async () => {
    const dir = await temp("dir-edit");
    const exporter = createDirectoryExporter({ dir });
    const first = await exporter.export(doc("# first\n"), null);
    await writeFile(first.location, "# first\n\nOur analysis, written by hand.\n");
    const second = await exporter.export(doc("# second\n"), first);
    const regenerated = join(dir, "INC-12-checkout-failing.regenerated.md");
    expect(second).toEqual({ url: null, location: first.location, outcome: "kept-edits", regenerated: { url: null, location: regenerated }, hash: first.hash });
    expect(await readFile(first.location, "utf8")).toBe("# first\n\nOur analysis, written by hand.\n");
    expect(await readFile(regenerated, "utf8")).toBe("# second\n");
    // The bot's last version stays the one before the edits: the next export keeps them too.
    const third = await exporter.export(doc("# third\n"), second);
    expect(third.outcome).toBe("kept-edits");
    expect(await readFile(first.location, "utf8")).toContain("written by hand");
    expect(await readFile(regenerated, "utf8")).toBe("# third\n");
    expect((await readdir(dir)).sort()).toEqual(["INC-12-checkout-failing.md", "INC-12-checkout-failing.regenerated.md"]);
  });

  it("a document exported before the bot kept its version: kept when it differs, updated when it already says the same", async () => {
    const dir = await temp("dir-legacy");
    const exporter = createDirectoryExporter({ dir });
    await writeFile(join(dir, "INC-12-checkout-failing.md"), "# an older draft, maybe edited\n");
    const kept = await exporter.export(doc("# new draft\n"), null);
    expect(kept).toMatchObject({ outcome: "kept-edits", regenerated: { location: join(dir, "INC-12-checkout-failing.regenerated.md") } });
    expect(kept.hash).toBeUndefined();
    expect(await readFile(join(dir, "INC-12-checkout-failing.md"), "utf8")).toBe("# an older draft, maybe edited\n");

    await writeFile(join(dir, "INC-12-checkout-failing.md"), "# new draft\n");
    const updated = await exporter.export(doc("# new draft\n"), { hash: null, version: null });
    expect(updated).toMatchObject({ outcome: "updated", hash: sha256("# new draft\n") });
  });

  it("a renamed incident replaces its earlier file, and leaves other incidents alone", async () => {
    const dir = await temp("dir2");
    await writeFile(join(dir, "INC-1-other.md"), "other");
    await writeFile(join(dir, "INC-120-other.md"), "other");
    const exporter = createDirectoryExporter({ dir });
    const first = await exporter.export(doc("v1"), null);
    const second = await exporter.export(doc("v2", "Checkout and payments failing"), first);
    expect(second.outcome).toBe("updated");
    expect((await readdir(dir)).sort()).toEqual(["INC-1-other.md", "INC-12-checkout-and-payments-failing.md", "INC-120-other.md"]);
  });

  it("a renamed incident whose earlier file people edited: that file is kept and the draft goes beside it", async () => {
    const dir = await temp("dir-rename-edit");
    const exporter = createDirectoryExporter({ dir });
    const first = await exporter.export(doc("v1"), null);
    await writeFile(first.location, "v1 with our notes");
    const second = await exporter.export(doc("v2", "Checkout and payments failing"), first);
    expect(second).toMatchObject({ outcome: "kept-edits", location: first.location, regenerated: { location: join(dir, "INC-12-checkout-failing.regenerated.md") } });
    expect((await readdir(dir)).sort()).toEqual(["INC-12-checkout-failing.md", "INC-12-checkout-failing.regenerated.md"]);
  });

  it("check: the folder is writable (a test file is made and removed), or will be created in one that is", async () => {
    const dir = await temp("dircheck");
    expect(await createDirectoryExporter({ dir }).check!()).toBe(`${dir} is writable`);
    expect(await readdir(dir)).toEqual([]);
    expect(await checkWritableFolder(join(dir, "a", "b"))).toBe(`${join(dir, "a", "b")} does not exist yet; it will be created in ${dir}, which is writable`);
    expect(existsSync(join(dir, "a"))).toBe(false);
    await writeFile(join(dir, "file"), "x");
    const err = await checkWritableFolder(join(dir, "file", "sub")).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExportError);
    expect((err as Error).message).toBe(`${join(dir, "file")} is not a folder, so ${join(dir, "file", "sub")} cannot be created`);
  });

  it("a directory it cannot write is an error that says where", async () => {
    const dir = await temp("dir3");
    await writeFile(join(dir, "file"), "x");
    const err = await createDirectoryExporter({ dir: join(dir, "file", "sub") }).export(doc("x"), null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExportError);
    expect((err as Error).message).toContain(join(dir, "file", "sub", "INC-12-checkout-failing.md"));
    expect((err as ExportError).retryable).toBe(false);
  });
});

// ---------------------------------------------------------------------------------------------

const gitEnv = { ...process.env, GIT_TERMINAL_PROMPT: "0", GIT_AUTHOR_NAME: "Someone Else", GIT_AUTHOR_EMAIL: "else@example.com", GIT_COMMITTER_NAME: "Someone Else", GIT_COMMITTER_EMAIL: "else@example.com" };
const git = (cwd: string, ...args: string[]): string => execFileSync("git", ["-c", "commit.gpgsign=false", ...args], { cwd, env: gitEnv, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();

async function bareRemote(): Promise<string> {
  const dir = await temp("remote");
  git(dir, "init", "--quiet", "--bare", "--initial-branch=trunk", dir);
  return dir;
}

/** Someone else's commit on the remote's branch: writes files and pushes. */
async function pushFromElsewhere(remote: string, branch: string, files: Record<string, string>, message: string): Promise<void> {
  const work = await temp("other");
  git(work, "clone", "--quiet", remote, work);
  const exists = git(work, "ls-remote", "--heads", "origin", branch) !== "";
  if (exists) git(work, "checkout", "--quiet", "-B", branch, `origin/${branch}`);
  else git(work, "checkout", "--quiet", "--orphan", branch);
  for (const [path, text] of Object.entries(files)) {
    await execFileSync("mkdir", ["-p", join(work, path, "..")]);
    await writeFile(join(work, path), text);
  }
  git(work, "add", "--all");
  git(work, "commit", "--quiet", "-m", message);
  git(work, "push", "--quiet", "origin", `HEAD:refs/heads/${branch}`);
}

const log = (remote: string, branch: string): string[] => git(remote, "log", "--format=%an <%ae>|%s", branch).split("\n");
const show = (remote: string, branch: string, path: string): string => git(remote, "show", `${branch}:${path}`);

describe("git exporter (a real local bare repository as the remote)", () => {
  let remote: string;
  let cacheDir: string;
  beforeEach(async () => {
    remote = await bareRemote();
    cacheDir = join(await temp("cache"), "work");
  });

  it("first export to an empty remote: one commit with the author and message; re-export: a second commit; unchanged: none", async () => {
    const exporter = exporterFromEnv(
      { POSTMORTEM_GIT_REMOTE: remote, POSTMORTEM_GIT_AUTHOR: "Ops Bot <ops@example.com>", POSTMORTEM_GIT_URL: "https://git.example.com/wiki/blob/main/" },
      { cacheDir },
    );
    const first = await exporter.export(doc("# INC-12 draft\n"), null);
    expect(first).toEqual({
      url: "https://git.example.com/wiki/blob/main/postmortems/INC-12-checkout-failing.md",
      location: `${remote} (branch main): postmortems/INC-12-checkout-failing.md`,
      outcome: "created",
      hash: sha256("# INC-12 draft\n"),
    });
    expect(log(remote, "main")).toEqual(["Ops Bot <ops@example.com>|Postmortem draft for INC-12: Checkout failing"]);
    expect(git(remote, "log", "-1", "--format=%cn <%ce>", "main")).toBe("Ops Bot <ops@example.com>");
    expect(show(remote, "main", "postmortems/INC-12-checkout-failing.md")).toBe("# INC-12 draft");

    const second = await exporter.export(doc("# INC-12 draft\n\nwith more\n"), first);
    expect(second).toMatchObject({ outcome: "updated", hash: sha256("# INC-12 draft\n\nwith more\n") });
    expect(log(remote, "main")).toEqual(["Ops Bot <ops@example.com>|Update postmortem for INC-12: Checkout failing", "Ops Bot <ops@example.com>|Postmortem draft for INC-12: Checkout failing"]);
    expect(git(remote, "ls-tree", "-r", "--name-only", "main")).toBe("postmortems/INC-12-checkout-failing.md");
    expect(show(remote, "main", "postmortems/INC-12-checkout-failing.md")).toBe("# INC-12 draft\n\nwith more");

    const head = git(remote, "rev-parse", "main");
    const third = await exporter.export(doc("# INC-12 draft\n\nwith more\n"), second);
    expect(git(remote, "rev-parse", "main")).toBe(head);
    expect(third).toMatchObject({ outcome: "updated", hash: second.hash });
  });

  it("keeps the remote's other files, uses the configured branch and folder, and starts a new branch when needed", async () => {
    await pushFromElsewhere(remote, "trunk", { "README.md": "wiki\n" }, "Start the wiki");
    const exporter = createGitExporter({ remote, branch: "trunk", dir: "docs/pm", cacheDir, urlBase: "https://wiki.example.com/{name}" });
    const out = await exporter.export(doc("hello\n"), null);
    expect(out.url).toBe("https://wiki.example.com/INC-12-checkout-failing");
    expect(git(remote, "ls-tree", "-r", "--name-only", "trunk").split("\n").sort()).toEqual(["README.md", "docs/pm/INC-12-checkout-failing.md"]);
    expect(log(remote, "trunk")[0]).toBe("incident-bot <incident-bot@localhost>|Postmortem draft for INC-12: Checkout failing");

    // A branch the remote does not have yet: starts empty, the other branch is untouched.
    const other = createGitExporter({ remote, branch: "postmortems", cacheDir: join(cacheDir, "..", "work2") });
    await other.export(doc("on its own branch\n"), null);
    expect(git(remote, "ls-tree", "-r", "--name-only", "postmortems")).toBe("postmortems/INC-12-checkout-failing.md");
    expect(log(remote, "trunk")).toHaveLength(2);
  });

  it("a commit pushed by someone else since the last export is kept (fetch + reset of the cached copy)", async () => {
    const exporter = createGitExporter({ remote, cacheDir });
    const first = await exporter.export(doc("v1\n"), null);
    await pushFromElsewhere(remote, "main", { "postmortems/INC-13-other.md": "other\n" }, "Someone else's postmortem");
    // Leftovers in the cached working copy do not end up in the commit.
    await writeFile(join(cacheDir, "stray.txt"), "stray");
    await exporter.export(doc("v2\n"), first);
    expect(log(remote, "main").map((l) => l.split("|")[1])).toEqual(["Update postmortem for INC-12: Checkout failing", "Someone else's postmortem", "Postmortem draft for INC-12: Checkout failing"]);
    expect(git(remote, "ls-tree", "-r", "--name-only", "main").split("\n").sort()).toEqual(["postmortems/INC-12-checkout-failing.md", "postmortems/INC-13-other.md"]);
  });

  it("a push rejected because the remote moved on is retried on top of it", async () => {
    await pushFromElsewhere(remote, "main", { "README.md": "wiki\n" }, "Start the wiki");
    let raced = 0;
    const exporter = createGitExporter({
      remote,
      cacheDir,
      beforePush: async () => {
        if (raced++ === 0) await pushFromElsewhere(remote, "main", { "postmortems/INC-13-other.md": "other\n" }, "Concurrent commit");
      },
    });
    const out = await exporter.export(doc("ours\n"), null);
    expect(raced).toBe(2); // the first push was rejected, the second went through
    expect(log(remote, "main").map((l) => l.split("|")[1])).toEqual(["Postmortem draft for INC-12: Checkout failing", "Concurrent commit", "Start the wiki"]);
    // Linear history: our commit sits on top of the concurrent one.
    expect(git(remote, "rev-list", "--merges", "--count", "main")).toBe("0");
    expect(show(remote, "main", "postmortems/INC-12-checkout-failing.md")).toBe("ours");
    expect(show(remote, "main", "postmortems/INC-13-other.md")).toBe("other");
    expect(out.outcome).toBe("created");
  });

  it("a page people edited (pushed from another clone) is kept; the regenerated draft is committed and pushed beside it", async () => {
    const exporter = createGitExporter({ remote, cacheDir, urlBase: "https://wiki.example.com/{path}" });
    const first = await exporter.export(doc("v1\n"), null);
    await pushFromElsewhere(remote, "main", { "postmortems/INC-12-checkout-failing.md": "v1\n\nOur analysis, by hand.\n" }, "Hand edit");
    const second = await exporter.export(doc("v2 from the bot\n"), first);
    expect(second).toEqual({
      url: "https://wiki.example.com/postmortems/INC-12-checkout-failing.md",
      location: `${remote} (branch main): postmortems/INC-12-checkout-failing.md`,
      outcome: "kept-edits",
      regenerated: { url: "https://wiki.example.com/postmortems/INC-12-checkout-failing.regenerated.md", location: `${remote} (branch main): postmortems/INC-12-checkout-failing.regenerated.md` },
      hash: first.hash,
    });
    expect(show(remote, "main", "postmortems/INC-12-checkout-failing.md")).toBe("v1\n\nOur analysis, by hand.");
    expect(show(remote, "main", "postmortems/INC-12-checkout-failing.regenerated.md")).toBe("v2 from the bot");
    expect(log(remote, "main")[0]).toBe("incident-bot <incident-bot@localhost>|Regenerated postmortem draft for INC-12: Checkout failing (INC-12-checkout-failing.md has edits and is kept as it is)");
    // Exporting again keeps the edits and rewrites the regenerated draft.
    const third = await exporter.export(doc("v3 from the bot\n"), second);
    expect(third.outcome).toBe("kept-edits");
    expect(show(remote, "main", "postmortems/INC-12-checkout-failing.md")).toBe("v1\n\nOur analysis, by hand.");
    expect(show(remote, "main", "postmortems/INC-12-checkout-failing.regenerated.md")).toBe("v3 from the bot");
  });

  it("a document exported before the bot kept its version, and different from the draft, is kept", async () => {
    await pushFromElsewhere(remote, "main", { "postmortems/INC-12-checkout-failing.md": "an older draft\n" }, "Older export");
    const out = await createGitExporter({ remote, cacheDir }).export(doc("the new draft\n"), null);
    expect(out.outcome).toBe("kept-edits");
    expect(out.hash).toBeUndefined();
    expect(show(remote, "main", "postmortems/INC-12-checkout-failing.md")).toBe("an older draft");
    expect(show(remote, "main", "postmortems/INC-12-checkout-failing.regenerated.md")).toBe("the new draft");
  });

  it("an edit pushed while the bot exports (its push rejected): the edit is kept and the draft goes beside it", async () => {
    const exporter = createGitExporter({ remote, cacheDir });
    const first = await exporter.export(doc("v1\n"), null);
    let raced = 0;
    const racing = createGitExporter({
      remote,
      cacheDir,
      beforePush: async () => {
        if (raced++ === 0) await pushFromElsewhere(remote, "main", { "postmortems/INC-12-checkout-failing.md": "edited by hand\n" }, "Hand edit");
      },
    });
    const out = await racing.export(doc("v2 from the bot\n"), first);
    expect(raced).toBe(2);
    expect(out.outcome).toBe("kept-edits");
    expect(show(remote, "main", "postmortems/INC-12-checkout-failing.md")).toBe("edited by hand");
    expect(show(remote, "main", "postmortems/INC-12-checkout-failing.regenerated.md")).toBe("v2 from the bot");
    expect(log(remote, "main").map((l) => l.split("|")[1])).toEqual([
      "Regenerated postmortem draft for INC-12: Checkout failing (INC-12-checkout-failing.md has edits and is kept as it is)",
      "Hand edit",
      "Postmortem draft for INC-12: Checkout failing",
    ]);
    expect(existsSync(join(cacheDir, ".git", "rebase-merge"))).toBe(false);
  });

  it("exports running at the same time in one process are serialized", async () => {
    const exporter = createGitExporter({ remote, cacheDir });
    await Promise.all([1, 2, 3].map((n) => exporter.export({ incidentNumber: n, slug: `incident-${n}`, title: `Incident ${n}`, markdown: `# ${n}\n`, generatedAt: new Date("2026-03-01T10:00:00Z") }, null)));
    expect(git(remote, "ls-tree", "-r", "--name-only", "main").split("\n").sort()).toEqual(["postmortems/INC-1-incident-1.md", "postmortems/INC-2-incident-2.md", "postmortems/INC-3-incident-3.md"]);
    expect(log(remote, "main")).toHaveLength(3);
  });

  it("check: the remote answers and accepts a push (a dry run: no ref is created, nothing cached)", async () => {
    const exporter = createGitExporter({ remote, branch: "trunk", cacheDir });
    expect(await exporter.check!()).toBe(`${remote} answers; branch trunk does not exist yet (the first export creates it); a push is accepted (dry run)`);
    expect(git(remote, "for-each-ref")).toBe("");
    await pushFromElsewhere(remote, "trunk", { "README.md": "wiki" }, "Start the wiki");
    expect(await exporter.check!()).toBe(`${remote} answers; branch trunk exists; a push is accepted (dry run)`);
    expect(git(remote, "for-each-ref", "--format=%(refname)")).toBe("refs/heads/trunk");
    expect(existsSync(cacheDir)).toBe(false);
  });

  it("check: a remote that is not there, or not reachable, is an ExportError that hides credentials", async () => {
    const missing = await createGitExporter({ remote: join(remote, "nope.git"), cacheDir }).check!().catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(ExportError);
    expect((missing as Error).message).toMatch(/^git ls-remote failed for .*nope\.git \(exit 128\): .*does not appear to be a git repository/s);
    const down = await createGitExporter({ remote: "https://bot:hunter2@127.0.0.1:1/wiki.git", cacheDir, timeoutMs: 20_000 }).check!().catch((e: unknown) => e);
    expect(down).toBeInstanceOf(ExportError);
    expect((down as Error).message).toContain("https://***@127.0.0.1:1/wiki.git");
    expect((down as Error).message).not.toContain("hunter2");
  });

  it("an unreachable remote is an ExportError that hides credentials", async () => {
    const exporter = createGitExporter({ remote: "https://bot:hunter2@127.0.0.1:1/wiki.git", cacheDir, timeoutMs: 20_000 });
    const err = await exporter.export(doc("x"), null).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ExportError);
    expect((err as Error).message).toContain("https://***@127.0.0.1:1/wiki.git");
    expect((err as Error).message).not.toContain("hunter2");
    expect((err as ExportError).retryable).toBe(true);
  });
});

// ---------------------------------------------------------------------------------------------

interface Page {
  id: string;
  title: string;
  space: string;
  ancestors: { id: string }[];
  version: number;
  body: string;
}

/** A stand-in for Confluence Cloud's REST API v1 content endpoints. */
class FakeConfluence {
  server!: Server;
  base = "";
  pages = new Map<string, Page>();
  requests: { method: string; url: string; body: unknown }[] = [];
  failNext: { status: number; body: string } | null = null;
  private nextId = 1001;

  async start(): Promise<void> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server.listen(0, "127.0.0.1", r));
    this.base = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/wiki`;
  }

  stop(): Promise<void> {
    return new Promise((r) => this.server.close(() => r()));
  }

  /** Forgets every page and request: each test starts from an empty space (page ids from 1001). */
  reset(): void {
    this.pages.clear();
    this.requests = [];
    this.failNext = null;
    this.nextId = 1001;
  }

  private send(res: ServerResponse, status: number, body: unknown): void {
    res.writeHead(status, { "Content-Type": "application/json" });
    res.end(typeof body === "string" ? body : JSON.stringify(body));
  }

  private view(p: Page) {
    return { id: p.id, type: "page", title: p.title, version: { number: p.version }, _links: { base: this.base, webui: `/spaces/${p.space}/pages/${p.id}` } };
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString("utf8");
    const body = raw ? JSON.parse(raw) : undefined;
    const url = new URL(req.url ?? "/", "http://x");
    this.requests.push({ method: req.method ?? "", url: url.pathname + url.search, body });
    if (req.headers.authorization !== `Basic ${Buffer.from("bot@example.com:s3cret-token").toString("base64")}`) {
      return this.send(res, 401, { statusCode: 401, message: "Client must be authenticated to access this resource." });
    }
    if (this.failNext) {
      const f = this.failNext;
      this.failNext = null;
      return this.send(res, f.status, f.body);
    }
    const space = /^\/wiki\/rest\/api\/space\/([^/]+)$/.exec(url.pathname);
    if (req.method === "GET" && space) {
      if (decodeURIComponent(space[1]) !== "ENG") return this.send(res, 404, { statusCode: 404, message: `No space with key : ${decodeURIComponent(space[1])}` });
      return this.send(res, 200, { id: 42, key: "ENG", name: "Engineering", type: "global", _links: { webui: "/spaces/ENG" } });
    }
    if (req.method === "GET" && url.pathname === "/wiki/rest/api/content") {
      const found = [...this.pages.values()].filter((p) => p.space === url.searchParams.get("spaceKey") && p.title === url.searchParams.get("title"));
      return this.send(res, 200, { results: found.map((p) => this.view(p)), size: found.length });
    }
    if (req.method === "POST" && url.pathname === "/wiki/rest/api/content") {
      if (req.headers["content-type"] !== "application/json") return this.send(res, 415, { message: "Unsupported Media Type" });
      if (body.type !== "page" || body.body?.storage?.representation !== "storage" || typeof body.body.storage.value !== "string") {
        return this.send(res, 400, { statusCode: 400, message: "Bad body" });
      }
      if ([...this.pages.values()].some((p) => p.title === body.title && p.space === body.space?.key)) {
        return this.send(res, 400, { statusCode: 400, message: `A page with this title already exists: A page already exists with the title ${body.title} in this space` });
      }
      const page: Page = { id: String(this.nextId++), title: body.title, space: body.space.key, ancestors: body.ancestors ?? [], version: 1, body: body.body.storage.value };
      this.pages.set(page.id, page);
      return this.send(res, 200, this.view(page));
    }
    const put = /^\/wiki\/rest\/api\/content\/(\d+)$/.exec(url.pathname);
    if (req.method === "GET" && put) {
      const page = this.pages.get(put[1]);
      if (!page) return this.send(res, 404, { statusCode: 404, message: "No content found" });
      const expand = url.searchParams.get("expand") ?? "";
      return this.send(res, 200, { ...this.view(page), ...(expand.split(",").includes("body.storage") ? { body: { storage: { value: page.body, representation: "storage" } } } : {}) });
    }
    if (req.method === "PUT" && put) {
      const page = this.pages.get(put[1]);
      if (!page) return this.send(res, 404, { statusCode: 404, message: "No content found" });
      if (body.version?.number !== page.version + 1) return this.send(res, 409, { statusCode: 409, message: "Version must be incremented on update." });
      Object.assign(page, { title: body.title, version: body.version.number, body: body.body.storage.value });
      return this.send(res, 200, this.view(page));
    }
    return this.send(res, 404, { message: "not here" });
  }
}

describe("Confluence exporter (against a local stand-in)", () => {
  const confluence = new FakeConfluence();
  beforeAll(() => confluence.start());
  afterAll(() => confluence.stop());
  afterEach(() => confluence.reset());
  const env = () => ({
    CONFLUENCE_BASE_URL: confluence.base,
    CONFLUENCE_EMAIL: "bot@example.com",
    CONFLUENCE_API_TOKEN: "s3cret-token",
    CONFLUENCE_SPACE_KEY: "ENG",
    CONFLUENCE_PARENT_PAGE_ID: "98765",
  });
  const markdown = "# INC-12: Checkout failing\n\n## Summary\n\nCard payments fail <script>\n\n| Action | Owner |\n| --- | --- |\n| Add a canary | Dave |\n";

  it("creates the page under the parent, then updates the same page to version 2", async () => {
    const exporter = exporterFromEnv(env());
    const first = await exporter.export(doc(markdown), null);
    expect(first).toEqual({ url: `${confluence.base}/spaces/ENG/pages/1001`, location: "Confluence space ENG, page 1001", outcome: "created", version: 1 });

    const [find, create] = confluence.requests;
    expect(find.method).toBe("GET");
    const q = new URL(find.url, "http://x").searchParams;
    expect([q.get("spaceKey"), q.get("title"), q.get("expand")]).toEqual(["ENG", "INC-12: Checkout failing", "version"]);
    expect(create.method).toBe("POST");
    expect(create.body).toEqual({
      type: "page",
      title: "INC-12: Checkout failing",
      space: { key: "ENG" },
      ancestors: [{ id: "98765" }],
      body: {
        storage: {
          value: "<h2>Summary</h2>\n<p>Card payments fail &lt;script&gt;</p>\n<table><tbody><tr><th>Action</th><th>Owner</th></tr><tr><td>Add a canary</td><td>Dave</td></tr></tbody></table>",
          representation: "storage",
        },
      },
    });

    const second = await exporter.export(doc(markdown.replace("Dave", "Erin")), first);
    expect(second).toEqual({ url: `${confluence.base}/spaces/ENG/pages/1001`, location: "Confluence space ENG, page 1001", outcome: "updated", version: 2 });
    const update = confluence.requests[3];
    expect(update.method).toBe("PUT");
    expect(update.url).toBe("/wiki/rest/api/content/1001");
    expect(update.body).toMatchObject({ id: "1001", type: "page", title: "INC-12: Checkout failing", version: { number: 2 } });
    expect(confluence.pages.size).toBe(1);
    expect(confluence.pages.get("1001")!.body).toContain("<td>Erin</td>");
  });

  it("a page people edited (a newer version) is kept; the draft goes to a child page, updated on later exports", async () => {
    const exporter = exporterFromEnv(env());
    const first = await exporter.export(doc(markdown), null);
    Object.assign(confluence.pages.get("1001")!, { version: 2, body: "<p>Our analysis, written in Confluence.</p>" });
    const second = await exporter.export(doc(markdown.replace("Dave", "Erin")), first);
    expect(second).toEqual({
      url: `${confluence.base}/spaces/ENG/pages/1001`,
      location: "Confluence space ENG, page 1001",
      outcome: "kept-edits",
      regenerated: { url: `${confluence.base}/spaces/ENG/pages/1002`, location: "Confluence space ENG, page 1002" },
      version: 1,
    });
    expect(confluence.pages.get("1001")).toMatchObject({ version: 2, body: "<p>Our analysis, written in Confluence.</p>" });
    expect(confluence.pages.get("1002")).toMatchObject({ title: "INC-12: Checkout failing (regenerated 2026-03-01)", ancestors: [{ id: "1001" }], version: 1 });
    expect(confluence.pages.get("1002")!.body).toContain("<td>Erin</td>");
    expect(confluence.requests.some((r) => r.method === "PUT" && r.url.endsWith("/1001"))).toBe(false);

    // Again the same day: the edits are still kept, and the child page gets a new version.
    const third = await exporter.export(doc(markdown.replace("Dave", "Frank")), second);
    expect(third).toMatchObject({ outcome: "kept-edits", regenerated: { location: "Confluence space ENG, page 1002" }, version: 1 });
    expect(confluence.pages.get("1002")).toMatchObject({ version: 2 });
    expect(confluence.pages.get("1002")!.body).toContain("<td>Frank</td>");
    expect(confluence.pages.get("1001")!.version).toBe(2);
    expect(confluence.pages.size).toBe(2);
  });

  it("a page exported before the bot kept its version: kept when it differs, updated when it already says the same", async () => {
    const exporter = exporterFromEnv(env());
    await exporter.export(doc(markdown), null);
    const same = await exporter.export(doc(markdown), null);
    expect(same).toMatchObject({ outcome: "updated", version: 2 });

    const kept = await exporter.export(doc(markdown.replace("Dave", "Erin")), { hash: null, version: null });
    expect(kept).toMatchObject({ outcome: "kept-edits", regenerated: { location: "Confluence space ENG, page 1002" } });
    expect(kept.version).toBeUndefined();
    expect(confluence.pages.get("1001")!.body).toContain("<td>Dave</td>");
  });

  it("a 503 is reported with its status and message, and is retryable", async () => {
    confluence.failNext = { status: 503, body: JSON.stringify({ statusCode: 503, message: "Service temporarily unavailable" }) };
    const err = (await exporterFromEnv(env()).export(doc(markdown), null).catch((e: unknown) => e)) as ExportError;
    expect(err).toBeInstanceOf(ExportError);
    expect(err.message).toContain("503");
    expect(err.message).toContain("Service temporarily unavailable");
    expect(err.status).toBe(503);
    expect(err.retryable).toBe(true);
  });

  it("a 429 is retryable and carries Retry-After; a 400 is not retryable", async () => {
    confluence.failNext = { status: 429, body: "{}" };
    const limited = (await exporterFromEnv(env()).export(doc(markdown), null).catch((e: unknown) => e)) as ExportError;
    expect(limited.retryable).toBe(true);

    confluence.failNext = { status: 400, body: JSON.stringify({ statusCode: 400, message: "Could not parse storage format" }) };
    const err = (await exporterFromEnv(env()).export(doc(markdown), null).catch((e: unknown) => e)) as ExportError;
    expect(err).toBeInstanceOf(ExportError);
    expect(err.message).toBe("Confluence answered 400 Bad Request to GET /rest/api/content: Could not parse storage format");
    expect(err.retryable).toBe(false);
  });

  it("wrong credentials: 401, not retryable, and the token is never in the message", async () => {
    const err = (await exporterFromEnv({ ...env(), CONFLUENCE_API_TOKEN: "wrong-token" }).export(doc(markdown), null).catch((e: unknown) => e)) as ExportError;
    expect(err.status).toBe(401);
    expect(err.retryable).toBe(false);
    expect(err.message).toContain("Client must be authenticated");
    expect(err.message).not.toContain("wrong-token");
  });

  it("a page created meantime with the same draft (another replica) is updated instead", async () => {
    const exporter = createConfluenceExporter({ baseUrl: confluence.base, email: "bot@example.com", apiToken: "s3cret-token", spaceKey: "ENG" });
    // The first lookup finds nothing; before the create arrives, the page appears.
    const realFetch = fetch;
    let calls = 0;
    const racing = createConfluenceExporter({
      baseUrl: confluence.base,
      email: "bot@example.com",
      apiToken: "s3cret-token",
      spaceKey: "ENG",
      fetch: async (input, init) => {
        if (calls++ === 1) await exporter.export(doc(markdown), null);
        return realFetch(input, init);
      },
    });
    const out = await racing.export(doc(markdown), null);
    expect(out).toMatchObject({ outcome: "updated", version: 2 });
    expect(confluence.pages.size).toBe(1);
    // No ancestors without a parent page.
    expect((confluence.requests.find((r) => r.method === "POST")!.body as { ancestors?: unknown }).ancestors).toBeUndefined();
  });

  it("check: the space (and the parent page) are there, else what to fix", async () => {
    const { CONFLUENCE_PARENT_PAGE_ID: _parent, ...withoutParent } = env();
    expect(await exporterFromEnv(withoutParent).check!()).toBe(`space ENG (Engineering) at ${confluence.base} is there`);
    expect(confluence.requests.map((r) => `${r.method} ${r.url}`)).toEqual(["GET /wiki/rest/api/space/ENG"]);

    const noSpace = (await exporterFromEnv({ ...withoutParent, CONFLUENCE_SPACE_KEY: "OPS" }).check!().catch((e: unknown) => e)) as ExportError;
    expect(noSpace).toBeInstanceOf(ExportError);
    expect(noSpace.message).toBe(`Confluence at ${confluence.base} has no space OPS (or the account cannot see it) — check CONFLUENCE_SPACE_KEY`);

    const noParent = (await exporterFromEnv(env()).check!().catch((e: unknown) => e)) as ExportError;
    expect(noParent.message).toBe(`Confluence at ${confluence.base} has no page 98765 (or the account cannot see it) — check CONFLUENCE_PARENT_PAGE_ID`);
    const parent = (await exporterFromEnv(withoutParent).export(doc(markdown), null)).location.replace(/.*page /, "");
    expect(await exporterFromEnv({ ...env(), CONFLUENCE_PARENT_PAGE_ID: parent }).check!()).toBe(`space ENG (Engineering) at ${confluence.base} is there, under the page "INC-12: Checkout failing"`);

    const refused = (await exporterFromEnv({ ...withoutParent, CONFLUENCE_API_TOKEN: "wrong-token" }).check!().catch((e: unknown) => e)) as ExportError;
    expect(refused.status).toBe(401);
    expect(refused.message).toMatch(/check CONFLUENCE_EMAIL and CONFLUENCE_API_TOKEN/);
    expect(refused.message).not.toContain("wrong-token");
  });

  it("a network failure is retryable", async () => {
    const down = createConfluenceExporter({ baseUrl: "http://127.0.0.1:1/wiki", email: "bot@example.com", apiToken: "t", spaceKey: "ENG" });
    const err = (await down.export(doc(markdown), null).catch((e: unknown) => e)) as ExportError;
    expect(err).toBeInstanceOf(ExportError);
    expect(err.message).toContain("Could not reach Confluence at http://127.0.0.1:1/wiki");
    expect(err.retryable).toBe(true);
  });
});

// The local workspace page's files as the server gives them to a browser: the entry module and
// every module it imports (src/local/page/), as JavaScript under the page's security headers, and
// nothing else — no path outside that list, however it is spelled. (The page itself runs in
// test/browser.)
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import http from "node:http";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { memoryLogger } from "../../src/log.ts";
import { PostmortemFolder } from "../../src/local/postmortems.ts";
import { startLocalServer, type LocalServer } from "../../src/local/server.ts";
import { SlackStandIn } from "../../src/standin/index.ts";

const PAGE_DIR = path.resolve(__dirname, "../../src/local/page");

let server: LocalServer;
let dir: string;
beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), "incident-bot-page-"));
  server = await startLocalServer(
    {
      standIn: new SlackStandIn({ token: "xoxb-page-test" }),
      bot: { url: "http://127.0.0.1:9/slack/events", signingSecret: "unused" }, // nothing here reaches the bot
      clock: { now: () => new Date() },
      log: memoryLogger(),
      postmortems: new PostmortemFolder(dir),
      oncall: async () => [],
      health: async () => false,
    },
    0,
  );
});
afterAll(async () => {
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** GET with the path sent as written (fetch would resolve `..` before sending). */
function rawGet(rawPath: string): Promise<{ status: number; type: string | undefined }> {
  return new Promise((resolve, reject) => {
    const req = http.get({ host: "127.0.0.1", port: server.port, path: rawPath }, (res) => {
      res.resume();
      res.on("end", () => resolve({ status: res.statusCode ?? 0, type: res.headers["content-type"] }));
    });
    req.on("error", reject);
  });
}

describe("the local workspace page's modules", () => {
  it("serves the entry module and all it imports as JavaScript with the page's security headers; each module says its job", async () => {
    const seen = new Set<string>();
    const queue = ["/page.js"];
    while (queue.length) {
      const p = queue.shift()!;
      if (seen.has(p)) continue;
      seen.add(p);
      const res = await fetch(new URL(p, server.url));
      expect(res.status, p).toBe(200);
      expect(res.headers.get("content-type"), p).toBe("text/javascript; charset=utf-8");
      expect(res.headers.get("content-security-policy"), p).toContain("script-src 'self'");
      expect(res.headers.get("x-content-type-options"), p).toBe("nosniff");
      const source = await res.text();
      expect(source, `${p} starts with a comment saying its job`).toMatch(/^\/\/ \S/);
      expect(source, `${p} builds its DOM from text nodes`).not.toMatch(/\.(innerHTML|outerHTML)\s*=|insertAdjacentHTML|document\.write/);
      for (const m of source.matchAll(/^import [^;]*? from "(\.[^"]+)";$/gm)) queue.push(new URL(m[1], `http://x${p}`).pathname);
    }
    // every module in the folder is in use, and every one in use is served
    expect([...seen].sort()).toEqual(["/page.js", ...readdirSync(PAGE_DIR).map((n) => `/page/${n}`)].sort());
  });

  it("serves nothing else: other names, other methods, and paths that climb out are not found", async () => {
    for (const p of [
      "/page/../server.ts",
      "/page/%2e%2e/server.ts",
      "/page/..%2fserver.ts",
      "/page/%2e%2e%2fserver.ts",
      "/page%2fclient.js",
      "/page/",
      "/page/client.js/",
      "/page/Client.js",
      "/page/client.ts",
      "/page/nope.js",
      "/server.ts",
      "/page.html",
      "/src/local/page/client.js",
      "//page/client.js",
      "/page//client.js",
    ]) {
      expect((await rawGet(p)).status, p).toBe(404);
    }
    const post = await fetch(new URL("/page/client.js", server.url), { method: "POST", headers: { "content-type": "application/json" }, body: "{}" });
    expect(post.status).toBe(404);
  });
});

// The Confluence Cloud exporter: one page per incident in a space, created or updated through the
// REST API, the Markdown converted to Confluence storage format. A page people edited is kept: the
// draft goes to a child page of it.
import { markdownToStorage } from "../confluence-storage.ts";
import { checkDocument, documentTitle, ExportError, regeneratedTitle, type BotVersion, type ExportedDocument, type PostmortemDocument, type PostmortemExporter } from "./exporter.ts";

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

/** Confluence refuses longer page titles. */
const MAX_TITLE = 255;

interface ConfluencePage {
  id: string;
  title?: string;
  version?: { number?: number };
  body?: { storage?: { value?: string } };
  _links?: { base?: string; webui?: string };
}

/**
 * Creates or updates one Confluence page per incident, found by its title in the space; once
 * people edited it, writes the draft to a child page "INC-<n>: <title> (regenerated <date>)".
 */
export function createConfluenceExporter(opts: ConfluenceExporterOptions): PostmortemExporter {
  const base = opts.baseUrl.replace(/\/+$/, "");
  const doFetch = opts.fetch ?? fetch;
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const auth = `Basic ${Buffer.from(`${opts.email}:${opts.apiToken}`).toString("base64")}`;

  async function call<T>(method: "GET" | "POST" | "PUT", path: string, body?: unknown, callTimeoutMs = timeoutMs): Promise<T> {
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
        signal: AbortSignal.timeout(callTimeoutMs),
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

  /** The page's text in storage format, as Confluence keeps it. */
  async function storedBody(page: ConfluencePage): Promise<string | null> {
    const read = await call<ConfluencePage>("GET", `/rest/api/content/${encodeURIComponent(page.id)}?expand=body.storage`);
    return read.body?.storage?.value ?? null;
  }

  const storage = (markdown: string) => ({ storage: { value: markdownToStorage(markdown, { omitTitle: true }), representation: "storage" } });

  async function create(title: string, markdown: string, parentId: string | null): Promise<ConfluencePage> {
    return call<ConfluencePage>("POST", "/rest/api/content", {
      type: "page",
      title,
      space: { key: opts.spaceKey },
      ...(parentId ? { ancestors: [{ id: parentId }] } : {}),
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

  /**
   * The page is the bot's own when its version is the one the bot's last export produced, or when
   * it already says what the bot would write. Anything else is people's edits (also when the bot's
   * last version is unknown: pages exported before it was kept are never overwritten otherwise).
   */
  async function unchangedSinceBot(page: ConfluencePage, markdown: string, last: BotVersion | null): Promise<boolean> {
    if (last?.version && page.version?.number === last.version) return true;
    return (await storedBody(page)) === storage(markdown).storage.value;
  }

  const link = (page: ConfluencePage) => {
    const links = page._links ?? {};
    return {
      url: links.webui ? `${(links.base ?? base).replace(/\/+$/, "")}${links.webui}` : null,
      location: `Confluence space ${opts.spaceKey}, page ${page.id}`,
    };
  };

  const written = (page: ConfluencePage, outcome: "created" | "updated"): ExportedDocument => ({
    ...link(page),
    outcome,
    ...(page.version?.number ? { version: page.version.number } : {}),
  });

  async function exportOnce(doc: PostmortemDocument, last: BotVersion | null): Promise<ExportedDocument> {
    const title = documentTitle(doc).slice(0, MAX_TITLE);
    const existing = await find(title);
    if (!existing) return written(await create(title, doc.markdown, opts.parentPageId ?? null), "created");
    if (await unchangedSinceBot(existing, doc.markdown, last)) return written(await update(existing, title, doc.markdown), "updated");
    // People edited the page: the draft goes to a child page of it (the same one all day).
    const childTitle = regeneratedTitle(doc, MAX_TITLE);
    const child = await find(childTitle);
    const regenerated = child ? await update(child, childTitle, doc.markdown) : await create(childTitle, doc.markdown, existing.id);
    return { ...link(existing), outcome: "kept-edits", regenerated: link(regenerated), ...(last?.version ? { version: last.version } : {}) };
  }

  /** The space is there and the account sees it (and the parent page, when one is configured). */
  async function check(o: { timeoutMs?: number } = {}): Promise<string> {
    const t = Math.min(o.timeoutMs ?? timeoutMs, timeoutMs);
    const explain = (err: unknown, what: string, fix: string): never => {
      if (err instanceof ExportError && (err.status === 401 || err.status === 403)) {
        throw new ExportError(`${err.message} — check CONFLUENCE_EMAIL and CONFLUENCE_API_TOKEN (the account must be allowed to see and add pages in space ${opts.spaceKey})`, { retryable: false, status: err.status });
      }
      if (err instanceof ExportError && err.status === 404) throw new ExportError(`${what} (or the account cannot see it) — ${fix}`, { retryable: false, status: 404 });
      throw err;
    };
    let space: { key?: string; name?: string };
    try {
      space = await call<{ key?: string; name?: string }>("GET", `/rest/api/space/${encodeURIComponent(opts.spaceKey)}`, undefined, t);
    } catch (err) {
      return explain(err, `Confluence at ${base} has no space ${opts.spaceKey}`, "check CONFLUENCE_SPACE_KEY");
    }
    let parent = "";
    if (opts.parentPageId) {
      try {
        const page = await call<ConfluencePage>("GET", `/rest/api/content/${encodeURIComponent(opts.parentPageId)}`, undefined, t);
        parent = `, under the page "${page.title ?? opts.parentPageId}"`;
      } catch (err) {
        return explain(err, `Confluence at ${base} has no page ${opts.parentPageId}`, "check CONFLUENCE_PARENT_PAGE_ID");
      }
    }
    return `space ${opts.spaceKey}${space.name ? ` (${space.name})` : ""} at ${base} is there${parent}`;
  }

  return {
    name: "confluence",
    check,
    async export(doc, last) {
      checkDocument(doc);
      for (let attempt = 1; ; attempt++) {
        try {
          return await exportOnce(doc, last);
        } catch (err) {
          // Someone created the page or saved a version meanwhile: look again (and decide again),
          // once or twice.
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

// The Confluence Cloud exporter: one page per incident in a space, created or updated through the
// REST API, the Markdown converted to Confluence storage format.
import { markdownToStorage } from "../confluence-storage.ts";
import { checkDocument, documentTitle, ExportError, type ExportedDocument, type PostmortemExporter } from "./exporter.ts";

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

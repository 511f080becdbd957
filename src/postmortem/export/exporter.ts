// What every postmortem exporter shares: the interface, the document it is given and the answer it
// gives, the errors, and the names (slug, file name, title) all exporters derive from a document.

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
export const isFileOf = (incidentNumber: number, name: string): boolean => new RegExp(`^INC-${incidentNumber}(?:-[a-z0-9-]*)?\\.md$`).test(name);

/** `INC-12: Checkout failing`, whether or not the title already starts with the reference. */
export function documentTitle(doc: Pick<PostmortemDocument, "incidentNumber" | "title">): string {
  const ref = `INC-${doc.incidentNumber}`;
  const title = doc.title.replace(/\s+/g, " ").trim();
  const rest = title.replace(new RegExp(`^${ref}\\b\\s*[:\\-–—]?\\s*`, "i"), "");
  return rest ? `${ref}: ${rest}` : ref;
}

/** Refuses a document no exporter can write (no positive incident number, no Markdown). */
export function checkDocument(doc: PostmortemDocument): void {
  if (!Number.isSafeInteger(doc.incidentNumber) || doc.incidentNumber <= 0) {
    throw new ExportError(`A postmortem needs a positive incident number, not ${String(doc.incidentNumber)}.`, { retryable: false });
  }
  if (typeof doc.markdown !== "string") throw new ExportError("A postmortem needs its Markdown text.", { retryable: false });
}

/** Hides `user:password@` in URLs. */
export const redactCredentials = (text: string): string => text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi, "$1***@");

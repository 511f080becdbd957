// What every postmortem exporter shares: the interface, the document it is given and the answer it
// gives, the errors, and the names (slug, file name, title) all exporters derive from a document.
import { scrubSecrets } from "../../log.ts";

/**
 * What came of an export: the document was `created`, `updated` (it was unchanged since the bot's
 * last version, or already what the bot would write), or people had edited it and it was left as
 * it is (`kept-edits`), the regenerated draft written next to it instead.
 * (The timeline's `postmortem_exported` event records the same words.)
 */
export type ExportOutcome = "created" | "updated" | "kept-edits";

/**
 * The bot's last version of a document, as its exporter reported it in ExportedDocument: the
 * SHA-256 of the text it wrote (directory, git), or the page version its write produced
 * (Confluence). Unknown (null, or the field missing): documents exported before the bot kept it.
 */
export interface BotVersion {
  hash?: string | null;
  version?: number | null;
}

export interface ExportedDocument {
  /** Where a person reads the document, when there is such a link. */
  url: string | null;
  /** Where it was written, for logs and replies (a path, or remote + branch + path, or page id). */
  location: string;
  outcome: ExportOutcome;
  /** kept-edits: where the regenerated draft was written, next to the document people edited. */
  regenerated?: { url: string | null; location: string };
  /**
   * The bot's last version of the document after this export, to give back to the next one (see
   * BotVersion). After kept-edits it is still the version the bot wrote before the people's edits.
   */
  hash?: string;
  version?: number;
}

export interface PostmortemDocument {
  incidentNumber: number;
  /** File-name friendly title; sanitized again here (postmortemSlug). */
  slug: string;
  /** The incident's title (a leading `INC-<n>: ` is tolerated). */
  title: string;
  markdown: string;
  /** When the draft was written (it dates a regenerated draft's page title). */
  generatedAt: Date;
}

export interface PostmortemExporter {
  name: string;
  /**
   * Creates the document, or updates it when it is unchanged since `last` (the bot's last version
   * of it); a document people edited is left alone and the draft written next to it.
   */
  export(doc: PostmortemDocument, last: BotVersion | null): Promise<ExportedDocument>;
  /**
   * Proves, without writing a document, that exports can work (`incident-bot doctor`): the folder
   * is writable, the git remote answers and accepts a push (a dry run), the Confluence space is
   * there. Resolves with what was proven; throws an ExportError saying what is wrong. `timeoutMs`
   * bounds each call it makes.
   */
  check?(opts?: { timeoutMs?: number }): Promise<string>;
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

/** Files of earlier exports of the same incident (maybe under an older title); never a regenerated draft. */
export const isFileOf = (incidentNumber: number, name: string): boolean => new RegExp(`^INC-${incidentNumber}(?:-[a-z0-9-]*)?\\.md$`).test(name);

/** `INC-12-checkout-failing.regenerated.md`: where the draft goes when people edited `INC-12-checkout-failing.md`. */
export const regeneratedFileName = (name: string): string => name.replace(/\.md$/, "") + ".regenerated.md";

/** `INC-12: Checkout failing (regenerated 2026-03-01)`: the page a regenerated draft goes to, under the edited one. */
export function regeneratedTitle(doc: Pick<PostmortemDocument, "incidentNumber" | "title" | "generatedAt">, maxLength: number): string {
  const suffix = ` (regenerated ${doc.generatedAt.toISOString().slice(0, 10)})`;
  return `${documentTitle(doc).slice(0, maxLength - suffix.length)}${suffix}`;
}

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

/** Hides `user:password@` in URLs (the user too), and tokens as the log hides them (src/log.ts). */
export const redactCredentials = (text: string): string => scrubSecrets(text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/\s@]+@/gi, "$1***@"));

// The local workspace in a real headless browser: Debian's chromium driven by playwright-core
// (no browser download: CHROMIUM_PATH or /usr/bin/chromium). A person declares an incident from
// the message box, works its card, declares another from the modal, and the on-call person
// acknowledges the page in their direct messages. A screenshot is saved for the README.
import { copyFileSync, existsSync, mkdirSync } from "node:fs";
import path from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { onCallAt } from "../../src/oncall/schedule.ts";
import { loadSchedule } from "../../src/oncall/store.ts";
import { ALICE, BOB, ERIN, runningClockFrom, startLocal, type LocalHarness } from "./helpers.ts";

const ROOT = path.resolve(__dirname, "../..");
const CHROMIUM = process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
const haveChromium = existsSync(CHROMIUM);
const WHY = `${CHROMIUM} does not exist: install Debian's chromium to run the browser tests (apt-get install chromium), or set CHROMIUM_PATH`;

if (!haveChromium && process.env.CI) {
  // CI must run them: a missing browser is a broken CI image, not a reason to skip.
  describe("local workspace in a browser", () => {
    it("needs chromium", () => {
      throw new Error(WHY);
    });
  });
} else if (!haveChromium) {
  console.warn(`Skipping the browser tests: ${WHY}.`);
}

// Tuesday 2026-01-06 18:30 in New York: in the sample rota Alice has the weekly primary shift and
// the business-hours cover is over, so a page through `checkout` goes to her. The clock then runs
// at real speed, like the real clock local mode normally uses.
const START = "2026-01-06T23:30:00Z";

describe.skipIf(!haveChromium)("local workspace in a browser", () => {
  let h: LocalHarness;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    mkdirSync(path.join(ROOT, "test-results"), { recursive: true });
    h = await startLocal({ clock: runningClockFrom(START) });
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    });
    page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    page.setDefaultTimeout(15_000);
    page.on("pageerror", (err) => pageErrors.push(String(err)));
    page.on("console", (msg) => {
      if (msg.type() === "error") pageErrors.push(`${msg.text()} (${msg.location().url})`);
    });
  });

  afterAll(async () => {
    await browser?.close();
    await h?.stop();
  });

  const box = () => page.getByTestId("message-box");
  const type = async (text: string) => {
    await box().fill(text);
    await box().press("Enter");
  };
  const channel = (name: string) => page.locator(`#channel-list [data-channel-name="${name}"]`);
  const messages = () => page.getByTestId("messages");
  /** The message whose Block Kit header says this. */
  const withHeader = (header: string) => messages().locator("li.message", { has: page.locator("h3.block-header", { hasText: header }) });

  it("declare, work the card, declare from the modal, acknowledge the page", { timeout: 120_000 }, async () => {
    const schedule = await loadSchedule(h.t.db, "platform-primary");
    expect(onCallAt(schedule!, new Date(START))).toEqual([ALICE]);

    await page.goto(h.local.url);
    await page.getByTestId("user-picker").selectOption(ERIN);
    await channel("general").click();
    await page.getByTestId("oncall").getByText("Alice Ng").first().waitFor();

    // Declare from the message box: the channel appears in the list, with the card in it, pinned.
    await type("/incident declare Checkout is down sev1 service:checkout");
    await channel("inc-1-checkout-is-down").click();
    const card = withHeader("INC-1: Checkout is down");
    await card.waitFor();
    await card.locator(".field", { hasText: "Severity" }).filter({ hasText: "SEV1" }).waitFor();
    await card.locator(".mention", { hasText: "@Erin Silva" }).first().waitFor(); // <@U…> shown as the name
    await page.getByTestId("pins").getByTestId("pinned-item").filter({ hasText: "INC-1: Checkout is down" }).waitFor();
    const ts = await card.getAttribute("data-ts");

    // A status button: the same card (same ts) changes in place.
    await card.locator('[data-action-id="incident_status:identified"]').click();
    const sameCard = messages().locator(`li.message[data-ts="${ts}"]`);
    await sameCard.locator(".field", { hasText: "Status" }).filter({ hasText: "Identified" }).waitFor();
    await sameCard.locator('[data-action-id="incident_status:identified"]').waitFor({ state: "detached" });
    await sameCard.locator(".edited").waitFor();
    expect(await messages().locator(`li.message[data-ts="${ts}"]`).count()).toBe(1);

    // The modal: required fields are checked, then the bot declares the second incident.
    await channel("general").click();
    await type("/incident");
    const modal = page.getByTestId("modal");
    await modal.waitFor();
    expect(await modal.locator("h2").textContent()).toBe("Declare an incident");
    await modal.getByTestId("modal-submit").click();
    await modal.locator('[data-error-for="title"]', { hasText: "required" }).waitFor();
    await modal.locator('[data-block-id="title"] input').fill("Search is slow");
    await modal.locator('[data-error-for="title"]').waitFor({ state: "hidden" });
    await modal.locator('[data-block-id="severity"] select').selectOption("SEV2");
    await modal.locator('[data-block-id="description"] textarea').fill("p99 over 3 s since 18:10");
    await modal.locator('[data-block-id="commander"] select').selectOption(BOB);
    await page.screenshot({ path: path.join(ROOT, "test-results/local-workspace-modal.png") });
    await modal.getByTestId("modal-submit").click();
    await modal.waitFor({ state: "detached" });
    await channel("inc-2-search-is-slow").click();
    const second = withHeader("INC-2: Search is slow");
    await second.locator(".field", { hasText: "Commander" }).filter({ hasText: "@Bob Diaz" }).waitFor();
    await second.getByText("p99 over 3 s since 18:10").waitFor();

    // Alice is on call: the page arrives as a direct message; she acknowledges it there.
    await page.getByTestId("user-picker").selectOption(ALICE);
    const dm = page.locator('#channel-list [data-kind="dm"][data-channel-name="incident-bot"]');
    await dm.click();
    const paged = withHeader("Paged: INC-1 SEV1");
    await paged.waitFor();
    await page.screenshot({ path: path.join(ROOT, "test-results/local-workspace-page.png") });
    await paged.locator('[data-action-id="page_acknowledge"]').click();
    await channel("inc-1-checkout-is-down").click();
    await messages().getByText("acknowledged the page: escalation stopped").first().waitFor();

    // Erin writes the postmortem draft now: the export's file shows in the Postmortems panel.
    await page.getByTestId("user-picker").selectOption(ERIN);
    await channel("inc-1-checkout-is-down").click();
    await messages().getByText("acknowledged the page: escalation stopped").first().waitFor();
    await type("/incident postmortem");
    const draft = page.getByTestId("postmortems").locator('[data-testid="postmortem"][data-name="INC-1-checkout-is-down.md"]');
    await draft.locator("pre").filter({ hasText: "Checkout is down" }).waitFor();

    // The screenshot: Erin's view of the incident channel, card and channel list in sight.
    await withHeader("INC-1: Checkout is down").scrollIntoViewIfNeeded();
    const shot = path.join(ROOT, "test-results/local-workspace.png");
    await page.screenshot({ path: shot });
    // The README's picture is refreshed on request (UPDATE_SCREENSHOT=1), not by every run.
    if (process.env.UPDATE_SCREENSHOT === "1") {
      mkdirSync(path.join(ROOT, "docs"), { recursive: true });
      copyFileSync(shot, path.join(ROOT, "docs/local-workspace.png"));
    }

    // Resolve and close from the card: closing exports the draft again, now with the resolution.
    await sameCard.locator('[data-action-id="incident_status:resolved"]').click();
    await sameCard.locator(".field", { hasText: "Status" }).filter({ hasText: "Resolved" }).waitFor();
    await sameCard.locator('[data-action-id="incident_status:closed"]').click();
    await sameCard.locator(".field", { hasText: "Status" }).filter({ hasText: "Closed" }).waitFor();
    await draft.locator("pre").filter({ hasText: "**Incident status:** Closed" }).waitFor();

    expect(pageErrors).toEqual([]);
  });
});

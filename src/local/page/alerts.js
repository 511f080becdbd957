// The "Alerts" controls: send the sample integration a test alert (warning, or critical, which
// declares an incident with the sample rota), or resolve both, as Alertmanager would.
import { api } from "./client.js";
import { $, toast } from "./dom.js";

function said(answer, resolve) {
  if (resolve) return answer.resolved ? `Resolved ${answer.resolved} alert(s): the page stopped.` : "Nothing was firing.";
  if (answer.incidentsDeclared?.length) return `Test alert sent: ${answer.incidentsDeclared.join(", ")} declared, the on-call paged.`;
  if (answer.pagesStarted?.length) return `Test alert sent: page #${answer.pagesStarted[0]} started; the on-call has a direct message.`;
  return answer.repeated ? "Test alert sent again: already firing, nothing new (as Alertmanager's repeats)." : "Test alert sent.";
}

export function listenAlerts() {
  const send = (body) => async () => {
    try {
      const answer = await api("/api/test-alert", body);
      toast(answer.ok === false ? `The bot answered HTTP ${answer.status}: ${answer.message ?? ""}` : said(answer, body.resolve));
    } catch (err) {
      toast(err.message);
    }
  };
  $("test-alert").addEventListener("click", send({ severity: "warning" }));
  $("test-alert-critical").addEventListener("click", send({ severity: "critical" }));
  $("test-alert-resolve").addEventListener("click", async () => {
    await send({ severity: "warning", resolve: true })();
    await send({ severity: "critical", resolve: true })();
  });
}

// Every listener, registered by kind from one place (as Bolt's starter app does).
import type { App } from "@slack/bolt";
import { registerActions } from "./actions/index.ts";
import { registerCommands } from "./commands/index.ts";
import type { ListenerContext } from "./context.ts";
import { registerEvents } from "./events/index.ts";
import { registerViews } from "./views/index.ts";

export function registerListeners(app: App, services: ListenerContext): void {
  registerCommands(app, services);
  registerActions(app, services);
  registerViews(app, services);
  registerEvents(app, services);
}

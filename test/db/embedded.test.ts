// The embedded PostgreSQL's safe defaults, on servers of this file's own in temporary folders:
// durable unless a test asks otherwise, a random password kept beside the data folder (mode 0600)
// and read again on the next start, a cluster of an earlier version (fixed password, no file)
// given a random password on its first start, and nothing listening but 127.0.0.1.
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";
import { afterAll, describe, expect, it } from "vitest";
import { LEGACY_PASSWORD, passwordFileFor, startEmbeddedPostgres, type EmbeddedPostgres } from "../../src/db/embedded.ts";

const folders: string[] = [];
const running = new Set<EmbeddedPostgres>();
afterAll(async () => {
  for (const s of running) await s.stop();
  for (const f of folders) rmSync(f, { recursive: true, force: true });
});

/** A data folder in a temporary folder of its own (its password file lands beside it, in there too). */
function newDataDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), "incident-bot-embedded-test-"));
  folders.push(dir);
  return path.join(dir, "data");
}

async function start(dataDir: string, opts: { durable?: boolean; log?: string[] } = {}): Promise<EmbeddedPostgres> {
  const server = await startEmbeddedPostgres({ dataDir, durable: opts.durable, log: (l) => opts.log?.push(l) });
  // when we are root and postgres cannot enter the folder, the data moves: clean that up too
  if (server.dataDir !== path.resolve(dataDir)) folders.push(server.dataDir, server.passwordFile);
  running.add(server);
  return server;
}

async function stop(server: EmbeddedPostgres): Promise<void> {
  await server.stop();
  running.delete(server);
}

async function query<T extends pg.QueryResultRow>(url: string, sql: string): Promise<T[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on("error", () => undefined);
  await client.connect();
  try {
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end();
  }
}

const show = async (url: string, setting: string) => (await query<Record<string, string>>(url, `SHOW ${setting}`))[0][setting];
const withPassword = (server: EmbeddedPostgres, password: string) => `postgresql://postgres:${encodeURIComponent(password)}@127.0.0.1:${server.port}/postgres`;
const refusal = (url: string) => query(url, "SELECT 1").then(() => "accepted", (err: { code?: string }) => err.code);
const modeOf = (file: string) => statSync(file).mode & 0o777;
const passwordIn = (file: string) => readFileSync(file, "utf8").trim();

/** How a TCP connection to host:port ends: "connected", or the error's code. */
function tryConnect(host: string, port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port, timeout: 3_000 });
    socket.once("connect", () => {
      socket.destroy();
      resolve("connected");
    });
    socket.once("timeout", () => {
      socket.destroy();
      resolve("ETIMEDOUT");
    });
    socket.once("error", (err: NodeJS.ErrnoException) => resolve(err.code ?? err.message));
  });
}

describe("embedded PostgreSQL", () => {
  it("starts a new cluster durable, with a random password kept beside the data in a file only we may read, on 127.0.0.1 alone", { timeout: 120_000 }, async () => {
    const dataDir = newDataDir();
    const server = await start(dataDir);

    for (const setting of ["fsync", "synchronous_commit", "full_page_writes"]) expect(await show(server.url, setting), setting).toBe("on");

    // the password file: beside the data folder (not inside what the postgres user owns), 0600, ours
    expect(server.passwordFile).toBe(passwordFileFor(server.dataDir));
    expect(path.dirname(server.passwordFile)).toBe(path.dirname(server.dataDir));
    expect(existsSync(server.passwordFile)).toBe(true);
    expect(modeOf(server.passwordFile).toString(8)).toBe("600");
    expect(statSync(server.passwordFile).uid).toBe(process.getuid!());
    const password = passwordIn(server.passwordFile);
    expect(password).not.toBe(LEGACY_PASSWORD);
    expect(password.length).toBeGreaterThanOrEqual(32);
    expect(server.url).toContain(`:${encodeURIComponent(password)}@`);
    expect(await refusal(withPassword(server, LEGACY_PASSWORD))).toBe("28P01"); // the old fixed password is no way in
    // initdb was given the password in a temporary file: nothing of it is left behind
    expect(readFileSync(path.join(server.dataDir, "postgresql.conf"), "utf8")).not.toContain(password);

    // loopback only: no other address, no unix socket
    expect(await show(server.url, "listen_addresses")).toBe("127.0.0.1");
    expect(await show(server.url, "unix_socket_directories")).toBe("");
    const others = Object.values(os.networkInterfaces())
      .flat()
      .filter((a): a is os.NetworkInterfaceInfo => Boolean(a) && !a!.internal && !a!.address.startsWith("fe80:"))
      .map((a) => a.address);
    for (const address of [...others, "::1"]) {
      const outcome = await tryConnect(address, server.port);
      // ::1 may not exist at all on a machine without IPv6
      expect(["ECONNREFUSED", "EADDRNOTAVAIL", "ENETUNREACH"], `${address}:${server.port}`).toContain(outcome);
    }
    expect(await tryConnect("127.0.0.1", server.port)).toBe("connected");

    // the next start reads the same password; the tests' option turns durability off
    await stop(server);
    const again = await start(dataDir, { durable: false });
    expect(new URL(again.url).password).toBe(new URL(server.url).password);
    expect(passwordIn(again.passwordFile)).toBe(password);
    for (const setting of ["fsync", "synchronous_commit", "full_page_writes"]) expect(await show(again.url, setting), setting).toBe("off");
    await stop(again);
  });

  it("gives a cluster of an earlier version (the fixed password, no file) a random password on its first start", { timeout: 120_000 }, async () => {
    const dataDir = newDataDir();
    // What an earlier version left: the superuser's password is the fixed one, and no file.
    const made = await start(dataDir, { durable: false });
    await query(made.url, `ALTER ROLE postgres PASSWORD '${LEGACY_PASSWORD}'`);
    await stop(made);
    rmSync(made.passwordFile);

    const log: string[] = [];
    const server = await start(dataDir, { durable: false, log });
    expect(log.join("\n")).toContain("a random password instead of the fixed one");
    expect(modeOf(server.passwordFile).toString(8)).toBe("600");
    const password = passwordIn(server.passwordFile);
    expect(password).not.toBe(LEGACY_PASSWORD);
    expect(await show(server.url, "server_version")).toMatch(/^\d+/);
    expect(await refusal(withPassword(server, LEGACY_PASSWORD))).toBe("28P01");
    expect(existsSync(`${server.passwordFile}.new`)).toBe(false);
    await stop(server);

    // and later starts read it
    const later = await start(dataDir, { durable: false });
    expect(new URL(later.url).password).toBe(new URL(server.url).password);
    await stop(later);
  });

  it("finishes a change of the fixed password that was stopped halfway, and says what to do when the file is lost", { timeout: 120_000 }, async () => {
    const dataDir = newDataDir();
    const made = await start(dataDir, { durable: false });
    const file = made.passwordFile;
    // Stopped after changing the role but before renaming <file>.new: the role has the new password.
    const halfway = "halfway-password-0123456789abcdef";
    await query(made.url, `ALTER ROLE postgres PASSWORD '${halfway}'`);
    await stop(made);
    rmSync(file);
    writeFileSync(`${file}.new`, `${halfway}\n`, { mode: 0o600 });

    const server = await start(dataDir, { durable: false });
    expect(passwordIn(file)).toBe(halfway);
    expect(existsSync(`${file}.new`)).toBe(false);
    expect(await show(server.url, "server_version")).toMatch(/^\d+/);
    await stop(server);

    // A password file gone missing (the role's password is neither the old fixed one nor known):
    // the start fails saying so, and leaves no server running.
    rmSync(file);
    const failed = await startEmbeddedPostgres({ dataDir, durable: false }).then(
      (s) => {
        running.add(s);
        return "started";
      },
      (err: Error) => err.message,
    );
    expect(failed).toContain("no password file");
    expect(failed).toContain(file);
    expect(existsSync(path.join(server.dataDir, "postmaster.pid"))).toBe(false);
  });
});

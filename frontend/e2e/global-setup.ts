/**
 * Prepares a real ShelfOps server for the browser tests:
 *
 * 1. a fresh var dir (SQLite, artifacts) with the demo's governed loop run on a small data
 *    set (`shelfops demo --no-serve`), or a copy of `SHELFOPS_E2E_BASE` when given (a var
 *    dir a previous run prepared, to iterate faster; CI always builds a fresh one);
 * 2. one API key per role for the demo tenant, and an admin key of an empty tenant;
 * 3. `shelfops serve` on a free port, waited for on `/health`.
 *
 * The URL and keys reach the tests through environment variables (workers inherit them);
 * the returned function stops the server and removes the var dir.
 */
import { execFileSync, spawn } from "node:child_process";
import { cpSync, existsSync, mkdirSync, mkdtempSync, openSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const SHELFOPS = join(REPO, ".venv", "bin", "shelfops");
const ROLES = ["viewer", "planner", "ml_manager", "admin"] as const;

function shelfops(args: string[], env: NodeJS.ProcessEnv): string {
  // A wide terminal so that rich never wraps a printed key.
  // stderr is captured (the demo's model warnings are noise here); a failing command
  // throws with it in the error message.
  return execFileSync(SHELFOPS, args, {
    env: { ...env, COLUMNS: "400" },
    encoding: "utf8",
    cwd: REPO,
    stdio: ["ignore", "pipe", "pipe"],
  }).trim();
}

async function freePort(): Promise<number> {
  return new Promise((done, fail) => {
    const probe = createServer();
    probe.once("error", fail);
    probe.listen(0, "127.0.0.1", () => {
      const address = probe.address();
      probe.close(() => (typeof address === "object" && address ? done(address.port) : fail(new Error("no port"))));
    });
  });
}

async function waitForHealth(url: string, deadlineMs: number): Promise<void> {
  const until = Date.now() + deadlineMs;
  while (Date.now() < until) {
    try {
      const response = await fetch(`${url}/health`);
      if (response.status === 200 || response.status === 503) return;
    } catch {
      // not listening yet
    }
    await new Promise((wait) => setTimeout(wait, 250));
  }
  throw new Error(`shelfops serve did not answer ${url}/health in time`);
}

/**
 * The Models test promotes a challenger. The demo leaves one when its experiment's model
 * does not beat the champion by the gate's margin, or when drift retrains; on the rare
 * day the generated history gives neither, a `drift_detected` retrain (which the gate can
 * only make challenger) provides one, as production would after a drift alert.
 */
function ensureChallenger(varDir: string, env: NodeJS.ProcessEnv): void {
  const count = execFileSync(
    join(REPO, ".venv", "bin", "python"),
    [
      "-c",
      "import sqlite3, sys; print(sqlite3.connect(sys.argv[1]).execute(" +
        "\"select count(*) from model_versions where status = 'challenger'\").fetchone()[0])",
      join(varDir, "shelfops.db"),
    ],
    { encoding: "utf8" },
  ).trim();
  if (count === "0") shelfops(["retrain", "--tenant", "demo", "--trigger", "drift_detected"], env);
}

export default async function globalSetup(): Promise<() => Promise<void>> {
  const varDir = mkdtempSync(join(tmpdir(), "shelfops-e2e-"));
  const env: NodeJS.ProcessEnv = { ...process.env, SHELFOPS_VAR_DIR: varDir, SHELFOPS_ENV: "embedded" };
  delete env.SHELFOPS_DATABASE_URL;
  delete env.SHELFOPS_BROKER_URL;
  const base = process.env.SHELFOPS_E2E_BASE;
  if (base && existsSync(join(base, "shelfops.db"))) {
    cpSync(base, varDir, { recursive: true });
  } else {
    shelfops(["demo", "--no-serve", "--stores", "3", "--products", "30", "--days", "240", "--held-back", "2"], env);
  }
  ensureChallenger(varDir, env);
  const keys: Record<string, string> = {};
  for (const role of ROLES) {
    keys[role] = shelfops(["create-key", "--role", role, "--name", `e2e ${role}`, "--tenant", "demo"], env);
  }
  shelfops(["init", "--slug", "empty", "--name", "Empty Retail"], env);
  keys.empty_admin = shelfops(["create-key", "--role", "admin", "--name", "e2e empty", "--tenant", "empty"], env);

  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const reports = join(REPO, "frontend", "reports");
  mkdirSync(reports, { recursive: true });
  const log = openSync(join(reports, "e2e-server.log"), "w");
  const server = spawn(SHELFOPS, ["serve", "--port", String(port)], { env, cwd: REPO, stdio: ["ignore", log, log] });
  await waitForHealth(url, 60_000);

  process.env.SHELFOPS_E2E_URL = url;
  process.env.SHELFOPS_E2E_KEYS = JSON.stringify(keys);
  process.env.SHELFOPS_E2E_VAR_DIR = varDir;
  return async () => {
    server.kill("SIGTERM");
    await new Promise((done) => server.once("exit", done));
    if (!process.env.SHELFOPS_E2E_KEEP) rmSync(varDir, { recursive: true, force: true });
  };
}

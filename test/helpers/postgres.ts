// A throwaway PostgreSQL cluster for tests: initdb + pg_ctl in a temporary directory, on a free port of
// 127.0.0.1, trust authentication, fsync off. No service needs to be running beforehand.
//
//   import { requirePostgres, startPostgres } from '../helpers/postgres.js';
//   const pgTools = requirePostgres();
//   describe.skipIf(!pgTools.ok)(`… ${pgTools.skipNote}`, () => {
//     let pg: RunningPostgres;
//     beforeAll(async () => { pg = await startPostgres(); });
//     afterAll(() => pg?.stop());
//     it('…', async () => { const url = await pg.createDatabase(); … });
//   });
//
// The binaries: $OBLIGO_PG_CTL_BIN's directory, else `pg_ctl` on PATH, else Debian's
// /usr/lib/postgresql/<newest>/bin. PostgreSQL refuses to run as root: when the tests run as root the
// cluster is created and started as the `postgres` user (runuser). Missing binaries are a skip with the
// reason outside CI and a failure under CI=true (.ci/run installs Debian's postgresql).
import { execFile, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { findTool, inCI, type ToolCheck } from './tools.js';

const run = promisify(execFile);

export interface PostgresTools extends ToolCheck {
  /** Directory holding initdb, pg_ctl, postgres. */
  bin?: string;
}

function debianBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const versions = readdirSync(root)
    .filter((v) => /^\d+$/.test(v) && existsSync(join(root, v, 'bin', 'pg_ctl')))
    .sort((a, b) => Number(b) - Number(a));
  return versions[0] ? join(root, versions[0], 'bin') : undefined;
}

export function findPostgres(): PostgresTools {
  const onPath = findTool('pg_ctl');
  const dir = onPath.ok ? dirname(onPath.path!) : debianBin();
  if (dir && existsSync(join(dir, 'initdb')) && existsSync(join(dir, 'postgres'))) {
    return { ok: true, path: join(dir, 'pg_ctl'), bin: dir, skipNote: '' };
  }
  const reason = 'PostgreSQL server binaries (initdb, pg_ctl) not found on PATH or in /usr/lib/postgresql/*/bin';
  return { ok: false, reason, skipNote: ` (skipped: ${reason})` };
}

/** Like requireTool: under CI=true a missing PostgreSQL throws while the test file is collected. */
export function requirePostgres(): PostgresTools {
  const t = findPostgres();
  if (!t.ok && inCI) throw new Error(`CI=true: PostgreSQL is missing (${t.reason}); install Debian's postgresql`);
  return t;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

export interface RunningPostgres {
  /** postgresql://obligo@127.0.0.1:PORT/postgres */
  readonly url: string;
  readonly port: number;
  readonly dataDir: string;
  /** A fresh database on this cluster; returns its URL. */
  createDatabase(name?: string): Promise<string>;
  /** Run SQL as the superuser on the `postgres` database (e.g. pg_terminate_backend). */
  query<T extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<T>>;
  /** Stop the server (fast) and keep the data directory: `restart()` brings it back on the same port. */
  halt(): Promise<void>;
  restart(): Promise<void>;
  /** Stop and delete everything. */
  stop(): Promise<void>;
}

const asRoot = userInfo().uid === 0;

function asOwner(cmd: string, args: string[]): [string, string[]] {
  return asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}

function postgresUser(): { uid: number; gid: number } {
  const id = (flag: string): number => {
    const r = spawnSync('id', [flag, 'postgres'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error('running as root, and there is no postgres user to run PostgreSQL as (Debian\'s postgresql package creates it)');
    return Number(r.stdout.trim());
  };
  return { uid: id('-u'), gid: id('-g') };
}

let dbCounter = 0;

export async function startPostgres(opts: { tools?: PostgresTools; settings?: Record<string, string> } = {}): Promise<RunningPostgres> {
  const tools = opts.tools ?? findPostgres();
  if (!tools.ok) throw new Error(`PostgreSQL fixture used without the binaries (${tools.reason})`);
  const bin = tools.bin!;
  const root = mkdtempSync(join(tmpdir(), 'obligo-pg-'));
  const dataDir = join(root, 'data');
  const owner = asRoot ? postgresUser() : undefined;
  if (owner) {
    chmodSync(root, 0o755);
    chownSync(root, owner.uid, owner.gid);
  }
  const [initCmd, initArgs] = asOwner(join(bin, 'initdb'), ['-D', dataDir, '-U', 'obligo', '-A', 'trust', '-E', 'UTF8', '--locale=C', '--no-sync']);
  await run(initCmd, initArgs, { timeout: 120_000 });
  const port = await freePort();
  const settings: Record<string, string> = {
    port: String(port),
    listen_addresses: "'127.0.0.1'",
    unix_socket_directories: `'${root}'`,
    fsync: 'off',
    synchronous_commit: 'off',
    full_page_writes: 'off',
    max_connections: '200',
    shared_buffers: '64MB',
    log_min_messages: 'warning',
    ...opts.settings,
  };
  const conf = Object.entries(settings).map(([k, v]) => `${k} = ${v}`).join('\n');
  const confPath = join(dataDir, 'postgresql.auto.conf');
  writeFileSync(confPath, `${conf}\n`);
  if (owner) chownSync(confPath, owner.uid, owner.gid);
  const logFile = join(root, 'server.log');
  const ctl = async (args: string[]): Promise<void> => {
    const [c, a] = asOwner(join(bin, 'pg_ctl'), args);
    try {
      await run(c, a, { timeout: 60_000 });
    } catch (e) {
      let log = '';
      try {
        log = spawnSync('tail', ['-n', '20', logFile], { encoding: 'utf8' }).stdout;
      } catch {
        // no log
      }
      throw new Error(`pg_ctl ${args[0]} failed: ${(e as Error).message}\n${log}`);
    }
  };
  const startServer = (): Promise<void> => ctl(['start', '-D', dataDir, '-l', logFile, '-w', '-t', '60']);
  await startServer();
  const url = `postgresql://obligo@127.0.0.1:${port}/postgres`;
  const admin = async <T extends pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<T>> => {
    const c = new pg.Client({ connectionString: url });
    await c.connect();
    try {
      return await c.query<T>(sql, params);
    } finally {
      await c.end();
    }
  };
  let stopped = false;
  return {
    url,
    port,
    dataDir,
    async createDatabase(name?: string): Promise<string> {
      const db = name ?? `t${process.pid}_${++dbCounter}`;
      if (!/^[a-z_][a-z0-9_]*$/.test(db)) throw new Error(`bad database name ${db}`);
      await admin(`CREATE DATABASE ${db}`);
      return `postgresql://obligo@127.0.0.1:${port}/${db}`;
    },
    query: admin,
    halt: () => ctl(['stop', '-D', dataDir, '-m', 'fast', '-w']),
    restart: startServer,
    async stop(): Promise<void> {
      if (stopped) return;
      stopped = true;
      try {
        await ctl(['stop', '-D', dataDir, '-m', 'immediate', '-w']);
      } catch {
        // already stopped
      }
      rmSync(root, { recursive: true, force: true });
    },
  };
}

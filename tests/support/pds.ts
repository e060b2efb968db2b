/**
 * Test harness: a real Bluesky reference PDS (@atproto/pds) backed by an
 * in-memory PLC directory (@did-plc/server), both bound to 127.0.0.1 only.
 *
 * Usage:
 *   const pds = await startTestPds();
 *   const acct = await pds.createAccount('alice');   // handle alice.test
 *   ... new AtpAgent({ service: pds.url }).login({ identifier: acct.handle, password: acct.appPassword })
 *   await pds.close();
 *
 * Notes
 * - The PDS config is passed as an object (ServerEnvironment), never through
 *   process.env, so nothing leaks across tests.
 * - The PDS's own `start()` listens on every interface, so we create the HTTP
 *   server ourselves on 127.0.0.1 and do what `start()` does besides listening
 *   (start the sequencer).
 * - The HTTP server is bound *before* the PDS is created so its real port can
 *   go into the config (the PDS derives its public URL from the port); there
 *   is no "pick a free port, close it, reuse it" race.
 * - Handles are `<prefix>.test`; the PDS wants the prefix to be 3-18 chars of
 *   [a-z0-9-] and not a reserved word (e.g. "admin", "support").
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';

import { AtpAgent } from '@atproto/api';
import { Secp256k1Keypair } from '@atproto/crypto';
import { PDS, envToCfg, envToSecrets } from '@atproto/pds';
import type { ServerEnvironment } from '@atproto/pds';
import { Database as PlcDatabase, PlcServer } from '@did-plc/server';

export interface TestPdsAccount {
  did: string;
  handle: string;
  /** The account's main password. */
  password: string;
  /** An app password created for the account (what Crier is configured with). */
  appPassword: string;
}

export interface TestPds {
  /** http://127.0.0.1:<port> */
  url: string;
  /** URL of the in-memory PLC directory (http://127.0.0.1:<port>). */
  plcUrl: string;
  createAccount(handlePrefix: string): Promise<TestPdsAccount>;
  /** How many com.atproto.server.createSession requests the PDS received since start. */
  countCreateSessionCalls(): number;
  /** Stops PDS and PLC, removes the temp data folder. Safe to call twice. */
  close(): Promise<void>;
}

export interface StartTestPdsOptions {
  /**
   * Turn the PDS's own rate limiter on (in-memory; e.g. createSession allows
   * 30 logins per identifier+IP per 5 minutes). Off by default.
   */
  rateLimits?: boolean;
}

const CREATE_SESSION_PATH = '/xrpc/com.atproto.server.createSession';

type RequestListener = (req: http.IncomingMessage, res: http.ServerResponse) => void;

async function listenLoopback(server: http.Server): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(err);
    server.once('error', onError);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', onError);
      resolve();
    });
  });
  return (server.address() as AddressInfo).port;
}

async function closeServer(server: http.Server): Promise<void> {
  if (!server.listening) return;
  await new Promise<void>((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    // Drop keep-alive and in-flight sockets so close() resolves promptly.
    server.closeAllConnections();
  });
}

export async function startTestPds(opts: StartTestPdsOptions = {}): Promise<TestPds> {
  const cleanups: Array<() => Promise<void>> = [];
  const runCleanups = async (): Promise<void> => {
    const errors: unknown[] = [];
    while (cleanups.length > 0) {
      const fn = cleanups.pop();
      try {
        await fn?.();
      } catch (err) {
        errors.push(err);
      }
    }
    if (errors.length > 0) {
      throw new AggregateError(errors, 'test PDS cleanup failed');
    }
  };

  try {
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'crier-test-pds-'));
    cleanups.push(() => rm(dataDir, { recursive: true, force: true }));

    // --- PLC directory (in-memory) ---
    const plc = PlcServer.create({ db: PlcDatabase.mock() });
    const plcServer = http.createServer(plc.app);
    const plcPort = await listenLoopback(plcServer);
    cleanups.push(async () => {
      await closeServer(plcServer);
      await plc.ctx.db.close();
    });
    const plcUrl = `http://127.0.0.1:${plcPort}`;

    // --- HTTP server for the PDS, bound first so we know the port ---
    let createSessionCalls = 0;
    let handler: RequestListener = (_req, res) => {
      res.statusCode = 503;
      res.end('PDS not ready');
    };
    const pdsServer = http.createServer((req, res) => {
      const pathname = (req.url ?? '').split('?', 1)[0];
      if (pathname === CREATE_SESSION_PATH) createSessionCalls += 1;
      handler(req, res);
    });
    // Same as PDS.start(): keep connections open longer than typical client pools.
    pdsServer.keepAliveTimeout = 90_000;
    const port = await listenLoopback(pdsServer);
    cleanups.push(() => closeServer(pdsServer));

    // --- PDS ---
    const rotationKey = await Secp256k1Keypair.create({ exportable: true });
    const rotationKeyHex = Buffer.from(await rotationKey.export()).toString('hex');

    const env: ServerEnvironment = {
      port,
      hostname: 'localhost',
      devMode: true,
      version: '0.0.0-test',
      inviteRequired: false,
      dataDirectory: dataDir,
      blobstoreDiskLocation: path.join(dataDir, 'blobs'),
      didPlcUrl: plcUrl,
      serviceHandleDomains: ['.test'],
      jwtSecret: randomBytes(32).toString('hex'),
      adminPassword: randomBytes(16).toString('hex'),
      plcRotationKeyK256PrivateKeyHex: rotationKeyHex,
      rateLimitsEnabled: opts.rateLimits === true,
      crawlers: [],
    };

    const pds = await PDS.create(envToCfg(env), envToSecrets(env));
    cleanups.push(async () => {
      // Stop taking requests first (closeServer is idempotent).
      await closeServer(pdsServer);
      // PDS.destroy(): sequencer, background queue, account db, proxy agent.
      // Its HTTP terminator is never set because we did not call start().
      await pds.destroy();
      // Not covered by destroy(): the DID cache's queue and sqlite handle.
      await pds.ctx.didCache.destroy();
      pds.ctx.didCache.db.close();
    });
    await pds.ctx.sequencer.start();
    pds.server = pdsServer;
    handler = pds.app;

    const url = `http://127.0.0.1:${port}`;
    let closed: Promise<void> | undefined;

    return {
      url,
      plcUrl,
      countCreateSessionCalls: () => createSessionCalls,
      async createAccount(handlePrefix: string): Promise<TestPdsAccount> {
        const handle = `${handlePrefix}.test`;
        const password = `pw-${randomBytes(12).toString('hex')}`;
        // Plain unauthenticated calls; no session is created (createAccount
        // returns tokens, which we use directly for createAppPassword).
        const agent = new AtpAgent({ service: url });
        const created = await agent.com.atproto.server.createAccount({
          handle,
          email: `${handlePrefix}@example.test`,
          password,
        });
        const appPw = await agent.com.atproto.server.createAppPassword(
          { name: `crier-${randomBytes(4).toString('hex')}` },
          { headers: { authorization: `Bearer ${created.data.accessJwt}` } },
        );
        return {
          did: created.data.did,
          handle: created.data.handle,
          password,
          appPassword: appPw.data.password,
        };
      },
      close(): Promise<void> {
        closed ??= runCleanups();
        return closed;
      },
    };
  } catch (err) {
    await runCleanups().catch(() => undefined);
    throw err;
  }
}

import pg from 'pg';
import { QUEUE_CHANNEL } from './db.js';

const RECONNECT_MS = 1000;

/**
 * A dedicated connection that LISTENs on the queue channel (a pooled client would lose its LISTEN
 * when given back). `listener` runs on every notification. If the connection drops, it is made
 * again and `listener` runs once more: notifications sent meanwhile are lost, so the replica looks
 * for work rather than trust it missed none. The first connection's failure is thrown.
 */
export async function listenQueue(url: string, listener: () => void): Promise<() => Promise<void>> {
  let stopped = false;
  let current: pg.Client | undefined;
  let retry: NodeJS.Timeout | undefined;

  async function connect(): Promise<pg.Client> {
    const client = new pg.Client({ connectionString: url, application_name: 'crier-listen' });
    client.on('notification', (message) => {
      if (message.channel === QUEUE_CHANNEL) listener();
    });
    client.on('error', () => lost(client));
    client.on('end', () => lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${QUEUE_CHANNEL}`);
    } catch (error) {
      current = undefined;
      await client.end().catch(() => undefined);
      throw error;
    }
    return client;
  }

  function lost(client: pg.Client): void {
    if (stopped || current !== client) return;
    current = undefined;
    client.end().catch(() => undefined);
    schedule();
  }

  function schedule(): void {
    if (stopped) return;
    retry = setTimeout(() => {
      connect().then(
        (client) => {
          if (stopped) {
            void client.end().catch(() => undefined);
            return;
          }
          current = client;
          listener();
        },
        () => schedule(),
      );
    }, RECONNECT_MS);
    retry.unref();
  }

  current = await connect();
  return async () => {
    stopped = true;
    if (retry) clearTimeout(retry);
    const client = current;
    current = undefined;
    await client?.end().catch(() => undefined);
  };
}

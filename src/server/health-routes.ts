import type { Metrics } from '../observe/metrics.js';
import type { Store } from '../store/store.js';
import type { Route } from './http-server.js';

/** /healthz: the process answers. /readyz: the store answers and no channel is stopped by auth. /metrics. */
export function healthRoutes(store: Store, channelIds: readonly string[], metrics: Metrics, now: () => Date): Route[] {
  return [
    { method: 'GET', path: '/healthz', handle: async () => ({ status: 200, body: 'ok\n' }) },
    {
      method: 'GET',
      path: '/readyz',
      async handle() {
        const problems: string[] = [];
        try {
          await store.getMeta('daemon');
        } catch (error) {
          problems.push(`store unreachable: ${error instanceof Error ? error.message : String(error)}`);
        }
        const holds = problems.length === 0 ? await store.listHolds(now()) : [];
        for (const hold of holds) {
          if (hold.kind === 'auth' && channelIds.includes(hold.channelId)) problems.push(`channel ${hold.channelId} stopped: credentials refused (${hold.reason})`);
        }
        return {
          status: problems.length === 0 ? 200 : 503,
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ ready: problems.length === 0, problems }),
        };
      },
    },
    {
      method: 'GET',
      path: '/metrics',
      async handle() {
        return { status: 200, headers: { 'content-type': metrics.registry.contentType }, body: await metrics.registry.metrics() };
      },
    },
  ];
}

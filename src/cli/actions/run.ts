import type { Command } from 'commander';
import { configPathFrom, loadConfig, type GlobalOptionsLike } from '../../config/load.js';
import { createLogger, type Logger } from '../../log/logger.js';
import { warmUpRendering } from '../../delivery/render-post.js';
import type { Metrics } from '../../observe/metrics.js';
import { combineObservers, silentObserver, type Observer } from '../../observe/observer.js';
import { openApp, type App } from '../../runtime/app.js';
import type { RunningServer } from '../../server/http-server.js';
import { guardStoreForDaemon, type DaemonGuard } from '../../runtime/daemon-guard.js';
import { createDaemonHost } from './daemon-host.js';
import { reloadOnSignal } from './reload-signal.js';

export async function runAction(program: Command): Promise<void> {
  const file = configPathFrom(program.opts<GlobalOptionsLike>().config, process.env);
  const config = loadConfig(file, process.env);
  const logger = createLogger();
  const channelIds = config.channels.map((c) => c.id);
  // One daemon per SQLite store, settled before the store is migrated, crashed sends are recovered
  // or anything is sent: a second daemon is refused here, naming the first.
  const guard = await guardStoreForDaemon(config.store);
  let app: App | undefined;
  let stopping: StopRequest | undefined;
  try {
    // What only some configs use is loaded only for them: metrics (prom-client) are read at
    // /metrics, so they exist when the server runs (adding or removing it needs a restart); the
    // alert webhook when one is configured.
    const alertsUrl = config.secrets.alertsWebhookUrl();
    const [metricsModule, alertsModule] = await Promise.all([
      config.server ? import('../../observe/metrics.js') : undefined,
      alertsUrl ? import('../../observe/alerts.js') : undefined,
    ]);
    let metrics: Metrics | undefined;
    app = await openApp(config, {
      logger,
      write: (text) => process.stdout.write(text),
      observe: (store) => {
        metrics = metricsModule?.createMetrics(store, channelIds);
        const observers: Observer[] = [
          ...(metrics ? [metrics] : []),
          ...(alertsUrl && alertsModule ? [alertsModule.createWebhookAlerts(alertsUrl, logger, 'crier')] : []),
        ];
        const [only, ...more] = observers;
        return only === undefined ? silentObserver : more.length === 0 ? only : combineObservers(...observers);
      },
    });
    await guard.announce(app.store, app.now());
    // Listening from here on, so a signal while the daemon starts stops it cleanly too.
    stopping = stopRequested(logger, guard);
    // Before the server listens: a push must find the daemon started, not wait out the warm-up.
    await warmUpRendering(config.channels);
    // Push sources need the server; it listens before the daemon starts, because subscribing to a
    // WebSub hub makes the hub call us back at once. The host swaps daemons on a reload (SIGHUP).
    const daemon = createDaemonHost(app, { file, env: process.env, logger, write: (text) => process.stdout.write(text), channelIds, serving: config.server !== undefined });
    let server: RunningServer | undefined;
    if (config.server && metrics) {
      const pushRoutes = daemon.pushRoutes();
      const [{ startHttpServer }, { healthRoutes }, { deskRoutes }] = await Promise.all([
        import('../../server/http-server.js'),
        import('../../server/health-routes.js'),
        import('../../desk/routes.js'),
      ]);
      server = await startHttpServer(
        { host: config.server.host, port: config.server.port, maxBodyBytes: config.server.maxBodyBytes, logger, configuredAt: `server.listen in ${file}` },
        [...healthRoutes(app.store, channelIds, metrics, app.now), ...pushRoutes, ...deskRoutes(() => daemon.app())],
      );
      const paths = ['/healthz', '/readyz', '/metrics', ...pushRoutes.map((r) => `${r.method} ${r.path}`), ...(config.server.desk ? ['/desk'] : [])];
      logger.info({ url: server.url }, `HTTP server listening (${paths.join(', ')})`);
    }
    await daemon.start();
    const stopReloading = reloadOnSignal(logger, () => daemon.reload());
    const storeProblem = await stopping.done;
    stopReloading();
    if (storeProblem) {
      // What the CLI now reads and writes is another file: posting on from this one would go on
      // behind everyone's back (a pause would never reach it).
      logger.error({ store: guard.where }, `${storeProblem} while the daemon was running: stopping`);
    }
    await server?.close();
    await daemon.stop();
    if (storeProblem) {
      throw new Error(`${storeProblem} while the daemon was running; stopped. Restore it, or start crier run again on a new store`);
    }
    logger.info('stopped cleanly');
  } finally {
    stopping?.cancel();
    await guard.release(app?.store);
    await app?.store.close();
  }
}

interface StopRequest {
  /**
   * Resolves at the first SIGINT/SIGTERM (undefined; a second one exits at once), or when the
   * store path no longer names the file the daemon opened (what happened to it).
   */
  done: Promise<string | undefined>;
  /** Stops listening (the daemon failed to start, or has stopped). */
  cancel(): void;
}

function stopRequested(logger: Logger, guard: DaemonGuard): StopRequest {
  let cancel = (): void => undefined;
  const done = new Promise<string | undefined>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'stopping: finishing work in flight');
      process.once(signal, () => {
        logger.warn('second signal: exiting now');
        process.exit(130);
      });
      watch.stop();
      resolve(undefined);
    };
    const stopListening = () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    };
    const watch = guard.watch((problem) => {
      stopListening();
      resolve(problem);
    });
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    cancel = () => {
      watch.stop();
      stopListening();
    };
  });
  return { done, cancel: () => cancel() };
}

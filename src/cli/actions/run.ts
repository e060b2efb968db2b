import type { Command } from 'commander';
import { configPathFrom, loadConfig, type GlobalOptionsLike } from '../../config/load.js';
import { createDaemon } from '../../daemon/daemon.js';
import { createLogger } from '../../log/logger.js';
import { createWebhookAlerts } from '../../observe/alerts.js';
import { createMetrics, type Metrics } from '../../observe/metrics.js';
import { combineObservers } from '../../observe/observer.js';
import { openApp } from '../../runtime/app.js';
import { healthRoutes } from '../../server/health-routes.js';
import { startHttpServer, type RunningServer } from '../../server/http-server.js';

export async function runAction(program: Command): Promise<void> {
  const file = configPathFrom(program.opts<GlobalOptionsLike>().config, process.env);
  const config = loadConfig(file, process.env);
  const logger = createLogger();
  const channelIds = config.channels.map((c) => c.id);
  let metrics: Metrics | undefined;
  const app = await openApp(config, {
    logger,
    write: (text) => process.stdout.write(text),
    observe: (store) => {
      metrics = createMetrics(store, channelIds);
      const alertsUrl = config.secrets.alertsWebhookUrl();
      return alertsUrl ? combineObservers(metrics, createWebhookAlerts(alertsUrl, logger, 'crier')) : metrics;
    },
  });
  // Push sources need the server; it listens before the daemon starts, because subscribing to a
  // WebSub hub makes the hub call us back at once.
  const daemon = createDaemon({ ...app, push: config.server && { publicUrl: config.server.publicUrl } });
  let server: RunningServer | undefined;
  if (config.server && metrics) {
    const pushRoutes = daemon.pushRoutes();
    server = await startHttpServer(
      { host: config.server.host, port: config.server.port, maxBodyBytes: config.server.maxBodyBytes, logger },
      [...healthRoutes(app.store, channelIds, metrics, app.now), ...pushRoutes],
    );
    const paths = ['/healthz', '/readyz', '/metrics', ...pushRoutes.map((r) => `${r.method} ${r.path}`)];
    logger.info({ url: server.url }, `HTTP server listening (${paths.join(', ')})`);
  }
  await daemon.start();
  await new Promise<void>((resolve) => {
    const onSignal = (signal: NodeJS.Signals) => {
      logger.info({ signal }, 'stopping: finishing work in flight');
      process.once(signal, () => {
        logger.warn('second signal: exiting now');
        process.exit(130);
      });
      resolve();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
  });
  await server?.close();
  await daemon.stop();
  await app.store.close();
  logger.info('stopped cleanly');
}

import type { Command } from 'commander';
import { configPathFrom, loadConfig, type GlobalOptionsLike } from '../../config/load.js';
import { createDaemon } from '../../daemon/daemon.js';
import { createLogger } from '../../log/logger.js';
import { openApp } from '../../runtime/app.js';

export async function runAction(program: Command): Promise<void> {
  const file = configPathFrom(program.opts<GlobalOptionsLike>().config, process.env);
  const config = loadConfig(file, process.env);
  const logger = createLogger();
  const app = await openApp(config, { logger, write: (text) => process.stdout.write(text) });
  const daemon = createDaemon(app);
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
  await daemon.stop();
  await app.store.close();
  logger.info('stopped cleanly');
}

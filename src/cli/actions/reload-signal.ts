import type { Logger } from '../../log/logger.js';

/**
 * SIGHUP (`systemctl reload crier`, `crier reload`, `kill -HUP`) reloads the config, as daemons
 * conventionally do. Without a listener Node would end the process on SIGHUP. Returns the
 * function that stops listening.
 */
export function reloadOnSignal(logger: Logger, reload: () => Promise<unknown>): () => void {
  const onHangup = () => {
    logger.info({ signal: 'SIGHUP' }, 'reloading the config');
    void reload().catch((error: unknown) => logger.error({ err: error }, 'config reload failed'));
  };
  process.on('SIGHUP', onHangup);
  return () => process.off('SIGHUP', onHangup);
}

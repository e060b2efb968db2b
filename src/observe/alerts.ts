import { fetch } from 'undici';
import type { Logger } from '../log/logger.js';
import type { Observer } from './observer.js';

const WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * Sends what needs a person to a Slack-compatible incoming webhook ({"text": …}; Mattermost,
 * Rocket.Chat and Discord's /slack endpoint accept the same): credentials that broke, a source
 * failing several polls in a row, a delivery that became uncertain. Each is sent once, when it
 * happens, not on every tick. The logs carry the same at error level.
 */
export function createWebhookAlerts(webhookUrl: string, logger: Logger, label: string): Observer {
  const send = (text: string): void => {
    void fetch(webhookUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ text: `[${label}] ${text}` }),
      signal: AbortSignal.timeout(WEBHOOK_TIMEOUT_MS),
    })
      .then(async (response) => {
        if (!response.ok) logger.warn({ status: response.status }, 'the alert webhook refused an alert');
        await response.body?.cancel();
      })
      .catch((error: unknown) => logger.warn({ err: error }, 'could not send an alert to the webhook'));
  };
  return {
    pollFinished(sourceId, result, detail) {
      if (result === 'error' && detail.needsPerson === true) {
        send(`source ${sourceId} failed ${detail.failures} polls in a row: ${detail.error ?? 'unknown error'}`);
      }
    },
    delivered(channelId, state, detail) {
      if (state === 'uncertain') {
        send(`delivery ${detail.deliveryId} on ${channelId} is uncertain: ${detail.reason ?? ''} (crier history, then crier retry or crier cancel)`);
      }
    },
    channelHeld(channelId, kind, reason) {
      if (kind === 'auth') send(`channel ${channelId} stopped: its credentials were refused (${reason}); fix them, then crier resume ${channelId}`);
    },
    articleGone(channelId, detail) {
      send(`delivery ${detail.deliveryId} on ${channelId} was cancelled, not posted: article ${detail.articleId} (${detail.url}) answered HTTP ${detail.status} (crier history ${detail.articleId})`);
    },
  };
}

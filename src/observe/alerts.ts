import { fetch } from 'undici';
import type { Logger } from '../log/logger.js';
import { credentialsFix } from './fix-advice.js';
import type { Observer } from './observer.js';

const WEBHOOK_TIMEOUT_MS = 10_000;

/**
 * Sends what needs a person to a Slack-compatible incoming webhook ({"text": …}; Mattermost,
 * Rocket.Chat and Discord's /slack endpoint accept the same): credentials that broke, a source
 * failing several polls in a row, a delivery that became uncertain, a post missing at read-back,
 * a silent-failure alarm (raised, then resolved). Each is sent once, when it happens, not on every
 * tick. The logs carry the same at error level.
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
      if (kind === 'auth') send(`channel ${channelId} stopped: its credentials were refused (${reason}); ${credentialsFix(channelId, reason)}`);
    },
    postChecked(channelId, result, detail) {
      if (result === 'missing') {
        send(
          `post of delivery ${detail.deliveryId} on ${channelId} is missing (${detail.url ?? 'no URL'}): ${detail.reason ?? 'not found'}. ` +
            `It is not re-sent by itself: crier history ${detail.articleId}, then crier retry ${detail.deliveryId} to post it again`,
        );
      }
    },
    alarm(alarm) {
      send(alarm.state === 'raised' ? `${alarm.message}; ${alarm.fix}` : `resolved: ${alarm.message}`);
    },
    pulledAfterPosting(detail) {
      if (detail.kept.length > 0) {
        const n = detail.kept.length;
        send(`story pulled after posting: ${n} post${n === 1 ? '' : 's'} remain${n === 1 ? 's' : ''} (${detail.kept.join(', ')}) of article ${detail.articleId} "${detail.title}"; run crier retract ${detail.articleId} --reason "…"`);
      }
    },
    articleGone(channelId, detail) {
      send(`delivery ${detail.deliveryId} on ${channelId} was cancelled, not posted: article ${detail.articleId} (${detail.url}) answered HTTP ${detail.status} (crier history ${detail.articleId})`);
    },
  };
}

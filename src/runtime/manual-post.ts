import type { PostOutcome, Priority, StoredArticle } from '../delivery/editor-actions.js';
import { routeArticle } from '../ingest/route-article.js';
import type { App } from './app.js';

export interface ManualPost {
  channelIds: readonly string[];
  at: Date;
  priority: Priority;
  force: boolean;
  actor: string;
  /** ": the reason", or '' (appended to the event's message). */
  why: string;
}

/**
 * An editor posts an article by hand (`crier post`, the desk): on each channel, the delivery the
 * routes would plan (their template and dry run) when a route takes it, else a manual one.
 */
export function postByHand(app: App, article: StoredArticle, request: ManualPost): Promise<PostOutcome[]> {
  const planned = new Map(routeArticle(article, app.routing, request.at).map((d) => [d.channelId, d]));
  return app.editor.post(article, {
    planned,
    channels: request.channelIds.map((id) => ({ id, dryRun: app.channels.get(id)?.config.dryRun ?? false })),
    at: request.at,
    priority: request.priority,
    force: request.force,
    actor: request.actor,
    why: request.why,
  });
}

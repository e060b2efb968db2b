import type { OutboundPost, PlatformAdapter, TextRules } from '../contract.js';

export interface DryRunOptions {
  channelId: string;
  platformLabel: string;
  rules: TextRules;
  /** Where the post goes instead of the platform: stdout by default. */
  write: (text: string) => void;
}

/**
 * Prints exactly what would be posted, with its length against the platform's real limit, and
 * reports success so the delivery is recorded as posted (in dry-run). The same fitted text a
 * real channel would send, so a dry run is a faithful preview.
 */
export function createDryRunAdapter(options: DryRunOptions): PlatformAdapter {
  return {
    async verify() {
      return { account: `${options.channelId} (dry run)` };
    },
    async publish(post: OutboundPost) {
      const measure = options.rules.measure(post.text);
      const counts = `${measure.length}/${options.rules.limit} ${options.rules.unit}${measure.note ? `, ${measure.note}` : ''}`;
      const header = `── dry run · ${options.platformLabel} · ${options.channelId} · ${counts} `;
      options.write(`${header.padEnd(72, '─')}\n${post.text}\n\n`);
      return { remoteId: `dry-run-${post.deliveryId}` };
    },
    // A dry run's post exists only in the store: it is always there to read back or delete.
    async readBack() {
      return { found: true };
    },
    async remove(post) {
      options.write(`── dry run · ${options.platformLabel} · ${options.channelId} · delete ${post.remoteId}\n\n`);
      return 'deleted';
    },
  };
}

/** An event of the store's log, as far as fates need it (the CLI reads the store only through the app). */
interface FateEvent {
  at: Date;
  kind: string;
  message: string;
  actor: string;
  articleId?: number | undefined;
  channelId?: string | undefined;
  data?: Record<string, unknown> | undefined;
}

/** What became of a story after it was queued or posted: taken back at its source, deleted, corrected. */
export interface Fate {
  articleId: number;
  what: 'pulled' | 'retracted' | 'corrected';
  by: string;
  at: Date;
  why: string;
  channels: string[];
}

/** The events that tell a story's fate, and what each one says happened. */
const FATE_OF: Record<string, Fate['what']> = {
  'article-pulled': 'pulled',
  'pulled-after-posting': 'pulled',
  'article-gone': 'pulled',
  'retraction-queued': 'retracted',
  'correction-queued': 'corrected',
};

export const FATE_EVENT_KINDS: readonly string[] = Object.keys(FATE_OF);

function why(event: FateEvent): string {
  const data = event.data ?? {};
  if (typeof data.reason === 'string') return data.reason;
  if (typeof data.text === 'string') return data.text;
  if (event.kind === 'article-gone') return event.message;
  if (event.kind === 'pulled-after-posting') return event.message;
  return 'article pulled at its source';
}

/**
 * One line per fate (who, when, why), from the article's events: the events of one command or
 * one pull (one per channel) fold into one line naming the channels. Oldest first.
 */
export function articleFates(events: readonly FateEvent[]): Fate[] {
  const fates: Fate[] = [];
  for (const event of [...events].sort((a, b) => a.at.getTime() - b.at.getTime())) {
    const what = FATE_OF[event.kind];
    if (what === undefined || event.articleId === undefined) continue;
    const reason = why(event);
    const same = fates.find((f) => f.articleId === event.articleId && f.what === what && f.by === event.actor && f.why === reason && Math.abs(f.at.getTime() - event.at.getTime()) < 60_000);
    const channels = event.channelId ? [event.channelId] : Array.isArray(event.data?.kept) ? (event.data.kept as string[]) : [];
    if (same) {
      for (const channel of channels) if (!same.channels.includes(channel)) same.channels.push(channel);
      continue;
    }
    fates.push({ articleId: event.articleId, what, by: event.actor, at: event.at, why: reason, channels: [...channels] });
  }
  return fates;
}

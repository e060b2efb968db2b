import type { StoreCliContext } from './context.js';
import { articleFates } from './article-fates.js';

const DAY_MS = 24 * 3_600_000;
/** Headlines are long: the status table shows their start. */
const TITLE_WIDTH = 40;

export interface PulledStory {
  articleId: number;
  title: string;
  /** When its source took it back (the first time in the window), and which source or who. */
  at: Date;
  by: string;
  /** Its posts still up now (posted, verified), and those deleted by a retraction. */
  up: number;
  retracted: number;
}

/** Stories taken back at their source in the last 24 h, newest first, with what is still up. */
export async function pulledStories({ app }: Pick<StoreCliContext, 'app'>, now: Date): Promise<PulledStory[]> {
  const events = await app.store.listEvents({ since: new Date(now.getTime() - DAY_MS), limit: 100_000 });
  const firsts = new Map<number, { at: Date; by: string }>();
  for (const fate of articleFates(events)) if (fate.what === 'pulled' && !firsts.has(fate.articleId)) firsts.set(fate.articleId, fate);
  const stories: PulledStory[] = [];
  for (const [articleId, first] of firsts) {
    const posts = await app.store.listDeliveries({ articleId, kinds: ['post'] });
    const title = (await app.editor.findArticle({ kind: 'id', id: articleId }))?.title ?? '';
    stories.push({
      articleId,
      title: [...title].length > TITLE_WIDTH ? `${[...title].slice(0, TITLE_WIDTH - 1).join('').trimEnd()}…` : title,
      at: first.at,
      by: first.by,
      up: posts.filter((p) => p.state === 'posted' || p.state === 'verified').length,
      retracted: posts.filter((p) => p.state === 'retracted').length,
    });
  }
  return stories.sort((a, b) => b.at.getTime() - a.at.getTime());
}

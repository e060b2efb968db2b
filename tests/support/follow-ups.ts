import type { PlatformAdapter } from '../../src/platforms/contract.js';

/** The adapter's optional follow-up methods, failing the test when the platform lacks one. */
export function followUps(adapter: PlatformAdapter): Required<Pick<PlatformAdapter, 'remove' | 'readBack' | 'recentPosts'>> &
  Pick<PlatformAdapter, 'edit'> {
  const { remove, readBack, recentPosts, edit } = adapter;
  if (!remove || !readBack || !recentPosts) throw new Error('the adapter lacks remove, readBack or recentPosts');
  return {
    remove: remove.bind(adapter),
    readBack: readBack.bind(adapter),
    recentPosts: recentPosts.bind(adapter),
    ...(edit ? { edit: edit.bind(adapter) } : {}),
  };
}

import { describe, expect, it } from 'vitest';
import { findOwnPost, postWords } from '../../src/delivery/match-own-post.js';

const LINK = 'https://gazette.example.org/2026/11/24/council-approves-harbour-bridge/';
const sent = {
  text: `Council approves the new harbour bridge after a year of debate\n\n#LocalNews ${LINK}`,
  links: [LINK],
};

describe('finding the post Crier sent among the account’s own posts', () => {
  it('X lists the post with its link as t.co: the same words match', () => {
    const posts = [
      { remoteId: '2', text: 'Another story https://t.co/zzz' },
      { remoteId: '1', text: 'Council approves the new harbour bridge after a year of debate #LocalNews https://t.co/AbC123' },
    ];
    expect(findOwnPost(posts, sent)?.remoteId).toBe('1');
  });

  it('Mastodon’s text built from HTML (line breaks folded, the link in full) matches', () => {
    const posts = [{ remoteId: '113', text: `Council approves the new harbour bridge after a year of debate #LocalNews ${LINK}` }];
    expect(findOwnPost(posts, sent)?.remoteId).toBe('113');
  });

  it('a post whose words were trimmed on the way matches by the article link and its opening', () => {
    const posts = [{ remoteId: '9', text: `Council approves the new harbour bridge after a year of debate, and more ${LINK}` }];
    expect(findOwnPost(posts, sent)?.remoteId).toBe('9');
  });

  it('another story, or the same headline linking elsewhere with other words, does not match', () => {
    const posts = [
      { remoteId: '3', text: `Council rejects the harbour tunnel ${LINK.replace('bridge', 'tunnel')}` },
      { remoteId: '4', text: 'Council approves the new harbour bridge: our live blog https://t.co/x' },
    ];
    expect(findOwnPost(posts, sent)).toBeUndefined();
  });

  it('the link may come from the platform’s own list of links (X entities, Mastodon hrefs); a reply is never the post', () => {
    const trimmed = 'Council approves the new harbour bridge after a year of debate, and more https://t.co/AbC';
    expect(findOwnPost([{ remoteId: '10', text: trimmed, links: [LINK] }], sent)?.remoteId).toBe('10');
    expect(findOwnPost([{ remoteId: '11', text: sent.text, replyTo: '1' }], sent)).toBeUndefined();
  });

  it('a post that is only a link matches by the link alone; a bare link in another post does not', () => {
    expect(findOwnPost([{ remoteId: '5', text: LINK }], { text: LINK, links: [LINK] })?.remoteId).toBe('5');
    expect(findOwnPost([{ remoteId: '6', text: 'https://t.co/q' }], { text: LINK, links: [LINK] })).toBeUndefined();
  });

  it('words are compared in NFC with links and runs of whitespace left aside', () => {
    expect(postWords('Cafe\u0301  opens\nhttps://t.co/1 today')).toBe('Café opens today');
  });
});

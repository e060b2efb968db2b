/**
 * Exercises the real Bluesky reference PDS harness (tests/support/pds.ts) with
 * the calls Crier makes: app-password login, session resume, blob upload, a
 * post with a link facet and an external card, and idempotent putRecord.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AppBskyEmbedExternal,
  AppBskyFeedPost,
  AtpAgent,
  ComAtprotoRepoGetRecord,
  ComAtprotoRepoPutRecord,
  RichText,
  XRPCError,
} from '@atproto/api';
import type { $Typed, AtpSessionData, AtpSessionEvent, BlobRef } from '@atproto/api';
import { TID } from '@atproto/common-web';
import sharp from 'sharp';

import { startTestPds } from '../support/pds.js';
import type { TestPds, TestPdsAccount } from '../support/pds.js';

const POST = 'app.bsky.feed.post';

let pds: TestPds;
let account: TestPdsAccount;

beforeAll(async () => {
  const t0 = performance.now();
  pds = await startTestPds();
  const startMs = performance.now() - t0;
  account = await pds.createAccount('crier-harness');
  console.log(
    `test PDS started in ${startMs.toFixed(0)} ms; account created after ${(performance.now() - t0).toFixed(0)} ms`,
  );
}, 60_000);

afterAll(async () => {
  await pds?.close();
});

interface LoggedIn {
  agent: AtpAgent;
  events: Array<{ evt: AtpSessionEvent; session: AtpSessionData | undefined }>;
}

async function login(): Promise<LoggedIn> {
  const events: LoggedIn['events'] = [];
  const agent = new AtpAgent({
    service: pds.url,
    persistSession: (evt, session) => {
      events.push({ evt, session });
    },
  });
  await agent.login({ identifier: account.handle, password: account.appPassword });
  return { agent, events };
}

async function tinyPng(): Promise<Buffer> {
  return sharp({
    create: { width: 8, height: 8, channels: 3, background: { r: 200, g: 30, b: 30 } },
  })
    .png()
    .toBuffer();
}

async function expectXrpcError(p: Promise<unknown>): Promise<XRPCError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(XRPCError);
    return err as XRPCError;
  }
  throw new Error('expected an XRPCError, call succeeded');
}

describe('test PDS harness', () => {
  it('serves on 127.0.0.1 and created an account with a .test handle', () => {
    expect(pds.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(account.handle).toBe('crier-harness.test');
    expect(account.did).toMatch(/^did:plc:/);
    expect(account.appPassword).toMatch(/^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$/);
  });

  it('counts one createSession per login, including failed ones', async () => {
    const before = pds.countCreateSessionCalls();
    const { agent, events } = await login();
    expect(pds.countCreateSessionCalls()).toBe(before + 1);
    expect(agent.session?.did).toBe(account.did);
    expect(events.map((e) => e.evt)).toEqual(['create']);

    await login();
    expect(pds.countCreateSessionCalls()).toBe(before + 2);

    const err = await expectXrpcError(
      new AtpAgent({ service: pds.url }).login({ identifier: account.handle, password: 'wrong' }),
    );
    expect(err.status).toBe(401);
    expect(err.error).toBe('AuthenticationRequired');
    expect(pds.countCreateSessionCalls()).toBe(before + 3);
  });

  it('resumeSession with a saved session does not call createSession', async () => {
    const { agent, events } = await login();
    const saved = events.at(-1)?.session;
    expect(saved).toBeDefined();
    if (!saved) return;
    const before = pds.countCreateSessionCalls();

    const resumedEvents: AtpSessionEvent[] = [];
    let persisted: AtpSessionData | undefined;
    const resumed = new AtpAgent({
      service: pds.url,
      persistSession: (evt, session) => {
        resumedEvents.push(evt);
        persisted = session;
      },
    });
    await resumed.resumeSession(saved);

    expect(pds.countCreateSessionCalls()).toBe(before);
    // resumeSession always refreshes: the refresh token rotates and the
    // handler gets 'update' with the new session, which must be saved.
    expect(resumedEvents).toEqual(['update']);
    expect(persisted?.did).toBe(account.did);
    expect(persisted?.refreshJwt).not.toBe(saved.refreshJwt);

    const desc = await resumed.com.atproto.repo.describeRepo({ repo: account.did });
    expect(desc.data.handle).toBe(account.handle);
    expect(pds.countCreateSessionCalls()).toBe(before);
    expect(agent.session?.did).toBe(account.did);
  });

  it('uploads a PNG and posts with a link facet and an external card', async () => {
    const { agent } = await login();

    const png = await tinyPng();
    const upload = await agent.uploadBlob(png, { encoding: 'image/png' });
    const blob: BlobRef = upload.data.blob;
    expect(blob.mimeType).toBe('image/png');
    expect(blob.size).toBe(png.length);

    const link = 'https://example.com/news/a?b=1';
    const text = `Café ✨ read ${link} now`;
    const rt = new RichText({ text });
    await rt.detectFacets(agent);
    const byteStart = Buffer.byteLength(text.slice(0, text.indexOf(link)), 'utf8');
    const byteEnd = byteStart + Buffer.byteLength(link, 'utf8');
    expect(byteStart).toBe(15); // "Café ✨ read " is 12 UTF-16 units but 15 UTF-8 bytes

    const embed: $Typed<AppBskyEmbedExternal.Main> = {
      $type: 'app.bsky.embed.external',
      external: { uri: link, title: 'A headline', description: 'A dek', thumb: blob },
    };
    const record: AppBskyFeedPost.Record = {
      $type: POST,
      text: rt.text,
      facets: rt.facets,
      embed,
      langs: ['en'],
      createdAt: new Date().toISOString(),
    };
    const created = await agent.com.atproto.repo.createRecord({
      repo: account.did,
      collection: POST,
      record,
    });
    expect(created.data.validationStatus).toBe('valid');
    const rkey = created.data.uri.split('/').at(-1) ?? '';
    expect(TID.is(rkey)).toBe(true);

    const got = await agent.com.atproto.repo.getRecord({ repo: account.did, collection: POST, rkey });
    expect(got.data.cid).toBe(created.data.cid);
    const value = got.data.value;
    expect(AppBskyFeedPost.isRecord(value)).toBe(true);
    const post = value as AppBskyFeedPost.Record;
    expect(post.text).toBe(text);
    expect(post.facets).toEqual([
      {
        index: { byteStart, byteEnd },
        features: [{ $type: 'app.bsky.richtext.facet#link', uri: link }],
      },
    ]);
    expect(AppBskyEmbedExternal.isMain(post.embed)).toBe(true);
    const card = post.embed as AppBskyEmbedExternal.Main;
    expect(card.external.uri).toBe(link);
    expect(card.external.title).toBe('A headline');
    expect(card.external.description).toBe('A dek');
    // Read back, the thumb is a BlobRef again (jsonToLex in the client).
    expect(card.external.thumb?.ref.toString()).toBe(blob.ref.toString());
    expect(card.external.thumb?.mimeType).toBe('image/png');
  });

  it('putRecord with a chosen TID rkey is idempotent', async () => {
    const { agent } = await login();
    const collection = POST;
    const rkey = TID.nextStr();
    const record: AppBskyFeedPost.Record = {
      $type: POST,
      text: 'idempotent post',
      // Must be fixed across retries: same content => same CID => no-op.
      createdAt: '2025-01-02T03:04:05.000Z',
    };

    const first = await agent.com.atproto.repo.putRecord({ repo: account.did, collection, rkey, record });
    const second = await agent.com.atproto.repo.putRecord({ repo: account.did, collection, rkey, record });
    expect(second.data.uri).toBe(first.data.uri);
    expect(second.data.cid).toBe(first.data.cid);
    expect(first.data.commit).toBeDefined();
    expect(second.data.commit).toBeUndefined(); // identical record: no new commit

    // swapRecord: null = "create only if absent"; same content is still a no-op.
    const third = await agent.com.atproto.repo.putRecord({
      repo: account.did,
      collection,
      rkey,
      record,
      swapRecord: null,
    });
    expect(third.data.cid).toBe(first.data.cid);

    const listed = await agent.com.atproto.repo.listRecords({ repo: account.did, collection, limit: 100 });
    expect(listed.data.records.filter((r) => r.uri.endsWith(`/${rkey}`))).toHaveLength(1);

    // ...but different content under swapRecord: null is refused.
    const swapErr = await expectXrpcError(
      agent.com.atproto.repo.putRecord({
        repo: account.did,
        collection,
        rkey,
        record: { ...record, text: 'changed' },
        swapRecord: null,
      }),
    );
    expect(swapErr).toBeInstanceOf(ComAtprotoRepoPutRecord.InvalidSwapError);
    expect(swapErr.status).toBe(400);
    expect(swapErr.error).toBe('InvalidSwap');

    // Without swapRecord, different content overwrites: still one record.
    const updated = await agent.com.atproto.repo.putRecord({
      repo: account.did,
      collection,
      rkey,
      record: { ...record, text: 'changed' },
    });
    expect(updated.data.cid).not.toBe(first.data.cid);
    const after = await agent.com.atproto.repo.listRecords({ repo: account.did, collection, limit: 100 });
    expect(after.data.records.filter((r) => r.uri.endsWith(`/${rkey}`))).toHaveLength(1);
  });

  it('maps PDS errors to XRPCError', async () => {
    const { agent } = await login();
    const record: AppBskyFeedPost.Record = {
      $type: POST,
      text: 'x',
      createdAt: new Date().toISOString(),
    };

    // Posts need a TID rkey.
    const badKey = await expectXrpcError(
      agent.com.atproto.repo.putRecord({ repo: account.did, collection: POST, rkey: 'article-123', record }),
    );
    expect(badKey.status).toBe(400);
    expect(badKey.error).toBe('InvalidRequest');

    // Missing record.
    const missing = await expectXrpcError(
      agent.com.atproto.repo.getRecord({ repo: account.did, collection: POST, rkey: TID.nextStr() }),
    );
    expect(missing).toBeInstanceOf(ComAtprotoRepoGetRecord.RecordNotFoundError);
    expect(missing.status).toBe(400);
    expect(missing.error).toBe('RecordNotFound');

    // createRecord on an existing rkey is a 500 in this PDS: do not use
    // createRecord+rkey for idempotency, use putRecord.
    const rkey = TID.nextStr();
    await agent.com.atproto.repo.createRecord({ repo: account.did, collection: POST, rkey, record });
    const dup = await expectXrpcError(
      agent.com.atproto.repo.createRecord({ repo: account.did, collection: POST, rkey, record }),
    );
    expect(dup.status).toBe(500);

    // Nothing listening: status 1 (ResponseType.Unknown), error 'Unknown'.
    const down = await expectXrpcError(
      new AtpAgent({ service: 'http://127.0.0.1:9' }).com.atproto.server.describeServer(),
    );
    expect(down.status).toBe(1);
    expect(down.error).toBe('Unknown');
  });
});

/** Where `crier init` puts the store unless --store says otherwise: a state folder beside the config. */
export const DEFAULT_STARTER_STORE = 'state/crier.db';

/**
 * What `crier init` writes: a production starter, not the demo. No backfill (adding it posts
 * nothing old), the 24 h maxAge, the store in a state folder of its own (never the demo's
 * `.crier-demo/`, which `npm run demo:reset` deletes), and every secret as ${ENV}. Its channels
 * are real: `crier config validate` lists the variables still to set before anything can post.
 */
export function starterConfig(storePath: string = DEFAULT_STARTER_STORE): string {
  return `# Crier configuration. Reference: README.md → "Configuration reference".
# Check it with:  npx crier config validate      Verify credentials with:  npx crier check
# Editor completion: add a first line  # yaml-language-server: $schema=<path to Crier>/config/crier.schema.json

store:
  path: ${storePath}   # SQLite file (relative to this file); it holds sessions and tokens: keep it private and backed up

defaults:
  interval: 60s                  # how often sources are polled (jittered)
  maxAge: 24h                    # never post items older than this
  language: en

sources:
  - id: main
    kind: feed                   # RSS, Atom or JSON Feed; or wordpress, websub, webhook (README)
    url: https://news.example.org/feed/
    # The first poll records what the feed holds and posts nothing. To post the N newest
    # instead, add  backfill: N  (once: it only applies to the very first poll).

channels:
  # Real accounts: their secrets come from the environment (or add File to a field's name and
  # give a path, e.g. accessTokenFile: /run/secrets/mastodon). README → "Platforms" says how to
  # get them. Add  dryRun: true  to a channel to print what it would post instead.
  - id: x-main
    platform: x
    # dailyLimit: 17             # your X plan's daily post cap (the free tier allowed 17)
    credentials:
      appKey: \${X_APP_KEY}
      appSecret: \${X_APP_SECRET}
      accessToken: \${X_ACCESS_TOKEN}
      accessSecret: \${X_ACCESS_SECRET}
  - id: bluesky-main
    platform: bluesky
    service: https://bsky.social # your PDS, if self-hosted
    credentials:
      identifier: news.example.org   # the account's handle or DID (not a secret)
      appPassword: \${BSKY_APP_PASSWORD}
  - id: mastodon-main
    platform: mastodon
    instance: https://mastodon.social
    credentials:
      accessToken: \${MASTODON_TOKEN}

routes:
  - id: everything
    channels: [x-main, bluesky-main, mastodon-main]
`;
}

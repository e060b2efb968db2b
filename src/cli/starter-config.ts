/** What `crier init` writes: every section, commented, safe to run as is (dry-run channels). */
export const STARTER_CONFIG = `# Crier configuration. Reference: README.md → "Configuration reference".
# Check it with:  crier config validate      Verify credentials with:  crier check
# Editor completion: add a first line  # yaml-language-server: $schema=<path to Crier>/config/crier.schema.json

store:
  path: crier.db                 # SQLite file, relative to this file

defaults:
  interval: 60s                  # how often sources are polled (jittered)
  maxAge: 24h                    # never post items older than this
  language: en

sources:
  - id: main
    kind: feed                   # RSS, Atom or JSON Feed
    url: https://news.example.org/feed/
    # backfill: 3                # first poll: post the 3 newest instead of nothing

channels:
  # Start with dry runs: they print what would be posted. Remove dryRun and add credentials
  # to go live (README → "Platforms" says how to get them).
  - id: x-main
    platform: x
    dryRun: true
    # credentials:
    #   appKey: \${X_APP_KEY}
    #   appSecret: \${X_APP_SECRET}
    #   accessToken: \${X_ACCESS_TOKEN}
    #   accessSecret: \${X_ACCESS_SECRET}
  - id: bluesky-main
    platform: bluesky
    dryRun: true
    # credentials:
    #   identifier: news.example.org
    #   appPassword: \${BSKY_APP_PASSWORD}
  - id: mastodon-main
    platform: mastodon
    instance: https://mastodon.social
    dryRun: true
    # credentials:
    #   accessToken: \${MASTODON_TOKEN}

routes:
  - id: everything
    channels: [x-main, bluesky-main, mastodon-main]
`;

/**
 * What a person does when a channel's credentials stop working, for alerts and logs: the platform's
 * own wording decides which fix applies. Each ends in the commands that prove the fix and restart
 * the channel's queue.
 */
export function credentialsFix(channelId: string, reason: string): string {
  const then = `then crier check (it logs in with the configured credentials) and crier resume ${channelId}`;
  // X answers a write with a read-only app's token with 403 and "oauth1-permissions" / "not
  // configured with the appropriate oauth1 app permissions" (https://docs.x.com/x-api/fundamentals/response-codes-and-errors);
  // Mastodon with 403 "This action is outside the authorized scopes" (https://docs.joinmastodon.org/api/oauth-scopes/).
  if (/read-only|oauth1[- ]?(app )?permissions|outside the authorized scopes|scope/i.test(reason)) {
    return `the app behind ${channelId} may only read: give it write permission (X: User authentication settings → Read and write, then regenerate the access token and secret; Mastodon: a token with the write:statuses scope), update the channel's credentials, ${then}`;
  }
  if (/session|refresh|expired|revoked/i.test(reason)) {
    return `the saved session of ${channelId} cannot be refreshed: check the app password or token is still valid (not revoked), ${then}`;
  }
  return `renew or correct the credentials of ${channelId}, ${then}`;
}

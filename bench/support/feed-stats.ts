/** What the bench feed server (feed-server.ts) has answered so far, from GET /_stats. */
export interface FeedServerStats {
  requests: number;
  notModified: number;
  ok: number;
  conditional: number;
  bytesSent: number;
}

export async function feedServerStats(url: string): Promise<FeedServerStats> {
  return (await (await fetch(`${url}/_stats`)).json()) as FeedServerStats;
}

/** What the polling benchmark's client processes are asked to do and report back. */
export interface PollerOptions {
  url: string;
  feeds: number;
  /** The feed server's round to start from (rounds only go forward across clients). */
  startRound: number;
  costRounds: number;
  ratePerMinute: number;
  pacedWindows: number;
  pacedWindowMs: number;
  bigRuns: number;
  /** Crier only: keep the SQLite store in this directory (the daemon run reuses it). */
  storeDir?: string;
}

export interface RoundCost {
  round: number;
  polls: number;
  notModified: number;
  changed: number;
  cpuMsPer304: number;
  cpuMsPer304User: number;
  cpuMsPer304System: number;
  cpuMsPerChanged: number;
  cpuMsPerPoll: number;
  wallMs: number;
  pollsPerMinute: number;
}

export interface PacedWindowResult {
  polls: number;
  wallMs: number;
  cpuMs: number;
  cpuPercent: number;
  pollsPerMinute: number;
}

export interface BigFeedRun {
  bodyBytes: number;
  items: number;
  fetchMs: number;
  parseMs: number;
  /** Event-loop delay beyond the 10 ms sampling interval, while the feed is fetched and parsed. */
  lagP99Ms: number;
  lagMaxMs: number;
  samples: number;
  wholePollMs: number;
  wholePollLagP99Ms: number;
  wholePollLagMaxMs: number;
}

export interface PollerResult {
  lastRound: number;
  firstPoll: { cpuMsPerPoll: number; wallMs: number };
  rounds: RoundCost[];
  paced: PacedWindowResult[];
  /** process.memoryUsage() at the highest RSS seen during the paced run. */
  memoryAtPeak: NodeJS.MemoryUsage;
  maxRssBytes: number;
  big: BigFeedRun[];
  summary: {
    cpuMsPer304: number;
    cpuMsPerChanged: number;
    cpuMsPerPoll: number;
    maxPollsPerMinute: number;
    pacedPollsPerMinute: number;
    pacedCpuPercent: number;
    bigLagP99Ms: number;
    bigParseMs: number;
    bigWholePollLagP99Ms: number;
  };
}

export interface NaiveResult {
  lastRound: number;
  rounds: { polls: number; cpuMsPerPoll: number; wallMs: number; pollsPerMinute: number; newItems: number }[];
  paced: PacedWindowResult[];
  maxRssBytes: number;
  big: { parseMs: number; lagP99Ms: number; lagMaxMs: number }[];
  summary: {
    cpuMsPerPoll: number;
    maxPollsPerMinute: number;
    pacedPollsPerMinute: number;
    pacedCpuPercent: number;
    bigLagP99Ms: number;
  };
}

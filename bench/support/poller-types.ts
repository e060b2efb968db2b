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

export interface PollerResult {
  lastRound: number;
  firstPoll: { cpuMsPerPoll: number; wallMs: number };
  rounds: RoundCost[];
  paced: PacedWindowResult[];
  /** process.memoryUsage() at the highest RSS seen during the paced run. */
  memoryAtPeak: NodeJS.MemoryUsage;
  maxRssBytes: number;
  summary: {
    cpuMsPer304: number;
    cpuMsPerChanged: number;
    cpuMsPerPoll: number;
    maxPollsPerMinute: number;
    pacedPollsPerMinute: number;
    pacedCpuPercent: number;
  };
}

export interface NaiveResult {
  lastRound: number;
  rounds: { polls: number; cpuMsPerPoll: number; wallMs: number; pollsPerMinute: number; newItems: number }[];
  paced: PacedWindowResult[];
  maxRssBytes: number;
  summary: {
    cpuMsPerPoll: number;
    maxPollsPerMinute: number;
    pacedPollsPerMinute: number;
    pacedCpuPercent: number;
  };
}

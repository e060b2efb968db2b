/** Failures in a row after which a source's trouble is logged at error level and alerted (once). */
export const ALERT_AFTER_FAILURES = 3;

/**
 * Socket-level error codes raised before a single byte of the request left: nothing can have
 * been posted, so a retry is always safe (`transient`). Everything else on the wire (a reset or
 * a timeout mid-request) may have reached the platform and is an unknown outcome. Shared by every
 * adapter's error mapper.
 */
export const NOT_SENT_CODES: ReadonlySet<string> = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

import { ClientRequest, IncomingMessage, type IncomingHttpHeaders } from 'node:http';
import { Socket } from 'node:net';
import { ApiPartialResponseError, ApiRequestError, ApiResponseError, type TwitterApiErrorData } from 'twitter-api-v2';
import { describe, expect, it } from 'vitest';
import { PublishError } from '../../src/platforms/errors.js';
import { X_DUPLICATE_PREFIX, isXDuplicate, mapXError, xResetAt } from '../../src/platforms/x/errors.js';

// The mapper only reads status, headers and body; the request object is never touched.
const request = Object.create(ClientRequest.prototype) as ClientRequest;

function response(status: number): IncomingMessage {
  const message = new IncomingMessage(new Socket());
  message.statusCode = status;
  return message;
}

function responseError(
  code: number,
  data: TwitterApiErrorData | string,
  headers: IncomingHttpHeaders = {},
): ApiResponseError {
  // twitter-api-v2 passes a non-JSON body through as a string; its type says object.
  return new ApiResponseError(`Request failed with code ${code}`, {
    code,
    data: data as TwitterApiErrorData,
    headers,
    request,
    response: response(code),
  });
}

/** Built the way twitter-api-v2 1.29.1's request handler builds it: the socket error in `error`. */
function requestError(error: Error): ApiRequestError {
  return new ApiRequestError('Request failed.', { request, error });
}

function systemError(code: string, message = code): Error {
  return Object.assign(new Error(message), { code });
}

const DUPLICATE = {
  detail: 'You are not allowed to create a Tweet with duplicate content.',
  type: 'about:blank',
  title: 'Forbidden',
  status: 403,
};

describe('mapXError: HTTP answers', () => {
  it('maps 429 to rate-limited with the window reset', () => {
    const error = mapXError(
      responseError(
        429,
        { title: 'Too Many Requests' },
        { 'x-rate-limit-reset': '1740833100', 'x-rate-limit-remaining': '0' },
      ),
    );
    expect(error.code).toBe('rate-limited');
    expect(error.status).toBe(429);
    expect(error.resetAt).toEqual(new Date(1740833100_000));
  });

  it('maps the legacy 420 "enhance your calm" to rate-limited', () => {
    expect(mapXError(responseError(420, {})).code).toBe('rate-limited');
  });

  it('leaves resetAt unset when X sends no reset header', () => {
    expect(mapXError(responseError(429, {})).resetAt).toBeUndefined();
  });

  it.each([
    [401, 'auth'],
    [403, 'auth'],
    [400, 'rejected'],
    [404, 'rejected'],
    [413, 'rejected'],
    // RFC 9110 §15.5.9: the server never got the whole request, so it never acted.
    [408, 'transient'],
    [500, 'unknown-outcome'],
    [502, 'unknown-outcome'],
    [503, 'unknown-outcome'],
  ] as const)('maps HTTP %i to %s', (status, code) => {
    const error = mapXError(responseError(status, { title: 'Something', detail: 'went wrong' }));
    expect(error.code).toBe(code);
    expect(error.status).toBe(status);
    expect(error.cause).toBeInstanceOf(ApiResponseError);
  });

  it('keeps X’s problem title and detail in the message', () => {
    const error = mapXError(
      responseError(400, { title: 'Invalid Request', detail: 'One or more parameters to your request was invalid.' }),
    );
    expect(error.message).toContain('Invalid Request: One or more parameters to your request was invalid.');
  });

  it('says so when the body is not JSON', () => {
    expect(mapXError(responseError(503, '<html>Over capacity</html>')).message).toContain(
      'non-JSON body: <html>Over capacity</html>',
    );
  });
});

describe('mapXError: duplicates', () => {
  it('maps the v2 duplicate-content 403 to rejected with a recognisable prefix', () => {
    const error = mapXError(responseError(403, DUPLICATE));
    expect(error.code).toBe('rejected');
    expect(error.message.startsWith(`${X_DUPLICATE_PREFIX}:`)).toBe(true);
    expect(isXDuplicate(error)).toBe(true);
    expect(isXDuplicate(error.cause)).toBe(true);
  });

  it('recognises the v1.1 form (code 187)', () => {
    const raw = responseError(403, { errors: [{ code: 187, message: 'Status is a duplicate.' }] });
    expect(mapXError(raw).code).toBe('rejected');
    expect(isXDuplicate(raw)).toBe(true);
  });

  it('does not call other refusals duplicates', () => {
    expect(
      isXDuplicate(mapXError(responseError(403, { detail: 'You are not permitted to perform this action.' }))),
    ).toBe(false);
    expect(isXDuplicate(mapXError(responseError(400, { detail: 'duplicate content' })))).toBe(false);
    expect(isXDuplicate(new PublishError('rejected', `${X_DUPLICATE_PREFIX}: forged`))).toBe(false);
    expect(isXDuplicate(new Error('You are not allowed to create a Tweet with duplicate content.'))).toBe(false);
  });
});

describe('mapXError: network', () => {
  it.each(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ENETUNREACH', 'EHOSTUNREACH'])(
    'maps %s (nothing was sent) to transient',
    (code) => {
      const error = mapXError(requestError(systemError(code)));
      expect(error.code).toBe('transient');
      expect(error.message).toContain(code);
    },
  );

  it.each(['ECONNRESET', 'EPIPE', 'ETIMEDOUT'])('maps %s (may have been sent) to unknown-outcome', (code) => {
    expect(mapXError(requestError(systemError(code))).code).toBe('unknown-outcome');
  });

  it('maps the library’s own request timeout to unknown-outcome', () => {
    expect(mapXError(requestError(new Error('Request timeout.'))).code).toBe('unknown-outcome');
  });

  it('maps a cut or unparseable response to unknown-outcome', () => {
    const partial = new ApiPartialResponseError(
      'Request failed with partial response with HTTP code 200 (parse error)',
      {
        request,
        response: response(200),
        responseError: new SyntaxError('Unexpected end of JSON input'),
        rawContent: '{"data":{"id":',
      },
    );
    const error = mapXError(partial);
    expect(error.code).toBe('unknown-outcome');
    expect(error.status).toBe(200);
  });
});

describe('mapXError: anything else', () => {
  it('passes PublishErrors through unchanged', () => {
    const original = new PublishError('transient', 'cancelled');
    expect(mapXError(original)).toBe(original);
  });

  it('treats an unexpected error as an unknown outcome, keeping it as cause', () => {
    const cause = new TypeError('Cannot read properties of undefined');
    const error = mapXError(cause);
    expect(error.code).toBe('unknown-outcome');
    expect(error.cause).toBe(cause);
  });
});

describe('xResetAt', () => {
  it('takes the later of the window reset and a spent daily cap', () => {
    expect(
      xResetAt({
        'x-rate-limit-reset': '1740833100',
        'x-app-limit-24hour-remaining': '0',
        'x-app-limit-24hour-reset': '1740900000',
        'x-user-limit-24hour-remaining': '0',
        'x-user-limit-24hour-reset': '1740902400',
      }),
    ).toEqual(new Date(1740902400_000));
  });

  it('ignores the daily reset while the daily cap has posts left', () => {
    expect(
      xResetAt({
        'x-rate-limit-reset': '1740833100',
        'x-user-limit-24hour-remaining': '3',
        'x-user-limit-24hour-reset': '1740902400',
      }),
    ).toEqual(new Date(1740833100_000));
  });

  it('ignores values that are not epoch seconds', () => {
    expect(xResetAt({ 'x-rate-limit-reset': 'soon' })).toBeUndefined();
  });
});

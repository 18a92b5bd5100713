/**
 * PostgreSQL's SQLSTATEs and the network errors that mean "the database is not
 * there right now" (restarting, failing over, full), not "this request is wrong":
 * admin_shutdown, crash_shutdown, cannot_connect_now, too_many_connections and
 * the connection_exception class.
 */
const UNAVAILABLE_SQLSTATES = new Set([
  '57P01',
  '57P02',
  '57P03',
  '53300',
  '08000',
  '08001',
  '08003',
  '08004',
  '08006',
]);
/**
 * A socket's errors: node-postgres throws them as they are (or TypeORM wraps
 * them as `driverError`). The same codes under another error's `cause` are
 * someone else's socket (a `fetch` to Unleash, to clamd): not the database.
 */
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);

/** What node-postgres and TypeORM say when a connection went away under a query. */
const UNAVAILABLE_MESSAGES = [
  /^Connection terminated/,
  /timeout exceeded when trying to connect/,
  /Query read timeout/,
  /Client has encountered a connection error and is not queryable/,
  /Database connection provided by a query runner was already released/,
  // TypeORM releases a transaction's runner when its connection fails; the
  // COMMIT that follows meets it released.
  /^Query runner already released/,
];

/**
 * Whether an error is the database being unreachable for a moment (a restart,
 * a failover, every connection taken), looking through TypeORM's
 * QueryFailedError (`driverError`) and `cause`. Such an error is answered 503
 * with Retry-After, not 500: the request can be sent again as it is.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  let current: unknown = error;
  let throughCause = false;
  // Not `instanceof Error`: errors raised by Node's own sockets may come from
  // another realm (under the test runner's VM, for one).
  for (let depth = 0; depth < 4 && typeof current === 'object' && current !== null; depth++) {
    const found = current as {
      code?: unknown;
      message?: unknown;
      driverError?: unknown;
      cause?: unknown;
    };
    const code = typeof found.code === 'string' ? found.code : '';
    if (UNAVAILABLE_SQLSTATES.has(code)) return true;
    if (!throughCause && SOCKET_CODES.has(code)) return true;
    const message = typeof found.message === 'string' ? found.message : '';
    if (UNAVAILABLE_MESSAGES.some((pattern) => pattern.test(message))) return true;
    throughCause ||= found.driverError === undefined;
    current = found.driverError ?? found.cause;
  }
  return false;
}

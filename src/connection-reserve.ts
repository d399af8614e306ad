/**
 * The reserve of connections a listener accepts past its bound only to answer their first
 * request "full, retry" (503, `retry-after`, connection closed) instead of closing them unread,
 * which clients retry blindly as a connection error. Shared by the gateway (limits.max_connections)
 * and the egress proxy (egress_proxy.max_connections), so that both answer the same way.
 */

/**
 * Connections accepted past `maxConnections` only to be answered 503: a 32nd of it, at least
 * one (64 for the gateway's default 2048, 32 for the egress proxy's 1024). Bounded so that a
 * flood past the bound still costs a small, known number of file descriptors; past those, new
 * connections are closed unread.
 */
export const connectionReserve = (maxConnections: number): number => Math.ceil(maxConnections / 32);

/** A reserve connection whose request head has not arrived within this time is closed. */
export const RESERVE_HEAD_MS = 10_000;

/** Seconds a client answered 503 from the reserve is told to wait (`retry-after`). */
export const CONNECTIONS_FULL_RETRY_AFTER_S = 2;

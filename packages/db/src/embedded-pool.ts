/**
 * Pool size every client of the embedded server must use. PGlite is a single Postgres backend and
 * the socket server attaches one connection at a time (the next one waits), so a pool of 2 would
 * deadlock as soon as one connection holds a transaction. Pass this as `max` to createPgAdapter /
 * pg.Pool, and run applyMigrations before opening the app's pool. Its own file so that importing it
 * never loads PGlite.
 */
export const EMBEDDED_POOL_MAX = 1;

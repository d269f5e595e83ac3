/**
 * Server settings of every embedded PostgreSQL (PGlite), its template's initdb included.
 * PostgreSQL's 128 MB shared_buffers default is written into the wasm heap as pages are read, and a
 * development database is a few MB: 16 MB keeps it in cache and saves ~100 MB per embedded server.
 */
export const EMBEDDED_SETTINGS = ["-c", "shared_buffers=16MB", "-c", "work_mem=4MB", "-c", "maintenance_work_mem=16MB"];

/**
 * The largest request memefs asks the kernel for (max_write, max_pages, and the read-ahead), in a
 * module of its own so that mounting code can use it without loading the protocol's struct tables.
 */
export const MAX_WRITE = 1 << 20;

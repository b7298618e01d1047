/**
 * Message numbers of the sync socket, shared by the page (app/collab/use-sync.ts) and the
 * server (server/protocol.ts): y-websocket's own, and Accord's additions above 100.
 */
export const MESSAGE_SYNC = 0
export const MESSAGE_AWARENESS = 1
export const MESSAGE_AUTH = 2
export const MESSAGE_QUERY_AWARENESS = 3
/** Accord: the state vector of this connection's changes that are now on disk. */
export const MESSAGE_SAVED = 100
/** Accord: something beside the text changed (brackets, statuses…): a JSON notice to refetch. */
export const MESSAGE_NOTICE = 101
/**
 * Accord: the page's heartbeat, one byte each way. The transport answers it before any room,
 * so a document still loading does not make a live connection look dead.
 */
export const MESSAGE_HEARTBEAT = 102

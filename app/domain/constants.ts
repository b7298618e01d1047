/**
 * Limits and timings shared by the web app and the sync server. Units are in the names.
 */

/**
 * Group-commit window of the update log. An edit the server has accepted is on disk within
 * this window: it is the most a crash (kill -9) can lose on the server side, and the clients
 * re-send exactly that on reconnect (their state is diffed against the server's on sync).
 * Each write holds the server's thread (on the embedded database): a longer window means fewer
 * writes and less CPU, for a longer window a crash can lose (docs/sync-performance-notebook.md,
 * item 22). Server-side edits from the web routes do not wait for it: they are written at once.
 */
export const GROUP_COMMIT_WINDOW_MS = 100

/**
 * Retry a failed log write after this delay, doubling up to STORE_RETRY_MAX_MS, up to
 * STORE_MAX_ATTEMPTS times in a row (about 3 minutes); then wait for the next change or flush.
 * Unwritten changes are never dropped: the room stays in memory.
 */
export const STORE_RETRY_INITIAL_MS = 100
export const STORE_RETRY_MAX_MS = 5_000
export const STORE_MAX_ATTEMPTS = 40

/** Write a checkpoint after this many log rows since the last one (in the background). */
export const CHECKPOINT_EVERY_ROWS = 500
/** …but not more often than this for one document. */
export const CHECKPOINT_DEBOUNCE_MS = 5_000

/**
 * Presence (carets, names) is sent to a room at most this often: the latest state of each
 * client. A caret that trails by a tenth of a second is not noticed; the providers' echo storm
 * (each one answers every presence frame) is what it saves. Text is never held back.
 */
export const PRESENCE_INTERVAL_MS = 100
/**
 * …and less often in a large room: presence frames sent by one room stay under this many a
 * second (room size × frames a second), so 500 people get carets every 250 ms.
 */
export const PRESENCE_FRAMES_BUDGET_PER_S = 2_000
/** With no text update to carry it, waiting presence goes alone this long after the interval. */
export const PRESENCE_WAIT_FOR_UPDATE_MS = 20
/**
 * Connections that echo presence (the official y-websocket and Hocuspocus providers send back
 * every state they receive, yjs/yjs#732; Accord's page does not): each presence frame sent to
 * one comes back as an incoming message, and costs the client a parse and a send. The whole
 * process sends them at most about this many frames a second: up to 25 of them connected, each
 * still gets presence every PRESENCE_INTERVAL_MS; with more, each room gives them presence less
 * often (160 connections: every 640 ms; 1,000: every 4 s; never less often than every 5 s),
 * and with no text update to carry it, waits as long again before sending it alone. Their carets
 * then trail by up to twice that interval; their text never waits, and Accord's page is not
 * slowed (ADR 006; docs/sync-performance-notebook.md, item 45).
 */
export const ECHO_PRESENCE_BUDGET_PER_S = 250
/**
 * …but each gets presence at least this often, whatever the number (past 1,250 of them the
 * budget is exceeded): y-protocols drops a state not renewed within 30 s, and the official
 * providers would see carets vanish. A client renews 15-18 s after its last change; the echoing
 * connections get the renewal at their next turn (at most this interval) or, with no text to
 * carry it, as long again after: at most 28 s.
 */
export const ECHO_PRESENCE_MAX_INTERVAL_MS = 5_000
/**
 * A room's echoing connections are split into this many groups that take turns for presence:
 * one group per flush, the one waiting longest, at least a fifth of the interval after the last
 * (at 100 ms: a group every 20 ms or more). Every frame such a connection gets comes back, and
 * where many of them share one machine (a proxy, a test bench), a whole room answering at once
 * delays the text that follows.
 */
export const ECHO_PRESENCE_GROUPS = 5
/**
 * …a group for every this many of them: a room of 20 keeps one group (its echoes are no burst,
 * and each group costs a presence frame of its own), 160 make 5 groups of 32.
 */
export const ECHO_PRESENCE_GROUP_SIZE = 32

/**
 * For a document kept as its stored bytes, the server sends its own sync step 1 (which asks a
 * client for what it holds) after answering the client's: its state vector means reading the
 * whole stored history (slow for a long one), which a joining client need not wait for. A
 * client that sends no sync step 1 gets the server's after this long.
 */
export const SYNC_STEP1_WAIT_MS = 100

/**
 * A loaded document nobody has changed or read for this long goes back to its encoded form (a
 * fraction of a built Yjs document's memory, and off the JavaScript heap); the next change or
 * read builds it again (cheap for a text of ordinary length).
 */
export const ROOM_SLEEP_AFTER_MS = 30_000

/** Keep a room with no connection this long before writing and unloading it (absorbs reloads). */
export const ROOM_UNLOAD_DELAY_MS = 1_000

/**
 * Bounds on what one paragraph and one attribute may hold (app/domain/document-shape.ts): far
 * above any negotiated paragraph, low enough that no client fills the server's memory with one.
 */
export const MAX_PARAGRAPH_CHARS = 50_000
export const MAX_ATTRIBUTE_CHARS = 200

/**
 * Largest a document may grow (its stored form: the last checkpoint and the changes since).
 * A negotiated text with its whole history is a few megabytes; past this, changes that add
 * anything are refused and undone with a sentence, deletions still pass.
 */
export const MAX_DOCUMENT_BYTES = 32 * 1024 * 1024

/**
 * What one connection may send: messages and bytes a second, with a burst allowance (a
 * reconnect after typing offline sends one large change; a fast typist sends about 20 messages
 * a second with its caret). Past it the server stops reading the socket and takes what it read
 * in batches every CONNECTION_PACE_MS (back-pressure: a batch reaches the others as one frame),
 * so a flooding client slows itself, not the room. One that stays past it for
 * CONNECTION_OVER_BUDGET_MS is closed (CLOSE_CODES.sendingTooFast): no person does that, and its
 * unread backlog would otherwise keep coming long after it stopped.
 */
export const CONNECTION_MESSAGES_PER_S = 50
export const CONNECTION_MESSAGES_BURST = 150
export const CONNECTION_BYTES_PER_S = 1024 * 1024
export const CONNECTION_BYTES_BURST = 8 * 1024 * 1024
export const CONNECTION_PACE_MS = 100
export const CONNECTION_OVER_BUDGET_MS = 10_000

/** Sync sockets one person may hold open at once (a page holds one per document). */
export const MAX_SOCKETS_PER_USER = 32

/**
 * The page's heartbeat: with nothing heard from the server for HEARTBEAT_AFTER_MS it asks
 * (the server answers at once, before any room); with nothing for HEARTBEAT_DEAD_MS, the
 * connection is taken as lost and the page says so and reconnects. A dropped network shows
 * within about five seconds instead of y-websocket's thirty.
 */
export const HEARTBEAT_AFTER_MS = 1_500
export const HEARTBEAT_DEAD_MS = 3_500
/**
 * …but before the first full sync on a connection, the answer may wait behind the whole
 * document (one frame, megabytes on a slow link): the page waits this long before giving up.
 */
export const HEARTBEAT_DEAD_WHILE_SYNCING_MS = 15_000
/** How often the page looks at its heartbeat. */
export const HEARTBEAT_CHECK_MS = 500

/** A socket the server closes is ended this long after its close frame, reply or not. */
export const CLOSE_GRACE_MS = 500

/** Largest WebSocket frame accepted; larger ones close the connection with 1009. */
export const MAX_MESSAGE_BYTES = 2 * 1024 * 1024

/** Bytes waiting to be sent to one client before it is disconnected as too slow (it resyncs on reconnect). */
export const MAX_BUFFERED_BYTES = 32 * 1024 * 1024

/** Messages (and bytes) a connection may queue while its document is still loading. */
export const MAX_QUEUED_MESSAGES = 256
export const MAX_QUEUED_BYTES = 4 * 1024 * 1024

/** Upgrades being authenticated at once; more are answered 503. */
export const MAX_PENDING_UPGRADES = 256

/** Server ping; a connection that missed one pong is terminated. */
export const PING_INTERVAL_MS = 30_000

/**
 * Event streams re-check their reader this often, besides at once when the app ends a session
 * or changes who takes part in the meeting.
 */
export const RECHECK_ACCESS_MS = 2 * 60_000

/**
 * Every open sync socket's session and participation is checked this often, all in one go (one
 * query for the sessions, one per meeting): what the app changes reaches sockets at once (pushed),
 * this catches what changed elsewhere (another instance, the database itself, a session's expiry).
 */
export const ACCESS_SWEEP_MS = 5_000

/** Lifetime of a document-scoped sync token minted for non-browser clients. */
export const SYNC_TOKEN_TTL_MS = 5 * 60_000

/** Login sessions last this long. */
export const SESSION_TTL_MS = 14 * 24 * 60 * 60_000

/** Name of the Y.XmlFragment holding the document body (shared by editor, seed and server). */
export const DOCUMENT_FRAGMENT = 'body'

/** Password of the seeded demo accounts (listed on the login page while demo data exists). */
export const DEMO_EMAIL_DOMAIN = 'example.org'

/** The Y.Map where the server writes facts about the whole text (e.g. that it is adopted). */
export const META_MAP = 'meta'

/**
 * Event streams (`/documents/<slug>/events`, the positions matrix and the revisions board) one
 * process holds open at most; more are refused with 503 and the page falls back to refreshing
 * itself. A comment line every EVENT_STREAM_HEARTBEAT_MS keeps proxies from closing an idle one.
 */
export const MAX_EVENT_STREAMS = 2_000
/** …and one person at most this many (a few windows; only visible pages hold one). */
export const MAX_EVENT_STREAMS_PER_USER = 12
/** Events a stream may hold for a reader that has stopped reading; past it the stream is closed. */
export const MAX_EVENT_STREAM_BACKLOG = 64
export const EVENT_STREAM_HEARTBEAT_MS = 25_000
/** How soon a browser reconnects a dropped event stream (the `retry:` field). */
export const EVENT_STREAM_RETRY_MS = 3_000

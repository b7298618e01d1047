/**
 * Every way the sync server closes a socket, as a named `{ code, reason }` pair (in the manner
 * of Hocuspocus' CloseEvents). Codes:
 * - 1001 and 4000-4099: reconnect at once (the server restarts; the rules for this person
 *   changed and apply from the next connection);
 * - 4400-4499: final, as in y-websocket's provider: reconnecting cannot help, the page stops
 *   and says why (describeCloseCode); they mirror the HTTP statuses a person would recognise;
 * - 4500-4599: try again later.
 * The reason is the sentence a log or a stock client shows; the page shows describeCloseCode's.
 */
export const CLOSE_EVENTS = {
	/** Server shutting down or restarting. */
	serverRestarting: { code: 1001, reason: 'Server restarting' },
	/** A frame over MAX_MESSAGE_BYTES (closed by `ws` itself, through maxPayload). */
	messageTooBig: { code: 1009, reason: 'Message too big' },
	/** The person's role or delegation changed: the next connection is admitted under the new rules. */
	accessChanged: { code: 4001, reason: 'Access changed' },
	/** A frame that does not decode as the y-websocket protocol. */
	malformedMessage: { code: 4400, reason: 'Malformed message' },
	/** A text frame: the protocol is binary. */
	binaryOnly: { code: 4400, reason: 'Binary frames only' },
	/** No valid session cookie and no valid token. */
	notLoggedIn: { code: 4401, reason: 'Not logged in' },
	/** The token is valid, but for another document. */
	tokenForAnotherDocument: { code: 4401, reason: 'Token is for another document' },
	/** The session behind the socket was ended by logging out. */
	loggedOut: { code: 4401, reason: 'Logged out' },
	/** The session behind the socket expired or was removed. */
	sessionEnded: { code: 4401, reason: 'Session ended' },
	/** Authenticated, but not a participant with access to this document (or no longer one). */
	noAccess: { code: 4403, reason: 'No access to this document' },
	/** No document with that slug. */
	notFound: { code: 4404, reason: 'No such document' },
	/** The connection sent faster than its budget for CONNECTION_OVER_BUDGET_MS (a runaway client). */
	sendingTooFast: { code: 4420, reason: 'Sending too fast' },
	/** Too many of this connection's changes were refused (read-only, or against the rules): a broken or hostile client. */
	tooManyRefused: { code: 4422, reason: 'Too many refused changes' },
	/** The person holds MAX_SOCKETS_PER_USER sync sockets already. */
	tooManyConnections: { code: 4429, reason: 'Too many connections' },
	/** The document could not be loaded from the database. */
	unavailable: { code: 4503, reason: 'Document could not be loaded' },
	/** Too much sent while the document was loading. */
	overloaded: { code: 4529, reason: 'Too much sent before the document loaded' },
	/** The client does not read what it is sent (a dead link the system has not noticed yet). */
	tooFarBehind: { code: 4529, reason: 'Too far behind' },
} as const satisfies Record<string, CloseEvent>

export type CloseEvent = { readonly code: number; readonly reason: string }

/** The codes alone, by name, for code that compares them. */
export const CLOSE_CODES = {
	goingAway: CLOSE_EVENTS.serverRestarting.code,
	messageTooBig: CLOSE_EVENTS.messageTooBig.code,
	accessChanged: CLOSE_EVENTS.accessChanged.code,
	badMessage: CLOSE_EVENTS.malformedMessage.code,
	unauthenticated: CLOSE_EVENTS.notLoggedIn.code,
	forbidden: CLOSE_EVENTS.noAccess.code,
	notFound: CLOSE_EVENTS.notFound.code,
	sendingTooFast: CLOSE_EVENTS.sendingTooFast.code,
	tooManyRefused: CLOSE_EVENTS.tooManyRefused.code,
	tooManyConnections: CLOSE_EVENTS.tooManyConnections.code,
	unavailable: CLOSE_EVENTS.unavailable.code,
	overloaded: CLOSE_EVENTS.overloaded.code,
} as const

export type CloseCode = (typeof CLOSE_CODES)[keyof typeof CLOSE_CODES]

/** Codes after which reconnecting cannot help (the client should stop and say why). */
export function isFinalCloseCode(code: number): boolean {
	return code >= 4400 && code < 4500
}

/** What the page tells a person for a close code. */
export function describeCloseCode(code: number): string | null {
	switch (code) {
		case CLOSE_CODES.unauthenticated:
			return 'Your session has ended. Log in again to keep editing.'
		case CLOSE_CODES.forbidden:
			return 'Your delegation does not have access to this document.'
		case CLOSE_CODES.notFound:
			return 'This document no longer exists.'
		case CLOSE_CODES.tooManyRefused:
			return 'Too many of your changes were refused: reload the page to get the text as it is.'
		case CLOSE_CODES.sendingTooFast:
			return 'This page sent changes faster than the server takes them: reload it.'
		case CLOSE_CODES.tooManyConnections:
			return 'You have Accord open in too many windows: close some, then reload this one.'
		case CLOSE_CODES.badMessage:
			return 'The connection sent something the server could not read. Reload the page.'
		case CLOSE_CODES.messageTooBig:
			return 'A change was too large to send. Reconnecting…'
		case CLOSE_CODES.accessChanged:
			return 'Your access to this document changed. Reconnecting…'
		default:
			return null
	}
}

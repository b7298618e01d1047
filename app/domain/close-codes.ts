/**
 * Close codes of the sync socket. 4xxx mirror the HTTP statuses a person would recognise;
 * the page reads them to say why it stopped reconnecting. As in y-websocket's provider,
 * 4400-4499 are final (reconnecting cannot help) and 4500-4599 mean "try again later".
 */
export const CLOSE_CODES = {
	/** Server shutting down or restarting; the client reconnects. */
	goingAway: 1001,
	/** A frame over MAX_MESSAGE_BYTES (set by `ws` itself through maxPayload). */
	messageTooBig: 1009,
	/** A frame that does not decode as the y-websocket protocol. */
	badMessage: 4400,
	/** No valid session cookie and no valid token. */
	unauthenticated: 4401,
	/** Authenticated, but not a participant with access to this document. */
	forbidden: 4403,
	/** No document with that slug. */
	notFound: 4404,
	/** Too many of this connection's changes were refused (a broken or hostile client). */
	tooManyRefused: 4422,
	/** The connection sent faster than its budget for CONNECTION_OVER_BUDGET_MS (a runaway client). */
	sendingTooFast: 4420,
	/** The person holds MAX_SOCKETS_PER_USER sync sockets already. */
	tooManyConnections: 4429,
	/** Too much sent while the document was loading; the client retries later. */
	overloaded: 4529,
	/** The document could not be loaded from the database; the client retries. */
	unavailable: 4503,
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
		default:
			return null
	}
}

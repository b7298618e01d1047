import { createHmac, timingSafeEqual } from 'node:crypto'
import { getEnv } from './env.server.ts'

/**
 * The fallback for clients that send neither Origin nor Sec-Fetch-Site (ADR 014): a value only
 * Accord can compute from the session, which the page shows in `<meta name="csrf-token">` and
 * such a client sends back as `X-CSRF-Token`. Another site can read neither.
 */
export function csrfTokenFor(sessionId: string, secret = getEnv().SESSION_SECRET): string {
	return createHmac('sha256', secret).update(`accord-csrf:${sessionId}`).digest('base64url')
}

export function isCsrfTokenValid(sessionId: string, token: string | undefined, secret = getEnv().SESSION_SECRET): boolean {
	if (!token || token.length > 128) return false
	const expected = Buffer.from(csrfTokenFor(sessionId, secret))
	const actual = Buffer.from(token)
	return expected.length === actual.length && timingSafeEqual(expected, actual)
}

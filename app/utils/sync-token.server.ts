import { createHmac, timingSafeEqual } from 'node:crypto'
import { SYNC_TOKEN_TTL_MS } from '#app/domain/constants.ts'
import { getEnv } from './env.server.ts'

export type SyncTokenClaims = { documentId: string; userId: string; sessionId: string; expiresAt: number }

/**
 * A short-lived, document-scoped token for clients that cannot send the session cookie
 * (scripts, other services). It names the user, the document and the session that asked for
 * it: it is worth nothing once that session ends (logout, expiry), and the sockets opened with
 * it close then (server/access-watch.ts). What the user may do is decided again on every
 * connection by the access policy.
 */
export function mintSyncToken(
	{ documentId, userId, sessionId }: { documentId: string; userId: string; sessionId: string },
	now = Date.now(),
	secret = getEnv().SESSION_SECRET,
): { token: string; expiresAt: number } {
	const expiresAt = now + SYNC_TOKEN_TTL_MS
	const payload = Buffer.from(JSON.stringify({ d: documentId, u: userId, s: sessionId, e: expiresAt })).toString('base64url')
	return { token: `${payload}.${sign(payload, secret)}`, expiresAt }
}

/** The claims of a valid, unexpired token, or null. */
export function verifySyncToken(token: string, now = Date.now(), secret = getEnv().SESSION_SECRET): SyncTokenClaims | null {
	if (token.length > 1024) return null
	const [payload, signature, ...rest] = token.split('.')
	if (!payload || !signature || rest.length > 0) return null
	const expected = Buffer.from(sign(payload, secret))
	const actual = Buffer.from(signature)
	if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) return null
	try {
		const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { d?: unknown; u?: unknown; s?: unknown; e?: unknown }
		if (typeof claims.d !== 'string' || typeof claims.u !== 'string' || typeof claims.s !== 'string' || typeof claims.e !== 'number') return null
		if (claims.e <= now) return null
		return { documentId: claims.d, userId: claims.u, sessionId: claims.s, expiresAt: claims.e }
	} catch {
		return null
	}
}

function sign(payload: string, secret: string): string {
	return createHmac('sha256', secret).update(`accord-sync:${payload}`).digest('base64url')
}

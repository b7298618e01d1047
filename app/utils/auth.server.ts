import { createCookie, redirect } from 'react-router'
import { SESSION_TTL_MS } from '#app/domain/constants.ts'
import { createSession, deleteSession, getSessionUser } from '#app/models/session.server.ts'
import { getEnv } from './env.server.ts'
import { emitSessionEnded } from './session-events.server.ts'

let cookie: ReturnType<typeof createCookie> | null = null

/** The signed session cookie: httpOnly, SameSite=Lax, holding only the session id. */
function sessionCookie() {
	cookie ??= createCookie('accord_session', {
		httpOnly: true,
		sameSite: 'lax',
		path: '/',
		secure: getEnv().COOKIE_SECURE === 'true',
		secrets: [getEnv().SESSION_SECRET],
		maxAge: Math.floor(SESSION_TTL_MS / 1000),
	})
	return cookie
}

/** The session id a signed Cookie header names (not checked against the database). */
export async function getSessionId(cookieHeader: string | null | undefined): Promise<string | null> {
	if (!cookieHeader) return null
	const value: unknown = await sessionCookie().parse(cookieHeader)
	return typeof value === 'string' && value.length > 0 ? value : null
}

/** The user of a Cookie header (web requests and WebSocket upgrades alike), or null. */
export async function getUserFromCookieHeader(cookieHeader: string | null | undefined) {
	const sessionId = await getSessionId(cookieHeader)
	return sessionId ? getSessionUser({ id: sessionId }) : null
}

export async function getUser(request: Request) {
	return getUserFromCookieHeader(request.headers.get('Cookie'))
}

/** The signed-in user, or a redirect to the login page that comes back here. */
export async function requireUser(request: Request) {
	const user = await getUser(request)
	if (!user) {
		const url = new URL(request.url)
		const redirectTo = `${url.pathname}${url.search}`
		throw redirect(`/login?${new URLSearchParams({ redirectTo })}`)
	}
	return user
}

export async function requireAnonymous(request: Request) {
	if (await getUser(request)) throw redirect('/meetings')
}

export async function login({ userId, redirectTo, setCookies = [] }: { userId: string; redirectTo: string; setCookies?: string[] }) {
	const session = await createSession({ userId })
	const headers = new Headers()
	headers.append('Set-Cookie', await sessionCookie().serialize(session.id, { expires: session.expiresAt }))
	for (const value of setCookies) headers.append('Set-Cookie', value)
	return redirect(safeRedirect(redirectTo), { headers })
}

export async function logout(request: Request) {
	const sessionId = await getSessionId(request.headers.get('Cookie'))
	if (sessionId) {
		const user = await getSessionUser({ id: sessionId })
		await deleteSession({ id: sessionId })
		// Sync sockets of this session, by cookie or by token, close now (server/access-watch.ts).
		if (user) emitSessionEnded({ userId: user.id, sessionId })
	}
	return redirect('/login', {
		headers: { 'Set-Cookie': await sessionCookie().serialize('', { maxAge: 0 }) },
	})
}

/**
 * Only paths of this site: never an open redirect. Browsers drop tabs and newlines from URLs
 * (`/\t/evil.example` becomes `//evil.example`), so the path is resolved against a dummy origin
 * and must stay on it, and control characters and backslashes are refused outright.
 */
export function safeRedirect(to: FormDataEntryValue | string | null | undefined, fallback = '/meetings'): string {
	if (typeof to !== 'string' || !to.startsWith('/') || /[\u0000-\u001f\u007f\\]/.test(to)) return fallback
	try {
		const url = new URL(to, 'http://accord.invalid')
		if (url.origin !== 'http://accord.invalid') return fallback
		return `${url.pathname}${url.search}${url.hash}`
	} catch {
		return fallback
	}
}

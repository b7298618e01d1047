import { createHash } from 'node:crypto'
import { createCookie } from 'react-router'
import { getEnv } from './env.server.ts'

/**
 * "This browser has logged in to this account before" (ADR 014): a signed, long-lived cookie
 * listing the accounts (as digests, not addresses) that logged in from it. An attempt from such
 * a browser does not wait for its account's backoff, so someone guessing a password elsewhere
 * cannot keep the owner out.
 */
const MAX_ACCOUNTS = 5
let cookie: ReturnType<typeof createCookie> | null = null

function knownCookie() {
	cookie ??= createCookie('accord_known', {
		httpOnly: true,
		sameSite: 'lax',
		// '/', not '/login': the page posts its login to /login.data, which /login does not cover.
		path: '/',
		secure: getEnv().COOKIE_SECURE === 'true',
		secrets: [getEnv().SESSION_SECRET],
		maxAge: 365 * 24 * 60 * 60,
	})
	return cookie
}

const digest = (email: string) => createHash('sha256').update(`accord-known:${email.trim().toLowerCase()}`).digest('base64url').slice(0, 22)

async function knownDigests(cookieHeader: string | null): Promise<string[]> {
	if (!cookieHeader) return []
	const value: unknown = await knownCookie().parse(cookieHeader)
	return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string').slice(0, MAX_ACCOUNTS) : []
}

/** Whether the browser carries a valid list at all (for the address check, made before the form is read). */
export async function hasKnownDevice(cookieHeader: string | null | undefined): Promise<boolean> {
	return (await knownDigests(cookieHeader ?? null)).length > 0
}

export async function isKnownDevice(cookieHeader: string | null, email: string): Promise<boolean> {
	return (await knownDigests(cookieHeader)).includes(digest(email))
}

/** The Set-Cookie value that adds this account to the browser's list (most recent first). */
export async function rememberDevice(cookieHeader: string | null, email: string): Promise<string> {
	const mine = digest(email)
	const list = [mine, ...(await knownDigests(cookieHeader)).filter((d) => d !== mine)].slice(0, MAX_ACCOUNTS)
	return knownCookie().serialize(list)
}

/**
 * Failed logins per account, in memory (one process). After LOGIN_MAX_FAILURES failures within
 * LOGIN_WINDOW_MS the account refuses further attempts until the window has passed: password
 * guessing gets a handful of tries, and scrypt's 32 MiB per attempt cannot be used to starve
 * the server.
 */
export const LOGIN_MAX_FAILURES = 10
export const LOGIN_WINDOW_MS = 15 * 60_000
const MAX_TRACKED = 10_000

const failures = new Map<string, number[]>()

function recent(key: string, now: number): number[] {
	const list = (failures.get(key) ?? []).filter((t) => now - t < LOGIN_WINDOW_MS)
	if (list.length === 0) failures.delete(key)
	else failures.set(key, list)
	return list
}

/** Milliseconds until this account may try again, or 0. */
export function loginBlockedFor(email: string, now = Date.now()): number {
	const list = recent(email.trim().toLowerCase(), now)
	if (list.length < LOGIN_MAX_FAILURES) return 0
	return LOGIN_WINDOW_MS - (now - list[list.length - LOGIN_MAX_FAILURES]!)
}

export function recordLoginFailure(email: string, now = Date.now()) {
	const key = email.trim().toLowerCase()
	if (failures.size >= MAX_TRACKED && !failures.has(key)) failures.delete(failures.keys().next().value!)
	failures.set(key, [...recent(key, now), now])
}

export function clearLoginFailures(email: string) {
	failures.delete(email.trim().toLowerCase())
}

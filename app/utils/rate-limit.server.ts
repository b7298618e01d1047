/**
 * Login throttling that cannot be turned against the owner of an account (ADR 014). In memory,
 * one process.
 *
 * - Per account and address: the first ACCOUNT_FREE_FAILURES failures cost nothing; after that
 *   each attempt waits twice as long as the one before, at most ACCOUNT_MAX_WAIT_MS. An attempt
 *   made while it must wait is answered at once with how long, and not counted. Someone guessing
 *   from one address does not delay the owner at another; at the same address (one hotel
 *   router), by seconds, never a lock-out.
 * - A browser that logged in to the account before (the known-device cookie) waits for neither
 *   the account nor the address, and its failures do not count against the address.
 * - Per address: failures fill a bucket that empties by one every 1/ADDRESS_FORGIVE_PER_S
 *   seconds; past ADDRESS_FREE_FAILURES the address waits until it is below again. Successful
 *   logins cost nothing, so a room of delegates behind one hotel router logs in freely.
 * - Password hashing itself has a global budget (app/utils/password.server.ts).
 */
export const ACCOUNT_FREE_FAILURES = 5
export const ACCOUNT_MAX_WAIT_MS = 30_000
export const ADDRESS_FREE_FAILURES = 20
export const ADDRESS_FORGIVE_PER_S = 0.5
/** Failures older than this are forgotten. */
const FORGET_MS = 15 * 60_000
const MAX_TRACKED = 10_000

type AccountRecord = { failures: number; last: number }
type AddressRecord = { level: number; at: number }

// On globalThis: the server's own front (server/http-guard.ts) and the built app read the same
// records, though they are separate module graphs in one process.
const KEY = Symbol.for('accord.login-throttle')
type Holder = { [KEY]?: { accounts: Map<string, AccountRecord>; addresses: Map<string, AddressRecord> } }
const state = ((globalThis as Holder)[KEY] ??= { accounts: new Map(), addresses: new Map() })
const { accounts, addresses } = state

const keyOf = (email: string, address: string) => `${email.trim().toLowerCase()}\u0000${address}`

/** Least recently changed goes first when full: the key under attack keeps its record. */
function remember<T>(map: Map<string, T>, key: string, value: T) {
	map.delete(key)
	if (map.size >= MAX_TRACKED) map.delete(map.keys().next().value!)
	map.set(key, value)
}

function accountWait(email: string, address: string, now: number): number {
	const record = accounts.get(keyOf(email, address))
	if (!record) return 0
	if (now - record.last > FORGET_MS) {
		accounts.delete(keyOf(email, address))
		return 0
	}
	if (record.failures < ACCOUNT_FREE_FAILURES) return 0
	const wait = Math.min(1000 * 2 ** (record.failures - ACCOUNT_FREE_FAILURES), ACCOUNT_MAX_WAIT_MS)
	return Math.max(0, record.last + wait - now)
}

function addressLevel(address: string, now: number): number {
	const record = addresses.get(address)
	if (!record) return 0
	return Math.max(0, record.level - ((now - record.at) / 1000) * ADDRESS_FORGIVE_PER_S)
}

export type LoginWait = { waitMs: number; reason: 'account' | 'address' }

/** How long an address must wait before its next login attempt (0: it may try now). */
export function addressWait(address: string, now = Date.now()): number {
	const level = addressLevel(address, now)
	return level >= ADDRESS_FREE_FAILURES ? Math.ceil(((level - ADDRESS_FREE_FAILURES + 1) / ADDRESS_FORGIVE_PER_S) * 1000) : 0
}

/** How long this attempt must wait before its password is even checked, or null. */
export function loginWait({ email, address, knownDevice }: { email: string; address: string; knownDevice: boolean }, now = Date.now()): LoginWait | null {
	if (knownDevice) return null
	const waitMs = addressWait(address, now)
	if (waitMs > 0) return { waitMs, reason: 'address' }
	const wait = accountWait(email, address, now)
	return wait > 0 ? { waitMs: wait, reason: 'account' } : null
}

export function recordLoginFailure({ email, address, knownDevice = false }: { email: string; address: string; knownDevice?: boolean }, now = Date.now()) {
	const key = keyOf(email, address)
	const record = accounts.get(key)
	const fresh = record && now - record.last <= FORGET_MS
	remember(accounts, key, { failures: (fresh ? record.failures : 0) + 1, last: now })
	if (!knownDevice) remember(addresses, address, { level: addressLevel(address, now) + 1, at: now })
}

export function recordLoginSuccess({ email, address }: { email: string; address: string }) {
	accounts.delete(keyOf(email, address))
}

/** "8 seconds", "2 minutes": how long to wait, as a person reads it. */
export function describeWait(ms: number): string {
	const seconds = Math.max(1, Math.ceil(ms / 1000))
	if (seconds < 60) return `${seconds} second${seconds === 1 ? '' : 's'}`
	const minutes = Math.ceil(seconds / 60)
	return `${minutes} minute${minutes === 1 ? '' : 's'}`
}

/** For tests: forget everything. */
export function resetLoginThrottle() {
	accounts.clear()
	addresses.clear()
}

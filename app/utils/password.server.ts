import { randomBytes, scrypt as scryptCallback, timingSafeEqual, type ScryptOptions } from 'node:crypto'
import { availableParallelism } from 'node:os'

/**
 * Passwords are hashed with scrypt (memory-hard, in Node's crypto: no native build).
 * Cost N=2^15, r=8, p=1 uses 32 MiB per hash, tens of milliseconds per hash. Stored as
 * `scrypt$N$r$p$salt$hash` (base64url) so the parameters can be raised later.
 */
const N = 2 ** 15
const R = 8
const P = 1
const KEY_LENGTH = 32

/**
 * The global budget for hashing (ADR 014): at most MAX_PARALLEL_HASHES at once, leaving a core
 * to the meeting's pages and sockets, and at most MAX_WAITING_HASHES waiting. Past that a login
 * is answered at once (HashingBusyError: "try again in a few seconds"), not queued: a spray of
 * logins slows only itself.
 */
export const MAX_PARALLEL_HASHES = Math.max(1, availableParallelism() - 1)
export const MAX_WAITING_HASHES = 4 * MAX_PARALLEL_HASHES

export class HashingBusyError extends Error {
	constructor() {
		super('Too many logins at this moment')
	}
}

let hashing = 0
const waiting: (() => void)[] = []

/** `priority`: a browser that logged in to the account before; it waits ahead of the rest, and always may. */
async function withHashSlot<T>(work: () => Promise<T>, priority = false): Promise<T> {
	if (hashing >= MAX_PARALLEL_HASHES) {
		if (waiting.length >= MAX_WAITING_HASHES && !priority) throw new HashingBusyError()
		await new Promise<void>((resolve) => (priority ? waiting.unshift(resolve) : waiting.push(resolve)))
	} else hashing++
	try {
		return await work()
	} finally {
		// The slot passes straight to the next in line, or is freed.
		const next = waiting.shift()
		if (next) next()
		else hashing--
	}
}

function scrypt(password: string, salt: Buffer, keylen: number, options: ScryptOptions): Promise<Buffer> {
	return new Promise<Buffer>((resolve, reject) =>
		scryptCallback(password.normalize('NFC'), salt, keylen, options, (error, key) => (error ? reject(error) : resolve(key))),
	)
}

export async function hashPassword(password: string): Promise<string> {
	const salt = randomBytes(16)
	const hash = await scrypt(password, salt, KEY_LENGTH, { N, r: R, p: P, maxmem: 64 * 1024 * 1024 })
	return ['scrypt', N, R, P, salt.toString('base64url'), hash.toString('base64url')].join('$')
}

export async function verifyPassword(password: string, stored: string, { priority = false }: { priority?: boolean } = {}): Promise<boolean> {
	const [scheme, n, r, p, salt, hash] = stored.split('$')
	if (scheme !== 'scrypt' || !n || !r || !p || !salt || !hash) return false
	const expected = Buffer.from(hash, 'base64url')
	// Logins spend the global budget; creating accounts (the Secretariat, the seed) does not.
	const actual = await withHashSlot(
		() => scrypt(password, Buffer.from(salt, 'base64url'), expected.length, { N: Number(n), r: Number(r), p: Number(p), maxmem: 256 * 1024 * 1024 }),
		priority,
	)
	return actual.length === expected.length && timingSafeEqual(actual, expected)
}

import { expect, test } from 'vitest'
import { isPresenceCursor, PresenceCursorSchema, sanitizePresence } from '#app/domain/presence.ts'

/**
 * The sync server checks carets by hand (isPresenceCursor) rather than with the zod schema;
 * both must give the same answer for anything a client can send, which is parsed JSON.
 */
function randomValue(random: () => number, depth: number): unknown {
	const pick = <T>(xs: T[]): T => xs[Math.floor(random() * xs.length)]!
	const r = random()
	if (depth <= 0 || r < 0.35) {
		return pick<unknown>([null, 0, -0, 1, -1, 3.5, 2 ** 53, 2 ** 53 - 1, 1e21, '', 'Nguyễn', 'x'.repeat(200), 'x'.repeat(201), true, false, [], [1], {}])
	}
	if (r < 0.45) return [randomValue(random, depth - 1)]
	const keys = ['anchor', 'head', 'type', 'tname', 'item', 'assoc', 'client', 'clock', 'extra', '__proto__']
	const object: Record<string, unknown> = {}
	const n = Math.floor(random() * 5)
	for (let i = 0; i < n; i++) object[pick(keys)] = randomValue(random, depth - 1)
	return object
}

function wellFormedPosition(random: () => number): Record<string, unknown> {
	const id = () => ({ client: Math.floor(random() * 2 ** 32), clock: Math.floor(random() * 1000) })
	const position: Record<string, unknown> = {}
	if (random() < 0.7) position.type = random() < 0.5 ? null : id()
	if (random() < 0.7) position.tname = random() < 0.5 ? null : 'prosemirror'
	if (random() < 0.8) position.item = random() < 0.2 ? null : id()
	if (random() < 0.8) position.assoc = random() < 0.5 ? -1 : 0
	return position
}

/** Small seeded generator, so a failure repeats. */
function seeded(seed: number) {
	return () => {
		seed = (seed * 1664525 + 1013904223) >>> 0
		return seed / 2 ** 32
	}
}

test('the hand-written caret check agrees with the schema on well-formed, damaged and random carets', () => {
	const random = seeded(20261130)
	let accepted = 0
	const cases: unknown[] = []
	for (let i = 0; i < 3000; i++) {
		const cursor: Record<string, unknown> = { anchor: wellFormedPosition(random), head: wellFormedPosition(random) }
		cases.push(cursor)
		// One change somewhere: a field set to something random, or an extra key.
		const damaged = structuredClone(cursor)
		const target = (random() < 0.5 ? damaged.anchor : damaged.head) as Record<string, unknown>
		target[['type', 'tname', 'item', 'assoc', 'extra'][Math.floor(random() * 5)]!] = randomValue(random, 2)
		cases.push(damaged)
		cases.push(randomValue(random, 4))
	}
	for (const value of cases) {
		// What a client sends arrives through JSON (which also turns a "__proto__" key into an own key).
		const json = JSON.stringify(value)
		if (json === undefined) continue
		const parsed = JSON.parse(json)
		const schema = PresenceCursorSchema.safeParse(parsed)
		expect(isPresenceCursor(parsed), json).toBe(schema.success)
		if (schema.success) {
			accepted++
			// The same caret (keys possibly in the client's order: receivers parse it).
			expect(sanitizePresence({ cursor: parsed }).cursor).toStrictEqual(schema.data)
		}
	}
	// Both kinds were exercised.
	expect(accepted).toBeGreaterThan(2500)
	expect(cases.length - accepted).toBeGreaterThan(2500)
	expect(isPresenceCursor(JSON.parse('{"anchor":{},"head":{},"__proto__":{}}'))).toBe(false)
	expect(isPresenceCursor(JSON.parse('{"anchor":{"__proto__":null},"head":{}}'))).toBe(false)
})

import { describe, expect, test } from 'vitest'
import { AWARENESS_RENEWAL_FORWARD_MS, AWARENESS_TIMEOUT_MS, AwarenessStore, encodeAwarenessEntries } from '#server/awareness.ts'
import { ProtocolError } from '#server/protocol.ts'

type Owner = { closed: boolean; name: string }
const stamp = (owner: Owner) => (state: Record<string, unknown>) => JSON.stringify({ ...state, user: { name: owner.name } })
const update = (clientId: number, clock: number, state: unknown) =>
	encodeAwarenessEntries([{ clientId, clock, json: JSON.stringify(state) }])

describe('suppressed awareness never hides a real change', () => {
	test('every changed state is forwarded at once, even many times a second', () => {
		const store = new AwarenessStore<Owner>()
		const vnm = { closed: false, name: 'VNM' }
		let t = 0
		for (let i = 1; i <= 50; i++) {
			const out = store.apply(update(7, i, { cursor: { anchor: i } }), vnm, stamp(vnm), (t += 20))
			expect(out).toEqual([{ clientId: 7, clock: i, json: JSON.stringify({ cursor: { anchor: i }, user: { name: 'VNM' } }) }])
		}
	})

	test('an unchanged state is forwarded at most once per renewal window, and still keeps the client alive', () => {
		const store = new AwarenessStore<Owner>()
		const owner = { closed: false, name: 'THA' }
		store.apply(update(1, 1, { cursor: null }), owner, stamp(owner), 0)
		let forwarded = 0
		for (let clock = 2; clock < 200; clock++) {
			forwarded += store.apply(update(1, clock, { cursor: null }), owner, stamp(owner), clock * 100).length
		}
		// 19.8 s of repeats: forwarded at 10 s only.
		expect(forwarded).toBe(Math.floor((199 * 100) / AWARENESS_RENEWAL_FORWARD_MS))
		expect(store.get(1)?.clock).toBe(199)
		expect(store.sweep(199 * 100 + AWARENESS_TIMEOUT_MS - 1)).toEqual([])
		expect(store.sweep(199 * 100 + AWARENESS_TIMEOUT_MS)).toEqual([{ clientId: 1, clock: 200, json: 'null' }])
	})

	test('echoes of other people’s states are dropped; their owner’s changes are not', () => {
		const store = new AwarenessStore<Owner>()
		const a = { closed: false, name: 'A' }
		const b = { closed: false, name: 'B' }
		store.apply(update(1, 1, { cursor: 1 }), a, stamp(a), 0)
		expect(store.apply(update(1, 2, { cursor: 'forged' }), b, stamp(b), 1)).toEqual([])
		expect(store.apply(update(1, 2, { cursor: 2 }), a, stamp(a), 2)).toHaveLength(1)
		// When the owner's connection is gone, a reconnected client takes its state back.
		a.closed = true
		expect(store.apply(update(1, 3, { cursor: 3 }), b, stamp(b), 3)).toHaveLength(1)
	})

	test('leaving removes exactly the states a connection spoke for', () => {
		const store = new AwarenessStore<Owner>()
		const a = { closed: false, name: 'A' }
		const b = { closed: false, name: 'B' }
		store.apply(update(1, 4, {}), a, stamp(a), 0)
		store.apply(update(2, 1, {}), b, stamp(b), 0)
		expect(store.removeOwnedBy(a)).toEqual([{ clientId: 1, clock: 5, json: 'null' }])
		expect(store.all().map((e) => e.clientId)).toEqual([2])
	})

	test('malformed or oversized states are protocol errors', () => {
		const store = new AwarenessStore<Owner>()
		const a = { closed: false, name: 'A' }
		expect(() => store.apply(encodeAwarenessEntries([{ clientId: 1, clock: 1, json: '{nope' }]), a, stamp(a))).toThrow(ProtocolError)
		expect(() => store.apply(update(1, 1, [1, 2]), a, stamp(a))).toThrow(ProtocolError)
		expect(() => store.apply(update(1, 1, { big: 'x'.repeat(20_000) }), a, stamp(a))).toThrow(ProtocolError)
	})

	test('a cut-off state is a protocol error, echo or not, even inside a larger buffer (a pooled frame)', () => {
		const store = new AwarenessStore<Owner>()
		const a = { closed: false, name: 'A' }
		const b = { closed: false, name: 'B' }
		store.apply(update(1, 1, { cursor: 1, name: 'Nguyễn' }), a, stamp(a))
		for (const [clientId, owner] of [[1, b], [2, a]] as const) {
			const whole = update(clientId, 2, { cursor: 2, name: 'Nguyễn' })
			// The bytes after the cut are there in memory (as in ws's pooled buffers) but not in the frame.
			const pool = new Uint8Array(whole.length + 64).fill(0x7b)
			pool.set(whole)
			const cut = pool.subarray(0, whole.length - 5)
			expect(() => store.apply(cut, owner, stamp(owner))).toThrow(ProtocolError)
		}
		// Whole, the echo is dropped and the other client's state taken.
		expect(store.apply(update(1, 2, { cursor: 2 }), b, stamp(b))).toEqual([])
		expect(store.apply(update(2, 2, { cursor: 2 }), a, stamp(a))).toHaveLength(1)
	})
})

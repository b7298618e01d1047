import { expect, test } from 'vitest'
import { SendBudget } from '#server/budget.ts'

const limits = { messagesPerS: 100, messagesBurst: 400, bytesPerS: 1_000_000, bytesBurst: 8_000_000 }

test('a client within its budget never waits; a burst is allowed, then the steady rate', () => {
	const budget = new SendBudget(limits, 0)
	// An honest typist: 10 small messages a second for a minute.
	for (let t = 0; t < 60_000; t += 100) expect(budget.take(40, t)).toBe(0)
	// A burst of 400 at once fits; the 401st waits a hundredth of a second (one message at 100/s).
	const burst = new SendBudget(limits, 0)
	for (let i = 0; i < 400; i++) expect(burst.take(30, 0)).toBe(0)
	expect(burst.take(30, 0)).toBe(10)
	// Ten thousand more at once: the wait grows with the debt, at the steady rate.
	let wait = 0
	for (let i = 0; i < 10_000; i++) wait = burst.take(30, 0)
	expect(wait).toBe(100_010)
	expect(burst.rested).toBe(false)
	// Time refills it.
	expect(burst.take(30, 200_000)).toBe(0)
	expect(burst.rested).toBe(true)
})

test('bytes count too: one large change (a reconnect after typing offline) fits the burst, a stream of them waits', () => {
	const budget = new SendBudget(limits, 0)
	expect(budget.take(2_000_000, 0)).toBe(0)
	expect(budget.take(2_000_000, 0)).toBe(0)
	expect(budget.take(2_000_000, 0)).toBe(0)
	expect(budget.take(2_000_000, 0)).toBe(0)
	// 8 MB spent: the next 2 MB waits two seconds at 1 MB/s.
	expect(budget.take(2_000_000, 0)).toBe(2_000)
})

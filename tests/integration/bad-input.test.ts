import { afterAll, beforeAll, expect, test } from 'vitest'
import * as Y from 'yjs'
import { CLOSE_CODES } from '#app/domain/close-codes.ts'
import { DOCUMENT_FRAGMENT, MAX_MESSAGE_BYTES } from '#app/domain/constants.ts'
import { readBlocks } from '#app/domain/statement.ts'
import { createMeeting, sessionCookie } from '#tests/factories/meeting.ts'
import { connectClient, rawConnect, startSyncServer } from '#tests/setup/sync-server.ts'
import { createTestDatabase } from '#tests/setup/test-db.ts'
import { initTestEnv } from '#tests/setup/test-env.ts'

initTestEnv()
let db: Awaited<ReturnType<typeof createTestDatabase>>
let server: Awaited<ReturnType<typeof startSyncServer>>
let fixture: Awaited<ReturnType<typeof createMeeting>>

beforeAll(async () => {
	db = await createTestDatabase()
	fixture = await createMeeting(db.prisma)
	server = await startSyncServer()
})
afterAll(async () => {
	await server?.close()
	await db?.close()
})

/** A small deterministic PRNG so a failure can be replayed. */
function random(seed: number) {
	return () => {
		seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff
		return seed / 0x7fffffff
	}
}

test('1,000 random frames and a frame over the limit close only their own connections', async () => {
	const slug = fixture.document.slug
	const cookie = await sessionCookie(fixture.people.VNM!.id)
	const a = connectClient(server.url, slug, { cookie })
	const b = connectClient(server.url, slug, { cookie: await sessionCookie(fixture.people.THA!.id) })
	await expect.poll(() => a.synced() && b.synced()).toBe(true)

	const rand = random(2022)
	let attacker = rawConnect(`${server.url}/${slug}`, { cookie })
	let closedByServer = 0
	for (let i = 0; i < 1_000; i++) {
		if (!(await attacker.opened) || attacker.ws.readyState !== attacker.ws.OPEN) {
			closedByServer++
			attacker = rawConnect(`${server.url}/${slug}`, { cookie })
			await attacker.opened
		}
		const length = 1 + Math.floor(rand() * 64)
		const frame = Buffer.alloc(length)
		for (let j = 0; j < length; j++) frame[j] = Math.floor(rand() * 256)
		attacker.ws.send(frame)
		if (i % 50 === 0) await new Promise((r) => setTimeout(r, 5))
	}
	expect(closedByServer).toBeGreaterThan(0)
	attacker.ws.close()

	const big = rawConnect(`${server.url}/${slug}`, { cookie })
	await big.opened
	big.ws.send(Buffer.alloc(MAX_MESSAGE_BYTES + 1))
	expect((await big.closed).code).toBe(CLOSE_CODES.messageTooBig)

	const text = rawConnect(`${server.url}/${slug}`, { cookie })
	await text.opened
	text.ws.send('hello')
	expect((await text.closed).code).toBe(CLOSE_CODES.badMessage)

	// The honest clients were never disturbed and still edit together.
	const t = (a.doc.getXmlFragment(DOCUMENT_FRAGMENT).get(1) as Y.XmlElement).get(0) as Y.XmlText
	t.insert(t.length, ' Still working.')
	await expect.poll(() => readBlocks(b.doc)[1]?.text.endsWith('Still working.')).toBe(true)
	expect(a.closes).toEqual([])
	expect(b.closes).toEqual([])
	a.destroy()
	b.destroy()
})

import { afterAll, expect, test } from 'vitest'
import * as Y from 'yjs'
import { DOCUMENT_FRAGMENT } from '#app/domain/constants.ts'
import { readBlocks } from '#app/domain/statement.ts'
import { loginCookie, spawnServer, type SpawnedServer } from '#tests/setup/spawn-server.ts'
import { connectClient } from '#tests/setup/sync-server.ts'
import { tempDir } from '#tests/setup/test-env.ts'

const SLUG = 'accsm21-heads-joint-statement'
const data = tempDir('accord-durability-')
const servers: SpawnedServer[] = []
afterAll(async () => {
	for (const s of servers) if (s.process.exitCode === null) await s.kill9()
	data.remove()
})

/** Types one token after another into paragraph `index`, remembering what it typed and the Yjs clock after it. */
function typist(doc: Y.Doc, index: number, prefix: string) {
	const typed: string[] = []
	const clocks: number[] = []
	let n = 0
	const timer = setInterval(() => {
		const paragraph = doc.getXmlFragment(DOCUMENT_FRAGMENT).get(index) as Y.XmlElement
		const text = paragraph.get(0) as Y.XmlText
		const token = ` ${prefix}${n++}`
		text.insert(text.length, token)
		typed.push(token.trim())
		clocks.push(Y.getState(doc.store, doc.clientID))
	}, 7)
	return { typed, clocks, stop: () => clearInterval(timer) }
}

const text = (doc: Y.Doc) => readBlocks(doc).map((p) => p.text).join('\n')

test('kill -9: every change the server acknowledged as saved is there after the restart', async () => {
	let server = await spawnServer({ dataDir: data.dir })
	servers.push(server)
	const url = `ws://127.0.0.1:${server.port}/sync`
	const params = { params: { acks: '1' } }
	const vnm = connectClient(url, SLUG, { cookie: await loginCookie(server.baseUrl, 'vnm.delegate@example.org') }, params)
	const tha = connectClient(url, SLUG, { cookie: await loginCookie(server.baseUrl, 'tha.head@example.org') }, params)
	await expect.poll(() => vnm.synced() && tha.synced(), { timeout: 20_000 }).toBe(true)
	const a = typist(vnm.doc, 3, 'pa')
	const b = typist(tha.doc, 4, 'pb')
	await new Promise((r) => setTimeout(r, 1_500))
	// What the server has said is on disk, read just before the crash.
	const savedA = vnm.savedClock()
	const savedB = tha.savedClock()
	await server.kill9()
	a.stop()
	b.stop()
	// The typists are gone with everything unacknowledged: only the server's disk counts here.
	vnm.destroy()
	tha.destroy()
	const ackedA = a.typed.filter((_, i) => a.clocks[i]! <= savedA)
	const ackedB = b.typed.filter((_, i) => b.clocks[i]! <= savedB)
	expect(ackedA.length).toBeGreaterThan(a.typed.length / 2)
	expect(ackedB.length).toBeGreaterThan(b.typed.length / 2)

	server = await spawnServer({ dataDir: data.dir, port: server.port })
	servers.push(server)
	const reader = connectClient(`ws://127.0.0.1:${server.port}/sync`, SLUG, { cookie: await loginCookie(server.baseUrl, 'brn.head@example.org') })
	await expect.poll(() => reader.synced(), { timeout: 20_000 }).toBe(true)
	const stored = text(reader.doc)
	expect([...ackedA, ...ackedB].filter((t) => !stored.includes(` ${t}`))).toEqual([])
	reader.destroy()
	await server.stop()
})

test('kill -9 while two delegations type: after a restart the document holds every edit', async () => {
	let server = await spawnServer({ dataDir: data.dir })
	servers.push(server)
	const url = `ws://127.0.0.1:${server.port}/sync`
	const vnmCookie = await loginCookie(server.baseUrl, 'vnm.head@example.org')
	const thaCookie = await loginCookie(server.baseUrl, 'tha.delegate@example.org')
	const vnm = connectClient(url, SLUG, { cookie: vnmCookie })
	const tha = connectClient(url, SLUG, { cookie: thaCookie })
	await expect.poll(() => vnm.synced() && tha.synced(), { timeout: 20_000 }).toBe(true)

	const a = typist(vnm.doc, 5, 'vnm')
	const b = typist(tha.doc, 6, 'tha')
	await new Promise((r) => setTimeout(r, 1_500))
	await server.kill9() // mid-typing: no flush, no checkpoint, the lock file left behind
	await new Promise((r) => setTimeout(r, 700)) // typing on while the server is gone
	server = await spawnServer({ dataDir: data.dir, port: server.port })
	servers.push(server)
	await expect.poll(() => vnm.synced() && tha.synced(), { timeout: 30_000 }).toBe(true)
	await new Promise((r) => setTimeout(r, 500))
	a.stop()
	b.stop()
	expect(a.typed.length).toBeGreaterThan(100)
	expect(b.typed.length).toBeGreaterThan(100)

	// Both clients converge on a text holding every token either typed (what the server lost in
	// its last group-commit window came back from the browsers).
	await expect.poll(() => text(vnm.doc) === text(tha.doc), { timeout: 20_000 }).toBe(true)
	for (const token of [...a.typed, ...b.typed]) expect(text(vnm.doc)).toContain(` ${token}`)

	// And it is on disk: a graceful stop, a fresh start, a fresh client.
	await new Promise((r) => setTimeout(r, 300))
	vnm.destroy()
	tha.destroy()
	await server.stop()
	server = await spawnServer({ dataDir: data.dir, port: server.port })
	servers.push(server)
	const reader = connectClient(`ws://127.0.0.1:${server.port}/sync`, SLUG, { cookie: vnmCookie })
	await expect.poll(() => reader.synced(), { timeout: 20_000 }).toBe(true)
	const stored = text(reader.doc)
	const missing = [...a.typed, ...b.typed].filter((t) => !stored.includes(` ${t}`))
	expect(missing).toEqual([])
	reader.destroy()
	await server.stop()
})

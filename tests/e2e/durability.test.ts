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

/** Types one token after another into paragraph `index`, remembering what it typed. */
function typist(doc: Y.Doc, index: number, prefix: string) {
	const typed: string[] = []
	let n = 0
	const timer = setInterval(() => {
		const paragraph = doc.getXmlFragment(DOCUMENT_FRAGMENT).get(index) as Y.XmlElement
		const text = paragraph.get(0) as Y.XmlText
		const token = ` ${prefix}${n++}`
		text.insert(text.length, token)
		typed.push(token.trim())
	}, 7)
	return { typed, stop: () => clearInterval(timer) }
}

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

	// Both clients converge on a text holding every token either typed.
	const text = (c: typeof vnm) => readBlocks(c.doc).map((p) => p.text).join('\n')
	await expect.poll(() => text(vnm) === text(tha), { timeout: 20_000 }).toBe(true)
	for (const token of [...a.typed, ...b.typed]) expect(text(vnm)).toContain(` ${token}`)

	// And it is on disk: a graceful stop, a fresh start, a fresh client.
	await new Promise((r) => setTimeout(r, 300))
	vnm.destroy()
	tha.destroy()
	await server.stop()
	server = await spawnServer({ dataDir: data.dir, port: server.port })
	servers.push(server)
	const reader = connectClient(`ws://127.0.0.1:${server.port}/sync`, SLUG, { cookie: vnmCookie })
	await expect.poll(() => reader.synced(), { timeout: 20_000 }).toBe(true)
	const stored = text(reader)
	const missing = [...a.typed, ...b.typed].filter((t) => !stored.includes(` ${t}`))
	expect(missing).toEqual([])
	reader.destroy()
	await server.stop()
})

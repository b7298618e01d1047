import { readdirSync, readFileSync, statSync } from 'node:fs'
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import path from 'node:path'
import { afterEach, describe, expect, test, vi } from 'vitest'
import { WebSocket, WebSocketServer } from 'ws'
import * as Y from 'yjs'
import { CLOSE_EVENTS } from '#app/domain/close-codes.ts'
import { CHECKPOINT_EVERY_ROWS, ECHO_PRESENCE_GROUPS, MAX_PENDING_UPGRADES, PRESENCE_INTERVAL_MS, PRESENCE_WAIT_FOR_UPDATE_MS } from '#app/domain/constants.ts'
import type { UpgradeAuth, UpgradeRequest } from '#app/domain/sync-admission.ts'
import type { AwarenessEntry } from '#server/awareness.ts'
import { newConnection, type Connection } from '#server/connection.ts'
import { createMemoryPersistence } from '#server/persistence.ts'
import { PresencePacer, type PacedRoom } from '#server/presence-pacer.ts'
import { StoredDocument } from '#server/stored-document.ts'
import { upgradeHandler } from '#server/upgrade.ts'
import { createIdentity } from '#tests/factories/sync-client.ts'
import { quietLogger } from '#tests/setup/test-env.ts'

const ROOT = path.resolve(import.meta.dirname, '../..')

function sourceFiles(dir: string): string[] {
	return readdirSync(dir).flatMap((name) => {
		const file = path.join(dir, name)
		if (statSync(file).isDirectory()) return name === 'generated' ? [] : sourceFiles(file)
		return /\.(ts|tsx)$/.test(name) ? [file] : []
	})
}
const importsOf = (file: string) => [...readFileSync(file, 'utf8').matchAll(/(?:^|\n)\s*(?:import|export)[^'"]*from\s+'([^']+)'/g)].map((m) => m[1]!)

describe('module boundaries', () => {
	test('nothing under app/ imports from server/', () => {
		const offenders = sourceFiles(path.join(ROOT, 'app')).flatMap((file) =>
			importsOf(file)
				.filter((spec) => spec.startsWith('#server/') || /(^|\/)server\//.test(spec.replace(/^\.\.?\//, '')) && spec.startsWith('.'))
				.map((spec) => `${path.relative(ROOT, file)} → ${spec}`),
		)
		expect(offenders).toEqual([])
	})

	test('nothing under server/ imports app/models or app/routes', () => {
		const offenders = sourceFiles(path.join(ROOT, 'server')).flatMap((file) =>
			importsOf(file)
				.filter((spec) => /^#app\/(models|routes)\//.test(spec) || /app\/(models|routes)\//.test(spec))
				.map((spec) => `${path.relative(ROOT, file)} → ${spec}`),
		)
		expect(offenders).toEqual([])
	})

	test('the sync core stays small: no file of server/ much over 400 lines (the guard, one set of rules, is the longest)', () => {
		const long = sourceFiles(path.join(ROOT, 'server'))
			.map((file) => [path.relative(ROOT, file), readFileSync(file, 'utf8').split('\n').length] as const)
			.filter(([, lines]) => lines > 420)
		expect(long).toEqual([])
	})
})

describe('the presence pacer', () => {
	afterEach(() => vi.useRealTimers())

	function pacedRoom(connectionCount: number) {
		const flushes: string[] = []
		const room: PacedRoom & { flushes: string[] } = {
			connectionCount,
			destroyed: false,
			flushes,
			scheduleFlush: () => flushes.push('soon'),
			flushPresence: (due) => flushes.push(due),
		}
		return room
	}
	const entry = (clientId: number, clock = 1): AwarenessEntry => ({ clientId, clock, json: `{"cursor":null,"n":${clock}}` })
	const echoing = (): Connection => {
		const conn = newConnection({ send() {}, close() {} }, createIdentity(), false)
		conn.echoes = true
		return conn
	}

	test('a quiet room sends the first change with the next flush, later ones on the interval', () => {
		vi.useFakeTimers()
		const room = pacedRoom(3)
		const pacer = new PresencePacer(room)
		pacer.queue([entry(1)])
		expect(room.flushes).toEqual(['soon'])
		const first = pacer.take(performance.now(), null, true)
		expect(first.prompt).not.toBeNull()
		// Within the interval: it waits, and goes alone once the interval and the wait for text have passed.
		pacer.queue([entry(1, 2)])
		expect(pacer.take(performance.now(), null, true).prompt).toBeNull()
		vi.advanceTimersByTime(PRESENCE_INTERVAL_MS + PRESENCE_WAIT_FOR_UPDATE_MS)
		expect(room.flushes).toEqual(['soon', 'prompt'])
		expect(pacer.take(performance.now(), 'prompt', true).prompt).not.toBeNull()
		pacer.dispose()
	})

	test('a tick’s first change goes without presence; echoing connections take turns by group', () => {
		vi.useFakeTimers()
		const census = { echoing: 0, budgetPerS: 1_000_000 }
		const room = pacedRoom(ECHO_PRESENCE_GROUPS * 2)
		const pacer = new PresencePacer(room, census, { echoGroupSize: 1 })
		const conns = Array.from({ length: ECHO_PRESENCE_GROUPS * 2 }, echoing)
		for (const conn of conns) pacer.startEchoing(conn)
		expect(census.echoing).toBe(conns.length)
		expect(new Set(conns.map((c) => c.echoGroup)).size).toBe(ECHO_PRESENCE_GROUPS)
		pacer.queue([entry(7)])
		expect(pacer.take(performance.now(), null, false)).toEqual({ prompt: null, turn: -1, echo: null })
		const turns = new Set<number>()
		for (let i = 0; i < ECHO_PRESENCE_GROUPS * 4 && turns.size < ECHO_PRESENCE_GROUPS; i++) {
			const taken = pacer.take(performance.now(), 'echo', true)
			if (taken.turn >= 0) {
				expect(taken.echo).not.toBeNull()
				turns.add(taken.turn)
			}
			vi.advanceTimersByTime(PRESENCE_INTERVAL_MS)
		}
		expect(turns.size).toBe(ECHO_PRESENCE_GROUPS)
		for (const conn of conns) pacer.stopEchoing(conn)
		expect(census.echoing).toBe(0)
		pacer.dispose()
	})

	test('dispose gives the process’s echo budget back and stops every timer', () => {
		vi.useFakeTimers()
		const census = { echoing: 0, budgetPerS: 100 }
		const room = pacedRoom(2)
		const pacer = new PresencePacer(room, census)
		pacer.startEchoing(echoing())
		pacer.queue([entry(1), { ...entry(2), renewal: true }])
		pacer.take(performance.now(), null, true)
		pacer.queue([entry(1, 3)])
		pacer.dispose()
		expect(census.echoing).toBe(0)
		const before = room.flushes.length
		vi.advanceTimersByTime(120_000)
		expect(room.flushes.length).toBe(before)
	})
})

describe('the stored document', () => {
	function typed(text: string) {
		const doc = new Y.Doc()
		const updates: Uint8Array[] = []
		doc.on('update', (u: Uint8Array) => updates.push(u))
		for (const ch of text) doc.getText('t').insert(doc.getText('t').length, ch)
		return { doc, updates }
	}
	const hooks = () => ({ updates: [] as Uint8Array[], unreadable: [] as unknown[] })

	test('a whole stored document stays encoded until a change needs it; what was loaded counts as saved', async () => {
		const persistence = createMemoryPersistence()
		const { doc, updates } = typed('Hà Nội')
		await persistence.append([{ documentId: 'd', data: Y.mergeUpdates(updates), userId: null, delegationId: null }])
		const seen = hooks()
		const stored = new StoredDocument('d', persistence, quietLogger, { onUpdate: (u) => seen.updates.push(u), onUnreadable: (e) => seen.unreadable.push(e) })
		await stored.load()
		expect(stored.isBuilt).toBe(false)
		expect(stored.savedClocks([doc.clientID]).get(doc.clientID)).toBe('Hà Nội'.length)
		expect(stored.missingFrom(Y.encodeStateVector(new Y.Doc()))).toBeInstanceOf(Uint8Array)
		stored.doc.getText('t').insert(0, '“')
		expect(stored.isBuilt).toBe(true)
		expect(seen.updates).toHaveLength(1)
		expect(stored.doc.getText('t').toString()).toBe('“Hà Nội')
		stored.destroy()
	})

	test('a long tail is checkpointed; the next load reads the checkpoint', async () => {
		const persistence = createMemoryPersistence()
		const { updates } = typed('x'.repeat(CHECKPOINT_EVERY_ROWS + 5))
		const rows = updates.map((data) => ({ documentId: 'd', data, userId: null, delegationId: null }))
		await persistence.append(rows)
		const stored = new StoredDocument('d', persistence, quietLogger, { onUpdate() {}, onUnreadable() {} })
		await stored.load()
		expect(stored.isBuilt).toBe(true)
		await vi.waitFor(async () => expect((await persistence.load('d')).tail).toHaveLength(0))
		const again = new StoredDocument('d', persistence, quietLogger, { onUpdate() {}, onUnreadable() {} })
		await again.load()
		expect(again.isBuilt).toBe(false)
		expect(again.doc.getText('t').length).toBe(CHECKPOINT_EVERY_ROWS + 5)
		stored.destroy()
		again.destroy()
	})

	test('damaged bytes on disk: the room is told, and reading fails', async () => {
		const persistence = createMemoryPersistence()
		await persistence.append([{ documentId: 'd', data: new Uint8Array([1, 200, 3, 4, 5]), userId: null, delegationId: null }])
		const seen = hooks()
		const stored = new StoredDocument('d', persistence, quietLogger, { onUpdate() {}, onUnreadable: (e) => seen.unreadable.push(e) })
		await stored.load()
		expect(() => stored.stateVector()).toThrow(/cannot be read/)
		expect(seen.unreadable).toHaveLength(1)
	})
})

describe('the upgrade', () => {
	const servers: Server[] = []
	afterEach(() => servers.splice(0).forEach((s) => s.close()))

	async function listen(authenticate: (r: UpgradeRequest) => Promise<UpgradeAuth>, admitted: string[] = []) {
		const httpServer = createServer()
		const wss = new WebSocketServer({ noServer: true })
		httpServer.on(
			'upgrade',
			upgradeHandler({ httpServer, wss, authenticate, allowedOrigins: [], logger: quietLogger, isClosing: () => false, admit: (ws, auth) => (admitted.push(auth.documentId), ws.close(1000)) }),
		)
		await new Promise<void>((resolve) => httpServer.listen(0, '127.0.0.1', resolve))
		servers.push(httpServer)
		return `ws://127.0.0.1:${(httpServer.address() as AddressInfo).port}`
	}
	const outcome = (url: string, headers: Record<string, string> = {}) =>
		new Promise<string>((resolve) => {
			const ws = new WebSocket(url, { headers })
			ws.on('unexpected-response', (_req, res) => resolve(`http ${res.statusCode}`))
			ws.on('close', (code, reason) => resolve(`${code} ${reason.toString()}`))
			ws.on('error', () => {})
		})

	test('each refusal has its named close event, or an HTTP status before any socket', async () => {
		const refusals = [CLOSE_EVENTS.notLoggedIn, CLOSE_EVENTS.noAccess, CLOSE_EVENTS.notFound, CLOSE_EVENTS.tokenForAnotherDocument]
		for (const event of refusals) {
			const url = await listen(async () => ({ ok: false, ...event }))
			expect(await outcome(`${url}/sync/some-doc`)).toBe(`${event.code} ${event.reason}`)
		}
		const url = await listen(async () => ({ ok: false, ...CLOSE_EVENTS.notLoggedIn }))
		expect(await outcome(`${url}/sync/some-doc`, { origin: 'http://127.0.0.1:1' })).toBe('http 403')
		expect(await outcome(`${url}/elsewhere`)).toBe('http 404')
		const failing = await listen(() => Promise.reject(new Error('database down')))
		expect(await outcome(`${failing}/sync/some-doc`)).toBe('http 500')
	})

	test('too many upgrades waiting for authentication: 503 at once', async () => {
		let release = () => {}
		let asked = 0
		const held = new Promise<void>((resolve) => (release = resolve))
		const url = await listen(async () => {
			asked++
			await held
			return { ok: false, ...CLOSE_EVENTS.notLoggedIn }
		})
		const waiting = Array.from({ length: MAX_PENDING_UPGRADES }, () => outcome(`${url}/sync/doc`))
		await vi.waitFor(() => expect(asked).toBe(MAX_PENDING_UPGRADES), { timeout: 10_000 })
		expect(await outcome(`${url}/sync/doc`)).toBe('http 503')
		release()
		expect(new Set(await Promise.all(waiting))).toEqual(new Set([`${CLOSE_EVENTS.notLoggedIn.code} ${CLOSE_EVENTS.notLoggedIn.reason}`]))
	})
})

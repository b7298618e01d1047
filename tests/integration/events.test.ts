import { expect, test } from 'vitest'
import { MAX_EVENT_STREAMS_PER_USER } from '#app/domain/constants.ts'
import { loader } from '#app/routes/document.events.ts'
import { openDocumentEventStreams } from '#app/utils/document-events.server.ts'
import { createMeeting, sessionCookie } from '#tests/factories/meeting.ts'
import { useSyncFixture } from '#tests/setup/sync-fixture.ts'

/** The event stream of the positions matrix and the revisions board (ADR 011), through its loader. */
const world = useSyncFixture((prisma) => createMeeting(prisma, { slug: 'other-meeting' }))

async function open(slug: string, cookie?: string) {
	const controller = new AbortController()
	const request = new Request(`http://127.0.0.1/documents/${slug}/events`, { headers: cookie ? { cookie } : {}, signal: controller.signal })
	const response = (await loader({ request, params: { slug }, context: {} } as never)) as Response
	let text = ''
	let ended = false
	if (response.ok) {
		const reader = response.body!.getReader()
		const decoder = new TextDecoder()
		void (async () => {
			for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += decoder.decode(chunk.value, { stream: true })
			ended = true
		})().catch(() => (ended = true))
	}
	return { response, text: () => text, ended: () => ended, close: () => controller.abort() }
}

test('who may not listen gets a plain status, and nothing is kept open for them', async () => {
	const before = openDocumentEventStreams()
	const slug = world.fixture.document.slug
	expect((await open(slug)).response.status).toBe(401)
	expect((await open(slug, 'accord_session=forged')).response.status).toBe(401)
	const outsider = await open(slug, await sessionCookie(world.fixture.outsider.id))
	expect([outsider.response.status, await outsider.response.text()]).toEqual([403, 'Your delegation does not take part in this meeting.'])
	// A member of another meeting is an outsider here.
	expect((await open(slug, await sessionCookie(world.extra.people.VNM!.id))).response.status).toBe(403)
	expect((await open('no-such-text', await sessionCookie(world.fixture.people.VNM!.id))).response.status).toBe(404)
	expect(openDocumentEventStreams()).toBe(before)
})

test('a participant hears the document’s notices, and only its own document’s; leaving frees the listener', async () => {
	const before = openDocumentEventStreams()
	const observer = await open(world.fixture.document.slug, await sessionCookie(world.fixture.people.AUS!.id))
	expect(observer.response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8')
	await expect.poll(() => observer.text()).toMatch(/^retry: \d+$/m)
	const rooms = world.server.sync.rooms
	rooms.notify(world.extra.document.id, { type: 'negotiation', summary: 'VNM: elsewhere' })
	rooms.notify(world.fixture.document.id, { type: 'negotiation', summary: 'THA: Ủng hộ\nline two' })
	await expect.poll(() => observer.text()).toContain('data: {"type":"negotiation","summary":"THA: Ủng hộ\\nline two"}\n\n')
	expect(observer.text()).not.toContain('elsewhere')
	expect(openDocumentEventStreams()).toBe(before + 1)
	observer.close()
	await expect.poll(() => openDocumentEventStreams()).toBe(before)
})

test('logging out ends the stream; one person cannot hold more than their share', async () => {
	const userId = world.fixture.people.BRN!.id
	const cookie = await sessionCookie(userId)
	const streams: Awaited<ReturnType<typeof open>>[] = []
	for (let i = 0; i < MAX_EVENT_STREAMS_PER_USER; i++) streams.push(await open(world.fixture.document.slug, cookie))
	expect(streams.every((s) => s.response.status === 200)).toBe(true)
	const extra = await open(world.fixture.document.slug, cookie)
	expect(extra.response.status).toBe(429)
	expect(openDocumentEventStreams(userId)).toBe(MAX_EVENT_STREAMS_PER_USER)
	// Another person is not affected by that.
	const other = await open(world.fixture.document.slug, await sessionCookie(world.fixture.people.JPN!.id))
	expect(other.response.status).toBe(200)
	other.close()

	const { logout } = await import('#app/utils/auth.server.ts')
	await logout(new Request('http://127.0.0.1/logout', { method: 'POST', headers: { cookie } }))
	await expect.poll(() => streams.every((s) => s.ended())).toBe(true)
	expect(openDocumentEventStreams(userId)).toBe(0)
})

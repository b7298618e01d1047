import { expect, test } from 'vitest'
import * as Y from 'yjs'
import { CLOSE_CODES } from '#app/domain/close-codes.ts'
import { DOCUMENT_FRAGMENT, MAX_MESSAGE_BYTES } from '#app/domain/constants.ts'
import { readBlocks, newParagraphId } from '#app/domain/statement.ts'
import { sessionCookie } from '#tests/factories/meeting.ts'
import { connectClient, rawConnect } from '#tests/setup/sync-server.ts'
import { useSyncFixture } from '#tests/setup/sync-fixture.ts'

const world = useSyncFixture()

/** A small deterministic PRNG so a failure can be replayed. */
function varUint(n: number): number[] {
	const out: number[] = []
	while (n > 0x7f) {
		out.push((n & 0x7f) | 0x80)
		n >>>= 7
	}
	out.push(n)
	return out
}

function random(seed: number) {
	return () => {
		seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff
		return seed / 0x7fffffff
	}
}

test('1,000 random frames and a frame over the limit close only their own connections', async () => {
	const slug = world.fixture.document.slug
	const cookie = await sessionCookie(world.fixture.people.VNM!.id)
	const a = connectClient(world.server.url, slug, { cookie })
	const b = connectClient(world.server.url, slug, { cookie: await sessionCookie(world.fixture.people.THA!.id) })
	await expect.poll(() => a.synced() && b.synced()).toBe(true)

	const rand = random(2022)
	// Half the frames are random bytes; half are real sync updates with a few bytes flipped, so
	// they get past the framing and into Yjs itself.
	const source = new Y.Doc()
	const updates: Uint8Array[] = []
	source.on('update', (u: Uint8Array) => updates.push(u))
	const fragment = source.getXmlFragment(DOCUMENT_FRAGMENT)
	for (let i = 0; i < 20; i++) {
		const p = new Y.XmlElement('paragraph')
		p.setAttribute('id', newParagraphId())
		const t = new Y.XmlText()
		t.insert(0, `Đoạn ${i} — bình luận`)
		p.insert(0, [t])
		fragment.insert(fragment.length, [p])
	}
	const frameFor = (i: number): Buffer => {
		if (i % 2 === 0) {
			const length = 1 + Math.floor(rand() * 64)
			return Buffer.from(Array.from({ length }, () => Math.floor(rand() * 256)))
		}
		const update = Buffer.from(updates[Math.floor(rand() * updates.length)]!)
		for (let k = 0; k < 1 + Math.floor(rand() * 3); k++) update[Math.floor(rand() * update.length)] = Math.floor(rand() * 256)
		return Buffer.concat([Buffer.from([0, 2]), Buffer.from(varUint(update.length)), update])
	}
	let attacker = rawConnect(`${world.server.url}/${slug}`, { cookie })
	await attacker.opened
	let closedByServer = 0
	let survived = 0
	for (let i = 0; i < 1_000; i++) {
		if (attacker.ws.readyState !== attacker.ws.OPEN) {
			attacker = rawConnect(`${world.server.url}/${slug}`, { cookie })
			expect(await attacker.opened).toBe(true)
		}
		const seen = attacker.messages.length
		attacker.ws.send(frameFor(i))
		attacker.ws.send(Buffer.from([3])) // query-awareness: a live connection always answers
		const outcome = await Promise.race([
			attacker.closed.then(() => 'closed' as const),
			expect.poll(() => attacker.messages.length > seen, { timeout: 5_000, interval: 2 }).toBe(true).then(() => 'alive' as const),
		])
		if (outcome === 'closed') closedByServer++
		else survived++
	}
	expect(closedByServer + survived).toBe(1_000)
	expect(closedByServer).toBeGreaterThan(400) // every random frame, and mutated updates Yjs rejects
	attacker.ws.close()

	const big = rawConnect(`${world.server.url}/${slug}`, { cookie })
	await big.opened
	big.ws.send(Buffer.alloc(MAX_MESSAGE_BYTES + 1))
	expect((await big.closed).code).toBe(CLOSE_CODES.messageTooBig)

	const text = rawConnect(`${world.server.url}/${slug}`, { cookie })
	await text.opened
	text.ws.send('hello')
	expect((await text.closed).code).toBe(CLOSE_CODES.badMessage)

	// The honest clients were never disturbed and still edit together. A mutated update the
	// guard found well formed may have added a paragraph (an empty one, say) anywhere: edit the
	// first paragraph that holds text, wherever it now is.
	const held = a.doc.getXmlFragment(DOCUMENT_FRAGMENT).toArray().map((block) => (block instanceof Y.XmlElement ? block.get(0) : null))
	const t = held.find((child): child is Y.XmlText => child instanceof Y.XmlText && child.length > 0)!
	t.insert(t.length, ' Still working.')
	await expect.poll(() => readBlocks(b.doc).some((block) => block.text.endsWith('Still working.'))).toBe(true)
	await expect.poll(() => JSON.stringify(readBlocks(b.doc))).toBe(JSON.stringify(readBlocks(a.doc)))
	expect(a.closes).toEqual([])
	expect(b.closes).toEqual([])
	a.destroy()
	b.destroy()
})

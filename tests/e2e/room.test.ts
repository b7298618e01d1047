import { getSchema } from '@tiptap/core'
import { yXmlFragmentToProseMirrorRootNode } from '@tiptap/y-tiptap'
import type { Page } from 'playwright-core'
import { expect, test } from 'vitest'
import * as Y from 'yjs'
import { ParagraphRef, statementExtensions } from '#app/components/statement-schema.ts'
import { DOCUMENT_FRAGMENT } from '#app/domain/constants.ts'
import { blockShapeProblem } from '#app/domain/document-shape.ts'
import { readBlocks } from '#app/domain/statement.ts'
import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { login, newContext, SCREENSHOTS } from '#tests/setup/browser.ts'
import { clean, editor, useServerAndBrowser } from '#tests/setup/editor-page.ts'
import { loginCookie } from '#tests/setup/spawn-server.ts'
import { connectClient } from '#tests/setup/sync-server.ts'

/**
 * A room at work (issue 28): four delegations' pages (the Chair, two delegates, Thailand's
 * adviser who can only suggest) and two stock y-websocket clients type, delete, select and
 * replace, and suggest in one open paragraph, at its end and after the same words, at once,
 * for a minute, with random but seeded timing. Every author's words must come out whole on
 * every screen and after a kill -9, and the document must stay valid for the editor throughout.
 */
const DOC = '/documents/accsm21-heads-joint-statement'
const SLUG = 'accsm21-heads-joint-statement'
const DURATION_MS = Number(process.env.ROOM_TEST_MS ?? 60_000)
const world = useServerAndBrowser('accord-room-')
const schema = getSchema([...statementExtensions, ParagraphRef])

function random(seed: number) {
	return () => {
		seed = (seed * 1_103_515_245 + 12_345) & 0x7fffffff
		return seed / 0x7fffffff
	}
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))

/** Words of one author: unique, with a letter after the number so none is a prefix of another. */
function author(prefix: string) {
	let n = 0
	const live = new Set<string>()
	return { prefix, live, next: () => `${prefix}${++n}z`, made: () => n }
}
const wordRe = (word: string) => new RegExp(`(?<![\\p{L}\\p{N}])${word}(?![\\p{L}\\p{N}])`, 'gu')
/**
 * How often a word stands in the text with its letters together and in order. Not bounded by
 * spaces: two delegations who type at one spot in the same instant (one replacing the last word
 * while another adds after it) give Yjs two runs with one origin, which it orders by client id,
 * and the words can end up side by side with no space between. Each is whole; none is lost.
 */
const occurrences = (text: string, word: string) => text.split(word).length - 1
/** The text without the given words, spaces folded: what is left must be the original paragraph. */
const residue = (text: string, words: Iterable<string>) => {
	let rest = text
	for (const word of words) rest = rest.replace(word, ' ')
	return rest.replace(/\s+/g, ' ').trim()
}

/**
 * Puts the page's selection in the target paragraph (by id), in one step inside the page:
 * at its end, after the k-th word, or over a word of one's own (with its leading space when
 * deleting). Returns false when the word is not there.
 */
function place(page: Page, id: string, how: { at: 'end' } | { at: 'after'; pick: number } | { at: 'word'; word: string; withSpace: boolean }) {
	return editor(page).evaluate(
		(el, { id, how }) => {
			type PMNode = { attrs: Record<string, unknown>; content: { size: number }; nodeSize: number; textBetween(a: number, b: number, s?: string, l?: string): string }
			const instance = (el as HTMLElement & { editor?: { state: { doc: { forEach(f: (n: PMNode, offset: number) => void): void } }; commands: { setTextSelection(r: { from: number; to: number }): boolean }; view: { focus(): void } } }).editor!
			let start = -1
			let text = ''
			instance.state.doc.forEach((node, offset) => {
				if (node.attrs.id !== id) return
				start = offset + 1
				text = node.textBetween(0, node.content.size, undefined, '\ufffc')
			})
			if (start < 0) return false
			let from: number
			let to: number
			if (how.at === 'end') from = to = start + text.length
			else if (how.at === 'after') {
				const ends = [...text.matchAll(/[^\s\ufffc]+/gu)].map((m) => m.index! + m[0].length)
				from = to = start + ends[how.pick % ends.length]!
			} else {
				const m = new RegExp(`(?<![\\p{L}\\p{N}])${how.word}(?![\\p{L}\\p{N}])`, 'u').exec(text)
				if (!m) return false
				const lead = how.withSpace && m.index > 0 && text[m.index - 1] === ' ' ? 1 : 0
				from = start + m.index - lead
				to = start + m.index + how.word.length
			}
			instance.commands.setTextSelection({ from, to })
			instance.view.focus()
			return true
		},
		{ id, how },
	)
}

/** The target paragraph's text on a page, without other people's caret labels. */
async function pageText(page: Page, id: string) {
	return clean(editor(page).locator(`[data-id="${id}"]`))
}

/** Whatever the editor needs: every block well formed, and y-prosemirror builds it without deleting anything. */
function problemsOf(doc: Y.Doc): string[] {
	const copy = new Y.Doc()
	Y.applyUpdate(copy, Y.encodeStateAsUpdate(doc))
	const body = copy.getXmlFragment(DOCUMENT_FRAGMENT)
	const problems: string[] = []
	for (const child of body.toArray()) {
		if (!(child instanceof Y.XmlElement)) problems.push('a block that is not an element')
		else {
			const problem = blockShapeProblem(child)
			if (problem) problems.push(problem)
		}
	}
	const before = Y.encodeStateVector(copy)
	try {
		yXmlFragmentToProseMirrorRootNode(body, schema).check()
	} catch (error) {
		problems.push(`ProseMirror: ${(error as Error).message}`)
	}
	if (Buffer.compare(Buffer.from(Y.encodeStateVector(copy)), Buffer.from(before)) !== 0) problems.push('y-prosemirror had to delete something')
	return problems
}

test('a room: four delegations and two stock clients edit one paragraph at the same spot for a minute; every word comes out whole, everywhere, after kill -9', async () => {
	const rand = random(2022)
	const people = [
		{ email: 'vnm.head@example.org', words: author('việt'), zone: 'Asia/Ho_Chi_Minh' },
		{ email: 'lao.head@example.org', words: author('lào'), zone: 'Asia/Vientiane' },
		{ email: 'khm.head@example.org', words: author('khmer'), zone: 'Asia/Phnom_Penh' },
		{ email: 'tha.adviser@example.org', words: author('thái'), zone: 'Asia/Bangkok' },
	]
	const contexts = []
	const pages: Page[] = []
	for (const person of people) {
		const c = await newContext(world.browser, world.server.baseUrl, { timezoneId: person.zone })
		contexts.push(c)
		const page = await login(c.context, person.email)
		await page.goto(DOC)
		await expect.poll(() => page.getByTestId('sync-status').getAttribute('data-connection'), { timeout: 20_000 }).toBe('connected')
		pages.push(page)
	}
	// The open operative paragraph everyone works in.
	const id = await editor(pages[0]!).evaluate((el) => {
		const p = [...el.querySelectorAll('p[data-id]')].find((e) => e.textContent?.startsWith('Agree to pursue the digital transformation'))
		return p?.getAttribute('data-id') ?? ''
	})
	expect(id).not.toBe('')

	// Two stock y-websocket clients (Node, the official provider) and a silent observer.
	const raw = [
		{ email: 'phl.head@example.org', words: author('phl') },
		{ email: 'sgp.delegate@example.org', words: author('sgp') },
	]
	const clients: ReturnType<typeof connectClient>[] = []
	for (const r of raw) clients.push(connectClient(`ws://127.0.0.1:${world.server.port}/sync`, SLUG, { cookie: await loginCookie(world.server.baseUrl, r.email) }))
	const observer = connectClient(`ws://127.0.0.1:${world.server.port}/sync`, SLUG, { cookie: await loginCookie(world.server.baseUrl, 'brn.head@example.org') })
	await expect.poll(() => [...clients, observer].every((c) => c.synced()), { timeout: 20_000 }).toBe(true)
	for (const c of clients) expect(readBlocks(c.doc).some((b) => b.id === id)).toBe(true)

	const rawParagraph = (client: (typeof clients)[number]) =>
		client.doc.getXmlFragment(DOCUMENT_FRAGMENT).toArray().find((b) => b instanceof Y.XmlElement && b.getAttribute('id') === id) as Y.XmlElement
	const plainOf = (text: Y.XmlText) => (text.toDelta() as { insert: unknown }[]).map((op) => (typeof op.insert === 'string' ? op.insert : '\ufffc')).join('')
	const end = Date.now() + DURATION_MS
	const invalid: string[] = []
	const checker = setInterval(() => invalid.push(...problemsOf(observer.doc)), 2_000)

	/**
	 * Rounds, as a room works: each round names one spot (the paragraph's end, or right after one
	 * word of the original text), every actor puts its caret there or selects a word of its own
	 * (nobody types yet), then all type, replace or delete at once, each at its own seeded pace.
	 * Each caret then has to stay after its own letters while the others' carets move at the
	 * same place.
	 */
	type Plan = { kind: 'type' | 'replace' | 'delete'; old?: string; word?: string; delay: number; start: number }
	const plan = (words: ReturnType<typeof author>): Plan => {
		const own = [...words.live]
		const r = rand()
		const delay = 20 + Math.floor(rand() * 100)
		const start = Math.floor(rand() * 150)
		if (r < 0.55 || own.length === 0) return { kind: 'type', word: words.next(), delay, start }
		const old = own[Math.floor(rand() * own.length)]!
		if (r < 0.85) return { kind: 'replace', old, word: words.next(), delay, start }
		return { kind: 'delete', old, delay, start }
	}
	const original = await pageText(pages[0]!, id)
	const originalWords = original.split(/\s+/).length
	let rounds = 0
	while (Date.now() < end) {
		rounds++
		const spot = rand() < 0.5 ? ({ at: 'end' } as const) : ({ at: 'after', pick: Math.floor(rand() * originalWords) } as const)
		const plans = [...people.map((p) => plan(p.words)), ...raw.map((r) => plan(r.words))]
		// Phase 1: carets and selections, nobody typing.
		const ready: boolean[] = []
		for (const [i, page] of pages.entries()) {
			const p = plans[i]!
			ready[i] = await place(page, id, p.kind === 'type' ? spot : { at: 'word', word: p.old!, withSpace: p.kind === 'delete' })
		}
		const carets = clients.map((client, i) => {
			const p = plans[pages.length + i]!
			const text = rawParagraph(client).get(0) as Y.XmlText
			const plain = plainOf(text)
			if (p.kind === 'type') {
				const ends = [...plain.matchAll(/[^\s\ufffc]+/gu)].map((m) => m.index! + m[0].length)
				const at = spot.at === 'end' ? plain.length : ends[spot.pick % ends.length]!
				return { text, from: Y.createRelativePositionFromTypeIndex(text, at, -1), to: null }
			}
			const m = wordRe(p.old!).exec(plain)
			if (!m) return null
			const lead = p.kind === 'delete' && m.index > 0 && plain[m.index - 1] === ' ' ? 1 : 0
			// As an editor holds a selection: its start on its first letter, its end after its last.
			return { text, from: Y.createRelativePositionFromTypeIndex(text, m.index - lead, 0), to: Y.createRelativePositionFromTypeIndex(text, m.index + p.old!.length, -1) }
		})
		if (process.env.ROOM_LOG) console.log('ROUND', rounds, JSON.stringify(spot), JSON.stringify(plans.map((p) => [p.kind, p.old ?? '', p.word ?? ''])), JSON.stringify(ready), JSON.stringify(carets.map((c) => !!c)))
		// Phase 2: everyone at once.
		await Promise.all([
			...pages.map(async (page, i) => {
				const p = plans[i]!
				if (!ready[i]) return
				await sleep(p.start)
				if (p.kind === 'type') {
					people[i]!.words.live.add(p.word!)
					await page.keyboard.type(` ${p.word}`, { delay: p.delay })
				} else if (p.kind === 'replace') {
					people[i]!.words.live.delete(p.old!)
					people[i]!.words.live.add(p.word!)
					await page.keyboard.type(p.word!, { delay: p.delay })
				} else {
					people[i]!.words.live.delete(p.old!)
					await page.keyboard.press('Backspace')
				}
			}),
			...clients.map(async (client, i) => {
				const p = plans[pages.length + i]!
				const caret = carets[i]
				if (!caret) return
				await sleep(p.start)
				const words = raw[i]!.words
				const at = () => Y.createAbsolutePositionFromRelativePosition(caret.from, client.doc)!.index
				if (caret.to) {
					const to = Y.createAbsolutePositionFromRelativePosition(caret.to, client.doc)!.index
					const from = at()
					caret.text.delete(from, to - from)
					caret.from = Y.createRelativePositionFromTypeIndex(caret.text, from, -1)
				}
				if (p.kind === 'delete') return void words.live.delete(p.old!)
				if (p.kind === 'replace') words.live.delete(p.old!)
				words.live.add(p.word!)
				// Letter by letter, with no marks of the neighbours' (attributes {}); the caret is a
				// relative position right after the last letter, as an editor keeps it.
				let index = at()
				for (const letter of p.kind === 'type' ? ` ${p.word}` : p.word!) {
					caret.text.insert(index, letter, {})
					caret.from = Y.createRelativePositionFromTypeIndex(caret.text, index + 1, -1)
					await sleep(p.delay)
					index = at()
				}
			}),
		])
		// ROOM_LOG=1 prints each round's plan, and the first round after which a word is broken.
		if (process.env.ROOM_LOG) {
			await sleep(1500)
			for (const [i, page] of pages.entries()) {
				const refused = page.locator('[data-testid=refused-message]')
				if ((await refused.count()) > 0) console.log('REFUSED', rounds, people[i]!.words.prefix, await refused.first().textContent())
			}
			const now = readBlocks(observer.doc).find((b) => b.id === id)?.text ?? ''
			const live = [...people.map((p) => p.words), ...raw.map((r) => r.words)].flatMap((w) => [...w.live])
			const broken = live.filter((word) => occurrences(now, word) !== 1)
			const rest = residue(now, live)
			if (broken.length > 0 || rest !== original.replace(/\s+/g, ' ').trim()) console.log('BROKEN', rounds, broken.join(','), JSON.stringify(rest), JSON.stringify(now.slice(-260)))
		}
	}
	expect(rounds).toBeGreaterThan(3)
	clearInterval(checker)

	// Everyone converges on one text: every page, every client, the observer.
	const final = async () => {
		const texts = [...(await Promise.all(pages.map((p) => pageText(p, id)))), ...[...clients, observer].map((c) => readBlocks(c.doc).find((b) => b.id === id)?.text ?? '')]
		return texts
	}
	await expect.poll(async () => new Set(await final()).size, { timeout: 30_000, interval: 500 }).toBe(1).catch(async (error) => {
		throw new Error(`${(error as Error).message}\n${(await final()).join('\n')}`)
	})
	const text = (await final())[0]!
	// Every author's words are there whole, once each, and nothing they deleted or replaced is.
	const all = [...people.map((p) => p.words), ...raw.map((r) => r.words)]
	for (const words of all) {
		for (const word of words.live) expect(occurrences(text, word), `${word} in ${text}`).toBe(1)
		expect(words.made(), `${words.prefix} typed`).toBeGreaterThan(0)
	}
	// Nothing else: no letter of a deleted or replaced word, not one of the original text lost.
	expect(residue(text, all.flatMap((a) => [...a.live]))).toBe(original.replace(/\s+/g, ' ').trim())
	expect(invalid).toEqual([])
	expect(problemsOf(observer.doc)).toEqual([])
	for (const page of pages) await expect.poll(() => page.getByTestId('sync-status').getAttribute('data-unsaved'), { timeout: 20_000 }).toBe('false')
	// The paragraph everyone worked in, as the Chair sees it.
	await editor(pages[0]!).locator(`[data-id="${id}"]`).evaluate((el) => el.scrollIntoView({ block: 'center' }))
	mkdirSync(SCREENSHOTS, { recursive: true })
	await pages[0]!.screenshot({ path: path.join(SCREENSHOTS, '30-room-after-a-minute.png') })
	for (const page of pages) expect(await page.locator('[data-testid=refused-message]').count()).toBe(0)

	// kill -9 and a restart: the database holds exactly this text.
	for (const c of [...clients, observer]) c.destroy()
	await world.server.kill9()
	await world.restart()
	const reader = connectClient(`ws://127.0.0.1:${world.server.port}/sync`, SLUG, { cookie: await loginCookie(world.server.baseUrl, 'brn.head@example.org') })
	await expect.poll(() => reader.synced(), { timeout: 20_000 }).toBe(true)
	expect(readBlocks(reader.doc).find((b) => b.id === id)?.text).toBe(text)
	expect(problemsOf(reader.doc)).toEqual([])
	reader.destroy()
	for (const { context, errors } of contexts) {
		expect(errors.filter((e) => !/WebSocket connection to .* failed/.test(e))).toEqual([])
		await context.close()
	}
})

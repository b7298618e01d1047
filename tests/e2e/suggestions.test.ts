import { expect, test } from 'vitest'
import type { Page } from 'playwright-core'
import { login, newContext, screenshot } from '#tests/setup/browser.ts'
import { type BrowserContextWithErrors, editor, expectNoErrorsAndClose, paragraph, textOf, useServerAndBrowser, openEditable } from '#tests/setup/editor-page.ts'

/**
 * Issue 28 in the browser: Thailand's adviser (every change a suggestion) and Singapore's
 * delegate (suggestion mode switched on) select-and-retype, delete-then-type, paste over a
 * selection and type inside each other's suggestions, at the same time in one paragraph; the
 * Chair (Viet Nam) accepts all, and in a second paragraph rejects all. Every page reads exactly
 * what was meant, letter for letter.
 */
const DOC = '/documents/accsm21-heads-joint-statement'
const world = useServerAndBrowser('accord-e2e-suggestions-')

const open = (browserContext: BrowserContextWithErrors, email: string) => openEditable(browserContext, email, DOC)

/** The editor's selection: the words selected, and the paragraph's text before it. */
function editorPick(page: Page) {
	return editor(page).evaluate((el) => {
		type Pm = { state: { selection: { from: number; to: number; $from: { start(): number } }; doc: { textBetween(a: number, b: number): string } } }
		const instance = (el as HTMLElement & { editor?: Pm }).editor
		if (!instance) return null
		const { from, to, $from } = instance.state.selection
		return { selected: instance.state.doc.textBetween(from, to), before: instance.state.doc.textBetween($from.start(), from) }
	})
}

/**
 * Selects `words` in paragraph n as a mouse drag would, or with `caret` puts the caret right
 * after them; they may run across suggestions (other people's caret labels are not text).
 */
async function pick(page: Page, n: number, words: string, { caret = false } = {}) {
	await paragraph(page, n).click()
	const setDomSelection = () =>
		paragraph(page, n).evaluate(
			(p, [target, collapse]) => {
				const nodes: Text[] = []
				const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT)
				for (let node = walker.nextNode(); node; node = walker.nextNode()) {
					if (!node.parentElement?.closest('.collaboration-carets__caret')) nodes.push(node as Text)
				}
				const start = nodes.map((t) => t.data).join('').indexOf(target)
				if (start < 0) throw new Error(`"${target}" is not in the paragraph`)
				// The text node and offset of a character offset; at a boundary, the end of the node before.
				const locate = (offset: number): [Text, number] => {
					let at = 0
					for (const t of nodes) {
						if (offset <= at + t.length) return [t, offset - at]
						at += t.length
					}
					throw new Error('offset past the paragraph')
				}
				const range = document.createRange()
				const [endNode, endOffset] = locate(start + target.length)
				const [startNode, startOffset] = collapse ? [endNode, endOffset] : locate(start)
				range.setStart(startNode, startOffset)
				range.setEnd(endNode, endOffset)
				const selection = window.getSelection()!
				selection.removeAllRanges()
				selection.addRange(range)
			},
			[words, caret] as const,
		)
	// What the editor has: for a caret, the words right before it (or the last 40 letters, to show where it is).
	const now = async () => {
		const has = await editorPick(page)
		if (!caret) return has?.selected
		return { selected: has?.selected, before: has?.before.endsWith(words) ? words : has?.before.slice(-40) }
	}
	const wanted = caret ? { selected: '', before: words } : words
	// Someone else's caret moving redraws the paragraph, and the editor may put back its own
	// selection before it has read this one: set it again until the editor has it.
	await expect
		.poll(async () => {
			const had = await now()
			if (JSON.stringify(had) !== JSON.stringify(wanted)) await setDomSelection()
			return had
		})
		.toEqual(wanted)
}

/** Pastes plain text where the selection is, as Ctrl+V with that text on the clipboard would. */
function paste(page: Page, text: string) {
	return editor(page).evaluate((el, words) => {
		const data = new DataTransfer()
		data.setData('text/plain', words)
		el.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }))
	}, text)
}

const type = (page: Page, text: string) => page.keyboard.type(text, { delay: 35 })

/** Paragraph n as it would read with every suggestion accepted, or rejected (from the page's own marks). */
function readingOf(page: Page, n: number, decision: 'accept' | 'reject') {
	return paragraph(page, n).evaluate((p, gone) => {
		const copy = p.cloneNode(true) as HTMLElement
		for (const el of copy.querySelectorAll(`.collaboration-carets__caret, ${gone}`)) el.remove()
		return copy.textContent ?? ''
	}, decision === 'accept' ? 'del' : 'ins')
}

/** Each delegation's pending suggestions in paragraph n, as one page shows them: kind, delegation, words. */
function suggestionsIn(page: Page, n: number) {
	return paragraph(page, n).evaluate((p) => {
		const runs: [string, string, string, string][] = []
		for (const el of p.querySelectorAll('ins, del')) {
			const copy = el.cloneNode(true) as HTMLElement
			for (const c of copy.querySelectorAll('.collaboration-carets__caret')) c.remove()
			const run: [string, string, string, string] = [el.tagName.toLowerCase(), el.getAttribute('data-by') ?? '', copy.textContent ?? '', el.getAttribute('data-suggestion-id') ?? '']
			// Pieces of one suggestion one after the other (split by someone's caret) read as one.
			const last = runs[runs.length - 1]
			if (last && last[0] === run[0] && last[3] === run[3]) last[2] += run[2]
			else runs.push(run)
		}
		return runs.map(([kind, by, words]) => [kind, by, words])
	})
}

async function decideAll(chair: Page, by: string, decision: 'Accept all' | 'Reject all') {
	await chair.getByRole('group', { name: `All suggestions of ${by}` }).getByRole('button', { name: decision }).click()
	await expect.poll(() => chair.getByRole('group', { name: `All suggestions of ${by}` }).count(), { timeout: 10_000 }).toBe(0)
}

/** The paragraph that starts with `start`, by its index among the editor's paragraphs. */
async function paragraphStarting(page: Page, start: string) {
	const texts = await editor(page).locator('p').allTextContents()
	const n = texts.findIndex((t) => t.startsWith(start))
	expect(n).toBeGreaterThanOrEqual(0)
	return n
}

test('two delegations suggest at the same spot at the same time; the Chair accepts all, then rejects all in another paragraph', async () => {
	const vietNam = await newContext(world.browser, world.server.baseUrl)
	const thailand = await newContext(world.browser, world.server.baseUrl, { timezoneId: 'Asia/Bangkok' })
	const singapore = await newContext(world.browser, world.server.baseUrl, { timezoneId: 'Asia/Singapore' })
	const chair = await open(vietNam, 'vnm.head@example.org')
	const tha = await open(thailand, 'tha.adviser@example.org')
	const sgp = await open(singapore, 'sgp.delegate@example.org')
	await expect.poll(() => tha.getByTestId('suggest-only-notice').isVisible()).toBe(true)
	await sgp.getByLabel('Suggest changes').check()
	const pages = [chair, tha, sgp]

	// Round 1: the paragraph of issue 28.
	const n = await paragraphStarting(chair, 'Task the ACCSM Senior Officials')
	const original = await textOf(chair, n)
	// Both select three words and retype them.
	await Promise.all([pick(tha, n, 'Task the ACCSM'), pick(sgp, n, 'to complete the')])
	await Promise.all([type(tha, 'Request the ASEAN'), type(sgp, 'to finish the')])
	// Thailand deletes two words and types their replacement; Singapore pastes over three.
	await Promise.all([pick(tha, n, 'postponed from'), pick(sgp, n, 'other ASEAN sectoral bodies')])
	await tha.keyboard.press('Backspace')
	await Promise.all([type(tha, 'carried over from'), paste(sgp, 'all ASEAN sectoral bodies and Dialogue Partners')])
	// Each types inside the other's suggestion.
	await Promise.all([pick(tha, n, 'to finish', { caret: true }), pick(sgp, n, 'Request', { caret: true })])
	await Promise.all([type(tha, ' and report on'), type(sgp, ' jointly')])
	// Both type at one spot, after "April 2024".
	await Promise.all([pick(tha, n, 'April 2024', { caret: true }), pick(sgp, n, 'April 2024', { caret: true })])
	await Promise.all([type(tha, ' at the latest'), type(sgp, ', if possible')])

	const accepted = (end: string) =>
		'Request jointly the ASEAN Senior Officials to finish and report on the activities carried over from the ACCSM Work Plan 2016-2020, to contribute to the ASEAN Community Vision post-2025 and to expand ACCSM cooperation with all ASEAN sectoral bodies and Dialogue Partners, and to report to the ACCSM Heads Meeting to be hosted by Brunei Darussalam as Chair of ACCSM 22 in April 2024' +
		end +
		';'
	// Whose words come first at the one spot depends on who was first; each one's words stay whole.
	const either = [accepted(' at the latest, if possible'), accepted(', if possible at the latest')]
	await expect.poll(() => readingOf(tha, n, 'accept'), { timeout: 10_000 }).toBeOneOf(either)
	const pending = await textOf(tha, n)
	for (const page of pages) {
		await expect.poll(() => textOf(page, n), { timeout: 10_000 }).toBe(pending)
		// Nothing of the text is lost or changed while suggestions wait: rejecting all gives it back.
		expect(await readingOf(page, n, 'reject')).toBe(original)
		expect(await readingOf(page, n, 'accept')).toBe(await readingOf(tha, n, 'accept'))
	}
	const expectedSuggestions = (atTheEnd: [string, string, string][]) => [
		['del', 'THA', 'Task the ACCSM'],
		['ins', 'THA', 'Request'],
		['ins', 'SGP', ' jointly'],
		['ins', 'THA', ' the ASEAN'],
		['del', 'SGP', 'to complete the'],
		['ins', 'SGP', 'to finish'],
		['ins', 'THA', ' and report on'],
		['ins', 'SGP', ' the'],
		['ins', 'THA', 'carried over from'],
		['del', 'THA', 'postponed from'],
		['del', 'SGP', 'other ASEAN sectoral bodies'],
		['ins', 'SGP', 'all ASEAN sectoral bodies and Dialogue Partners'],
		...atTheEnd,
	]
	expect([
		expectedSuggestions([['ins', 'THA', ' at the latest'], ['ins', 'SGP', ', if possible']]),
		expectedSuggestions([['ins', 'SGP', ', if possible'], ['ins', 'THA', ' at the latest']]),
	]).toContainEqual(await suggestionsIn(chair, n))
	await expect.poll(() => chair.getByTestId('suggestion-count').textContent()).toMatch(/waiting for the Chair/)
	await paragraph(chair, n).scrollIntoViewIfNeeded()
	await screenshot(chair, '40-suggestions-same-spot')

	const meant = await readingOf(chair, n, 'accept')
	await decideAll(chair, 'THA', 'Accept all')
	await decideAll(chair, 'SGP', 'Accept all')
	for (const page of pages) {
		await expect.poll(() => textOf(page, n), { timeout: 10_000 }).toBe(meant)
		expect(await paragraph(page, n).locator('ins, del').count()).toBe(0)
	}

	// Round 2: the same moves in another paragraph; the Chair rejects all.
	const m = await paragraphStarting(chair, 'Encourage continued cooperation with China')
	const before = await textOf(chair, m)
	await Promise.all([pick(tha, m, 'Encourage continued cooperation'), pick(sgp, m, 'the wider engagement')])
	await Promise.all([type(tha, 'Welcome closer cooperation'), type(sgp, 'the further engagement')])
	await Promise.all([pick(tha, m, 'proposed international seminar'), pick(sgp, m, 'ASEAN-Japan friendship')])
	await tha.keyboard.press('Backspace')
	await Promise.all([type(tha, 'planned seminar'), paste(sgp, 'ASEAN–Japan friendship')])
	await Promise.all([pick(tha, m, 'the further', { caret: true }), pick(sgp, m, 'Welcome closer', { caret: true })])
	await Promise.all([type(tha, ' and deeper'), type(sgp, ' and broader')])
	await expect
		.poll(() => readingOf(chair, m, 'accept'), { timeout: 10_000 })
		.toBe(
			"Welcome closer and broader cooperation with China, Japan and the Republic of Korea under the ACCSM+3 Work Plan 2021-2025, including Japan's planned seminar in 2023 commemorating 50 years of ASEAN–Japan friendship and cooperation, and the further and deeper engagement of Dialogue Partners through the ACCSM Strategic Partnership Framework;",
		)
	for (const page of pages) {
		await expect.poll(() => readingOf(page, m, 'accept'), { timeout: 10_000 }).toBe(await readingOf(chair, m, 'accept'))
		expect(await readingOf(page, m, 'reject')).toBe(before)
	}
	await decideAll(chair, 'THA', 'Reject all')
	await decideAll(chair, 'SGP', 'Reject all')
	for (const page of pages) {
		await expect.poll(() => textOf(page, m), { timeout: 10_000 }).toBe(before)
		expect(await paragraph(page, m).locator('ins, del').count()).toBe(0)
	}
	await expect.poll(() => chair.getByTestId('suggestion-count').textContent()).toBe('No suggestions waiting.')
	await expectNoErrorsAndClose([vietNam, thailand, singapore])
})

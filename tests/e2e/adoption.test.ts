import { expect, test } from 'vitest'
import type { Page } from 'playwright-core'
import { login, newContext, screenshot } from '#tests/setup/browser.ts'
import { editor, editorSelection, expectNoErrorsAndClose, paragraph, select, useServerAndBrowser } from '#tests/setup/editor-page.ts'
import { loginCookie } from '#tests/setup/spawn-server.ts'

/**
 * Issue 28 in the browser: the Chair calls for approval of the demo statement, which still has
 * open paragraphs, Singapore's bracket and a comment of Thailand's; the page lists what is open
 * and asks for a decision; every head sees the list on the board; the ten member states approve;
 * the adopted page is final: no editing controls, no Open badges, no "(draft)", its hash and how
 * it was adopted in view.
 */
const DOC = '/documents/accsm21-heads-joint-statement'
const world = useServerAndBrowser('accord-e2e-adoption-')
const MEMBERS = ['brn', 'khm', 'idn', 'lao', 'mys', 'mmr', 'phl', 'sgp', 'tha', 'vnm']

const panel = (page: Page) => page.getByRole('complementary')

async function openDocument(page: Page) {
	await page.goto(DOC)
	await expect.poll(() => page.getByTestId('sync-status').getAttribute('data-connection')).toBe('connected')
}

/** A member state's head answers through the same form the page posts. */
async function answer(code: string, callId: string) {
	const cookie = await loginCookie(world.server.baseUrl, `${code}.head@example.org`)
	const body = new URLSearchParams({ intent: 'answer', callId, kind: 'APPROVE', note: '' })
	const response = await fetch(`${world.server.baseUrl}${DOC}/revisions`, { method: 'POST', headers: { cookie, origin: world.server.baseUrl, 'Content-Type': 'application/x-www-form-urlencoded' }, body, redirect: 'manual' })
	expect(response.status).toBeLessThan(400)
}

test('called with open items only after the Chair confirms; the board shows them; the adopted text looks final', async () => {
	const vietNam = await newContext(world.browser, world.server.baseUrl)
	const thailand = await newContext(world.browser, world.server.baseUrl, { timezoneId: 'Asia/Bangkok' })
	const vnm = await login(vietNam.context, 'vnm.head@example.org')
	const tha = await login(thailand.context, 'tha.head@example.org')

	// Thailand comments on words of OP 3 (paragraph 7) and can support Indonesia's Alt 1 in OP 2.
	await openDocument(tha)
	await expect.poll(() => tha.getByTestId('document-title').textContent()).toBe('Joint Statement of the 21st ACCSM Heads Meeting (draft)')
	await expect.poll(() => panel(tha).getByRole('button', { name: 'Support Alt 1' }).isVisible()).toBe(true)
	await tha.getByRole('tab', { name: /Comments/ }).click()
	await select(tha, 7, 'ASEAN Resource Centres')
	await expect.poll(() => editorSelection(tha)).toBe('ASEAN Resource Centres')
	await tha.getByPlaceholder(/Your comment/).fill('Đề nghị @VNM nêu rõ các Trung tâm Tài nguyên ASEAN nào.')
	await tha.getByRole('button', { name: 'Comment', exact: true }).click()
	await expect.poll(() => tha.getByTestId('thread').count(), { timeout: 10_000 }).toBe(1)

	// The Chair issues Rev.1: it is not whole, and the page says so before anything is pressed.
	await vnm.goto(`${DOC}/revisions`)
	await vnm.getByLabel('Name').fill('Rev.1')
	await vnm.getByRole('button', { name: 'Issue' }).click()
	await expect.poll(() => vnm.getByTestId('revisions').textContent()).toContain('Rev.1')
	await expect.poll(() => vnm.getByTestId('not-whole').textContent()).toBe('Not whole yet: 9 paragraphs not agreed, 1 paragraph agreed ad ref. only, 1 bracket, 1 unresolved comment thread.')

	// Calling for approval shows what is open, paragraph by paragraph, and waits for a decision.
	await vnm.getByRole('button', { name: 'Call for approval', exact: true }).click()
	const warning = vnm.getByTestId('open-items-warning')
	await expect.poll(() => warning.isVisible()).toBe(true)
	const items = warning.getByTestId('open-items').locator(':scope > li')
	await expect.poll(() => items.evaluateAll((lis) => lis.map((li) => li.getAttribute('data-paragraph')))).toEqual(['PP', 'PP', 'PP', 'OP 1', 'OP 2', 'OP 3', 'OP 4', 'OP 5', 'OP 6', 'OP 7'])
	expect(await warning.locator('li[data-paragraph="OP 2"]').first().textContent()).toContain('not agreed · 1 bracket (SGP)')
	expect(await warning.locator('li[data-paragraph="OP 2"]').first().textContent()).toContain('[and the protection of data privacy] SGP')
	expect(await warning.locator('li[data-paragraph="OP 3"]').first().textContent()).toContain('1 comment thread (THA)')
	expect(await warning.locator('li[data-paragraph="PP"]').first().textContent()).toContain('agreed ad ref. only')
	const goAhead = warning.getByRole('button', { name: 'Call for approval anyway' })
	expect(await goAhead.isDisabled()).toBe(true)
	expect(await vnm.getByTestId('call-board').count()).toBe(0)
	await warning.scrollIntoViewIfNeeded()
	await screenshot(vnm, '22-open-items-warning')
	await warning.getByLabel(/I have seen what is still open/).check()
	await goAhead.click()
	await expect.poll(() => vnm.getByTestId('call-board').isVisible()).toBe(true)

	// Every head sees, while the call is open, what was still open when it was made.
	await tha.goto(`${DOC}/revisions`)
	const board = tha.getByTestId('open-at-call')
	await expect.poll(() => board.isVisible()).toBe(true)
	expect(await board.textContent()).toContain('Still open when the call was made: 9 paragraphs not agreed, 1 paragraph agreed ad ref. only, 1 bracket, 1 unresolved comment thread.')
	expect(await board.textContent()).toContain('Nguyễn Thị Hồng Nhung (VNM) saw this list and called anyway')
	expect(await board.locator('li[data-paragraph="OP 2"]').first().textContent()).toContain('1 bracket (SGP)')
	expect(await vnm.getByTestId('revision-record').textContent()).toContain('VNM called for approval of Rev.1, knowing that it was not whole')
	await screenshot(tha, '23-board-open-at-call')

	// The ten member states approve (the last one through its page).
	const callId = await vnm.locator('input[name="callId"]').first().getAttribute('value')
	const hash = await vnm.getByTestId('call-board').locator('code').first().getAttribute('title')
	expect(hash).toMatch(/^[0-9a-f]{64}$/)
	for (const code of MEMBERS.filter((c) => c !== 'vnm')) await answer(code, callId!)
	await vnm.reload()
	await expect.poll(() => vnm.getByTestId('approval-outcome').textContent(), { timeout: 15_000 }).toContain('9 of 10 member states approve')
	await vnm.getByLabel('VNM’s answer').selectOption('APPROVE')
	await vnm.getByRole('button', { name: 'Answer' }).click()
	await expect.poll(() => vnm.getByTestId('adopted-banner').isVisible(), { timeout: 15_000 }).toBe(true)

	// The adopted page is final, for the Chair and for Thailand.
	for (const page of [vnm, tha]) {
		await openDocument(page)
		await expect.poll(() => page.getByTestId('adopted-notice').textContent()).toMatch(/^Rev\.1 was adopted by every member state on .+\. This text is final\.$/)
		expect(await page.getByTestId('document-title').textContent()).toBe('Joint Statement of the 21st ACCSM Heads Meeting')
		expect(await page.title()).toBe('Joint Statement of the 21st ACCSM Heads Meeting · Accord')
		expect(await page.getByTestId('adopted-hash').textContent()).toBe(hash!.slice(0, 12))
		expect(await page.getByTestId('adopted-open').textContent()).toBe(
			'Nguyễn Thị Hồng Nhung (VNM) called for approval knowing that it was not whole: 9 paragraphs not agreed, 1 paragraph agreed ad ref. only, 1 bracket, 1 unresolved comment thread (listed beside the text).',
		)
		// The date and time are the reader's, with the zone (the two contexts are both UTC+7).
		await expect.poll(() => page.getByTestId('adopted-notice').locator('time').textContent()).toMatch(/\d{4}.*\(GMT\+7\)$/)
		await expect.poll(() => editor(page).getAttribute('contenteditable')).toBe('false')
		// The cursor in OP 2, with its bracket: nothing to set, bracket, support or propose.
		await paragraph(page, 6).click()
		for (const name of ['Mark agreed', 'Agreed ad ref.', 'Reopen', '[ ] Bracket selected words', 'Support this text', 'Support Alt 1', 'Propose an alternative', 'Use Alt 1', 'Keep text']) {
			expect(await page.getByRole('button', { name, exact: true }).count()).toBe(0)
		}
		expect(await page.getByText('Suggest changes').count()).toBe(0)
		expect(await page.getByLabel('Preambular paragraphs').count()).toBe(0)
		expect(await page.getByRole('toolbar', { name: 'Paragraph' }).count()).toBe(0)
		expect(await page.getByTestId('paragraph-status').count()).toBe(0)
		expect(await page.getByText('Open', { exact: true }).count()).toBe(0)
		// Agreed paragraphs no longer wear a status label: the text is adopted as a whole.
		expect(await paragraph(page, 0).evaluate((p) => getComputedStyle(p, '::after').content)).toBe('none')
		await expect.poll(() => page.getByTestId('open-at-adoption').locator('li[data-paragraph="OP 2"]').count()).toBe(1)
		// Comments are read, no longer written; no position is taken.
		await page.getByRole('tab', { name: /Comments/ }).click()
		await expect.poll(() => page.getByTestId('comments-closed').isVisible()).toBe(true)
		await expect.poll(() => page.getByTestId('thread').count()).toBe(1)
		expect(await page.getByTestId('thread').textContent()).toContain('ASEAN Resource Centres')
		expect(await page.getByText('its words were rewritten').count()).toBe(0)
		expect(await page.getByPlaceholder('Reply').count()).toBe(0)
		expect(await page.getByRole('button', { name: 'Resolve' }).count()).toBe(0)
		await paragraph(page, 6).click()
		expect(await page.getByRole('heading', { name: /position on OP 2/ }).count()).toBe(0)
		await page.getByRole('tab', { name: 'Negotiation' }).click()
	}
	await screenshot(vnm, '24-adopted-page', { viewport: true })
	await tha.getByRole('tab', { name: /Comments/ }).click()
	await screenshot(tha, '25-adopted-comments', { viewport: true })

	// The meeting's list of documents names it without "(draft)" too.
	await vnm.goto('/meetings/accsm21')
	await expect.poll(() => vnm.getByText('Joint Statement of the 21st ACCSM Heads Meeting', { exact: true }).isVisible()).toBe(true)
	expect(await vnm.getByText('Adopted: the text is final').count()).toBe(1)

	await expectNoErrorsAndClose([vietNam, thailand])
})

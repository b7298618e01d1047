import { expect, test } from 'vitest'
import type { Page, Route } from 'playwright-core'
import { login, newContext, screenshot } from '#tests/setup/browser.ts'
import { type BrowserContextWithErrors, editorSelection, expectNoErrorsAndClose, paragraph, select, threeDelegations, useServerAndBrowser } from '#tests/setup/editor-page.ts'
import { loginCookie } from '#tests/setup/spawn-server.ts'

/**
 * Issue 5 in the browser: three delegations comment, reply and resolve; deleting the commented
 * words orphans a thread, which keeps its quote; the position matrix fills as member states
 * record positions.
 */
const DOC = '/documents/accsm21-heads-joint-statement'
const world = useServerAndBrowser('accord-e2e-comments-')

async function open(context: BrowserContextWithErrors, email: string) {
	const page = await login(context.context, email)
	await page.goto(DOC)
	await expect.poll(() => page.getByTestId('sync-status').getAttribute('data-connection')).toBe('connected')
	await page.getByRole('tab', { name: /Comments/ }).click()
	return page
}

const threads = (page: Page) => page.getByTestId('thread')

async function comment(page: Page, n: number, words: string, body: string) {
	await select(page, n, words)
	await expect.poll(() => editorSelection(page)).toBe(words)
	await page.getByPlaceholder(/Your comment/).fill(body)
	await page.getByRole('button', { name: 'Comment', exact: true }).click()
}

test('comment, reply, resolve, orphan, and the position matrix', async () => {
	const { vietNam, thailand, brunei } = await threeDelegations(world)
	const vnm = await open(vietNam, 'vnm.head@example.org')
	const tha = await open(thailand, 'tha.head@example.org')
	const brn = await open(brunei, 'brn.head@example.org')
	await expect.poll(() => vnm.getByText('No comments yet.').isVisible()).toBe(true)

	// Thailand comments on words of OP 1 and asks Viet Nam; Viet Nam sees it live, marked new.
	await comment(tha, 5, 'Plan of Action', 'Đề nghị @VNM làm rõ phạm vi <b>kế hoạch</b>.')
	await expect.poll(() => threads(vnm).count(), { timeout: 10_000 }).toBe(1)
	await expect.poll(() => threads(vnm).first().textContent()).toContain('1 new')
	expect(await threads(vnm).first().textContent()).toContain('Đề nghị @VNM làm rõ phạm vi <b>kế hoạch</b>.')
	await vnm.getByLabel('Status').selectOption('awaiting')
	await expect.poll(() => threads(vnm).count()).toBe(1)
	await vnm.getByLabel('Status').selectOption('all')
	await threads(vnm).first().getByPlaceholder('Reply').fill('Viet Nam will clarify at the next reading.')
	await threads(vnm).first().getByRole('button', { name: 'Reply' }).click()
	await expect.poll(() => threads(tha).first().textContent(), { timeout: 10_000 }).toContain('Viet Nam will clarify')
	await vnm.getByTestId('mark-read').click()
	await expect.poll(() => vnm.getByTestId('mark-read').count()).toBe(0)

	// Brunei comments on OP 2; Thailand resolves its own thread; Brunei may not resolve Thailand's.
	await comment(brn, 6, 'digitalisation of public services', 'Brunei suggests naming e-services.')
	await expect.poll(() => threads(tha).count(), { timeout: 10_000 }).toBe(2)
	const thaThread = (page: Page) => threads(page).filter({ hasText: 'Plan of Action' })
	expect(await thaThread(brn).getByRole('button', { name: 'Resolve' }).count()).toBe(0)
	await thaThread(tha).getByRole('button', { name: 'Resolve' }).click()
	await expect.poll(() => thaThread(vnm).getAttribute('data-status'), { timeout: 10_000 }).toBe('resolved')

	// Brunei deletes the words it commented on: the thread stays, orphaned, with its quote.
	await select(brn, 6, 'the digitalisation of public services, ')
	await expect.poll(() => editorSelection(brn)).toBe('the digitalisation of public services, ')
	await brn.keyboard.press('Backspace')
	const brnThread = (page: Page) => threads(page).filter({ hasText: 'Brunei suggests naming e-services.' })
	await expect.poll(() => brnThread(vnm).getAttribute('data-status'), { timeout: 10_000 }).toBe('orphaned')
	expect(await brnThread(vnm).textContent()).toContain('“digitalisation of public services”')
	await vnm.getByLabel('Status').selectOption('orphaned')
	await expect.poll(() => threads(vnm).count()).toBe(1)
	await vnm.getByLabel('Status').selectOption('all')
	await screenshot(vnm, '16-comments', { viewport: true })

	// Positions on OP 1: Thailand supports, Brunei objects; the matrix shows it, consensus blocked.
	// The form follows the cursor: wait until it is OP 1's before answering.
	await paragraph(tha, 5).click()
	await expect.poll(() => tha.getByRole('heading', { name: 'THA’s position on OP 1' }).isVisible()).toBe(true)
	await tha.getByLabel('Position', { exact: true }).selectOption('SUPPORT')
	await tha.getByRole('button', { name: 'Record position' }).click()
	await paragraph(brn, 5).click()
	await expect.poll(() => brn.getByRole('heading', { name: 'BRN’s position on OP 1' }).isVisible()).toBe(true)
	await brn.getByLabel('Position', { exact: true }).selectOption('OBJECT')
	await brn.getByLabel('Reason for the objection').fill('Chờ ý kiến của Bộ.')
	await brn.getByRole('button', { name: 'Record position' }).click()
	await expect.poll(() => brn.getByRole('button', { name: 'Update position' }).isVisible(), { timeout: 10_000 }).toBe(true)
	await vnm.goto(`${DOC}/positions`)
	const row = vnm.getByTestId('position-matrix').locator('tr[data-paragraph="OP 1"]')
	await expect.poll(() => row.locator('[data-cell="OP 1:THA"]').textContent()).toBe('✓')
	expect(await row.locator('[data-cell="OP 1:BRN"]').getAttribute('title')).toContain('Object — Chờ ý kiến của Bộ.')
	expect(await row.getByTestId('consensus').textContent()).toBe('Blocked')
	// The matrix follows live (its fallback refresh, 30 s while the stream is open, is longer than
	// the wait here): Thailand moves to "can live with", and the Chair's screen shows it unreloaded.
	await expect.poll(() => vnm.getByTestId('live-status').getAttribute('data-state'), { timeout: 10_000 }).toBe('live')
	await tha.getByLabel('Position', { exact: true }).selectOption('CAN_LIVE_WITH')
	await tha.getByRole('button', { name: 'Update position' }).click()
	await expect.poll(() => row.locator('[data-cell="OP 1:THA"]').textContent(), { timeout: 10_000 }).toBe('≈')
	await screenshot(vnm, '17-position-matrix', { viewport: true })

	await expectNoErrorsAndClose([vietNam, thailand, brunei])
})

test('a matrix whose refetch hangs on a silent network catches up with the next notice', async () => {
	const { context, errors } = await newContext(world.browser, world.server.baseUrl)
	const page = await login(context, 'vnm.head@example.org')
	// The page's clock is ours to move: the 15 s after which a refetch counts as stuck are not waited for.
	await page.clock.install()
	await page.goto(`${DOC}/positions`)
	await expect.poll(() => page.getByTestId('live-status').getAttribute('data-state'), { timeout: 10_000 }).toBe('live')
	const row = page.getByTestId('position-matrix').locator('tr[data-paragraph="OP 2"]')
	const paragraphId = await row.getAttribute('data-paragraph-id')
	const cell = row.locator('[data-cell="OP 2:MYS"]')
	expect(await cell.textContent()).toBe('·')
	const malaysia = await loginCookie(world.server.baseUrl, 'mys.head@example.org')
	const record = async (kind: string, note = '') => {
		const body = new URLSearchParams({ intent: 'position', paragraphId: paragraphId!, kind, note })
		const response = await fetch(`${world.server.baseUrl}${DOC}/comments`, { method: 'POST', headers: { cookie: malaysia, origin: world.server.baseUrl, 'Content-Type': 'application/x-www-form-urlencoded' }, body })
		expect(response.status).toBe(200)
	}

	// The network goes silent for the page's data: its refetch gets no answer, ever.
	const held: Route[] = []
	let silent = true
	await page.route('**/positions.data*', (route) => (silent ? void held.push(route) : route.continue()))
	try {
		await record('SUPPORT')
		await expect.poll(() => held.length, { timeout: 10_000 }).toBe(1)
		// A notice during the hung refetch waits for it, as notices in a burst do.
		await record('RESERVATION', 'Chờ ý kiến của Bộ Tài chính.')
		await page.waitForTimeout(1_000)
		expect(held.length).toBe(1)
		expect(await cell.textContent()).toBe('·')

		// The network is back, but the hung refetch never ends; 15 s on, it no longer holds back the next notice's.
		silent = false
		await page.clock.fastForward(16_000)
		await record('OBJECT', 'Cần thêm thời gian.')
		await expect.poll(() => cell.textContent(), { timeout: 10_000 }).toBe('✗')
		expect(await cell.getAttribute('title')).toContain('Cần thêm thời gian.')
		// The hung request finally fails (the network gives up on it): the page takes it quietly.
		for (const route of held.splice(0)) await route.abort('timedout')
		await page.waitForTimeout(1_000)
		expect(errors).toEqual([])
		// A load React Router abandoned mid-body rejects unhandled (seen once in the revisions test):
		// not an error to report. Any other rejection still is.
		await page.evaluate(() => {
			void Promise.reject(new DOMException('BodyStreamBuffer was aborted', 'AbortError'))
			void Promise.reject(new Error('A real failure'))
		})
		await expect.poll(() => errors).toEqual(['A real failure'])
		errors.length = 0
	} finally {
		for (const route of held) await route.abort().catch(() => {})
		await context.close()
	}
})

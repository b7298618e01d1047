import { expect, test } from 'vitest'
import { login, newContext, screenshot } from '#tests/setup/browser.ts'
import { editor, expectNoErrorsAndClose, typeAtEndOf, useServerAndBrowser } from '#tests/setup/editor-page.ts'
import { loginCookie } from '#tests/setup/spawn-server.ts'

/**
 * Issue 6 in the browser: the Chair issues Rev.1 and calls for approval; the live text moves on
 * and the page says the text under approval is Rev.1; Rev.1 compared with the live text; the ten
 * member states answer (one with a reservation); the board shows adoption; the text is final.
 */
const DOC = '/documents/accsm21-heads-joint-statement'
const world = useServerAndBrowser('accord-e2e-revisions-')
const MEMBERS = ['brn', 'khm', 'idn', 'lao', 'mys', 'mmr', 'phl', 'sgp', 'tha', 'vnm']

/** Reads an event stream as it comes; `text()` is everything so far. */
async function listen(path: string, cookie: string) {
	const controller = new AbortController()
	const response = await fetch(`${world.server.baseUrl}${path}`, { headers: { cookie, accept: 'text/event-stream' }, signal: controller.signal })
	expect(response.status).toBe(200)
	expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/)
	let text = ''
	let ended = false
	const decoder = new TextDecoder()
	void (async () => {
		try {
			const reader = response.body!.getReader()
			for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) text += decoder.decode(chunk.value, { stream: true })
			ended = true
		} catch {
			// Aborted by close().
		}
	})()
	return { text: () => text, ended: () => ended, close: () => controller.abort() }
}

test('the events stream refuses who may not listen, with a plain status', async () => {
	const url = (slug: string) => `${world.server.baseUrl}/documents/${slug}/events`
	const anonymous = await fetch(url('accsm21-heads-joint-statement'))
	expect([anonymous.status, await anonymous.text()]).toEqual([401, 'Not logged in.'])
	const cookie = await loginCookie(world.server.baseUrl, 'tha.head@example.org')
	const missing = await fetch(url('no-such-text'), { headers: { cookie } })
	expect(missing.status).toBe(404)
	// Markup in the address is a slug like any other: no such document.
	const injected = await fetch(url('%3Cscript%3Ealert(1)%3C%2Fscript%3E'), { headers: { cookie } })
	expect(injected.status).toBe(404)
	// A stream ends when its session does (as the sync server closes that session's sockets).
	const stream = await listen('/documents/accsm21-heads-joint-statement/events', cookie)
	await expect.poll(() => stream.text()).toContain('retry:')
	const logout = await fetch(`${world.server.baseUrl}/logout`, { method: 'POST', headers: { cookie, origin: world.server.baseUrl }, redirect: 'manual' })
	expect(logout.status).toBeLessThan(400)
	await expect.poll(() => stream.ended(), { timeout: 10_000 }).toBe(true)
})

/** A member state's head answers through the same form the page posts. */
async function answer(code: string, callId: string, kind: string, note = '') {
	const cookie = await loginCookie(world.server.baseUrl, `${code}.head@example.org`)
	const body = new URLSearchParams({ intent: 'answer', callId, kind, note })
	const response = await fetch(`${world.server.baseUrl}${DOC}/revisions`, { method: 'POST', headers: { cookie, origin: world.server.baseUrl, 'Content-Type': 'application/x-www-form-urlencoded' }, body, redirect: 'manual' })
	expect(response.status).toBeLessThan(400)
}

test('Rev.1: issue, call, compare with the live text, ten answers, adoption', async () => {
	const vietNam = await newContext(world.browser, world.server.baseUrl)
	const thailand = await newContext(world.browser, world.server.baseUrl, { timezoneId: 'Asia/Bangkok' })
	const vnm = await login(vietNam.context, 'vnm.head@example.org')
	await vnm.goto(`${DOC}/revisions`)
	await expect.poll(() => vnm.getByText('No revision has been issued yet.').isVisible()).toBe(true)
	await vnm.getByLabel('Name').fill('Rev.1')
	await vnm.getByRole('button', { name: 'Issue' }).click()
	await expect.poll(() => vnm.getByTestId('revisions').textContent()).toContain('Rev.1')
	// The demo text is not whole: the Chair sees what is open and goes ahead (tests/e2e/adoption.test.ts).
	await vnm.getByRole('button', { name: 'Call for approval', exact: true }).click()
	await vnm.getByTestId('open-items-warning').getByLabel(/I have seen what is still open/).check()
	await vnm.getByRole('button', { name: 'Call for approval anyway' }).click()
	await expect.poll(() => vnm.getByTestId('call-board').isVisible()).toBe(true)

	// The Chair edits the live text: the board says the text under approval is Rev.1.
	await vnm.goto(DOC)
	await expect.poll(() => vnm.getByTestId('sync-status').getAttribute('data-connection')).toBe('connected')
	await expect.poll(() => editor(vnm).getAttribute('contenteditable')).toBe('true')
	await typeAtEndOf(vnm, 6, ' Thêm: bảo vệ dữ liệu cá nhân.')
	await expect.poll(() => vnm.getByTestId('sync-status').getAttribute('data-unsaved')).toBe('false')
	await vnm.goto(`${DOC}/revisions`)
	await expect.poll(() => vnm.getByTestId('not-live').textContent()).toContain('The text under approval is Rev.1, not the live text')
	await vnm.getByRole('link', { name: 'Compare with the live text' }).click()
	await expect.poll(() => vnm.getByTestId('compare-heading').textContent()).toBe('Rev.1 compared with the live text')
	await expect.poll(() => vnm.getByTestId('comparison').locator('ins').first().textContent()).toContain('Thêm: bảo vệ dữ liệu cá nhân.')
	expect(await vnm.getByTestId('changed-by').first().textContent()).toBe('edited by VNM')
	await screenshot(vnm, '18-compare', { viewport: true })

	// The ten member states answer; Thailand in its browser, with a reservation. The Chair's board
	// follows live (its fallback refresh, 30 s while the stream is open, is longer than the waits
	// here), and so does a stream read by hand: one notice per answer, naming the delegation.
	await vnm.goto(`${DOC}/revisions`)
	await expect.poll(() => vnm.getByTestId('live-status').getAttribute('data-state'), { timeout: 10_000 }).toBe('live')
	const callId = await vnm.locator('input[name="callId"]').first().getAttribute('value')
	const stream = await listen(`${DOC}/events`, await loginCookie(world.server.baseUrl, 'sgp.head@example.org'))
	const tha = await login(thailand.context, 'tha.head@example.org')
	await tha.goto(`${DOC}/revisions`)
	await tha.getByLabel('THA’s answer').selectOption('RESERVATION')
	await tha.getByLabel('Text of the reservation').fill('Thái Lan bảo lưu đoạn 2 theo luật quốc gia.')
	await tha.getByRole('button', { name: 'Answer' }).click()
	await expect.poll(() => tha.getByTestId('call-board').locator('tr[data-member="THA"]').textContent()).toContain('Approves with a reservation')
	// The board is reloaded just before the eight answers, so that its 30 s refresh cannot be what shows them.
	await vnm.reload()
	await expect.poll(() => vnm.getByTestId('live-status').getAttribute('data-state'), { timeout: 10_000 }).toBe('live')
	for (const code of MEMBERS.filter((c) => c !== 'tha' && c !== 'vnm')) await answer(code, callId!, 'APPROVE')
	await expect.poll(() => vnm.getByTestId('approval-outcome').textContent(), { timeout: 15_000 }).toContain('9 of 10 member states approve')
	await expect.poll(() => stream.text(), { timeout: 10_000 }).toMatch(/"summary":"MMR[^"]*"/)
	expect(stream.text()).toMatch(/^retry: \d+$/m)
	stream.close()
	await screenshot(vnm, '19-approval-board', { viewport: true })
	await vnm.getByLabel('VNM’s answer').selectOption('APPROVE')
	await vnm.getByRole('button', { name: 'Answer' }).click()
	await expect.poll(() => vnm.getByTestId('adopted-banner').isVisible(), { timeout: 15_000 }).toBe(true)
	expect(await vnm.getByTestId('revisions').textContent()).toContain('Adopted')
	expect(await vnm.getByTestId('revision-record').textContent()).toContain('Rev.1 adopted by every member state')
	await screenshot(vnm, '20-adopted', { viewport: true })

	// The text is final: the page says so and nobody can type.
	await vnm.goto(DOC)
	await expect.poll(() => vnm.getByTestId('adopted-notice').textContent()).toContain('Rev.1 was adopted')
	await expect.poll(() => editor(vnm).getAttribute('contenteditable')).toBe('false')

	await expectNoErrorsAndClose([vietNam, thailand])
})

test('a board whose event stream is refused says it is not live', async () => {
	// A proxy answering 502 in a restart, or the server's cap on streams: EventSource gives up.
	const { context } = await newContext(world.browser, world.server.baseUrl)
	const page = await login(context, 'sgp.head@example.org')
	// The page's clock is ours to move: the minute before it asks again is not waited for.
	await page.clock.install()
	await page.route('**/events', (route) => route.fulfill({ status: 503, contentType: 'text/plain', body: 'Too many open event streams' }))
	await page.goto(`${DOC}/revisions`)
	const state = () => page.getByTestId('live-status').getAttribute('data-state')
	await expect.poll(state, { timeout: 10_000 }).toBe('polling')
	expect(await page.getByTestId('live-status').textContent()).toBe('Not live: this page refreshes itself every 10 seconds')
	await screenshot(page, '21-board-not-live', { viewport: true })

	// The server takes streams again: within a minute the page asks and is live, without a reload.
	await page.unroute('**/events')
	await page.clock.fastForward(30_000)
	await page.waitForTimeout(500)
	expect(await state()).toBe('polling')
	await page.clock.fastForward(31_000)
	await expect.poll(state, { timeout: 10_000 }).toBe('live')
	expect(await page.getByTestId('live-status').textContent()).toBe('Live: changes appear as delegations act')
	await context.close()
})

import { expect, test } from 'vitest'
import { login, newContext, screenshot } from '#tests/setup/browser.ts'
import { textOf, typeAtEndOf, useServerAndBrowser } from '#tests/setup/editor-page.ts'

const DOC = '/documents/accsm21-heads-joint-statement'
const world = useServerAndBrowser('accord-heartbeat-')

test('a connection that goes silent (hotel Wi-Fi, a frozen server) shows within five seconds, and the page recovers by itself', async () => {
	const { context, errors } = await newContext(world.browser, world.server.baseUrl)
	const page = await login(context, 'vnm.head@example.org')
	// The page's clock is ours to move: the five seconds are counted on it, not waited for.
	await page.clock.install()
	await page.goto(DOC)
	const status = page.getByTestId('sync-status')
	await expect.poll(() => status.getAttribute('data-connection'), { timeout: 20_000 }).toBe('connected')
	await typeAtEndOf(page, 6, ' Trước khi mất mạng.')
	await expect.poll(() => status.getAttribute('data-unsaved')).toBe('false')

	// The server stops answering, its socket still open: nothing closes, nothing errors.
	world.server.process.kill('SIGSTOP')
	try {
		// Five seconds from the moment the server stopped, on the page's clock.
		await page.clock.pauseAt(Date.now() + 100)
		await page.clock.runFor(4_900)
		await expect.poll(() => status.getAttribute('data-connection')).not.toBe('connected')
		expect(await status.textContent()).toMatch(/Reconnecting|Offline/)
		// What is typed meanwhile is kept, and said to be not yet saved.
		await typeAtEndOf(page, 6, ' Khi không có mạng.')
		await expect.poll(() => status.getAttribute('data-unsaved')).toBe('true')
		await screenshot(page, '31-heartbeat-reconnecting', { viewport: true })
	} finally {
		world.server.process.kill('SIGCONT')
	}
	// The server is back: the page reconnects on its own and saves what waited.
	await page.clock.resume()
	await expect.poll(() => status.getAttribute('data-connection'), { timeout: 30_000 }).toBe('connected')
	await expect.poll(() => status.getAttribute('data-unsaved'), { timeout: 20_000 }).toBe('false')
	expect(await textOf(page, 6)).toContain('Trước khi mất mạng. Khi không có mạng.')
	expect(errors.filter((e) => !/WebSocket/.test(e))).toEqual([])
	await context.close()
})

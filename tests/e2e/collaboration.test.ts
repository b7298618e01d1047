import { expect, test } from 'vitest'
import type { Page } from 'playwright-core'
import { login, newContext, screenshot } from '#tests/setup/browser.ts'
import { editor, paragraph, textOf, typeAtEndOf, useServerAndBrowser } from '#tests/setup/editor-page.ts'

const DOC = '/documents/accsm21-heads-joint-statement'
const world = useServerAndBrowser('accord-e2e-')

const status = (page: Page) => page.getByTestId('sync-status')

test('two delegations co-edit live, see each other, and an observer only follows', async () => {
	const vietNam = await newContext(world.browser, world.server.baseUrl)
	const thailand = await newContext(world.browser, world.server.baseUrl, { timezoneId: 'Asia/Bangkok' })
	const observer = await newContext(world.browser, world.server.baseUrl, { timezoneId: 'Australia/Sydney' })

	// Viet Nam (the Chair) logs in through the form and walks to the statement.
	const loginPage = await vietNam.context.newPage()
	await loginPage.goto('/login')
	await expect.poll(() => loginPage.getByText('vnm.head@example.org').isVisible()).toBe(true)
	await screenshot(loginPage, '01-login')
	await loginPage.close()
	const vnm = await login(vietNam.context, 'vnm.head@example.org')
	await screenshot(vnm, '02-meetings')
	await vnm.getByRole('link', { name: /ACCSM 21/ }).click()
	await vnm.waitForURL('**/meetings/accsm21')
	await expect.poll(() => vnm.getByTestId('delegation-AUS').textContent()).toContain('Observer')
	await screenshot(vnm, '03-meeting')
	await vnm.getByRole('link', { name: /Joint Statement/ }).click()
	await vnm.waitForURL(`**${DOC}`)
	await expect.poll(() => status(vnm).getAttribute('data-connection')).toBe('connected')

	// Thailand's delegate logs in with one click on the demo list.
	const tha = await thailand.context.newPage()
	await tha.goto(`/login?redirectTo=${encodeURIComponent(DOC)}`)
	await tha.getByRole('button', { name: /tha\.delegate@example\.org/ }).click()
	await tha.waitForURL(`**${DOC}`)
	await expect.poll(() => status(tha).getAttribute('data-connection')).toBe('connected')

	// Each sees the other's words as they are typed, with Vietnamese diacritics intact.
	await typeAtEndOf(vnm, 5, ' Việt Nam đề nghị bổ sung.')
	await expect.poll(() => textOf(tha, 5), { timeout: 10_000 }).toContain('Việt Nam đề nghị bổ sung.')
	await typeAtEndOf(tha, 6, ' Thailand supports this.')
	await expect.poll(() => textOf(vnm, 6), { timeout: 10_000 }).toContain('Thailand supports this.')

	// Presence: who is here, with delegation codes, and where their caret is.
	await expect.poll(() => vnm.getByTestId('presence-list').textContent()).toContain('THA')
	await expect.poll(() => tha.getByTestId('presence-list').textContent()).toContain('VNM')
	await expect.poll(() => vnm.locator('.collaboration-carets__label').first().textContent()).toContain('THA')
	// The status line says everything is saved once the server has written it.
	await expect.poll(() => status(vnm).getAttribute('data-unsaved')).toBe('false')
	await expect.poll(() => status(vnm).textContent()).toContain('All changes saved.')
	// Vietnamese is drawn in the page's own faces, not patched from a system fallback (Debian's
	// Times and Arial clones lack U+1EA0-1EF9, so "đề nghị" would mix two fonts on the projector).
	await expect.poll(() => loadedVietnameseFaces(vnm), { timeout: 10_000 }).toEqual(['Noto Sans Variable', 'Noto Serif Variable'])
	expect(await editor(vnm).evaluate((e) => getComputedStyle(e).fontFamily)).toMatch(/^"Noto Serif Variable"/)
	// …and "đề" takes its đ from the small Vietnamese subset, not the 187 KB Latin Extended one.
	expect(await vnm.evaluate(() => [...document.fonts].filter((f) => f.status === 'loaded' && /U\+100-2BA/i.test(f.unicodeRange)).length)).toBe(0)
	await screenshot(vnm, '04-document-vnm', { viewport: true })
	await screenshot(tha, '05-document-tha', { viewport: true })

	// Operative paragraphs carry a number in the margin (a CSS counter: 1, 2, 3… in document order).
	const margins = await editor(vnm).locator('p').evaluateAll((ps) =>
		ps.map((p) => [p.getAttribute('data-kind'), getComputedStyle(p, '::before').content]),
	)
	expect(margins.filter(([kind]) => kind === 'operative')).toHaveLength(7)
	for (const [kind, content] of margins) expect(content).toBe(kind === 'operative' ? 'counter(operative) "."' : '"PP"')

	// The observer follows live but cannot type.
	const aus = await login(observer.context, 'aus.observer@example.org')
	await aus.goto(DOC)
	await expect.poll(() => status(aus).getAttribute('data-connection')).toBe('connected')
	await expect.poll(() => textOf(aus, 5)).toContain('Việt Nam đề nghị bổ sung.')
	expect(await editor(aus).getAttribute('contenteditable')).toBe('false')
	await expect.poll(() => aus.getByTestId('read-only-notice').isVisible()).toBe(true)
	const before = await textOf(aus, 5)
	await paragraph(aus, 5).click()
	await aus.keyboard.type('observer text')
	await typeAtEndOf(vnm, 5, ' Live.')
	await expect.poll(() => textOf(aus, 5)).toBe(`${before} Live.`)
	expect(await textOf(vnm, 5)).not.toContain('observer text')
	await screenshot(aus, '06-document-observer', { viewport: true })

	// The connection drops (the server is killed; Thailand's laptop also loses its network): the
	// page says so, keeps what is typed, and sends it when it can reconnect.
	await world.server.kill9()
	await thailand.context.setOffline(true)
	await expect.poll(() => status(tha).getAttribute('data-connection'), { timeout: 15_000 }).toBe('offline')
	await typeAtEndOf(tha, 7, ' Typed while offline.')
	await expect.poll(() => status(tha).getAttribute('data-unsaved')).toBe('true')
	await expect.poll(() => status(tha).textContent()).toContain('kept in this page')
	await screenshot(tha, '07-document-offline', { viewport: true })
	await thailand.context.setOffline(false)
	await expect.poll(() => status(tha).getAttribute('data-connection'), { timeout: 15_000 }).toBe('reconnecting')
	await world.restart()
	await expect.poll(() => status(tha).getAttribute('data-connection'), { timeout: 30_000 }).toBe('connected')
	await expect.poll(() => status(tha).getAttribute('data-unsaved'), { timeout: 20_000 }).toBe('false')
	await expect.poll(() => textOf(vnm, 7), { timeout: 20_000 }).toContain('Typed while offline.')

	for (const { context, errors } of [vietNam, thailand, observer]) {
		// The dropped connection is reported by the browser itself; nothing else may be.
		expect(errors.filter((e) => !/ERR_INTERNET_DISCONNECTED|ERR_CONNECTION_REFUSED|WebSocket connection/.test(e))).toEqual([])
		await context.close()
	}
})

test('error pages a person understands', async () => {
	const { context } = await newContext(world.browser, world.server.baseUrl)
	const page = await login(context, 'brn.head@example.org')
	const missing = await page.goto('/documents/no-such-document')
	expect(missing?.status()).toBe(404)
	await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Page not found')
	await screenshot(page, '08-not-found')
	const anonymous = await (await world.browser.newContext({ baseURL: world.server.baseUrl })).newPage()
	await anonymous.goto(DOC)
	expect(anonymous.url()).toContain('/login?redirectTo=')
	await context.close()
})

test('the sync-token API and the health check', async () => {
	const health = await fetch(`${world.server.baseUrl}/healthz`)
	expect(health.status).toBe(200)
	expect(await health.json()).toEqual({ status: 'ok', checks: { database: { ok: true }, sync: { ok: true } } })
	const anonymous = await fetch(`${world.server.baseUrl}/api/documents/accsm21-heads-joint-statement/sync-token`)
	expect(anonymous.status).toBe(401)
	const { loginCookie } = await import('#tests/setup/spawn-server.ts')
	const cookie = await loginCookie(world.server.baseUrl, 'aus.observer@example.org')
	const ok = await fetch(`${world.server.baseUrl}/api/documents/accsm21-heads-joint-statement/sync-token`, { headers: { cookie } })
	expect(ok.status).toBe(200)
	const body = (await ok.json()) as { token: string; access: string }
	expect(body.access).toBe('read')
	expect(body.token).toMatch(/^[\w-]+\.[\w-]+$/)
	const missing = await fetch(`${world.server.baseUrl}/api/documents/nope/sync-token`, { headers: { cookie } })
	expect(missing.status).toBe(404)
})

/** The families of the page's loaded font faces whose range holds Vietnamese's tone-marked letters. */
function loadedVietnameseFaces(page: Page) {
	return page.evaluate(async () => {
		await document.fonts.ready
		const families = [...document.fonts]
			.filter((face) => face.status === 'loaded' && face.style === 'normal' && /U\+1EA0-1EF9/i.test(face.unicodeRange))
			.map((face) => face.family.replace(/^"|"$/g, ''))
		return [...new Set(families)].sort()
	})
}

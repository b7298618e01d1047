import { mkdirSync } from 'node:fs'
import path from 'node:path'
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core'
import { ROOT } from './spawn-server.ts'

export const SCREENSHOTS = path.join(ROOT, 'tests/output/screenshots')

/** Debian's Chromium, headless, with nothing reaching for the (closed) network. */
export async function launchBrowser(): Promise<Browser> {
	return chromium.launch({
		executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
		args: [
			'--headless',
			'--no-sandbox',
			'--disable-gpu',
			'--disable-quic',
			'--no-first-run',
			'--disable-background-networking',
			'--disable-component-update',
			'--disable-sync',
		],
	})
}

/** A browser context that records console errors and page errors (the test asserts none). */
export async function newContext(browser: Browser, baseURL: string, options: { timezoneId?: string } = {}) {
	const context = await browser.newContext({ baseURL, viewport: { width: 1400, height: 1000 }, timezoneId: options.timezoneId ?? 'Asia/Ho_Chi_Minh', locale: 'en-GB' })
	const errors: string[] = []
	context.on('page', (page) => watch(page, errors))
	return { context, errors }
}

function watch(page: Page, errors: string[]) {
	page.on('console', (message) => {
		if (message.type() === 'error') errors.push(message.text())
	})
	page.on('pageerror', (error) => errors.push(error.message))
}

/** Logs in through the login form, as a person would. */
export async function login(context: BrowserContext, email: string, password = 'accord-demo'): Promise<Page> {
	const page = await context.newPage()
	await page.goto('/login')
	await page.getByLabel('Email').fill(email)
	await page.getByLabel('Password').fill(password)
	await page.getByRole('button', { name: 'Log in', exact: true }).click()
	await page.waitForURL('**/meetings')
	return page
}

/** Full page by default; `viewport` shows what a screen (or the projector) shows, from the top. */
export async function screenshot(page: Page, name: string, { viewport = false }: { viewport?: boolean } = {}) {
	mkdirSync(SCREENSHOTS, { recursive: true })
	if (viewport) await page.evaluate(() => window.scrollTo(0, 0))
	await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: !viewport })
}

import type { Browser, Locator, Page } from 'playwright-core'
import { afterAll, beforeAll, expect } from 'vitest'
import { launchBrowser, login, newContext } from './browser.ts'
import { spawnServer, type SpawnedServer } from './spawn-server.ts'
import { tempDir } from './test-env.ts'

/** The document page's editor, as the browser tests drive it. */
export const editor = (page: Page) => page.getByTestId('statement-editor')
export const paragraph = (page: Page, n: number) => editor(page).locator('p').nth(n)

/** An element's text without other people's caret labels. */
export function clean(locator: Locator) {
	return locator.evaluate((el) => {
		const copy = el.cloneNode(true) as HTMLElement
		for (const caret of copy.querySelectorAll('.collaboration-carets__caret')) caret.remove()
		return copy.textContent ?? ''
	})
}

/** A paragraph's text without other people's caret labels. */
export const textOf = (page: Page, n: number) => clean(paragraph(page, n))

/** Puts the caret at the end of a paragraph (End only reaches the end of the visual line). */
export async function caretAtEnd(page: Page, n: number) {
	await paragraph(page, n).click()
	await paragraph(page, n).evaluate((p) => {
		const range = document.createRange()
		range.selectNodeContents(p)
		range.collapse(false)
		const selection = window.getSelection()!
		selection.removeAllRanges()
		selection.addRange(range)
	})
}

export async function typeAtEndOf(page: Page, n: number, text: string) {
	await caretAtEnd(page, n)
	await page.keyboard.type(text, { delay: 15 })
}

/** The editor's own selection is `text` (the page has taken the DOM selection; that is async). */
export function editorSelection(page: Page) {
	return editor(page).evaluate((el) => {
		const instance = (el as HTMLElement & { editor?: { state: { selection: { from: number; to: number }; doc: { textBetween(a: number, b: number): string } } } }).editor
		if (!instance) return ''
		const { from, to } = instance.state.selection
		return instance.state.doc.textBetween(from, to)
	})
}

/** Selects `words` inside paragraph n, as a mouse drag would. */
export async function select(page: Page, n: number, words: string) {
	await paragraph(page, n).click()
	await paragraph(page, n).evaluate((p, target) => {
		const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT)
		for (let node = walker.nextNode(); node; node = walker.nextNode()) {
			const at = node.textContent!.indexOf(target)
			if (at < 0) continue
			const range = document.createRange()
			range.setStart(node, at)
			range.setEnd(node, at + target.length)
			const selection = window.getSelection()!
			selection.removeAllRanges()
			selection.addRange(range)
			return
		}
		throw new Error(`"${target}" is not in the paragraph`)
	}, words)
}

/**
 * One browser-test file's world: the production server on a fresh data folder (seeded with the
 * demo meeting) and Chromium; torn down after the file.
 */
export function useServerAndBrowser(prefix: string) {
	const data = tempDir(prefix)
	const world = {
		/** Starts the server again on the same folder and port (after `server.kill9()`). */
		async restart() {
			world.server = await spawnServer({ dataDir: data.dir, port: world.server.port })
		},
	} as { server: SpawnedServer; browser: Browser; restart(): Promise<void> }
	beforeAll(async () => {
		world.server = await spawnServer({ dataDir: data.dir })
		world.browser = await launchBrowser()
	})
	afterAll(async () => {
		await world.browser?.close()
		await world.server?.stop()
		data.remove()
	})
	return world
}

export type BrowserContextWithErrors = Awaited<ReturnType<typeof newContext>>

/** Viet Nam (the Chair), Thailand and Brunei, each in its own browser context and time zone. */
export async function threeDelegations(world: { browser: Browser; server: SpawnedServer }) {
	return {
		vietNam: await newContext(world.browser, world.server.baseUrl),
		thailand: await newContext(world.browser, world.server.baseUrl, { timezoneId: 'Asia/Bangkok' }),
		brunei: await newContext(world.browser, world.server.baseUrl, { timezoneId: 'Asia/Brunei' }),
	}
}

/** Every page of these contexts ran without a console error; then the contexts close. */
export async function expectNoErrorsAndClose(contexts: BrowserContextWithErrors[]) {
	for (const { context, errors } of contexts) {
		expect(errors).toEqual([])
		await context.close()
	}
}

/** Logs in as `email` and opens the document at `path`, connected and editable. */
export async function openEditable(browserContext: BrowserContextWithErrors, email: string, path: string) {
	const page = await login(browserContext.context, email)
	await page.goto(path)
	await expect.poll(() => page.getByTestId('sync-status').getAttribute('data-connection')).toBe('connected')
	await expect.poll(() => editor(page).getAttribute('contenteditable')).toBe('true')
	return page
}

import { expect, test } from 'vitest'
import type { Page } from 'playwright-core'
import { login, newContext, screenshot } from '#tests/setup/browser.ts'
import { type BrowserContextWithErrors, caretAtEnd, clean, editor, editorSelection, expectNoErrorsAndClose, paragraph, select, textOf, threeDelegations, useServerAndBrowser, openEditable } from '#tests/setup/editor-page.ts'

/**
 * Issue 4 in the browser: Viet Nam chairs; Thailand brackets words and proposes an alternative;
 * Brunei supports it; the Chair resolves the bracket with it and marks the paragraph agreed;
 * Thailand can no longer type in it.
 */
const DOC = '/documents/accsm21-heads-joint-statement'
const world = useServerAndBrowser('accord-e2e-negotiation-')

const panel = (page: Page) => page.getByRole('complementary')

const open = (browserContext: BrowserContextWithErrors, email: string) => openEditable(browserContext, email, DOC)

test('bracket, alternative, support, resolution, agreement, and the freeze', async () => {
	const { vietNam, thailand, brunei } = await threeDelegations(world)
	const vnm = await open(vietNam, 'vnm.head@example.org')
	const tha = await open(thailand, 'tha.head@example.org')
	const brn = await open(brunei, 'brn.head@example.org')
	await expect.poll(() => vnm.getByText('You chair this meeting').isVisible()).toBe(true)
	// The demo draft has agreed preambular paragraphs and one bracket from Singapore.
	await expect.poll(() => paragraph(vnm, 0).getAttribute('data-status')).toBe('agreed')
	await expect.poll(() => vnm.getByTestId('bracket-count').textContent()).toBe('1 bracket remains')

	// Thailand brackets words of OP 3 (paragraph 7) for its delegation.
	const words = 'ASEAN Public Service Training Institutes'
	await select(tha, 7, words)
	await expect.poll(() => editorSelection(tha)).toBe(words)
	await expect.poll(() => tha.getByTestId('current-paragraph').textContent()).toContain('OP 3')
	await panel(tha).getByRole('button', { name: /Bracket selected words/ }).click()
	await expect.poll(() => clean(paragraph(vnm, 7).locator('.bracket[data-owner="THA"]')), { timeout: 10_000 }).toBe(words)
	await expect.poll(() => vnm.getByTestId('bracket-count').textContent(), { timeout: 10_000 }).toBe('2 brackets remain')
	const item = (page: Page) => page.getByTestId('bracket-item').filter({ hasText: words })

	// …and proposes an alternative; Brunei supports it.
	await item(tha).getByRole('button', { name: 'Propose an alternative' }).click()
	await item(tha).getByLabel('Alternative wording').fill('các cơ sở đào tạo công chức ASEAN')
	await item(tha).getByRole('button', { name: 'Propose', exact: true }).click()
	await expect.poll(() => item(brn).textContent(), { timeout: 10_000 }).toContain('các cơ sở đào tạo công chức ASEAN')
	await item(brn).getByRole('button', { name: 'Support Alt 1' }).click()
	await expect.poll(() => item(vnm).textContent(), { timeout: 10_000 }).toContain('Supported by BRN')
	await screenshot(vnm, '10-chair-brackets', { viewport: true })

	// The Chair resolves it with Alt 1 and marks the paragraph agreed.
	await item(vnm).getByRole('button', { name: 'Use Alt 1' }).click()
	await expect.poll(() => textOf(tha, 7), { timeout: 10_000 }).toContain('các cơ sở đào tạo công chức ASEAN')
	expect(await paragraph(tha, 7).locator('.bracket').count()).toBe(0)
	await expect.poll(() => vnm.getByTestId('bracket-count').textContent()).toBe('1 bracket remains')
	await paragraph(vnm, 7).click()
	await expect.poll(() => vnm.getByTestId('current-paragraph').textContent()).toContain('OP 3')
	await panel(vnm).getByRole('button', { name: 'Mark agreed' }).click()
	await expect.poll(() => paragraph(tha, 7).getAttribute('data-status'), { timeout: 10_000 }).toBe('agreed')
	await expect.poll(() => vnm.getByTestId('status-set-by').textContent()).toContain('by Nguyễn Thị Hồng Nhung (VNM)')

	// Thailand can no longer type in it, and is told why; other paragraphs still take text.
	// Keys typed at once after the click are refused there too: none lands where the caret was
	// before the click (the end of OP 4).
	const before = await textOf(tha, 7)
	const wholeBefore = await clean(editor(tha))
	await caretAtEnd(tha, 8)
	await paragraph(tha, 7).click()
	await tha.keyboard.type('xyz')
	await expect.poll(() => tha.getByTestId('refused-message').textContent()).toContain('agreed')
	expect(await textOf(tha, 7)).toBe(before)
	expect(await clean(editor(tha))).toBe(wholeBefore)
	expect(await textOf(vnm, 7)).toBe(before)
	await screenshot(tha, '11-delegate-frozen', { viewport: true })

	// Deleting a whole bracket is not how it ends: the page refuses, the words stay.
	const sgp = 'and the protection of data privacy'
	await select(brn, 6, sgp)
	await expect.poll(() => editorSelection(brn)).toBe(sgp)
	await brn.keyboard.press('Backspace')
	await expect.poll(() => brn.getByTestId('refused-message').textContent()).toContain('Brackets are added')
	expect(await clean(paragraph(vnm, 6).locator('.bracket[data-owner="SGP"]'))).toBe(sgp)

	// The record says who did what; the Chair sees it too.
	await expect.poll(() => vnm.getByTestId('negotiation-record').textContent(), { timeout: 10_000 }).toContain('VNM marked agreed OP 3')
	const record = await vnm.getByTestId('negotiation-record').textContent()
	expect(record).toContain('THA bracketed')
	expect(record).toContain('BRN supports Alt 1')
	expect(record).toContain('VNM resolved the bracket')

	// Lettered preambles and line numbers, as the projector shows them.
	await vnm.getByLabel('Preambular paragraphs').selectOption('LETTERS')
	await expect.poll(() => paragraph(vnm, 0).evaluate((p) => getComputedStyle(p, '::before').content)).toContain('counter')
	await vnm.getByLabel('Line numbers').check()
	await expect.poll(() => vnm.getByTestId('line-numbers').locator('.line-number').count()).toBeGreaterThan(10)
	await screenshot(vnm, '12-chair-letters-line-numbers', { viewport: true })

	await expectNoErrorsAndClose([vietNam, thailand, brunei])
})

test("an adviser's changes are suggestions; the Chair accepts one and rejects the other", async () => {
	const vietNam = await newContext(world.browser, world.server.baseUrl)
	const thailand = await newContext(world.browser, world.server.baseUrl, { timezoneId: 'Asia/Bangkok' })
	const vnm = await open(vietNam, 'vnm.head@example.org')
	const adviser = await open(thailand, 'tha.adviser@example.org')
	await expect.poll(() => adviser.getByTestId('suggest-only-notice').isVisible()).toBe(true)
	// No block, mark or reference buttons: an adviser's only changes are suggested words.
	expect(await adviser.getByRole('toolbar', { name: 'Paragraph' }).count()).toBe(0)

	// OP 4 (paragraph 8): the adviser adds words at its end and proposes to remove one word.
	const before = await textOf(vnm, 8)
	await caretAtEnd(adviser, 8)
	await adviser.keyboard.press('ArrowLeft') // before the final punctuation
	await adviser.keyboard.type(' và hợp tác khu vực', { delay: 10 })
	await expect.poll(() => clean(paragraph(vnm, 8).locator('ins[data-by="THA"]')), { timeout: 10_000 }).toBe(' và hợp tác khu vực')
	const word = before.split(' ')[1]! // the paragraph's second word
	await select(adviser, 8, word)
	await expect.poll(() => editorSelection(adviser)).toBe(word)
	// An adviser takes no positions: no bracket button.
	expect(await panel(adviser).getByRole('button', { name: /Bracket selected words/ }).count()).toBe(0)
	await adviser.keyboard.press('Backspace')
	await expect.poll(() => clean(paragraph(vnm, 8).locator('del[data-by="THA"]')), { timeout: 10_000 }).toBe(word)
	// Nothing was removed yet: the words proposed for removal are still in the text.
	expect(await textOf(vnm, 8)).toContain(word)
	// A new paragraph cannot be suggested.
	await adviser.keyboard.press('Enter')
	await expect.poll(() => adviser.getByTestId('refused-message').textContent()).toContain('New paragraphs cannot be suggested')
	await expect.poll(() => vnm.getByTestId('suggestion-count').textContent()).toBe('2 waiting for the Chair')
	await screenshot(adviser, '13-adviser-suggestions', { viewport: true })
	await paragraph(vnm, 8).scrollIntoViewIfNeeded()
	await screenshot(vnm, '14-chair-suggestions')

	// The Chair accepts the insertion and rejects the deletion.
	const item = (kind: string) => vnm.getByTestId('suggestion-item').filter({ hasText: kind })
	await item('insert').getByRole('button', { name: 'Accept' }).click()
	await expect.poll(() => adviser.getByTestId('suggestion-count').textContent(), { timeout: 10_000 }).toBe('1 waiting for the Chair')
	await item('delete').getByRole('button', { name: 'Reject' }).click()
	await expect.poll(() => adviser.getByTestId('suggestion-count').textContent(), { timeout: 10_000 }).toBe('No suggestions waiting.')
	const after = await textOf(adviser, 8)
	expect(after).toContain(word)
	expect(after).toContain(' và hợp tác khu vực')
	expect(await paragraph(adviser, 8).locator('ins, del').count()).toBe(0)
	await expect.poll(() => vnm.getByTestId('negotiation-record').textContent()).toContain('VNM rejected THA’s suggestion to delete')
	expect(await vnm.getByTestId('negotiation-record').textContent()).toContain('VNM accepted THA’s suggestion to insert')

	// A reference to another paragraph follows renumbering: OP 7 refers to OP 6; when OP 1
	// becomes preambular, it reads OP 5 everywhere.
	await caretAtEnd(vnm, 11)
	await vnm.keyboard.press('ArrowLeft')
	await vnm.keyboard.type(' (see ')
	const op6 = await paragraph(vnm, 10).getAttribute('data-id')
	await vnm.getByLabel('Insert a reference to a paragraph').selectOption(op6!)
	const reference = (page: Page) => paragraph(page, 11).locator('.paragraph-ref')
	await expect.poll(() => reference(adviser).getAttribute('data-label'), { timeout: 10_000 }).toBe('OP 6')
	await paragraph(vnm, 5).click()
	await vnm.getByRole('button', { name: 'Preambular', exact: true }).click()
	await expect.poll(() => reference(adviser).getAttribute('data-label'), { timeout: 10_000 }).toBe('OP 5')
	await expect.poll(() => reference(vnm).getAttribute('data-label')).toBe('OP 5')
	await reference(vnm).scrollIntoViewIfNeeded()
	await screenshot(vnm, '15-reference', { viewport: false })

	await expectNoErrorsAndClose([vietNam, thailand])
})

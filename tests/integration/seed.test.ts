import { expect, test } from 'vitest'
import * as Y from 'yjs'
import { numberBlocks, readBlocks } from '#app/domain/statement.ts'
import { isDatabaseEmpty, seedDemo } from '#prisma/seed.ts'
import { createTestDatabase } from '#tests/setup/test-db.ts'
import { initTestEnv } from '#tests/setup/test-env.ts'

initTestEnv()

test('the demo meeting: states, delegations, accounts and both documents; seeding again changes nothing', async () => {
	const db = await createTestDatabase()
	try {
		expect(await isDatabaseEmpty(db.prisma)).toBe(true)
		await seedDemo(db.prisma, { log: () => {} })
		await seedDemo(db.prisma, { log: () => {} })
		const meeting = await db.prisma.meeting.findUniqueOrThrow({ where: { slug: 'accsm21' }, include: { delegations: true } })
		expect(meeting.chairStateCode).toBe('VNM')
		expect(meeting.city).toBe('Ha Noi')
		expect(meeting.delegations.map((d) => d.code).sort()).toEqual(
			['ASEC', 'AUS', 'BRN', 'CHN', 'IDN', 'JPN', 'KHM', 'KOR', 'LAO', 'MMR', 'MYS', 'PHL', 'SGP', 'THA', 'VNM'].sort(),
		)
		expect(meeting.delegations.find((d) => d.code === 'AUS')?.kind).toBe('OBSERVER')
		const emails = (await db.prisma.user.findMany({ select: { email: true } })).map((u) => u.email)
		expect(emails).toHaveLength(29)
		expect(emails).toEqual(expect.arrayContaining(['vnm.head@example.org', 'kor.delegate@example.org', 'tha.adviser@example.org', 'asec@example.org', 'aus.observer@example.org']))

		const statement = await db.prisma.document.findUniqueOrThrow({ where: { slug: 'accsm21-heads-joint-statement' }, include: { updates: true } })
		expect(statement.updates).toHaveLength(1)
		const doc = new Y.Doc()
		Y.applyUpdate(doc, statement.updates[0]!.data)
		const blocks = numberBlocks(readBlocks(doc))
		expect(blocks.length).toBeGreaterThanOrEqual(8)
		expect(blocks.length).toBeLessThanOrEqual(12)
		// Preambular paragraphs first, then operative ones numbered 1…n.
		const kinds = blocks.map((b) => (b.type === 'paragraph' ? b.kind : 'heading'))
		expect(kinds.indexOf('operative')).toBeGreaterThan(0)
		expect(kinds.slice(kinds.indexOf('operative')).every((k) => k === 'operative')).toBe(true)
		expect(blocks.at(-1)!.number).toBe(kinds.filter((k) => k === 'operative').length)
		expect(await db.prisma.document.count({ where: { slug: 'accsm21-plan-of-action' } })).toBe(1)
	} finally {
		await db.close()
	}
})

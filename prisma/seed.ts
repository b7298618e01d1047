import { pathToFileURL } from 'node:url'
import type { PrismaClient } from '#app/generated/prisma/client.ts'
import { DEMO_EMAIL_DOMAIN } from '#app/domain/constants.ts'
import { encodeBlocks, newParagraphId, type BlockInput } from '#app/domain/statement.ts'
import { hashPassword } from '#app/utils/password.server.ts'
import { DELEGATIONS, DEMO_PASSWORD, DOCUMENTS, MEETING, STATES, type SeedBlock, type SeedBracket } from './seed-data.ts'

/** Demo account emails: `<code>.head@…`, `<code>.delegate@…`, `asec@…`, `aus.observer@…`. */
export function demoEmail(code: string, role: 'head' | 'delegate' | 'adviser' | 'observer' | 'secretariat'): string {
	if (role === 'secretariat') return `${code.toLowerCase()}@${DEMO_EMAIL_DOMAIN}`
	return `${code.toLowerCase()}.${role}@${DEMO_EMAIL_DOMAIN}`
}

export function isDatabaseEmpty(prisma: PrismaClient): Promise<boolean> {
	return Promise.all([prisma.user.count(), prisma.meeting.count()]).then(([users, meetings]) => users + meetings === 0)
}

/**
 * The ACCSM 21 demo meeting (Ha Noi, 3-5 August 2022): states, delegations with demo accounts
 * (password DEMO_PASSWORD), and the two documents with their first content. Idempotent: runs
 * again without duplicating anything and never overwrites a document's text.
 */
export async function seedDemo(prisma: PrismaClient, { log = console.info }: { log?: (message: string) => void } = {}) {
	for (const state of STATES) {
		await prisma.state.upsert({ where: { code: state.code }, create: state, update: { name: state.name } })
	}
	const meetingData = {
		title: MEETING.title,
		shortTitle: MEETING.shortTitle,
		city: MEETING.city,
		timeZone: MEETING.timeZone,
		startsOn: new Date(`${MEETING.startsOn}T00:00:00Z`),
		endsOn: new Date(`${MEETING.endsOn}T00:00:00Z`),
		framework: MEETING.framework,
		chairStateCode: MEETING.chairStateCode,
	}
	const meeting = await prisma.meeting.upsert({
		where: { slug: MEETING.slug },
		create: { slug: MEETING.slug, ...meetingData },
		update: meetingData,
	})

	const people: { email: string; name: string; delegationCode: string; role: 'HEAD' | 'DELEGATE' | 'ADVISER' }[] = []
	for (const d of DELEGATIONS) {
		if (d.kind === 'SECRETARIAT') people.push({ email: demoEmail(d.code, 'secretariat'), name: d.head, delegationCode: d.code, role: 'HEAD' })
		else if (d.kind === 'OBSERVER') people.push({ email: demoEmail(d.code, 'observer'), name: d.head, delegationCode: d.code, role: 'HEAD' })
		else {
			people.push({ email: demoEmail(d.code, 'head'), name: d.head, delegationCode: d.code, role: 'HEAD' })
			if (d.delegate) people.push({ email: demoEmail(d.code, 'delegate'), name: d.delegate, delegationCode: d.code, role: 'DELEGATE' })
			if (d.adviser) people.push({ email: demoEmail(d.code, 'adviser'), name: d.adviser, delegationCode: d.code, role: 'ADVISER' })
		}
	}
	const existing = new Set((await prisma.user.findMany({ select: { email: true } })).map((u) => u.email))
	// scrypt is deliberately slow: hash the new accounts in parallel (libuv's thread pool).
	const hashes = await Promise.all(people.map((p) => (existing.has(p.email) ? null : hashPassword(DEMO_PASSWORD))))

	for (const d of DELEGATIONS) {
		const delegation = await prisma.delegation.upsert({
			where: { meetingId_code: { meetingId: meeting.id, code: d.code } },
			create: { meetingId: meeting.id, code: d.code, name: d.name, kind: d.kind, stateCode: d.stateCode },
			update: { name: d.name, kind: d.kind, stateCode: d.stateCode },
		})
		for (const [i, person] of people.entries()) {
			if (person.delegationCode !== d.code) continue
			const hash = hashes[i]
			// An existing account keeps its password and name.
			const user = hash
				? await prisma.user.upsert({ where: { email: person.email }, create: { email: person.email, name: person.name, passwordHash: hash }, update: {} })
				: await prisma.user.findUniqueOrThrow({ where: { email: person.email } })
			await prisma.delegationMember.upsert({
				where: { delegationId_userId: { delegationId: delegation.id, userId: user.id } },
				create: { delegationId: delegation.id, userId: user.id, role: person.role },
				update: { role: person.role },
			})
		}
	}

	const delegations = new Map(
		(await prisma.delegation.findMany({ where: { meetingId: meeting.id }, select: { id: true, code: true, members: { where: { role: 'HEAD' }, select: { userId: true } } } })).map(
			(d) => [d.code, { id: d.id, headId: d.members[0]?.userId ?? null }],
		),
	)
	for (const doc of DOCUMENTS) {
		const found = await prisma.document.findUnique({ where: { slug: doc.slug } })
		if (found) continue
		const { blocks, brackets } = seedBlocks(doc.blocks)
		const created = await prisma.document.create({
			data: {
				meetingId: meeting.id,
				slug: doc.slug,
				title: doc.title,
				kind: doc.kind,
				// The first entry of the log: the Chair's draft as circulated (no author: the seed).
				updates: { create: { data: encodeBlocks(blocks) as Uint8Array<ArrayBuffer> } },
			},
		})
		// The brackets already in the draft, with their alternatives and support (demo only).
		for (const { paragraphId, bracket } of brackets) {
			const owner = delegations.get(bracket.owner)
			if (!owner?.headId) throw new Error(`seed: no head of delegation ${bracket.owner}`)
			await prisma.bracket.create({
				data: { id: bracket.id, documentId: created.id, paragraphId, ownerDelegationId: owner.id, createdById: owner.headId, text: bracket.words },
			})
			const support = async (code: string, target: string, alternativeId: string | null) => {
				const d = delegations.get(code)
				if (!d?.headId) throw new Error(`seed: no head of delegation ${code}`)
				await prisma.bracketSupport.create({ data: { bracketId: bracket.id, target, alternativeId, delegationId: d.id, userId: d.headId } })
			}
			for (const code of bracket.supporters ?? []) await support(code, 'text', null)
			for (const [i, alt] of (bracket.alternatives ?? []).entries()) {
				const d = delegations.get(alt.delegation)
				if (!d?.headId) throw new Error(`seed: no head of delegation ${alt.delegation}`)
				const row = await prisma.bracketAlternative.create({ data: { bracketId: bracket.id, number: i + 1, text: alt.text, delegationId: d.id, authorId: d.headId } })
				for (const code of alt.supporters ?? []) await support(code, row.id, row.id)
			}
		}
	}
	log(`Seeded the demo meeting ${MEETING.shortTitle} (${people.length} demo accounts, password "${DEMO_PASSWORD}").`)
}

/** Seed blocks as the text writes them: ids made here (brackets refer to them), words to offsets. */
function seedBlocks(blocks: SeedBlock[]) {
	const brackets: { paragraphId: string; bracket: SeedBracket }[] = []
	const out: BlockInput[] = blocks.map((block) => {
		const id = newParagraphId()
		if (block.type === 'heading') return { ...block, id }
		const spans = (block.brackets ?? []).map((bracket) => {
			const start = block.text.indexOf(bracket.words)
			if (start < 0) throw new Error(`seed: "${bracket.words}" is not in its paragraph`)
			brackets.push({ paragraphId: id, bracket })
			return { id: bracket.id, owner: bracket.owner, start, end: start + bracket.words.length }
		})
		return { type: 'paragraph', id, kind: block.kind, status: block.status, text: block.text, brackets: spans }
	})
	return { blocks: out, brackets }
}

// `npm run seed`: open the configured database (migrating it) and seed it.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
	const { init } = await import('#app/utils/env.server.ts')
	const { openDatabase } = await import('#server/database.ts')
	const env = init()
	const db = await openDatabase({ dataDir: env.DATA_DIR, databaseUrl: env.DATABASE_URL })
	try {
		await seedDemo(db.prisma)
	} finally {
		await db.close()
	}
}

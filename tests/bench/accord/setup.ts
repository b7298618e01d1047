/**
 * Prepares a fresh Accord data folder for one benchmark run, before the server starts (only one
 * process may open a PGlite folder): one meeting, one member-state delegation, `users` delegates
 * in it (all may edit), and the scenario's documents, each with its initial content as the
 * first row of its update log, as the app creates documents.
 * Usage: tsx tests/bench/accord/setup.ts <spec.json>; writes the manifest the spec names.
 */
import { readFileSync, writeFileSync } from 'node:fs'
import { openDatabase } from '#server/database.ts'
import type { SetupManifest, SetupSpec } from './manifest.ts'

const spec = JSON.parse(readFileSync(process.argv[2]!, 'utf8')) as SetupSpec
const db = await openDatabase({ dataDir: spec.dataDir })
try {
	const { prisma } = db
	await prisma.state.upsert({ where: { code: 'VNM' }, create: { code: 'VNM', name: 'Viet Nam' }, update: {} })
	const meeting = await prisma.meeting.create({
		data: {
			slug: 'bench',
			title: 'Benchmark meeting of ACCSM',
			shortTitle: 'ACCSM B',
			city: 'Hà Nội',
			timeZone: 'Asia/Ho_Chi_Minh',
			startsOn: new Date('2022-08-03T00:00:00Z'),
			endsOn: new Date('2022-08-05T00:00:00Z'),
			framework: 'ACCSM',
			chairStateCode: 'VNM',
		},
	})
	const delegation = await prisma.delegation.create({
		data: { meetingId: meeting.id, code: 'VNM', name: 'Viet Nam', kind: 'MEMBER', stateCode: 'VNM' },
	})
	// Token authentication never reads the password: a placeholder hash is enough.
	const users = await prisma.user.createManyAndReturn({
		data: Array.from({ length: spec.users }, (_, i) => ({
			email: `delegate${i}.bench@example.org`,
			name: `Đại biểu ${i + 1}`,
			passwordHash: 'bench-no-login',
		})),
		select: { id: true },
	})
	await prisma.delegationMember.createMany({
		data: users.map((u, i) => ({ delegationId: delegation.id, userId: u.id, role: i === 0 ? 'HEAD' : 'DELEGATE' })),
	})
	const seeds = new Map<string, Uint8Array<ArrayBuffer>>()
	const seedOf = (file: string) => {
		let seed = seeds.get(file)
		if (!seed) seeds.set(file, (seed = new Uint8Array(readFileSync(file))))
		return seed
	}
	const documents: Record<string, string> = {}
	// In chunks: one createMany of 1,000 documents with 20 KB each is one large PGlite statement.
	for (let i = 0; i < spec.documents.length; i += 100) {
		const chunk = spec.documents.slice(i, i + 100)
		const created = await prisma.document.createManyAndReturn({
			data: chunk.map((d) => ({ meetingId: meeting.id, slug: d.slug, title: `Bench ${d.slug}`, kind: 'OUTCOME_STATEMENT' as const })),
			select: { id: true, slug: true },
		})
		const ids = new Map(created.map((c) => [c.slug, c.id]))
		await prisma.documentUpdate.createMany({
			data: chunk.map((d) => ({ documentId: ids.get(d.slug)!, data: seedOf(d.seedFile) })),
		})
		for (const [slug, id] of ids) documents[slug] = id
	}
	const sessions = await prisma.session.createManyAndReturn({
		data: users.map((u) => ({ userId: u.id, expiresAt: new Date(Date.now() + 7 * 24 * 60 * 60_000) })),
		select: { id: true },
	})
	const manifest: SetupManifest = { documents, users: users.map((u) => u.id), sessions: sessions.map((s) => s.id) }
	writeFileSync(spec.manifestFile, JSON.stringify(manifest))
} finally {
	await db.close()
}

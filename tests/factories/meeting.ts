import { DEMO_EMAIL_DOMAIN } from '#app/domain/constants.ts'
import { encodeBlocks, type BlockInput } from '#app/domain/statement.ts'
import type { PrismaClient } from '#app/generated/prisma/client.ts'
import { getSessionId, login } from '#app/utils/auth.server.ts'
import { hashPassword } from '#app/utils/password.server.ts'
import { mintSyncToken } from '#app/utils/sync-token.server.ts'
import { SEED_ARTICLE_QUOTES } from '#prisma/seed-data.ts'

export const TEST_PASSWORD = 'accord-test'

let passwordHash: Promise<string> | null = null

type Person = { email: string; name: string; id: string; delegationCode: string }

/**
 * A small meeting: Viet Nam in the Chair, Thailand and Brunei (members), Japan (partner),
 * the Secretariat, Australia's commission (observer), a user in no delegation, and one
 * statement with Vietnamese text in it.
 */
export async function createMeeting(prisma: PrismaClient, overrides: { slug?: string; framework?: 'ACCSM' | 'ACCSM_PLUS_3'; blocks?: BlockInput[] } = {}) {
	const slug = overrides.slug ?? 'accsm-test'
	passwordHash ??= hashPassword(TEST_PASSWORD)
	const hash = await passwordHash
	for (const [code, name] of [['VNM', 'Viet Nam'], ['THA', 'Thailand'], ['BRN', 'Brunei Darussalam'], ['JPN', 'Japan'], ['AUS', 'Australia']] as const) {
		await prisma.state.upsert({ where: { code }, create: { code, name }, update: {} })
	}
	const meeting = await prisma.meeting.create({
		data: {
			slug,
			title: 'Test meeting of ACCSM',
			shortTitle: 'ACCSM T',
			city: 'Hà Nội',
			timeZone: 'Asia/Ho_Chi_Minh',
			startsOn: new Date('2022-08-03T00:00:00Z'),
			endsOn: new Date('2022-08-05T00:00:00Z'),
			framework: overrides.framework ?? 'ACCSM',
			chairStateCode: 'VNM',
		},
	})
	const people: Record<string, Person> = {}
	const delegations = [
		{ code: 'VNM', name: 'Viet Nam', kind: 'MEMBER', stateCode: 'VNM', person: 'Nguyễn Thị Hồng Nhung' },
		{ code: 'THA', name: 'Thailand', kind: 'MEMBER', stateCode: 'THA', person: 'Siriporn Wongsawat' },
		{ code: 'BRN', name: 'Brunei Darussalam', kind: 'MEMBER', stateCode: 'BRN', person: 'Awang Mohd Hafiz' },
		{ code: 'JPN', name: 'Japan', kind: 'PARTNER', stateCode: 'JPN', person: 'Naoko Fujimoto' },
		{ code: 'ASEC', name: 'ASEAN Secretariat', kind: 'SECRETARIAT', stateCode: null, person: 'Putri Ayu Lestari' },
		{ code: 'AUS', name: 'Australian Public Service Commission', kind: 'OBSERVER', stateCode: 'AUS', person: 'Emma Whitfield' },
	] as const
	for (const d of delegations) {
		const delegation = await prisma.delegation.create({
			data: { meetingId: meeting.id, code: d.code, name: d.name, kind: d.kind, stateCode: d.stateCode },
		})
		const email = `${d.code.toLowerCase()}.${slug}@${DEMO_EMAIL_DOMAIN}`
		const user = await prisma.user.create({ data: { email, name: d.person, passwordHash: hash } })
		await prisma.delegationMember.create({ data: { delegationId: delegation.id, userId: user.id, role: 'HEAD' } })
		people[d.code] = { email, name: d.person, id: user.id, delegationCode: d.code }
	}
	const outsider = await prisma.user.create({ data: { email: `outsider.${slug}@${DEMO_EMAIL_DOMAIN}`, name: 'Outsider', passwordHash: hash } })
	const blocks = overrides.blocks ?? [
		{ type: 'paragraph', kind: 'preambular', text: SEED_ARTICLE_QUOTES[0]! },
		{ type: 'paragraph', kind: 'operative', text: 'Agree to accelerate the Plan of Action.' },
	]
	const document = await prisma.document.create({
		data: {
			meetingId: meeting.id,
			slug: `${slug}-statement`,
			title: 'Draft joint statement',
			kind: 'OUTCOME_STATEMENT',
			updates: { create: { data: encodeBlocks(blocks) as Uint8Array<ArrayBuffer> } },
		},
	})
	return { meeting, document, people, outsider }
}

/** A logged-in session's Cookie header for a user, minted through the app's own login. */
export async function sessionCookie(userId: string): Promise<string> {
	return (await loggedIn(userId)).cookie
}

/** A fresh login of a user: its Cookie header and the id of its session. */
export async function loggedIn(userId: string): Promise<{ cookie: string; sessionId: string }> {
	const response = await login({ userId, redirectTo: '/' })
	const setCookie = response.headers.get('Set-Cookie')
	if (!setCookie) throw new Error('login did not set a cookie')
	const cookie = setCookie.split(';')[0]!
	const sessionId = await getSessionId(cookie)
	if (!sessionId) throw new Error('the login cookie names no session')
	return { cookie, sessionId }
}

/** A sync token for a user and document, bound to a fresh login of theirs (and that login). */
export async function syncTokenFor({ documentId, userId }: { documentId: string; userId: string }, now = Date.now()) {
	const session = await loggedIn(userId)
	return { ...mintSyncToken({ documentId, userId, sessionId: session.sessionId }, now), ...session }
}

/** A revision actor for a delegation of a test meeting, acting through its head. */
export async function headActor(prisma: PrismaClient, world: { meeting: { id: string }; people: Record<string, { id: string }> }, code: string, moderator = false) {
	const d = await prisma.delegation.findFirstOrThrow({ where: { code, meetingId: world.meeting.id } })
	return { userId: world.people[code]!.id, delegationId: d.id, delegationCode: code, delegationKind: d.kind, role: 'HEAD' as const, moderator }
}

import { DEMO_EMAIL_DOMAIN } from '#app/domain/constants.ts'
import { getDb } from '#app/utils/db.server.ts'

/**
 * The demo accounts to list on the login page, while demo data is present: members of the
 * demo meeting whose email is on the demo domain, grouped by delegation.
 */
export async function listDemoAccounts() {
	const members = await getDb().delegationMember.findMany({
		where: { user: { email: { endsWith: `@${DEMO_EMAIL_DOMAIN}` } }, delegation: { meeting: { slug: 'accsm21' } } },
		select: {
			role: true,
			user: { select: { email: true, name: true } },
			delegation: { select: { code: true, name: true, kind: true } },
		},
	})
	return members.map((m) => ({ email: m.user.email, name: m.user.name, role: m.role, delegation: m.delegation }))
}

import type { User } from '#app/generated/prisma/client.ts'
import { getDb } from '#app/utils/db.server.ts'
import { hashPassword, verifyPassword } from '#app/utils/password.server.ts'

export async function getUserById({ id }: Pick<User, 'id'>) {
	return getDb().user.findUnique({ where: { id }, select: { id: true, email: true, name: true } })
}

export async function createUser({ email, name, password }: Pick<User, 'email' | 'name'> & { password: string }) {
	return getDb().user.create({
		data: { email: email.toLowerCase(), name, passwordHash: await hashPassword(password) },
		select: { id: true, email: true, name: true },
	})
}

/** The user with these credentials, or null. Takes the same time whether or not the email exists. */
export async function verifyLogin({ email, password }: Pick<User, 'email'> & { password: string }, { priority = false }: { priority?: boolean } = {}) {
	const user = await getDb().user.findUnique({ where: { email: email.trim().toLowerCase() } })
	if (!user) {
		await verifyPassword(password, DUMMY_HASH, { priority })
		return null
	}
	if (!(await verifyPassword(password, user.passwordHash, { priority }))) return null
	return { id: user.id, email: user.email, name: user.name }
}

// A real scrypt hash of a random password, so unknown emails cost as much as known ones.
const DUMMY_HASH = 'scrypt$32768$8$1$bG9naW4tdGltaW5nLXNhbHQ$tzXl5o1bU3b3q0i4yJ1kQm2C0q9bq0mY3n8JwPqT6Xc'

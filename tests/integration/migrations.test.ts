import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { PGlite } from '@electric-sql/pglite'
import { PrismaPGlite } from 'pglite-prisma-adapter'
import { expect, test } from 'vitest'
import { applyMigrations, diffMigrationsToSchema, MIGRATIONS_DIR } from '#prisma/migrations.ts'

test('the checked-in migrations and schema.prisma agree (no drift)', async () => {
	const drift = await diffMigrationsToSchema()
	expect(drift.trim(), `schema.prisma has changes with no migration: run npm run db:migrate:create -- <name>\n${drift}`).toBe('')
})

test('migrations apply to an empty database once, in Prisma’s own record format', async () => {
	const pglite = await PGlite.create()
	try {
		const names = readdirSync(MIGRATIONS_DIR).filter((n) => /^\d{14}_/.test(n)).sort()
		expect(await applyMigrations(new PrismaPGlite(pglite))).toEqual(names)
		expect(await applyMigrations(new PrismaPGlite(pglite))).toEqual([])
		const rows = await pglite.query<{ migration_name: string; checksum: string; finished_at: Date | null }>(
			'SELECT migration_name, checksum, finished_at FROM _prisma_migrations ORDER BY migration_name',
		)
		const { createHash } = await import('node:crypto')
		for (const [i, row] of rows.rows.entries()) {
			expect(row.migration_name).toBe(names[i])
			expect(row.finished_at).not.toBeNull()
			const sql = readFileSync(path.join(MIGRATIONS_DIR, row.migration_name, 'migration.sql'))
			expect(row.checksum).toBe(createHash('sha256').update(sql).digest('hex'))
		}
	} finally {
		await pglite.close()
	}
})

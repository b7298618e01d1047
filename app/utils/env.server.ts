import { randomBytes } from 'node:crypto'
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import path from 'node:path'
import { z } from '#app/utils/zod.ts'

/** `NAME=` in an env file means "not set", not "set to nothing". */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional())

const EnvSchema = z.object({
	NODE_ENV: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['production', 'development', 'test']).default('production')),
	PORT: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().int().min(0).max(65_535).default(3000)),
	HOST: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(1).default('127.0.0.1')),
	DATA_DIR: z.preprocess((v) => (v === '' ? undefined : v), z.string().min(1).default('./data')),
	DATABASE_URL: optional(
		z.string().regex(/^postgres(ql)?:\/\//, 'DATABASE_URL must be a postgresql:// URL (leave it unset for the embedded database)'),
	),
	SESSION_SECRET: optional(z.string().min(32, 'SESSION_SECRET must be at least 32 characters')),
	ALLOWED_ORIGINS: optional(z.string()),
	SEED_DEMO: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['true', 'false']).default('true')),
	TRUST_PROXY: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['true', 'false']).default('false')),
	COOKIE_SECURE: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['true', 'false']).default('false')),
	SYNC_CONNECTION_BUDGET: z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().min(1).max(100_000).default(1)),
	LOG_LEVEL: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['info', 'warn', 'error', 'silent']).default('info')),
})

export type Env = z.infer<typeof EnvSchema> & {
	DATA_DIR: string
	SESSION_SECRET: string
	allowedOrigins: string[]
}

const KEY = Symbol.for('accord.env')
type Holder = { [KEY]?: Env }

/**
 * Parses the environment once for the process (web app and sync server alike) and fails fast
 * with every problem listed. When SESSION_SECRET is unset, one is generated and kept in
 * DATA_DIR so that sessions survive restarts with no setup.
 */
export function init(source: NodeJS.ProcessEnv = process.env): Env {
	const parsed = EnvSchema.safeParse(source)
	if (!parsed.success) {
		const problems = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`).join('\n')
		throw new Error(`Invalid environment:\n${problems}\nSee .env.example.`)
	}
	const dataDir = path.resolve(parsed.data.DATA_DIR)
	const env: Env = {
		...parsed.data,
		DATA_DIR: dataDir,
		SESSION_SECRET: parsed.data.SESSION_SECRET ?? loadOrCreateSecret(dataDir),
		allowedOrigins: (parsed.data.ALLOWED_ORIGINS ?? '')
			.split(',')
			.map((s) => s.trim())
			.filter(Boolean),
	}
	;(globalThis as Holder)[KEY] = env
	return env
}

/** The parsed environment; init() must have run in this process. */
export function getEnv(): Env {
	const env = (globalThis as Holder)[KEY]
	if (!env) throw new Error('Environment not initialised: call init() from env.server.ts at startup')
	return env
}

function loadOrCreateSecret(dataDir: string): string {
	const file = path.join(dataDir, 'session-secret')
	try {
		const existing = readFileSync(file, 'utf8').trim()
		if (existing.length >= 32) return existing
	} catch {
		// not there yet
	}
	mkdirSync(dataDir, { recursive: true })
	const secret = randomBytes(32).toString('base64url')
	writeFileSync(file, secret + '\n', { mode: 0o600 })
	return secret
}

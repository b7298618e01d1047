import { reactRouter } from '@react-router/dev/vite'
import tailwindcss from '@tailwindcss/vite'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

// Lives in app/ to keep the top level to the agreed list; scripts pass `--config app/vite.config.ts`.
export default defineConfig({
	root: fileURLToPath(new URL('..', import.meta.url)),
	plugins: [tailwindcss(), reactRouter()],
	build: { target: 'es2022' },
	// Server-only packages stay out of the SSR bundle; Node loads them at run time.
	ssr: { external: ['@electric-sql/pglite', 'pglite-prisma-adapter', '@prisma/adapter-pg', 'pg'] },
})

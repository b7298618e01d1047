import { reactRouter } from '@react-router/dev/vite'
import tailwindcss from '@tailwindcss/vite'
import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vite'

// Lives in app/ to keep the top level to the agreed list; scripts pass `--config app/vite.config.ts`.
export default defineConfig({
	root: fileURLToPath(new URL('..', import.meta.url)),
	plugins: [tailwindcss(), reactRouter()],
	build: { target: 'es2022' },
	// Pre-bundle the editor and sync packages in development, so the first page load does not
	// trigger Vite's "optimized dependencies changed, reloading".
	optimizeDeps: {
		include: [
			'zod', '@conform-to/react', '@conform-to/zod/v4', 'lib0/decoding', 'y-websocket', 'yjs',
			'@tiptap/react', '@tiptap/core', '@tiptap/pm/state', '@tiptap/extension-collaboration',
			'@tiptap/extension-collaboration-caret', '@tiptap/extension-bold', '@tiptap/extension-document',
			'@tiptap/extension-heading', '@tiptap/extension-italic', '@tiptap/extension-paragraph', '@tiptap/extension-text',
		],
	},
	// Server-only packages stay out of the SSR bundle; Node loads them at run time.
	ssr: { external: ['@electric-sql/pglite', 'pglite-prisma-adapter', '@prisma/adapter-pg', 'pg'] },
})

import { index, route, type RouteConfig } from '@react-router/dev/routes'

// Routes are listed here, not derived from file names (docs/decisions/004-routes.md).
export default [
	index('routes/index.tsx'),
	route('login', 'routes/login.tsx'),
	route('logout', 'routes/logout.tsx'),
	route('meetings', 'routes/meetings.tsx'),
	route('meetings/:meetingSlug', 'routes/meeting.tsx'),
	route('documents/:slug', 'routes/document.tsx'),
	route('documents/:slug/negotiation', 'routes/document.negotiation.ts'),
	route('documents/:slug/comments', 'routes/document.comments.ts'),
	route('documents/:slug/events', 'routes/document.events.ts'),
	route('documents/:slug/positions', 'routes/document.positions.tsx'),
	route('documents/:slug/compilation.csv', 'routes/document.compilation.ts'),
	route('documents/:slug/revisions', 'routes/document.revisions.tsx'),
	route('documents/:slug/revisions/:number', 'routes/document.revision.tsx'),
	route('api/documents/:slug/sync-token', 'routes/api.sync-token.ts'),
	route('healthz', 'routes/healthz.ts'),
	route('*', 'routes/not-found.tsx'),
] satisfies RouteConfig

export { compileRouter, type Router, type RouteMatch, type RouteConflict, type Resolution } from './router.js';
export { parseTarget, normalisePath, removeDotSegments, type RequestTarget, type Reading } from './target.js';

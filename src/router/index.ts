export { compileRouter, type Router, type RouteMatch, type RouteConflict } from './router.js';

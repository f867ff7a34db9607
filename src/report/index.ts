export { formatLintText, formatLintJson } from './lint-text.js';
export { formatExplainText } from './explain-text.js';
export { styleFor, plainStyle, type Style } from './style.js';

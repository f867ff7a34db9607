export { run, parseAt, VERSION, type CliIo } from './program.js';

#!/usr/bin/env node
import { guardPipes, run } from './program.js';

// `sworn explain ... | head` (or `2>&1 | head`): the reader left; stop quietly. A full disk behind stdout is an error that says so.
guardPipes(process, (code) => process.exit(code), () => Number(process.exitCode ?? 0));

process.exitCode = await run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env });

#!/usr/bin/env node
import { run } from './program.js';

// `sworn rules ... | head`: the reader left; stop quietly. A full disk behind stdout is an error that says so.
process.stdout.on('error', (error: NodeJS.ErrnoException) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  process.stderr.write(`SWORN_ERR_USAGE: cannot write the output (${error.code ?? error.message})\n  hint: Write to a file with room (--output, --out) or to a terminal.\n`);
  process.exit(2);
});

process.exitCode = await run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, cwd: process.cwd(), env: process.env });

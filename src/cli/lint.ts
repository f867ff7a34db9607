import { loadSpec } from '../spec/load-spec.js';
import { lintSpec } from '../lint/lint.js';
import { loadPolicy } from '../lint/policy.js';
import { formatLintJson, formatLintText } from '../report/lint-text.js';
import { styleFor } from '../report/style.js';
import { parseAt, type CliIo } from './program.js';

/** `sworn lint`: exit 0 clean (warnings allowed), 1 with an error-level finding. */
export async function lintCommand(file: string, options: { policy?: string; format: 'text' | 'json'; at?: string }, io: CliIo): Promise<number> {
  const at = parseAt(options.at);
  const policy = options.policy === undefined ? undefined : await loadPolicy(options.policy, io.cwd);
  const spec = await loadSpec(file, { cwd: io.cwd });
  const { findings } = lintSpec(spec, { ...(policy ? { policy } : {}), at });
  io.stdout.write(options.format === 'json' ? formatLintJson(spec.displayPath, findings) : formatLintText(findings, styleFor(io.stdout, io.env)));
  return findings.some((f) => f.severity === 'error') ? 1 : 0;
}

import { loadSpec } from '../spec/load-spec.js';
import { explainSpec } from '../slo/explain.js';
import { formatExplainText } from '../report/explain-text.js';
import { styleFor } from '../report/style.js';
import { parseAt, type CliIo } from './program.js';

/** `sworn explain`: the resolved promise of each operation. */
export async function explainCommand(file: string, options: { operation?: string; tier?: string; at?: string; format: 'text' | 'json' }, io: CliIo): Promise<number> {
  const at = parseAt(options.at);
  const spec = await loadSpec(file, { cwd: io.cwd });
  const explanation = explainSpec(spec, {
    at,
    ...(options.operation !== undefined ? { operation: options.operation } : {}),
    ...(options.tier !== undefined ? { tier: options.tier } : {}),
  });
  io.stdout.write(options.format === 'json' ? JSON.stringify(explanation, null, 2) + '\n' : formatExplainText(explanation, styleFor(io.stdout, io.env)));
  return 0;
}

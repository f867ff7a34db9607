import { resolve as resolvePath } from 'node:path';
import { Command, Option } from 'commander';
import { stringify } from 'yaml';
import { SwornError, formatLocation } from '../errors.js';
import { loadSpec, formatName, type Spec } from '../spec/load-spec.js';
import { writeOutput, type CliIo } from './program.js';

type Format = 'yaml' | 'json';

/** `sworn convert`: the OpenAPI 3 document sworn reads from a Swagger 2.0 file or a Postman collection, written out. */
export function addConvertCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  program
    .command('convert')
    .description('convert a Swagger 2.0 document or a Postman collection (v2.0, v2.1) to OpenAPI 3.0, x-slo promises kept: the document every other command reads from that file')
    .argument('<spec>', 'Swagger 2.0, Postman collection or OpenAPI 3 file (YAML or JSON)')
    .option('-o, --output <file>', 'write the result to this file instead of standard output')
    .addOption(new Option('--format <format>', 'output format (default: json when --output ends in .json, else yaml)').choices(['yaml', 'json']))
    .action(async (file: string, options: { output?: string; format?: Format }) => {
      const format: Format = options.format ?? (options.output !== undefined && /\.json$/i.test(options.output) ? 'json' : 'yaml');
      const spec = await loadSpec(file, { cwd: io.cwd });
      const verbatim = asWritten(spec, format);
      const text = verbatim ?? serialise(spec, format);
      if (options.output === undefined) io.stdout.write(text);
      else await writeOutput(resolvePath(io.cwd, options.output), text, '--output');
      io.stderr.write(summary(spec, format, verbatim !== undefined, options.output));
      setExit(0);
    });
}

/**
 * The text of an OpenAPI 3 file that needs nothing done, byte for byte
 * (comments and layout kept): one file, asked for in its own format.
 */
function asWritten(spec: Spec, format: Format): string | undefined {
  if (spec.convertedFrom !== undefined || spec.sources.size !== 1) return undefined;
  const root = spec.sources.get(spec.file);
  return root && root.format === format ? root.text : undefined;
}

/** What happened, for standard error: the conversion and what the converter went past, or that there was nothing to convert. */
function summary(spec: Spec, format: Format, verbatim: boolean, output: string | undefined): string {
  const written = output === undefined ? '' : `; wrote ${output}`;
  if (spec.convertedFrom === undefined) {
    const files = spec.sources.size - 1;
    const how = verbatim ? 'written unchanged' : files > 0 ? `written with its ${files} referenced file${files > 1 ? 's' : ''} bundled in, as ${format.toUpperCase()}` : `written as ${format.toUpperCase()}`;
    return `${spec.displayPath} is already OpenAPI ${spec.openapi}, nothing to convert: ${how}${written}\n`;
  }
  const lines = [`converted ${spec.displayPath} from ${formatName(spec.convertedFrom)} to OpenAPI ${spec.openapi}${written}`];
  for (const note of spec.conversionNotes) lines.push(`  warning: ${formatLocation(spec.locate(note.pointer))} ${note.message}`);
  return lines.join('\n') + '\n';
}

function serialise(spec: Spec, format: Format): string {
  try {
    return format === 'json' ? JSON.stringify(spec.document, null, 2) + '\n' : stringify(spec.document, { aliasDuplicateObjects: false, lineWidth: 0 });
  } catch (error) {
    // A YAML alias inside its own value makes a document that contains itself.
    throw new SwornError('SWORN_ERR_CONVERT', `the document cannot be written as ${format.toUpperCase()}: ${(error as Error).message}`, {
      location: spec.locate(''),
      cause: error,
      hint: 'A YAML alias (`*name`) used inside the value it names makes the document contain itself; write that part out instead.',
    });
  }
}

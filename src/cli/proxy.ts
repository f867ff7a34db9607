import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import { Command, Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import { SwornError } from '../errors.js';
import { loadSpec } from '../spec/load-spec.js';
import { parseDuration } from '../slo/duration.js';
import { isLoopbackHost, startProxy, type RunningProxy } from '../proxy/proxy.js';
import type { CliIo } from './program.js';

/** Every proxy setting: flag, SWORN_* variable and config-file key share one name. */
const SETTINGS = [
  { flag: 'upstream', arg: '<url>', help: 'the service behind the proxy, e.g. http://127.0.0.1:8080, or "mock" to serve from the spec in-process' },
  { flag: 'mock-fallback', help: 'serve from the in-process mock what the upstream answers 501 for or cannot be reached for' },
  { flag: 'mock-behave', arg: '<mode>', help: 'the in-process mock: none, or slo (delays and errors as promised)', default: 'none', choices: ['none', 'slo'] },
  { flag: 'mock-seed', arg: '<n>', help: 'seed of the in-process mock', default: '1' },
  { flag: 'port', arg: '<n>', help: 'port to listen on (0 picks a free one)', default: '8000' },
  { flag: 'host', arg: '<address>', help: 'address to listen on', default: '127.0.0.1' },
  { flag: 'admin-port', arg: '<n>', help: 'admin server port (health, metrics, report); "off" for none', default: '9464' },
  { flag: 'admin-host', arg: '<address>', help: 'admin server address', default: '127.0.0.1' },
  { flag: 'admin-token', arg: '<token>', help: 'bearer token the admin server requires' },
  { flag: 'mode', arg: '<mode>', help: 'observe (never changes traffic) or enforce (rejects invalid requests)', default: 'observe', choices: ['observe', 'enforce'] },
  { flag: 'enforce-responses', help: 'in enforce mode, replace responses that break the contract with 502' },
  { flag: 'violations-header', help: 'add a Sworn-Violations header in observe mode too' },
  { flag: 'store', arg: '<file>', help: 'SQLite store of counts and samples (":memory:" keeps nothing)', default: 'sworn.db' },
  { flag: 'store-required', help: 'refuse to start when the store cannot be opened (default: start, count in memory, retry)' },
  { flag: 'max-body', arg: '<size>', help: 'bytes of each body kept for validation, e.g. 1mb, 256kb', default: '1mb' },
  { flag: 'timeout', arg: '<duration>', help: 'no upstream response headers within this of the request\'s arrival -> 504', default: '30s' },
  { flag: 'header-timeout', arg: '<duration>', help: 'request headers must arrive within this, else 408', default: '10s' },
  { flag: 'body-timeout', arg: '<duration>', help: 'a request body (up to --max-body) must arrive within this after its headers, else 408', default: '30s' },
  { flag: 'upstream-connections', arg: '<n>', help: 'upstream sockets; a quarter of them more carry uploads over --max-body', default: '128' },
  { flag: 'drain-timeout', arg: '<duration>', help: 'how long SIGTERM waits for in-flight requests', default: '10s' },
  { flag: 'flush-interval', arg: '<duration>', help: 'how often counts and SLO state go to the store: the most a crash can lose', default: '1s' },
  { flag: 'jwt-unverified', help: 'read JWT claims without verifying signatures (development only)' },
  { flag: 'log-level', arg: '<level>', help: 'pino log level', default: 'info', choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
] as const;

type SettingName = (typeof SETTINGS)[number]['flag'];

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
const envName = (flag: string) => `SWORN_${flag.toUpperCase().replace(/-/g, '_')}`;

export function addProxyCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const command = program
    .command('proxy')
    .description('run the conformance proxy in front of a service: every exchange checked against the spec, violations reported per consumer')
    .argument('[spec]', 'OpenAPI 3.0/3.1 file (or `spec:` in the config file, or SWORN_SPEC)')
    .addOption(new Option('--config <file>', 'YAML config file with the same settings (kebab-case keys)').env('SWORN_CONFIG'));
  for (const s of SETTINGS) {
    const option = new Option(`--${s.flag}${'arg' in s ? ` ${s.arg}` : ''}`, `${s.help}${'default' in s ? ` (default ${s.default})` : ''}`).env(envName(s.flag));
    if ('choices' in s) option.choices(s.choices as unknown as string[]);
    command.addOption(option);
  }
  command.action(async (specArg: string | undefined, flags: Record<string, unknown>) => {
    setExit(await runProxy(specArg, flags, command, io));
  });
}

/** Flags beat SWORN_* variables, which beat the config file, which beats the defaults. */
export function resolveSettings(flags: Record<string, unknown>, command: Command, configFile: Record<string, unknown>): Record<SettingName, string | boolean | undefined> {
  const out = {} as Record<SettingName, string | boolean | undefined>;
  for (const s of SETTINGS) {
    const key = camel(s.flag);
    const source = command.getOptionValueSource(key);
    if (source === 'cli' || source === 'env') out[s.flag] = flags[key] as string | boolean;
    else if (configFile[s.flag] !== undefined) out[s.flag] = typeof configFile[s.flag] === 'boolean' ? (configFile[s.flag] as boolean) : String(configFile[s.flag]);
    else out[s.flag] = 'default' in s ? s.default : undefined;
  }
  return out;
}

function readConfig(path: string | undefined, cwd: string): Record<string, unknown> {
  if (!path) return {};
  let raw: unknown;
  try {
    raw = parseYaml(readFileSync(resolvePath(cwd, path), 'utf8'));
  } catch (cause) {
    throw new SwornError('SWORN_ERR_CONFIG', `cannot read the config file ${path}: ${(cause as Error).message.split('\n')[0]}`, { cause, hint: 'The config file is YAML with the flags as keys, e.g. `upstream: http://127.0.0.1:8080`.' });
  }
  if (raw === null || raw === undefined) return {};
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new SwornError('SWORN_ERR_CONFIG', `the config file ${path} must be a map of settings`, { hint: 'e.g. `upstream: http://127.0.0.1:8080` and `port: 8000`.' });
  const known = new Set<string>(['spec', ...SETTINGS.map((s) => s.flag)]);
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) throw new SwornError('SWORN_ERR_CONFIG', `unknown setting \`${key}\` in ${path}`, { hint: `Settings: ${[...known].join(', ')}.` });
  }
  return raw as Record<string, unknown>;
}

/** `1mb` -> 1048576. */
export function parseSize(text: string, name: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|k|mb|m|gb|g)?$/i.exec(text.trim());
  if (!m) throw new SwornError('SWORN_ERR_CONFIG', `--${name} ${JSON.stringify(text)} is not a size`, { hint: `Write e.g. --${name} 1mb, 256kb or 65536.` });
  const unit = (m[2] ?? 'b').toLowerCase()[0];
  const factor = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  return Math.floor(Number(m[1]) * factor);
}

function parsePort(text: string, name: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new SwornError('SWORN_ERR_CONFIG', `--${name} ${JSON.stringify(text)} is not a port`, { hint: `Write a number from 0 to 65535, e.g. --${name} 8000 (0 picks a free port).` });
  return n;
}

function parseCount(text: string, name: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65_535) throw new SwornError('SWORN_ERR_CONFIG', `--${name} ${JSON.stringify(text)} is not a count`, { hint: `Write a whole number from 1 to 65535, e.g. --${name} 128.` });
  return n;
}

function parseMs(text: string, name: string): number {
  const d = parseDuration(text);
  if (!d) throw new SwornError('SWORN_ERR_CONFIG', `--${name} ${JSON.stringify(text)} is not a duration`, { hint: `Write e.g. --${name} 30s or 500ms.` });
  return d.ms;
}

async function runProxy(specArg: string | undefined, flags: Record<string, unknown>, command: Command, io: CliIo): Promise<number> {
  const config = readConfig(flags.config as string | undefined, io.cwd);
  const settings = resolveSettings(flags, command, config);
  const specPath = specArg ?? io.env.SWORN_SPEC ?? (config.spec as string | undefined);
  if (!specPath) throw new SwornError('SWORN_ERR_USAGE', 'no spec given', { hint: 'Run `sworn proxy specs/petstore.yaml --upstream http://127.0.0.1:8080` (or set `spec:` in the config file).' });
  if (!settings.upstream) throw new SwornError('SWORN_ERR_USAGE', 'no upstream given', { hint: 'Add --upstream http://127.0.0.1:8080 (or SWORN_UPSTREAM, or `upstream:` in the config file).' });
  const spec = await loadSpec(specPath, { cwd: io.cwd });
  const adminPort = String(settings['admin-port']);
  const useMock = settings.upstream === 'mock';
  const fallback = settings['mock-fallback'] === true || settings['mock-fallback'] === 'true';
  const seed = Number(settings['mock-seed']);
  if (!Number.isInteger(seed)) throw new SwornError('SWORN_ERR_CONFIG', `--mock-seed ${JSON.stringify(settings['mock-seed'])} is not a whole number`, { hint: 'Write e.g. --mock-seed 7.' });
  // prism-http is loaded only when the proxy serves a mock.
  const mock = useMock || fallback ? await (await import('../mock/mock.js')).startMock({ spec, port: 0, adminPort: null, behave: settings['mock-behave'] as 'none' | 'slo', seed }) : undefined;
  const proxy = await startProxy({
    spec,
    upstream: useMock ? mock!.url : String(settings.upstream),
    ...(fallback && !useMock ? { fallback: mock!.url } : {}),
    port: parsePort(String(settings.port), 'port'),
    host: String(settings.host),
    adminPort: adminPort === 'off' ? null : parsePort(adminPort, 'admin-port'),
    adminHost: String(settings['admin-host']),
    ...(settings['admin-token'] ? { adminToken: String(settings['admin-token']) } : {}),
    mode: settings.mode as 'observe' | 'enforce',
    enforceResponses: settings['enforce-responses'] === true || settings['enforce-responses'] === 'true',
    violationsHeader: settings['violations-header'] === true || settings['violations-header'] === 'true',
    store: resolvePath(io.cwd, String(settings.store)).replace(/.*:memory:$/, ':memory:'),
    maxBody: parseSize(String(settings['max-body']), 'max-body'),
    timeoutMs: parseMs(String(settings.timeout), 'timeout'),
    headerTimeoutMs: parseMs(String(settings['header-timeout']), 'header-timeout'),
    bodyTimeoutMs: parseMs(String(settings['body-timeout']), 'body-timeout'),
    upstreamConnections: parseCount(String(settings['upstream-connections']), 'upstream-connections'),
    storeRequired: settings['store-required'] === true || settings['store-required'] === 'true',
    drainTimeoutMs: parseMs(String(settings['drain-timeout']), 'drain-timeout'),
    flushIntervalMs: parseMs(String(settings['flush-interval']), 'flush-interval'),
    jwtUnverified: settings['jwt-unverified'] === true || settings['jwt-unverified'] === 'true',
    logLevel: String(settings['log-level']),
  });
  const adminHost = String(settings['admin-host']);
  if (proxy.adminUrl && !settings['admin-token'] && !isLoopbackHost(adminHost)) io.stderr.write(`warning: the admin server listens on ${adminHost} without a token: anyone who can reach it reads /report and /metrics. Add --admin-token (or SWORN_ADMIN_TOKEN), or keep --admin-host on 127.0.0.1.\n`);
  io.stdout.write(`sworn proxy listening on ${proxy.url} -> ${useMock ? `in-process mock (behave ${String(settings['mock-behave'])})` : String(settings.upstream)}${fallback && !useMock ? ' (mock fallback)' : ''} · ${spec.title} ${spec.apiVersion}, ${proxy.operations.length} operations · ${settings.mode} mode · admin ${proxy.adminUrl ?? 'off'}\n`);
  return waitForSignal({ ...proxy, close: async () => {
    await proxy.close();
    await mock?.close();
  } }, io);
}


/** SIGTERM/SIGINT: stop accepting, drain, flush, exit 0. */
function waitForSignal(proxy: RunningProxy, io: CliIo): Promise<number> {
  return new Promise((resolve) => {
    const stop = (signal: string) => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      io.stderr.write(`${signal}: draining ${proxy.inFlight()} in-flight request(s), then flushing the store\n`);
      proxy.close().then(() => resolve(0), (error: unknown) => {
        io.stderr.write(`shutdown failed: ${(error as Error).message}\n`);
        resolve(1);
      });
    };
    const onTerm = () => stop('SIGTERM');
    const onInt = () => stop('SIGINT');
    process.on('SIGTERM', onTerm);
    process.on('SIGINT', onInt);
  });
}

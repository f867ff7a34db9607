import { readFileSync, watch } from 'node:fs';
import { dirname, resolve as resolvePath } from 'node:path';
import { closest } from 'fastest-levenshtein';
import { Command, Option } from 'commander';
import { parse as parseYaml } from 'yaml';
import { SwornError } from '../errors.js';
import { loadSpec } from '../spec/load-spec.js';
import { parseDuration } from '../slo/duration.js';
import { isLoopbackHost, startProxy, type RunningProxy, type ServiceDefinition } from '../proxy/proxy.js';
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
  { flag: 'metrics-consumers', arg: '<n>', help: 'consumers with a consumer label of their own on /metrics (the busiest, placed once); the rest are summed as "other"', default: '10' },
  { flag: 'watch', help: 'reload the specs, consumer key maps and config when their files change (SIGHUP reloads too)' },
  { flag: 'log-level', arg: '<level>', help: 'pino log level', default: 'info', choices: ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] },
] as const;

type SettingName = (typeof SETTINGS)[number]['flag'];

const camel = (flag: string) => flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
const envName = (flag: string) => `SWORN_${flag.toUpperCase().replace(/-/g, '_')}`;

export function addProxyCommand(program: Command, io: CliIo, setExit: (code: number) => void): void {
  const command = program
    .command('proxy')
    .description('run the conformance proxy in front of a service: every exchange checked against the spec, violations reported per consumer')
    .argument('[spec]', 'OpenAPI 3.0/3.1, Swagger 2.0 or Postman collection file (or `spec:` in the config file, or SWORN_SPEC)')
    .addOption(new Option('--config <file>', 'YAML config file with the same settings (kebab-case keys), and `services:` for several specs').env('SWORN_CONFIG'))
    .addOption(new Option('--spec <file>', 'a spec behind the proxy; repeat for several (each with its own --upstream, in the same order), routed by the path prefix of their servers').argParser(collect));
  for (const s of SETTINGS) {
    const option = new Option(`--${s.flag}${'arg' in s ? ` ${s.arg}` : ''}`, `${s.help}${'default' in s ? ` (default ${s.default})` : ''}`).env(envName(s.flag));
    if ('choices' in s) option.choices(s.choices as unknown as string[]);
    if (s.flag === 'upstream') option.argParser(collect);
    command.addOption(option);
  }
  command.action(async (specArg: string | undefined, flags: Record<string, unknown>) => {
    setExit(await runProxy(specArg, flags, command, io));
  });
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const collect = (value: string, previous: string[] | undefined): string[] => [...(previous ?? []), value];

/** Flags beat SWORN_* variables, which beat the config file, which beats the defaults. */
export function resolveSettings(flags: Record<string, unknown>, command: Command, configFile: Record<string, unknown>): Record<SettingName, string | boolean | undefined> {
  const out = {} as Record<SettingName, string | boolean | undefined>;
  for (const s of SETTINGS) {
    const key = camel(s.flag);
    const source = command.getOptionValueSource(key);
    const value = flags[key];
    if (source === 'cli' || source === 'env') out[s.flag] = Array.isArray(value) ? value.join(',') : (value as string | boolean);
    else if (configFile[s.flag] !== undefined) out[s.flag] = typeof configFile[s.flag] === 'boolean' ? (configFile[s.flag] as boolean) : String(configFile[s.flag]);
    else out[s.flag] = 'default' in s ? s.default : undefined;
  }
  return out;
}

/**
 * How to name a setting in a message, from where its value came: `--port`
 * (a flag or the default), `SWORN_PORT` (the environment) or `port` in the
 * config file, with a valid example written the same way.
 */
export interface SettingName_ {
  /** `--port "abc"`, `SWORN_PORT="abc"`, `port: "abc" (in proxy.yaml)`. */
  given(value: string): string;
  /** `--port 8000`, `SWORN_PORT=8000`, `port: 8000`. */
  example(value: string): string;
}

export function settingName(flag: string, command: Command, config: { path: string | undefined; values: Record<string, unknown> }): SettingName_ {
  const source = command.getOptionValueSource(camel(flag));
  if (source === 'env') return { given: (v) => `${envName(flag)}=${JSON.stringify(v)}`, example: (v) => `${envName(flag)}=${v}` };
  const configPath = config.path;
  if (source !== 'cli' && configPath !== undefined && config.values[flag] !== undefined) return { given: (v) => `\`${flag}: ${JSON.stringify(v)}\` in ${configPath}`, example: (v) => `\`${flag}: ${v}\`` };
  return { given: (v) => `--${flag} ${JSON.stringify(v)}`, example: (v) => `--${flag} ${v}` };
}

/** Every SWORN_* variable the proxy reads (and those sworn sets for game-day traffic commands). */
export const KNOWN_ENV = ['SWORN_CONFIG', 'SWORN_SPEC', 'SWORN_GAMEDAY_STEP', 'SWORN_GAMEDAY_URL', ...SETTINGS.map((s) => envName(s.flag))];

/** `SWORN_UPSTRM=...`: a variable sworn does not read is a typo until shown otherwise; one warning each, with the closest name. */
export function unknownEnvWarnings(env: NodeJS.ProcessEnv): string[] {
  return Object.keys(env)
    .filter((k) => k.startsWith('SWORN_') && !KNOWN_ENV.includes(k))
    .sort()
    .map((k) => `warning: sworn reads no variable ${k}: did you mean ${closest(k, KNOWN_ENV)}? (it is ignored)`);
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
  const known = ['spec', 'services', ...SETTINGS.map((s) => s.flag)];
  for (const key of Object.keys(raw)) {
    if (!known.includes(key)) throw new SwornError('SWORN_ERR_CONFIG', `unknown setting \`${key}\` in ${path}`, { hint: `Did you mean \`${closest(key, known)}\`? Settings: ${known.join(', ')}.` });
  }
  const services = (raw as Record<string, unknown>).services;
  if (services !== undefined) {
    if (!Array.isArray(services) || services.length === 0) throw new SwornError('SWORN_ERR_CONFIG', `\`services\` in ${path} must be a list of specs`, { hint: 'e.g. `services: [{name: orders, spec: orders.yaml, upstream: http://127.0.0.1:8081}]`.' });
    services.forEach((entry: unknown, i) => {
      if (!entry || typeof entry !== 'object' || Array.isArray(entry)) throw new SwornError('SWORN_ERR_CONFIG', `services[${i}] in ${path} must be a map`, { hint: 'e.g. `{name: orders, spec: orders.yaml, upstream: http://127.0.0.1:8081}`.' });
      for (const key of Object.keys(entry)) {
        if (!SERVICE_KEYS.includes(key)) throw new SwornError('SWORN_ERR_CONFIG', `unknown key \`${key}\` in services[${i}] of ${path}`, { hint: `Did you mean \`${closest(key, SERVICE_KEYS)}\`? Keys: ${SERVICE_KEYS.join(', ')}.` });
      }
      const e = entry as Record<string, unknown>;
      if (typeof e.spec !== 'string') throw new SwornError('SWORN_ERR_CONFIG', `services[${i}] in ${path} has no \`spec\``, { hint: 'Add `spec: <file>` (relative to the config file).' });
      if (e.hosts !== undefined && !(Array.isArray(e.hosts) && e.hosts.every((h) => typeof h === 'string'))) throw new SwornError('SWORN_ERR_CONFIG', `services[${i}].hosts in ${path} must be a list of host names`, { hint: 'e.g. `hosts: [orders.example.com]`.' });
    });
  }
  return raw as Record<string, unknown>;
}

/** `1mb` -> 1048576. */
export function parseSize(text: string, name: string | SettingName_): number {
  const n = named(name);
  const m = /^(\d+(?:\.\d+)?)\s*(b|kb|k|mb|m|gb|g)?$/i.exec(text.trim());
  if (!m) throw new SwornError('SWORN_ERR_CONFIG', `${n.given(text)} is not a size`, { hint: `Write e.g. ${n.example('1mb')}, 256kb or 65536.` });
  const unit = (m[2] ?? 'b').toLowerCase()[0];
  const factor = unit === 'k' ? 1024 : unit === 'm' ? 1024 ** 2 : unit === 'g' ? 1024 ** 3 : 1;
  return Math.floor(Number(m[1]) * factor);
}

/** A bare flag name (`'port'`) names the flag. */
function named(name: string | SettingName_): SettingName_ {
  return typeof name === 'string' ? { given: (v) => `--${name} ${JSON.stringify(v)}`, example: (v) => `--${name} ${v}` } : name;
}

function parsePort(text: string, name: SettingName_): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new SwornError('SWORN_ERR_CONFIG', `${name.given(text)} is not a port`, { hint: `Write a number from 0 to 65535, e.g. ${name.example('8000')} (0 picks a free port).` });
  return n;
}

function parseCount(text: string, name: SettingName_): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1 || n > 65_535) throw new SwornError('SWORN_ERR_CONFIG', `${name.given(text)} is not a count`, { hint: `Write a whole number from 1 to 65535, e.g. ${name.example('128')}.` });
  return n;
}

function parseMs(text: string, name: SettingName_): number {
  const d = parseDuration(text);
  if (!d) throw new SwornError('SWORN_ERR_CONFIG', `${name.given(text)} is not a duration`, { hint: `Write e.g. ${name.example('30s')} or 500ms.` });
  return d.ms;
}

const SERVICE_KEYS = ['name', 'spec', 'upstream', 'hosts', 'store', 'mock-fallback'];

/** A spec behind the proxy as the command line or the config file names it (paths resolved). */
interface PlannedService {
  name?: string;
  spec: string;
  upstream: string;
  hosts?: string[];
  store?: string;
  fallback: boolean;
}

/** The services the flags and the config file describe: `--spec` (repeated) with `--upstream` in the same order, or `services:`. */
function planServices(specArg: string | undefined, flags: Record<string, unknown>, command: Command, config: Record<string, unknown>, settings: Record<SettingName, string | boolean | undefined>, io: CliIo, configDir: string): PlannedService[] {
  const fallback = settings['mock-fallback'] === true || settings['mock-fallback'] === 'true';
  const upstreamSource = command.getOptionValueSource('upstream');
  const flagUpstreams = upstreamSource === 'cli' || upstreamSource === 'env' ? (flags.upstream as string[]).flatMap((u) => u.split(',')).map((u) => u.trim()).filter(Boolean) : undefined;
  const flagSpecs = [...(specArg ? [specArg] : []), ...((flags.spec as string[] | undefined) ?? [])];
  if (flagSpecs.length === 0 && Array.isArray(config.services)) {
    if (flagUpstreams) throw new SwornError('SWORN_ERR_USAGE', '--upstream cannot be combined with `services:` in the config file', { hint: 'Give each service its `upstream:` in the config file, or pass --spec and --upstream pairs instead.' });
    return (config.services as Array<Record<string, unknown>>).map((e, i) => {
      const upstream = typeof e.upstream === 'string' ? e.upstream : typeof config.upstream === 'string' ? config.upstream : undefined;
      if (!upstream) throw new SwornError('SWORN_ERR_CONFIG', `services[${i}] has no \`upstream\``, { hint: 'Add `upstream: http://127.0.0.1:8080` (or `mock`) to it.' });
      return {
        ...(typeof e.name === 'string' ? { name: e.name } : {}),
        spec: resolvePath(configDir, e.spec as string),
        upstream,
        ...(Array.isArray(e.hosts) ? { hosts: e.hosts as string[] } : {}),
        ...(typeof e.store === 'string' ? { store: resolvePath(configDir, e.store) } : {}),
        fallback: e['mock-fallback'] === undefined ? fallback : e['mock-fallback'] === true,
      };
    });
  }
  const specs = flagSpecs.length > 0 ? flagSpecs.map((f) => resolvePath(io.cwd, f)) : io.env.SWORN_SPEC ? [resolvePath(io.cwd, io.env.SWORN_SPEC)] : typeof config.spec === 'string' ? [resolvePath(configDir, config.spec)] : [];
  if (specs.length === 0) throw new SwornError('SWORN_ERR_USAGE', 'no spec given', { hint: 'Run `sworn proxy specs/petstore.yaml --upstream http://127.0.0.1:8080` (or set `spec:` in the config file).' });
  const upstreams = flagUpstreams ?? (settings.upstream ? [String(settings.upstream)] : []);
  if (upstreams.length === 0) throw new SwornError('SWORN_ERR_USAGE', 'no upstream given', { hint: 'Add --upstream http://127.0.0.1:8080 (or SWORN_UPSTREAM, or `upstream:` in the config file).' });
  if (upstreams.length !== 1 && upstreams.length !== specs.length) throw new SwornError('SWORN_ERR_USAGE', `${specs.length} specs but ${upstreams.length} upstreams`, { hint: 'Give one --upstream per --spec, in the same order (or one --upstream for all of them).' });
  return specs.map((spec, i) => ({ spec, upstream: upstreams[upstreams.length === 1 ? 0 : i]!, fallback }));
}

async function runProxy(specArg: string | undefined, flags: Record<string, unknown>, command: Command, io: CliIo): Promise<number> {
  const configPath = flags.config as string | undefined;
  const configDir = configPath ? dirname(resolvePath(io.cwd, configPath)) : io.cwd;
  const config = readConfig(configPath, io.cwd);
  const settings = resolveSettings(flags, command, config);
  const planned = planServices(specArg, flags, command, config, settings, io, configDir);
  for (const warning of unknownEnvWarnings({ ...process.env, ...io.env })) io.stderr.write(warning + '\n');
  const specs = await Promise.all(planned.map((p) => loadSpec(p.spec, { cwd: io.cwd })));
  const name = (flag: SettingName) => settingName(flag, command, { path: configPath, values: config });
  const adminPort = String(settings['admin-port']);
  const seed = Number(settings['mock-seed']);
  if (!Number.isInteger(seed)) throw new SwornError('SWORN_ERR_CONFIG', `${name('mock-seed').given(String(settings['mock-seed']))} is not a whole number`, { hint: `Write e.g. ${name('mock-seed').example('7')}.` });
  // Every setting is read before anything starts: a bad value is an error with nothing left running.
  const parsed = {
    port: parsePort(String(settings.port), name('port')),
    adminPort: adminPort === 'off' ? null : parsePort(adminPort, name('admin-port')),
    maxBody: parseSize(String(settings['max-body']), name('max-body')),
    timeoutMs: parseMs(String(settings.timeout), name('timeout')),
    headerTimeoutMs: parseMs(String(settings['header-timeout']), name('header-timeout')),
    bodyTimeoutMs: parseMs(String(settings['body-timeout']), name('body-timeout')),
    upstreamConnections: parseCount(String(settings['upstream-connections']), name('upstream-connections')),
    metricsConsumers: parseCount(String(settings['metrics-consumers']), name('metrics-consumers')),
    drainTimeoutMs: parseMs(String(settings['drain-timeout']), name('drain-timeout')),
    flushIntervalMs: parseMs(String(settings['flush-interval']), name('flush-interval')),
  };
  // prism-http is loaded only when the proxy serves a mock.
  const mocks: Array<{ url: string; close(): Promise<void> }> = [];
  const services: ServiceDefinition[] = [];
  const closeMocks = () => Promise.all(mocks.splice(0).map((m) => m.close()));
  try {
    for (const [i, p] of planned.entries()) {
      const useMock = p.upstream === 'mock';
      const mock = useMock || p.fallback ? await (await import('../mock/mock.js')).startMock({ spec: specs[i]!, port: 0, adminPort: null, behave: settings['mock-behave'] as 'none' | 'slo', seed }) : undefined;
      if (mock) mocks.push(mock);
      services.push({
        ...(p.name ? { name: p.name } : {}),
        spec: specs[i]!,
        upstream: useMock ? mock!.url : p.upstream,
        ...(p.fallback && !useMock ? { fallback: mock!.url } : {}),
        ...(p.hosts ? { hosts: p.hosts } : {}),
        ...(p.store ? { store: p.store } : {}),
      });
    }
  } catch (error) {
    await closeMocks();
    throw error;
  }
  const proxy = await startProxy({
    services,
    port: parsed.port,
    host: String(settings.host),
    adminPort: parsed.adminPort,
    adminHost: String(settings['admin-host']),
    ...(settings['admin-token'] ? { adminToken: String(settings['admin-token']) } : {}),
    mode: settings.mode as 'observe' | 'enforce',
    enforceResponses: settings['enforce-responses'] === true || settings['enforce-responses'] === 'true',
    violationsHeader: settings['violations-header'] === true || settings['violations-header'] === 'true',
    store: resolvePath(io.cwd, String(settings.store)).replace(/.*:memory:$/, ':memory:'),
    maxBody: parsed.maxBody,
    timeoutMs: parsed.timeoutMs,
    headerTimeoutMs: parsed.headerTimeoutMs,
    bodyTimeoutMs: parsed.bodyTimeoutMs,
    upstreamConnections: parsed.upstreamConnections,
    metricsConsumers: parsed.metricsConsumers,
    storeRequired: settings['store-required'] === true || settings['store-required'] === 'true',
    drainTimeoutMs: parsed.drainTimeoutMs,
    flushIntervalMs: parsed.flushIntervalMs,
    jwtUnverified: settings['jwt-unverified'] === true || settings['jwt-unverified'] === 'true',
    logLevel: String(settings['log-level']),
  }).catch(async (error: unknown) => {
    await closeMocks();
    throw error;
  });
  for (const service of proxy.services) {
    const health = service.storeHealth();
    if (health.state === 'unavailable') io.stderr.write(`warning: the store ${service.store.path} cannot be opened (${health.cause ?? 'unknown'}): counting in memory and retrying at every flush; nothing is kept across a restart until it opens. Pass --store with a writable path, or --store-required to refuse to start instead.\n`);
  }
  const adminHost = String(settings['admin-host']);
  if (proxy.adminUrl && !settings['admin-token'] && !isLoopbackHost(adminHost)) io.stderr.write(`warning: the admin server listens on ${adminHost} without a token: anyone who can reach it reads /report and /metrics. Add --admin-token (or SWORN_ADMIN_TOKEN), or keep --admin-host on 127.0.0.1.\n`);
  /** A reload reads the config file again: each service's spec (by name) may have moved; other settings need a restart. */
  const reload = async (why: string) => {
    let next: Map<string, string> | undefined;
    let configError: Error | undefined;
    try {
      const fresh = readConfig(configPath, io.cwd);
      const plan = planServices(specArg, flags, command, fresh, resolveSettings(flags, command, fresh), io, configDir);
      next = new Map(plan.map((p, i) => [p.name ?? proxy.services[i]?.name ?? '', p.spec]));
      const names = new Set(proxy.services.map((s) => s.name));
      if (plan.length !== proxy.services.length || [...next.keys()].some((n) => !names.has(n))) io.stderr.write(`${why}: adding or removing services takes a restart; the services running are reloaded\n`);
    } catch (error) {
      configError = error as Error;
    }
    const result = await proxy.reload(async (service) => {
      if (configError) throw configError;
      return loadSpec(next?.get(service.name) ?? service.file, { cwd: io.cwd });
    });
    for (const r of result.services) io.stderr.write(r.ok ? `${why}: ${r.service} reloaded (${plural(r.operations ?? 0, 'operation')})\n` : `${why}: ${r.service} not reloaded, the spec in force stays: ${r.error}\n`);
  };
  // Watch before the first line is printed: whoever reads that line may edit a file at once.
  const watching = settings.watch === true || settings.watch === 'true' ? watchFiles(proxy, configPath ? resolvePath(io.cwd, configPath) : undefined, () => reload('change')) : undefined;
  const describe = (p: PlannedService, i: number) => `${p.upstream === 'mock' ? `in-process mock (behave ${String(settings['mock-behave'])})` : p.upstream}${p.fallback && p.upstream !== 'mock' ? ' (mock fallback)' : ''} · ${specs[i]!.title} ${specs[i]!.apiVersion}, ${plural(proxy.services[i]!.contract.operations.length, 'operation')}`;
  if (planned.length === 1) io.stdout.write(`sworn proxy listening on ${proxy.url} -> ${describe(planned[0]!, 0)} · ${String(settings.mode)} mode · admin ${proxy.adminUrl ?? 'off'}\n`);
  else {
    io.stdout.write(`sworn proxy listening on ${proxy.url} · ${planned.length} services · ${String(settings.mode)} mode · admin ${proxy.adminUrl ?? 'off'}\n`);
    planned.forEach((p, i) => {
      const s = proxy.services[i]!;
      io.stdout.write(`  ${s.name}: ${[...s.hosts].length > 0 ? `Host ${[...s.hosts].join(', ')} or ` : ''}paths under ${s.prefixes.map((x) => x || '/').join(', ')} -> ${describe(p, i)}\n`);
    });
  }

  return waitForSignal({ ...proxy, close: async () => {
    watching?.close();
    await proxy.close();
    await closeMocks();
  } }, io, () => reload('SIGHUP'));
}

/**
 * Watches the folders of the spec files, their consumer key maps and the
 * config file; a change to a YAML or JSON file there reloads (debounced, so
 * an editor's save is one reload).
 */
function watchFiles(proxy: RunningProxy, configFile: string | undefined, onChange: () => Promise<void>): { close(): void } {
  const folders = new Set<string>();
  for (const s of proxy.services) {
    folders.add(dirname(s.contract.spec.file));
    for (const m of s.contract.slo.consumers.identify) if (m.apiKey?.map) folders.add(dirname(resolvePath(dirname(s.contract.spec.file), m.apiKey.map)));
  }
  if (configFile) folders.add(dirname(configFile));
  let timer: NodeJS.Timeout | undefined;
  let running = Promise.resolve();
  const changed = (name: string | null) => {
    if (name && !/\.(ya?ml|json)$/i.test(name)) return;
    clearTimeout(timer);
    timer = setTimeout(() => {
      running = running.then(onChange, onChange);
    }, 200);
  };
  const watchers = [...folders].map((folder) => watch(folder, { persistent: false }, (_event, name) => changed(name)).on('error', () => undefined));
  return {
    close: () => {
      clearTimeout(timer);
      for (const w of watchers) w.close();
    },
  };
}


/** SIGTERM/SIGINT: stop accepting, drain, flush, exit 0. SIGHUP: reload. */
function waitForSignal(proxy: RunningProxy, io: CliIo, reload: () => Promise<void>): Promise<number> {
  return new Promise((resolve) => {
    const onHup = () => {
      reload().catch((error: unknown) => io.stderr.write(`SIGHUP: reload failed: ${(error as Error).message}\n`));
    };
    process.on('SIGHUP', onHup);
    const stop = (signal: string) => {
      process.off('SIGTERM', onTerm);
      process.off('SIGINT', onInt);
      process.off('SIGHUP', onHup);
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

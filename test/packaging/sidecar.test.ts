import { describe, expect, it } from 'vitest';
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parseAllDocuments } from 'yaml';
import { ROOT } from '../helpers.js';
import { call, closeAfterEach, proxyFor, settle, startUpstream, tempDir } from '../proxy/harness.js';
import { Store } from '../../src/store/index.js';

closeAfterEach();
const run = promisify(execFile);

type Fields = Record<string, any>;
const MANIFEST = join(ROOT, 'proxy/kubernetes-sidecar.yaml');
const manifestText = readFileSync(MANIFEST, 'utf8');
const documents = parseAllDocuments(manifestText).map((d) => {
  expect(d.errors).toEqual([]);
  return d.toJS() as Fields;
});
const byKind = (kind: string): Fields => {
  const found = documents.filter((d) => d.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0]!;
};
const deployment = byKind('Deployment');
const pod = deployment.spec.template.spec as Fields;
const sworn = (pod.containers as Fields[]).find((c) => c.name === 'sworn')!;
const app = (pod.containers as Fields[]).find((c) => c.name !== 'sworn')!;
const portOf = (container: Fields, name: string): number => (container.ports as Fields[]).find((p) => p.name === name)!.containerPort as number;
const argAfter = (flag: string): string | undefined => {
  const args = sworn.args as string[];
  const at = args.indexOf(flag);
  return at === -1 ? undefined : args[at + 1];
};
const mebibytes = (quantity: string): number => {
  const m = /^(\d+)(Mi|Gi)$/.exec(quantity);
  expect(m, quantity).not.toBeNull();
  return Number(m![1]) * (m![2] === 'Gi' ? 1024 : 1);
};

/**
 * An object's Kubernetes OpenAPI schema check, from the `kubernetes-models` package (a
 * devDependency): its model class for the apiVersion and kind validates with ajv against the
 * schemas it ships. Returns the errors, or null when the object is valid.
 */
async function checkAgainstSchema(d: Fields): Promise<unknown> {
  const apiVersion = String(d.apiVersion);
  const models = (await import(`kubernetes-models/${apiVersion}`)) as Record<string, new (data: unknown) => { validate(): void }>;
  const Model = models[String(d.kind)];
  if (!Model) return `kubernetes-models has no ${apiVersion} ${String(d.kind)}`;
  try {
    new Model(d).validate();
    return null;
  } catch (error) {
    return (error as Error).message;
  }
}

describe('proxy/kubernetes-sidecar.yaml against the Kubernetes schemas', () => {
  it('every object is valid against its Kubernetes OpenAPI schema, and a broken one is not', async () => {
    expect(documents.map((d) => d.kind)).toEqual(['ConfigMap', 'Deployment', 'Service', 'NetworkPolicy']);
    for (const d of documents) expect({ kind: d.kind, errors: await checkAgainstSchema(d) }).toEqual({ kind: d.kind, errors: null });
    // The validator is live: a wrong type where the schema says integer is caught.
    const broken = structuredClone(deployment);
    broken.spec.template.spec.containers[1].securityContext.runAsUser = 'node';
    expect(await checkAgainstSchema(broken)).toMatch(/runAsUser/);
  });
});

describe('proxy/kubernetes-sidecar.yaml deploys', () => {
  it('runs sworn non-root on a read-only root filesystem, with somewhere to write the store and temporary files', () => {
    expect(sworn.securityContext).toEqual({
      runAsNonRoot: true,
      runAsUser: 1000,
      runAsGroup: 1000,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(pod.securityContext).toMatchObject({ fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } });
    const volumes = new Map((pod.volumes as Fields[]).map((v) => [v.name as string, v]));
    const mounts = new Map((sworn.volumeMounts as Fields[]).map((m) => [m.mountPath as string, m]));
    for (const path of ['/data', '/tmp']) {
      const mount = mounts.get(path);
      expect(mount, path).toBeDefined();
      expect(mount!.readOnly, path).not.toBe(true);
      const volume = volumes.get(mount!.name as string);
      expect(volume !== undefined && ('emptyDir' in volume || 'persistentVolumeClaim' in volume), path).toBe(true);
    }
    // The store is on the writable volume, where docs/ci.md copies it from.
    const store = argAfter('--store')!;
    expect(store.startsWith('/data/')).toBe(true);
    const ci = readFileSync(join(ROOT, 'docs/ci.md'), 'utf8');
    expect(ci).toContain(`require('better-sqlite3')('${store}'`);
    // No step installs sworn from the npm registry, where it is not published.
    expect(ci).not.toMatch(/^\s*(- )?(run: )?npm (install|i) (-g |--global )?sworn\b(?!-)/m);
  });

  it('probes /healthz and /readyz on the admin port, which answer without the token the pod may be given', () => {
    const admin = portOf(sworn, 'admin');
    expect(admin).toBe(9464);
    expect(argAfter('--admin-port')).toBeUndefined();
    expect(sworn.readinessProbe.httpGet).toEqual({ path: '/readyz', port: 'admin' });
    expect(sworn.livenessProbe.httpGet).toEqual({ path: '/healthz', port: 'admin' });
    expect(sworn.startupProbe.httpGet).toEqual({ path: '/healthz', port: 'admin' });
    expect(sworn.readinessProbe.httpGet.httpHeaders).toBeUndefined();
    expect((sworn.env as Fields[]).map((e) => e.name)).toContain('SWORN_ADMIN_TOKEN');
  });

  it('lets other pods reach only the sidecar: the Service and the NetworkPolicy open its port, never the application\'s', () => {
    const service = byKind('Service');
    expect(service.spec.selector).toEqual(deployment.spec.selector.matchLabels);
    for (const port of service.spec.ports as Fields[]) expect(['http', portOf(sworn, 'http')]).toContain(port.targetPort);

    const policy = byKind('NetworkPolicy');
    expect(policy.spec.podSelector.matchLabels).toEqual(deployment.spec.template.metadata.labels);
    expect(policy.spec.policyTypes).toContain('Ingress');
    const swornPorts = new Set<unknown>([...(sworn.ports as Fields[]).flatMap((p) => [p.name, p.containerPort])]);
    const appPorts = new Set<unknown>([...(app.ports as Fields[]).flatMap((p) => [p.name, p.containerPort])]);
    const rules = policy.spec.ingress as Fields[];
    expect(rules.length).toBeGreaterThan(0);
    for (const rule of rules) {
      // A rule without ports opens every port: none may.
      expect(rule.ports, JSON.stringify(rule)).toBeDefined();
      for (const port of rule.ports as Fields[]) {
        expect(swornPorts.has(port.port), JSON.stringify(port)).toBe(true);
        expect(appPorts.has(port.port), JSON.stringify(port)).toBe(false);
      }
    }
    // From anywhere, only the sidecar's traffic port; the admin port only from a named source.
    const open = rules.filter((r) => r.from === undefined).flatMap((r) => (r.ports as Fields[]).map((p) => p.port));
    expect(open).toEqual(['http']);
  });

  it('sizes memory from the measurement written beside it, with headroom', () => {
    const peak = /measured peak (\d+) MiB/.exec(manifestText);
    expect(peak, 'the manifest says what was measured').not.toBeNull();
    const { requests, limits } = sworn.resources as Fields;
    const limit = mebibytes(limits.memory as string);
    const request = mebibytes(requests.memory as string);
    expect(limit).toBeGreaterThanOrEqual(Number(peak![1]) * 1.25);
    expect(request).toBeLessThanOrEqual(limit);
    // V8's heap is held under the limit, or it grows until the kernel kills the container.
    const heap = /--max-old-space-size=(\d+)/.exec(JSON.stringify(sworn.env));
    expect(heap, 'NODE_OPTIONS sets --max-old-space-size').not.toBeNull();
    expect(Number(heap![1])).toBeLessThan(limit);
  });
});

describe('proxy/Dockerfile', () => {
  const dockerfile = readFileSync(join(ROOT, 'proxy/Dockerfile'), 'utf8').replace(/\\\n/g, ' ');
  const runtime = dockerfile.slice(dockerfile.lastIndexOf('\nFROM '));
  const lineOf = (pattern: RegExp) => runtime.split('\n').findIndex((l) => pattern.test(l));

  it('creates /data owned by the runtime user before declaring the volume, and runs as that user', () => {
    const chown = lineOf(/^RUN .*mkdir -p \/data.*chown node:node \/data/);
    const user = lineOf(/^USER node\s*$/);
    const volume = lineOf(/^VOLUME \["\/data"\]/);
    expect(chown).toBeGreaterThan(-1);
    expect(user).toBeGreaterThan(chown);
    expect(volume).toBeGreaterThan(chown);
    expect(runtime).toMatch(/SWORN_STORE=\/data\//);
  });

  it('has a HEALTHCHECK that exits 0 while the admin /healthz answers (admin token set) and 1 once it does not', async () => {
    const healthcheck = /^HEALTHCHECK .*CMD (\[.*\])\s*$/m.exec(runtime);
    expect(healthcheck).not.toBeNull();
    const [command, ...args] = JSON.parse(healthcheck![1]!) as string[];
    expect(command).toBe('node');
    const upstream = await startUpstream((_req, res) => res.end());
    const proxy = await proxyFor(upstream.url, { adminToken: 'in-the-pod' });
    const port = new URL(proxy.adminUrl!).port;
    const env = { PATH: process.env.PATH ?? '', SWORN_ADMIN_PORT: port };
    await expect(run(process.execPath, args, { env, timeout: 20_000 })).resolves.toBeDefined();
    await proxy.close();
    await expect(run(process.execPath, args, { env, timeout: 20_000 })).rejects.toMatchObject({ code: 1 });
  });
});

describe('docs/ci.md', () => {
  it('copies the store with a command that gives a consistent, readable copy of a store the proxy is writing', async () => {
    const ci = readFileSync(join(ROOT, 'docs/ci.md'), 'utf8');
    const line = ci.split('\n').find((l) => l.includes('-- node -e "'));
    expect(line).toBeDefined();
    const script = line!.slice(line!.indexOf('node -e "') + 'node -e "'.length, line!.lastIndexOf('"')).replace(/\\"/g, '"');
    const store = argAfter('--store')!;
    expect(script).toContain(store);

    const upstream = await startUpstream((_req, res) => res.end());
    const dir = tempDir();
    const live = join(dir, 'sworn.db');
    const copy = join(dir, 'copy.db');
    const proxy = await proxyFor(upstream.url, { store: live, flushIntervalMs: 20 });
    for (let i = 0; i < 5; i++) await call(`${proxy.url}/api/items/mine`);
    await settle();
    for (let i = 0; i < 50 && proxy.store.health().pending > 0; i++) await new Promise((r) => setTimeout(r, 20));
    // Run while the proxy still has the store open (WAL), from where the image runs it (/app, its node_modules).
    await run(process.execPath, ['-e', script.replace(store, live).replace('/tmp/sworn.db', copy)], { cwd: ROOT, timeout: 20_000 });
    await proxy.close();
    const copied = new Store(copy);
    const total = copied.load().requests.reduce((sum, row) => sum + row.requests, 0);
    copied.close();
    expect(total).toBe(5);
  });
});

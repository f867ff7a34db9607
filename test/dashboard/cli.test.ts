import { describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rejection } from '../helpers.js';
import { dashboardCli } from './run-cli.js';

describe('sworn dashboard', () => {
  it('prints the dashboard as JSON on stdout, with the data source and title given', async () => {
    const { code, stdout, stderr } = await dashboardCli(['specs/petstore.yaml', '--datasource', 'P1809F7CD0C75ACF3', '--title', 'Petstore promises']);
    expect(code).toBe(0);
    expect(stderr).toBe('');
    expect(stdout.endsWith('}\n')).toBe(true);
    const dashboard = JSON.parse(stdout) as { title: string; templating: { list: Array<{ name: string; current: { value?: string } }> }; description: string };
    expect(dashboard.title).toBe('Petstore promises');
    expect(dashboard.templating.list.find((v) => v.name === 'datasource')?.current.value).toBe('P1809F7CD0C75ACF3');
    expect(dashboard.description).toContain('specs/petstore.yaml');
  });

  it('takes the service label from --service when the proxies use another name', async () => {
    const { stdout } = await dashboardCli(['specs/petstore.yaml', '--service', 'pets-eu']);
    const dashboard = JSON.parse(stdout) as { uid: string; title: string; templating: { list: Array<{ name: string; query?: unknown }> } };
    expect(dashboard.templating.list.find((v) => v.name === 'service')?.query).toBe('pets-eu');
    expect(dashboard).toMatchObject({ uid: 'sworn-pets-eu', title: 'pets-eu · promises (sworn)' });
  });

  it('fails with the spec loader\'s error for a missing file, and on an empty flag', async () => {
    const missing = await rejection(dashboardCli(['specs/nope.yaml']));
    expect(missing.code).toBe('SWORN_ERR_SPEC_NOT_FOUND');
    const empty = await rejection(dashboardCli(['specs/petstore.yaml', '--datasource', ' ']));
    expect(empty.code).toBe('SWORN_ERR_USAGE');
    expect(empty.hint).toMatch(/--datasource/);
  });

  it('refuses a spec that promises nothing (SWORN_ERR_USAGE with a hint)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sworn-dashboard-cli-'));
    try {
      writeFileSync(join(dir, 'bare.yaml'), 'openapi: 3.1.0\ninfo: {title: Bare, version: 1.0.0}\npaths:\n  /x:\n    get:\n      responses: {"200": {description: ok}}\n');
      const error = await rejection(dashboardCli(['bare.yaml'], dir));
      expect(error.code).toBe('SWORN_ERR_USAGE');
      expect(error.message).toBe('bare.yaml makes no promise to chart: no operation has an availability target or a latency objective');
      expect(error.hint).toContain('x-slo');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers.js';
import { dashboardCli } from './run-cli.js';
import { sketchDashboard } from './sketch.js';

/**
 * proxy/grafana-dashboard.json is `sworn dashboard specs/petstore.yaml` as
 * committed, and docs/dashboard.md shows its layout. Both fail here when they
 * drift; `SWORN_UPDATE_DASHBOARD=1 npx vitest run test/dashboard` rewrites them.
 */
const UPDATE = process.env.SWORN_UPDATE_DASHBOARD === '1';
const COMMITTED = join(ROOT, 'proxy/grafana-dashboard.json');
const DOCS = join(ROOT, 'docs/dashboard.md');
const START = '<!-- layout: generated from proxy/grafana-dashboard.json by test/dashboard/golden.test.ts -->';
const END = '<!-- /layout -->';

describe('the committed petstore dashboard', () => {
  it('is what `sworn dashboard specs/petstore.yaml` prints', async () => {
    const { stdout } = await dashboardCli(['specs/petstore.yaml']);
    if (UPDATE) writeFileSync(COMMITTED, stdout);
    expect(existsSync(COMMITTED), 'run SWORN_UPDATE_DASHBOARD=1 npx vitest run test/dashboard').toBe(true);
    expect(readFileSync(COMMITTED, 'utf8'), 'proxy/grafana-dashboard.json is stale: run SWORN_UPDATE_DASHBOARD=1 npx vitest run test/dashboard').toBe(stdout);
  });

  it('has its layout and every panel title in docs/dashboard.md', async () => {
    const { stdout } = await dashboardCli(['specs/petstore.yaml']);
    const dashboard = JSON.parse(stdout) as { panels: Array<{ id: number; type: string; title: string; gridPos: { h: number; w: number; x: number; y: number } }> };
    const block = `${START}\n\`\`\`text\n${sketchDashboard(dashboard.panels)}\n\`\`\`\n${END}`;
    let docs = readFileSync(DOCS, 'utf8');
    const at = docs.indexOf(START);
    const end = docs.indexOf(END);
    expect(at >= 0 && end > at, `docs/dashboard.md needs the markers ${START} and ${END}`).toBe(true);
    if (UPDATE) {
      docs = docs.slice(0, at) + block + docs.slice(end + END.length);
      writeFileSync(DOCS, docs);
    }
    expect(docs.slice(at, end + END.length), 'the layout in docs/dashboard.md is stale: run SWORN_UPDATE_DASHBOARD=1 npx vitest run test/dashboard').toBe(block);
  });
});

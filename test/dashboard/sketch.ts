/**
 * A text picture of a dashboard's grid, for docs/dashboard.md (there is no
 * Grafana here to take a screenshot): one box per panel, three characters per
 * grid column, panels that start on the same grid line side by side.
 */
export function sketchDashboard(panels: Array<{ id: number; type: string; title: string; gridPos: { h: number; w: number; x: number; y: number } }>): string {
  const out: string[] = [];
  const width = 24 * 3;
  const byLine = new Map<number, typeof panels>();
  for (const p of panels) byLine.set(p.gridPos.y, [...(byLine.get(p.gridPos.y) ?? []), p]);
  for (const y of [...byLine.keys()].sort((a, b) => a - b)) {
    const line = (byLine.get(y) ?? []).sort((a, b) => a.gridPos.x - b.gridPos.x);
    const row = line.find((p) => p.type === 'row');
    if (row) {
      out.push(`== ${row.title} `.padEnd(width + 1, '='));
      continue;
    }
    const cell = (p: (typeof line)[number], text: string) => {
      const room = p.gridPos.w * 3 - 2;
      return `| ${text.length > room ? `${text.slice(0, room - 1)}…` : text.padEnd(room)}`;
    };
    const border = (fill: string) => {
      let s = '';
      let x = 0;
      for (const p of line) {
        s += ' '.repeat((p.gridPos.x - x) * 3) + '+' + fill.repeat(p.gridPos.w * 3 - 1);
        x = p.gridPos.x + p.gridPos.w;
      }
      return s + '+';
    };
    const content = (text: (p: (typeof line)[number]) => string) => {
      let s = '';
      let x = 0;
      for (const p of line) {
        s += ' '.repeat((p.gridPos.x - x) * 3) + cell(p, text(p));
        x = p.gridPos.x + p.gridPos.w;
      }
      return s + '|';
    };
    out.push(border('-'));
    out.push(content((p) => `${p.id} ${p.title}`));
    out.push(content((p) => `${p.type}, ${p.gridPos.w}×${p.gridPos.h}`));
    out.push(border('-'));
  }
  return out.join('\n');
}

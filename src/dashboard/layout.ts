/** Grafana's dashboard grid: 24 columns; rows of panels flow left to right, top to bottom. */
export const GRID_COLUMNS = 24;

export interface GridPos {
  h: number;
  w: number;
  x: number;
  y: number;
}

/**
 * Places panels without overlaps: each panel goes right of the previous one
 * when it fits in the 24 columns, else at the start of a new line below
 * everything placed so far; a row header takes a full line of height 1.
 */
export class GridLayout {
  private x = 0;
  private y = 0;
  private bottom = 0;

  row(): GridPos {
    const pos = { h: 1, w: GRID_COLUMNS, x: 0, y: this.bottom };
    this.y = this.bottom = pos.y + 1;
    this.x = 0;
    return pos;
  }

  place(size: { w: number; h: number }): GridPos {
    const w = Math.min(Math.max(1, Math.round(size.w)), GRID_COLUMNS);
    const h = Math.max(1, Math.round(size.h));
    if (this.x + w > GRID_COLUMNS) {
      this.x = 0;
      this.y = this.bottom;
    }
    const pos = { h, w, x: this.x, y: this.y };
    this.x += w;
    this.bottom = Math.max(this.bottom, pos.y + h);
    return pos;
  }
}

import type { SloProblem } from './model.js';

/** Collects problems once each, with the operations they concern. */
export class ProblemList {
  private readonly byKey = new Map<string, SloProblem>();

  add(problem: SloProblem, operation?: string): void {
    const key = `${problem.rule}\0${problem.pointer}\0${problem.message}`;
    const known = this.byKey.get(key);
    if (!known) {
      this.byKey.set(key, { ...problem, operations: operation ? [operation] : [] });
    } else if (operation && !known.operations?.includes(operation)) {
      known.operations?.push(operation);
    }
  }

  list(): SloProblem[] {
    return [...this.byKey.values()];
  }
}

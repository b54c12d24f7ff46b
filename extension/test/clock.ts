// A clock for the tests, whose timers run only when the test advances it.

import type { Clock } from "../src/documentEdits";

/** Timers run by hand: `advance` runs what falls due, in order. */
export class ManualClock implements Clock {
  now = 0;
  private tasks: Array<{ at: number; task: () => void }> = [];

  after(ms: number, task: () => void): () => void {
    const entry = { at: this.now + ms, task };
    this.tasks.push(entry);
    return () => (this.tasks = this.tasks.filter((t) => t !== entry));
  }

  advance(ms: number): void {
    const until = this.now + ms;
    for (;;) {
      const due = this.tasks.filter((t) => t.at <= until).sort((a, b) => a.at - b.at)[0];
      if (!due) break;
      this.tasks = this.tasks.filter((t) => t !== due);
      this.now = due.at;
      due.task();
    }
    this.now = until;
  }
}

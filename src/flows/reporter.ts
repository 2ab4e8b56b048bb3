/**
 * How a flow tells the person running it what is happening, without printing: the CLI's Output
 * implements it (stderr for people, the warnings list for `--json`); tests collect the events.
 */
export interface Reporter {
  /** A step has started or finished ("Compiling Apex offline..."). */
  info(message: string): void;
  /** Something the user should know that does not stop the flow; `shown` when a report has it. */
  warn(message: string, options?: { shown?: boolean }): void;
  /** A long step's state, repeated as it changes (deploy polling); a sink may drop repeats. */
  progress(message: string): void;
}

/** Collects every event; for tests and for callers that want the messages as data. */
export class RecordingReporter implements Reporter {
  readonly events: Array<{ kind: 'info' | 'warn' | 'progress'; message: string }> = [];
  info(message: string): void {
    this.events.push({ kind: 'info', message });
  }
  warn(message: string): void {
    this.events.push({ kind: 'warn', message });
  }
  progress(message: string): void {
    this.events.push({ kind: 'progress', message });
  }
}

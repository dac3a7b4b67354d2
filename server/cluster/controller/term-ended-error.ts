/**
 * A controller's term ended (it was deactivated, or deactivated and elected again) while one of
 * its events was being handled: the event stops at its next step, whatever module it is in.
 */
export class TermEndedError extends Error {
  constructor() {
    super("this controller's term ended");
    this.name = 'TermEndedError';
  }
}

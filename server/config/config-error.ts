/** A broker property that cannot be used, named, with the reason. */
export class ConfigError extends Error {
  constructor(
    readonly property: string,
    message: string,
  ) {
    super(`${property}: ${message}`);
    this.name = 'ConfigError';
  }
}

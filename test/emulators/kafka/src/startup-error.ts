/** A fatal startup failure rendered as the Java exception Kafka would log (then exit 1). */
export class StartupError extends Error {
  constructor(
    readonly javaClass: string,
    message: string,
  ) {
    super(message);
  }
  render(): string {
    return `${this.javaClass}: ${this.message}`;
  }
}

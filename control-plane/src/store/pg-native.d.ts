/**
 * pg-native (node-postgres's libpq binding) ships no types; these are the synchronous calls the
 * PostgreSQL store uses (README "sync"), and `pq`, the libpq handle, whose `resultErrorFields()`
 * gives the SQLSTATE of the last failed statement (pg-native's own errors carry the message only).
 */
declare module 'pg-native' {
  interface TypeParsers {
    getTypeParser(oid: number): (text: string) => unknown;
  }
  class Client {
    constructor(config?: { types?: TypeParsers; arrayMode?: boolean });
    readonly pq: {
      resultErrorFields(): { sqlState?: string; messagePrimary?: string; messageDetail?: string } | null;
      /** libpq's PQtransactionStatus: 0 idle, 1 active, 2 in a transaction, 3 failed one, 4 unknown (connection bad). */
      transactionStatus(): number;
    };
    connectSync(params?: string): void;
    querySync(text: string, values?: readonly (string | null)[]): Record<string, unknown>[];
    prepareSync(name: string, text: string, nParams: number): void;
    executeSync(name: string, values: readonly (string | null)[]): Record<string, unknown>[];
    /** 'I' idle, 'T' in a transaction, 'E' in a failed transaction, null otherwise. */
    getTransactionStatus(): 'I' | 'T' | 'E' | null;
    end(cb?: () => void): void;
  }
  export default Client;
}

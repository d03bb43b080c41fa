/** The parts of dynalite 4.0.0 used in-process (it ships no types). */
declare module 'dynalite/db' {
  export interface DynaliteStore {
    readonly tableDb: { awsAccountId: string; awsRegion: string };
    readonly lifecycleManager: { gracefulClose(cb: (err?: Error | null) => void): void };
  }
  export interface DynaliteError extends Error {
    statusCode?: number;
    body?: { __type?: string; message?: string; Message?: string };
  }
  export function create(options: {
    path?: string;
    createTableMs?: number;
    deleteTableMs?: number;
    updateTableMs?: number;
  }): DynaliteStore;
  export function checkConditional(data: unknown, existingItem: unknown): DynaliteError | null | undefined;
}

declare module 'dynalite/validations' {
  export function checkTypes(data: unknown, types: unknown): Record<string, unknown>;
  export function checkValidations(data: unknown, types: unknown, custom: unknown, store: unknown): void;
}

declare module 'dynalite' {
  import type { Server } from 'node:http';
  /** dynalite's own HTTP server (used to compare against the in-process path). */
  export default function dynalite(options?: { path?: string; createTableMs?: number }): Server;
}

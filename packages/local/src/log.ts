type LogFn = {
  (msg: string): void;
  (obj: object, msg: string): void;
};

/** The slice of a pino logger the runtime uses, so tests can pass a silent or recording one. */
export interface Log {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
}

const noop = () => {};
export const silentLog: Log = { debug: noop, info: noop, warn: noop, error: noop };

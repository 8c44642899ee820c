import { pino } from "pino";
import { Config } from "./config";

let root: pino.Logger | undefined;

/** Structured logs: JSON in Lambda, readable lines locally (RUSHES_LOG_FORMAT=pretty). */
export function logger(): pino.Logger {
  if (root) return root;
  const { RUSHES_LOG_LEVEL: level, RUSHES_LOG_FORMAT: format } = Config.get();
  root = pino({
    level,
    base: undefined,
    ...(format === "pretty"
      ? {
          transport: {
            target: "pino-pretty",
            options: {
              colorize: true,
              singleLine: true,
              translateTime: "HH:MM:ss.l",
              ignore: "pid,hostname",
            },
          },
        }
      : {}),
  });
  return root;
}

export function resetLogger() {
  root = undefined;
}

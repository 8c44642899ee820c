import { useEffect, useRef, useState } from "preact/hooks";
import type { Signal } from "./signal";

export function useValue<T>(source: Signal<T>): T {
  const [value, setValue] = useState(source.value);
  useEffect(() => {
    setValue(source.value);
    return source.subscribe(setValue);
  }, [source]);
  return value;
}

export interface Route {
  name: "library" | "video" | "clips" | "webhooks" | "not-found";
  id?: string;
  params: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const [path = "", query = ""] = hash.replace(/^#/, "").split("?");
  const params = new URLSearchParams(query);
  const parts = path.split("/").filter(Boolean);
  if (parts.length === 0) return { name: "library", params };
  if (parts[0] === "videos" && parts[1])
    return { name: "video", id: decodeURIComponent(parts[1]), params };
  if (parts[0] === "clips" && parts.length === 1) return { name: "clips", params };
  if (parts[0] === "webhooks" && parts.length === 1) return { name: "webhooks", params };
  return { name: "not-found", params };
}

export function useRoute(): Route {
  const [hash, setHash] = useState(location.hash);
  useEffect(() => {
    const update = () => setHash(location.hash);
    addEventListener("hashchange", update);
    return () => removeEventListener("hashchange", update);
  }, []);
  return parseRoute(hash);
}

/**
 * Calls `tick` while `active`, backing off from `min` to `max` ms; a tick that reports a change
 * resets the delay. Paused while the tab is hidden.
 */
export function usePolling(
  active: boolean,
  tick: () => Promise<boolean>,
  { min = 1000, max = 15000, factor = 1.6 } = {},
) {
  const latest = useRef(tick);
  latest.current = tick;
  useEffect(() => {
    if (!active) return;
    let delay = min;
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    let running = false;
    const schedule = () => {
      clearTimeout(timer);
      if (!stopped) timer = setTimeout(run, delay);
    };
    const run = async () => {
      if (running) return;
      if (document.hidden) return schedule();
      running = true;
      let changed = false;
      try {
        changed = await latest.current();
      } catch {
        // Transient failures just slow the next attempt down.
      } finally {
        running = false;
      }
      delay = changed ? min : Math.min(max, Math.round(delay * factor));
      schedule();
    };
    // Back in view: catch up at once instead of waiting out the longest delay.
    const onVisible = () => {
      if (document.hidden || stopped || running) return;
      delay = min;
      void run();
    };
    document.addEventListener("visibilitychange", onVisible);
    schedule();
    return () => {
      stopped = true;
      clearTimeout(timer);
      document.removeEventListener("visibilitychange", onVisible);
    };
  }, [active, min, max, factor]);
}

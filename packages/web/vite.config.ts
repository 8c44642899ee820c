import { defineConfig } from "vite";

// `npm run dev -w @rushes/web` proxies the API and the dev-key config to a running `npm start`;
// under `sst dev` VITE_API_URL names the real API and public/config.js stays the empty default.
const runtime = process.env.RUSHES_URL ?? "http://127.0.0.1:3000";
const proxy: Record<string, string> = process.env.VITE_API_URL
  ? {}
  : { "/v1": runtime, "/config.js": runtime };

export default defineConfig({
  // Uppy ships its own preact 10; one copy keeps the bundle small and its components sharing state.
  resolve: { dedupe: ["preact"] },
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  build: { outDir: "dist", emptyOutDir: true, target: "es2022", sourcemap: true },
  // A fixed port, because the API allows exactly this origin under `sst dev` (infra/api.ts).
  server: { port: 5173, strictPort: true, proxy },
});

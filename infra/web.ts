// The browser client: packages/web, built by Vite and served from CloudFront.
import { api } from "./api";
import { maxUploadBytes, setWebUrl } from "./storage";

export const web = new sst.aws.StaticSite("Web", {
  path: "packages/web",
  build: { command: "npm run build", output: "dist" },
  environment: { VITE_API_URL: api.url, VITE_MAX_UPLOAD_BYTES: String(maxUploadBytes) },
  // packages/web/src/env.d.ts types these variables already: keep SST's copy out of src/.
  vite: { types: ".sst/sst-env.d.ts" },
  // `sst dev` runs the Vite dev server instead; this is the origin CORS admits then.
  dev: { url: "http://localhost:5173" },
});

setWebUrl(web.url);

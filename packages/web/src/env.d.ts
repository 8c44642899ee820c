/// <reference types="vite/client" />

interface ImportMetaEnv {
  /** The API's base URL, set by SST's StaticSite when deployed. */
  readonly VITE_API_URL?: string;
  readonly VITE_MAX_UPLOAD_BYTES?: string;
}

/** Injected by `/config.js` from the local runtime. */
interface RushesConfig {
  apiUrl?: string;
  devKey?: string;
  maxUploadBytes?: number;
}

interface Window {
  RUSHES_CONFIG?: RushesConfig;
}

// The rushes web client: upload, browse and play videos, request camera clips.
import { render } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { unauthorized } from "./api";
import { KeyGate, KeySettings, keyDialogRequested } from "./components/KeySettings";
import { apiKey } from "./config";
import { useRoute, useValue } from "./hooks";
import "./styles.css";
import { Clips } from "./views/Clips";
import { Library } from "./views/Library";
import { VideoPage } from "./views/VideoPage";
import { Webhooks } from "./views/Webhooks";

const titles: Record<ReturnType<typeof useRoute>["name"], string> = {
  library: "Videos · rushes",
  video: "Video · rushes",
  clips: "Cameras and clips · rushes",
  webhooks: "Webhooks · rushes",
  "not-found": "Not found · rushes",
};

function App() {
  const route = useRoute();
  const key = useValue(apiKey);
  const refused = useValue(unauthorized);
  const view = `${route.name}/${route.id ?? ""}`;
  const first = useRef(true);

  // A new view moves focus to its content, as a page load would, so keyboard and screen
  // reader users start there instead of on a link that just disappeared.
  useEffect(() => {
    document.title = titles[route.name];
    if (first.current) {
      first.current = false;
      return;
    }
    scrollTo(0, 0);
    document.getElementById("main")?.focus({ preventScroll: true });
  }, [view]);

  if (!key) return <KeyGate />;
  return (
    <>
      <header class="top">
        <a class="brand" href="#/">
          rushes
        </a>
        <nav aria-label="Main">
          <a
            href="#/"
            aria-current={route.name === "library" || route.name === "video" ? "page" : undefined}
          >
            Videos
          </a>
          <a href="#/clips" aria-current={route.name === "clips" ? "page" : undefined}>
            Cameras &amp; clips
          </a>
          <a href="#/webhooks" aria-current={route.name === "webhooks" ? "page" : undefined}>
            Webhooks
          </a>
          <KeySettings />
        </nav>
      </header>
      {/* A new key starts every view afresh. */}
      <main id="main" tabIndex={-1} key={key}>
        {refused && (
          <p class="error banner" role="alert">
            {refused.replace(/\.$/, "")}.{" "}
            <button
              type="button"
              class="link-button"
              onClick={() => (keyDialogRequested.value = true)}
            >
              Change the API key
            </button>
          </p>
        )}
        {route.name === "library" && <Library params={route.params} />}
        {route.name === "video" && route.id && <VideoPage key={route.id} id={route.id} />}
        {route.name === "clips" && <Clips />}
        {route.name === "webhooks" && <Webhooks />}
        {route.name === "not-found" && (
          <section class="panel">
            <h2>Not found</h2>
            <p>
              <a href="#/">Back to the library</a>
            </p>
          </section>
        )}
      </main>
    </>
  );
}

const root = document.getElementById("app");
if (root) render(<App />, root);

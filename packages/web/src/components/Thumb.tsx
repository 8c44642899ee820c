import { useEffect, useRef, useState } from "preact/hooks";

export interface Thumbnail {
  width: number;
  height: number;
  url?: string | undefined;
}

/** Picks the thumbnails a card needs: the smallest two, as a srcset. */
function srcset(thumbnails: Thumbnail[]) {
  const usable = thumbnails.filter((t) => t.url).sort((a, b) => a.width - b.width);
  const first = usable[0];
  if (!first) return undefined;
  return {
    src: first.url as string,
    srcSet: usable
      .slice(0, 2)
      .map((t) => `${t.url} ${t.width}w`)
      .join(", "),
    width: first.width,
    height: first.height,
  };
}

/**
 * A lazily loaded thumbnail. When the item has no URLs yet (list items don't), `resolve`
 * fetches them; an image that fails (e.g. an expired URL) is resolved again once.
 */
export function Thumb(props: {
  /** Identifies the item, so resolving happens once per item. */
  id: string;
  thumbnails: Thumbnail[];
  resolve?: ((fresh: boolean) => Promise<Thumbnail[]>) | undefined;
  sizes: string;
  alt?: string;
  /** Above the fold: load at once rather than lazily. */
  eager?: boolean;
}) {
  const [resolved, setResolved] = useState<Thumbnail[]>();
  const resolve = useRef(props.resolve);
  resolve.current = props.resolve;
  const [retried, setRetried] = useState(false);
  const own = srcset(props.thumbnails);
  const needed = !own && props.thumbnails.length > 0 && !!props.resolve;

  useEffect(() => {
    if (!needed || !resolve.current || !props.id) return;
    let live = true;
    resolve.current(false).then(
      (t) => live && setResolved(t),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [needed, props.id]);

  const image = own ?? (resolved && srcset(resolved));
  if (!image) return <span class="thumb thumb-empty" aria-hidden="true" />;
  return (
    <img
      class="thumb"
      src={image.src}
      srcSet={image.srcSet}
      sizes={props.sizes}
      width={image.width}
      height={image.height}
      alt={props.alt ?? ""}
      loading={props.eager ? "eager" : "lazy"}
      decoding="async"
      onError={() => {
        if (retried || !props.resolve) return;
        setRetried(true);
        props.resolve(true).then(setResolved, () => {});
      }}
    />
  );
}

/** The footer of a paged list: a loading line, or "Load more" while the API returns a cursor. */
export function LoadMore(props: {
  loading: boolean;
  cursor: string | null;
  onMore: (cursor: string) => void;
}) {
  const { loading, cursor, onMore } = props;
  return (
    <div class="more">
      {loading && <p aria-live="polite">Loading…</p>}
      {!loading && cursor && (
        <button type="button" onClick={() => onMore(cursor)}>
          Load more
        </button>
      )}
    </div>
  );
}

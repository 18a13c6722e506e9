import { useSearchParams } from 'react-router-dom';

/**
 * List filters kept in the URL, so a filtered list can be bookmarked and survives a reload.
 * Setting a filter drops the page offset (page 3 of the old filter means nothing under the new one);
 * an empty value removes the key.
 */
export function useFilterParams() {
  const [params, setParams] = useSearchParams();
  const setParam = (key: string, value: string) => {
    // From the address bar, not the render's `params`: two filters changed in a row would otherwise
    // both start from the same old query and the second would undo the first.
    const next = new URLSearchParams(window.location.search);
    if (value) next.set(key, value);
    else next.delete(key);
    if (key !== 'offset') next.delete('offset');
    setParams(next, { replace: true });
  };
  return [params, setParam] as const;
}

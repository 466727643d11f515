/** Keyboard shortcuts: `/` focuses search, `g c` goes to the clusters (fleet) page. */
import { useEffect, type RefObject } from 'react';

function typing(el: EventTarget | null): boolean {
  const node = el as HTMLElement | null;
  return (
    !!node && (node.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(node.tagName))
  );
}

export function useShortcuts(search: RefObject<HTMLInputElement | null>, goClusters: () => void) {
  useEffect(() => {
    let pendingG = 0;
    function onKey(e: KeyboardEvent) {
      if (e.ctrlKey || e.metaKey || e.altKey || typing(e.target)) return;
      if (e.key === '/') {
        e.preventDefault();
        search.current?.focus();
      } else if (e.key === 'g') {
        pendingG = Date.now();
      } else if (e.key === 'c' && Date.now() - pendingG < 1500) {
        pendingG = 0;
        goClusters();
      }
    }
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [search, goClusters]);
}

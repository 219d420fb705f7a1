import { useEffect, useState } from 'react';

/** The page shown, kept in location.hash ("#/catalog/products") so back/forward and reload work. */
export function currentRoute(): string {
  const h = typeof location !== 'undefined' ? location.hash.replace(/^#\/?/, '') : '';
  return h || 'catalog/products';
}

export function navigate(route: string): void {
  const next = `#/${route}`;
  if (location.hash !== next) location.hash = next;
}

export function useRoute(): string {
  const [route, setRoute] = useState(currentRoute);
  useEffect(() => {
    const on = () => setRoute(currentRoute());
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

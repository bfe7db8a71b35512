import { useCallback, useEffect, useState } from 'react';
import { api, ApiError } from '../api';
import { onNotification } from '../live';

export interface Loaded<T> {
  data?: T;
  error?: ApiError;
  loading: boolean;
  reload: () => void;
}

/**
 * Data of one API path for a view: loaded on mount and when the path changes, again when a live
 * notification arrives (`live`), every `refreshMs` while the tab is shown, and on demand. A failed
 * reload keeps what was shown.
 */
export function useApiData<T>(path: string | undefined, live = true, refreshMs = 0): Loaded<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; for?: string }>({});
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((n) => n + 1), []);
  useEffect(() => {
    if (!path) return;
    let current = true;
    api<T>(path)
      .then((data) => current && setState({ data, for: path }))
      .catch((error: ApiError) => current && setState((s) => ({ data: s.for === path ? s.data : undefined, error, for: path })));
    return () => {
      current = false;
    };
  }, [path, tick]);
  useEffect(() => (live ? onNotification(reload) : undefined), [live, reload]);
  // What no notification announces to this person (another unit's step, a projection catching up) shows within refreshMs.
  useEffect(() => {
    if (!refreshMs || !path) return;
    const timer = setInterval(() => document.visibilityState === 'visible' && reload(), refreshMs);
    return () => clearInterval(timer);
  }, [refreshMs, path, reload]);
  const mine = state.for === path;
  return { data: mine ? state.data : undefined, error: mine ? state.error : undefined, loading: Boolean(path) && !mine, reload };
}

/** The current time, ticking every `everyMs` (countdowns re-render with it). */
export function useNow(everyMs = 30_000): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

export interface Unit {
  id: string;
  nameZh: string;
  nameEn: string;
  parentId: string | null;
}

let unitsOnce: Promise<Map<string, Unit>> | undefined;

/** The unit tree's names, loaded once per page. */
export function useUnits(): Map<string, Unit> {
  const [units, setUnits] = useState<Map<string, Unit>>(new Map());
  useEffect(() => {
    unitsOnce ??= api<{ units: Unit[] }>('/api/v1/units').then((r) => new Map(r.units.map((u) => [u.id, u])));
    unitsOnce.then(setUnits).catch(() => {
      unitsOnce = undefined;
    });
  }, []);
  return units;
}

export interface Category {
  code: string;
  nameZh: string;
  nameEn: string;
}

let categoriesOnce: Promise<Map<string, Category>> | undefined;

/** The taxonomy's names, loaded once per page (codes are shown until they arrive). */
export function useCategories(): Map<string, Category> {
  const [categories, setCategories] = useState<Map<string, Category>>(new Map());
  useEffect(() => {
    categoriesOnce ??= api<{ categories: Category[] }>('/api/v1/cases/categories').then((r) => new Map(r.categories.map((c) => [c.code, c])));
    categoriesOnce.then(setCategories).catch(() => {
      categoriesOnce = undefined;
    });
  }, []);
  return categories;
}

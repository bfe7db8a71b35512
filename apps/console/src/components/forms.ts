import { useCallback, useState } from 'react';
import { ApiError } from '../api';

/**
 * One form's submission: busy while it runs, the API's error kept with the message of each field
 * it names (RFC 9457 pointers), and whether it succeeded — so a form clears only on success and
 * keeps everything typed on a 4xx or a dropped connection.
 */
export function useSubmit() {
  const [error, setError] = useState<ApiError>();
  const [busy, setBusy] = useState(false);
  const run = useCallback(async (work: () => Promise<unknown>): Promise<boolean> => {
    setBusy(true);
    setError(undefined);
    try {
      await work();
      return true;
    } catch (e) {
      setError(e instanceof ApiError ? e : new ApiError({ status: 0, title: (e as Error).message }));
      return false;
    } finally {
      setBusy(false);
    }
  }, []);
  const fields = error?.fieldErrors() ?? {};
  /** The error when no field of the form shows it (a 403, a conflict, the network). */
  const general = error && Object.keys(fields).length === 0 ? error : undefined;
  return { error, general, fields, busy, run };
}

/** A value that follows another once it stops changing (search boxes: one query per pause in typing). */
import { useEffect, useState } from "react";

/** `value` after `delayMs` without change: one search per pause in typing, not per key. */
export function useDebounced<T>(value: T, delayMs: number): T {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), delayMs);
    return () => clearTimeout(timer);
  }, [value, delayMs]);
  return settled;
}

/**
 * Sorted arrays kept sorted by binary insertion: the view's queues change one
 * caller at a time, and an O(n) splice of a few thousand references is cheaper
 * than re-sorting, while reads (positions, scans in order) stay free.
 * `cmp` must be a total order (ties broken by a unique key) so an element is
 * found again by its own value.
 */

/** The first index whose element is not before `x`. */
export function lowerBound<T>(arr: readonly T[], x: T, cmp: (a: T, b: T) => number): number {
  let lo = 0;
  let hi = arr.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp(arr[mid]!, x) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export function insertSorted<T>(arr: T[], x: T, cmp: (a: T, b: T) => number): void {
  arr.splice(lowerBound(arr, x, cmp), 0, x);
}

/** Removes the element comparing equal to `x`; false when absent. */
export function removeSorted<T>(arr: T[], x: T, cmp: (a: T, b: T) => number): boolean {
  const i = lowerBound(arr, x, cmp);
  if (i < arr.length && cmp(arr[i]!, x) === 0) {
    arr.splice(i, 1);
    return true;
  }
  return false;
}

/** The index of the element comparing equal to `x`, or -1. */
export function indexOfSorted<T>(arr: readonly T[], x: T, cmp: (a: T, b: T) => number): number {
  const i = lowerBound(arr, x, cmp);
  return i < arr.length && cmp(arr[i]!, x) === 0 ? i : -1;
}
